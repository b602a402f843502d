"""Response-time buckets: how long a question waited for its first response, in bands of
whole seconds (`storage.question_tally` counts questions per bucket; the median's bucket is
looked up in `ix_question_bucket`, an index on `bucket_sql`).

The buckets are `(low, high]`: ten seconds wide up to a minute, a minute wide up to an
hour, ten minutes wide up to a day, an hour wide up to thirty days, then one for the rest.
A target of a whole number of hours (1 to 720) is always the upper end of a bucket.
-1 holds the questions with no response yet.
"""

from __future__ import annotations

UNANSWERED = -1
# (upper end, exclusive, of `seconds - 1` in this band; the band's bucket width)
_BANDS = ((60, 10), (3_600, 60), (86_400, 600), (30 * 86_400, 3_600))


def bucket(seconds: int) -> int:
    """The bucket of a response `seconds` after its question."""
    value, first, start = max(seconds - 1, 0), 0, 0
    for upto, width in _BANDS:
        if value < upto:
            return first + (value - start) // width
        first, start = first + (upto - start) // width, upto
    return first


LAST_BUCKET = bucket(10**12)


def seconds_of(number: int) -> tuple[int, int | None]:
    """The response times a bucket holds: (lowest, highest), inclusive; None: no end."""
    first, start = 0, 0
    for upto, width in _BANDS:
        count = (upto - start) // width
        if number < first + count:
            low = start + (number - first) * width
            return (0 if number == 0 else low + 1, low + width)
        first, start = first + count, upto
    return start + 1, None


def bucket_sql(seconds: str) -> str:
    """`bucket` as SQL over the integer expression `seconds` (NULL: unanswered)."""
    parts = [f"WHEN {seconds} IS NULL THEN {UNANSWERED}", f"WHEN {seconds} < 1 THEN 0"]
    first, start = 0, 0
    for upto, width in _BANDS:
        parts.append(
            f"WHEN {seconds} - 1 < {upto} THEN {first} + ({seconds} - 1 - {start}) / {width}"
        )
        first, start = first + (upto - start) // width, upto
    return f"CASE {' '.join(parts)} ELSE {first} END"
