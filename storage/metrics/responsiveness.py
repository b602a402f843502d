"""The responsiveness numbers of a digest and `/admin stats`: questions asked in a span,
how many got their first response within the target, the median time to that first
response and how many were closed by an accepted solution, for the whole community and
for each help channel. The period's whole UTC hours are read from the question tally
(`storage.question_tally`); the questions of a partial hour at either end, those still
inside their target time, and those whose response time falls in the bucket that holds a
median, from the `ix_question_asked` range (which covers every column read: the question
rows themselves are never visited).

A question still inside its target time with no response is not counted against the
share answered in time: it may yet be answered in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import question_tally as tally
from storage.models.questions import Question
from storage.response_buckets import UNANSWERED, bucket, seconds_of

# The key of the numbers for the whole community (a help channel's key is its name).
ALL = ""


@dataclass(frozen=True)
class Responsiveness:
    asked: int = 0
    due: int = 0  # answered, or past the target without a response
    in_time: int = 0  # first response within the target
    answered: int = 0
    solved: int = 0
    median_seconds: float | None = None

    @property
    def in_time_share(self) -> float | None:
        return self.in_time / self.due if self.due else None


async def responsiveness(
    session: AsyncSession,
    community_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
    target_seconds: int,
) -> dict[str, Responsiveness]:
    """The numbers of the questions asked in [start, end): the whole community under
    `ALL`, each help channel under its name."""
    q = Question.__table__.c
    channel = tally.channel_of()
    first = _hour_after(start)
    last = end.replace(minute=0, second=0, microsecond=0)
    counts: dict[str, dict[int, list[int]]] = {}  # channel -> bucket -> [questions, solved]

    def add(name: str, number: int, questions: int, solved: int) -> None:
        for key in {name, ALL}:
            found = counts.setdefault(key, {}).setdefault(int(number), [0, 0])
            found[0] += int(questions)
            found[1] += int(solved or 0)

    if first < last:
        rows = await session.execute(
            _HOURS, {"community_id": community_id, "first": first, "end": last}
        )
        for name, number, questions, solved in rows:
            add(name, number, questions, solved)
        edges = [(start, first), (last, end)]
    else:
        edges = [(start, end)]
    for since, until in edges:
        if since >= until:
            continue
        number = tally.response_bucket()
        rows = await session.execute(
            select(
                channel,
                number,
                func.count(),
                func.sum(case((q.solved_at.is_not(None), 1), else_=0)),
            )
            .where(q.community_id == community_id, q.asked_at >= since, q.asked_at < until)
            .group_by(channel, number)
        )
        for name, found, questions, solved in rows:
            add(name, found, questions, solved)
    # Unanswered and asked within the target of `now`: not due yet.
    pending: dict[str, int] = {}
    not_due_after = now - timedelta(seconds=target_seconds)
    if not_due_after < end:
        rows = await session.execute(
            select(channel, func.count())
            .where(
                q.community_id == community_id,
                q.asked_at > not_due_after,
                q.asked_at >= start,
                q.asked_at < end,
                q.response_seconds.is_(None),
            )
            .group_by(channel)
        )
        for name, n in rows:
            pending[name] = pending.get(name, 0) + int(n)
            if name != ALL:
                pending[ALL] = pending.get(ALL, 0) + int(n)
    in_time_up_to = bucket(target_seconds)
    medians = await _medians(session, community_id, start, end, counts)
    found: dict[str, Responsiveness] = {}
    for name in sorted(counts, key=lambda key: key != ALL):
        buckets = counts[name]
        asked = sum(n for n, _ in buckets.values())
        if name != ALL and not asked:
            continue
        answered = sum(n for number, (n, _) in buckets.items() if number != UNANSWERED)
        found[name] = Responsiveness(
            asked,
            asked - pending.get(name, 0),
            sum(n for b, (n, _) in buckets.items() if 0 <= b <= in_time_up_to),
            answered,
            sum(solved for _, solved in buckets.values()),
            medians.get(name),
        )
    found.setdefault(ALL, Responsiveness())
    return found


async def _medians(
    session: AsyncSession,
    community_id: int,
    start: datetime,
    end: datetime,
    counts: dict[str, dict[int, list[int]]],
) -> dict[str, float]:
    """Each channel's median response time: the buckets that hold its middle one or two
    are found from the counts, then only the questions in them are read, all channels at
    once, and put in order here."""
    # lowest and highest bucket, rank of the first middle one among them, answered in all
    wanted: dict[str, tuple[int, int, int, int]] = {}
    for name, buckets in counts.items():
        answered = sorted((b, n) for b, (n, _) in buckets.items() if b != UNANSWERED)
        total = sum(n for _, n in answered)
        if not total:
            continue
        middle = [(total - 1) // 2, total // 2]
        below, low, high, rank = 0, None, None, 0
        for number, n in answered:
            if n <= 0:
                below += n
                continue
            if low is None and below + n > middle[0]:
                low, rank = number, middle[0] - below
            if below + n > middle[1]:
                high = number
                break
            below += n
        assert low is not None and high is not None
        wanted[name] = (low, high, rank, total)
    if not wanted:
        return {}
    numbers = sorted({n for low, high, _, _ in wanted.values() for n in range(low, high + 1)})
    statement = in_buckets_statement(community_id, start, end, numbers)
    rows = (await session.execute(statement)).all()
    medians: dict[str, float] = {}
    for name, (low, high, rank, total) in wanted.items():
        lowest, highest = seconds_of(low)[0], seconds_of(high)[1]
        values = sorted(
            seconds
            for key, seconds in rows
            if (name == ALL or key == name)
            and seconds >= lowest
            and (highest is None or seconds <= highest)
        )
        middle = values[rank : rank + (1 if total % 2 else 2)]
        medians[name] = sum(middle) / len(middle)
    return medians


def in_buckets_statement(
    community_id: int, start: datetime, end: datetime, numbers: Sequence[int]
) -> Select[tuple[str, int]]:
    """(channel, response seconds) of the questions asked in [start, end) whose response
    falls in one of the buckets `numbers`: looked up by bucket in `ix_question_bucket`, so
    only those questions are read, not every question of the period."""
    q = Question.__table__.c
    return select(tally.channel_of(), q.response_seconds).where(
        q.community_id == community_id,
        tally.response_bucket().in_(numbers),
        q.asked_at >= start,
        q.asked_at < end,
    )


def _hour_after(moment: datetime) -> datetime:
    """`moment` if it begins an hour, else the next hour's start."""
    hour = moment.replace(minute=0, second=0, microsecond=0)
    return hour if hour == moment else hour + timedelta(hours=1)


_HOURS = tally.hours_statement()
