"""The rules of ideas that need no database: statuses and the moves between them, the
orders of `/idea list`, and how alike two ideas are.

- Statuses: `new`, `under_review`, `planned`, `in_progress` are open; `shipped`,
  `declined` and `duplicate` are decisions. An open idea may move to any other status; a
  decision stands until a moderator reopens the idea (to `under_review`).
- top: the Wilson score interval's lower bound (95 %) of for/(for+against), so that 10
  for and 0 against beats 60/40, and 1/0 does not beat 50/5 — the raw difference or ratio
  would get both wrong.
- controversial: many votes and a close split, `total * min/max`.
- trending: recent votes weigh more, each halving its weight every three days; a vote for
  adds, a vote against takes away (momentum of support, not mere noise).
- similarity: accents, case and common words left out, then the best of a character-level
  comparison of the sorted title words (rapidfuzz's normalised Indel similarity, in C) and
  the overlap of title and description words. A new idea is compared with every candidate,
  off the event loop (`most_similar` is plain CPU work for a worker thread).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

STATUSES = (
    "new",
    "under_review",
    "planned",
    "in_progress",
    "shipped",
    "declined",
    "duplicate",
)
OPEN_STATUSES = ("new", "under_review", "planned", "in_progress")
FINAL_STATUSES = ("shipped", "declined", "duplicate")
REOPEN_STATUS = "under_review"
# Reaching any of these means the idea was planned, even if a moderator skipped a step:
# the author's "planned" points do not depend on the moderator's bookkeeping.
PLANNED_OR_LATER = ("planned", "in_progress", "shipped")
# What the `status` option of `/idea list` accepts: a status, or `open` / `all`.
LIST_FILTERS = ("open", "all", *STATUSES)
SORTS = ("top", "new", "controversial", "trending")

Z_95 = 1.96
TRENDING_HALF_LIFE = timedelta(days=3)
# Older votes weigh less than 0.1 % of a fresh one: not worth reading.
TRENDING_WINDOW = TRENDING_HALF_LIFE * 10


def statuses_for(filter_: str) -> tuple[str, ...]:
    """The statuses a `/idea list` filter stands for."""
    if filter_ == "open":
        return OPEN_STATUSES
    if filter_ == "all":
        return STATUSES
    return (filter_,)


def can_move(old: str, new: str) -> bool:
    """Whether a moderator may move an idea from `old` to `new` (not the same status)."""
    if old == new:
        return False
    return old in OPEN_STATUSES or new == REOPEN_STATUS


def accepts_votes(status: str) -> bool:
    """Votes prioritise open ideas; a decision freezes the support it was made with."""
    return status in OPEN_STATUSES


def accepts_testers(status: str) -> bool:
    """A call for testers fits any idea that is or will be built (also once shipped)."""
    return status not in ("declined", "duplicate")


# -- orders -----------------------------------------------------------------------------


def wilson_lower_bound(votes_for: int, votes_against: int, z: float = Z_95) -> float:
    """The lower bound of the Wilson score interval of the share of votes for."""
    n = votes_for + votes_against
    if n == 0:
        return 0.0
    p = votes_for / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)
    return (centre - margin) / (1 + z2 / n)


def controversy(votes_for: int, votes_against: int) -> float:
    """Many votes and a close split: `total * min/max` (0 without both sides)."""
    high = max(votes_for, votes_against)
    if high == 0:
        return 0.0
    return (votes_for + votes_against) * min(votes_for, votes_against) / high


def scores(votes_for: int, votes_against: int) -> tuple[float, float]:
    """(top, controversial) scores stored with the counts."""
    return wilson_lower_bound(votes_for, votes_against), controversy(votes_for, votes_against)


def trending(
    votes: Iterable[tuple[int, str, datetime]], now: datetime
) -> dict[int, tuple[float, float]]:
    """Per idea id: (net support weighted by recency, attention weighted by recency).

    A vote's weight halves every `TRENDING_HALF_LIFE` of age, measured on the core's
    clock (`now`); a vote for counts +weight, against -weight, in the first number, and
    both count +weight in the second (which breaks ties).
    """
    half_life = TRENDING_HALF_LIFE.total_seconds()
    found: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for idea_id, choice, at in votes:
        age = max(0.0, (now - at).total_seconds())
        weight = 0.5 ** (age / half_life)
        found[idea_id][0] += weight if choice == "for" else -weight
        found[idea_id][1] += weight
    return {idea_id: (net, attention) for idea_id, (net, attention) in found.items()}


# -- similarity -----------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about what an idea is (English and French).
_STOP_WORDS_TEXT = """
    a an and are as at be but by can could do for from have i if in into is it its let me
    my of on or our please should so that the their them there this to us we what when
    which will with would you your add allow able make new option feature support
    au aux avec ce ces dans de des du elle en et il ils je la le les leur mais me mes mon
    ne nous on ou par pas pour qu que qui sa se ses son sur ta te tes ton tu un une vous
    votre vos pouvoir ajouter permettre nouvelle nouveau merci svp
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def words(text: str) -> list[str]:
    """The meaningful words of `text`: no accents, lower case, no common words, and a
    plural `s` dropped so that `exports` and `export` match."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    found = []
    for word in _WORD.findall(plain):
        if word in STOP_WORDS:
            continue
        if len(word) > 3 and word.endswith("s"):
            word = word[:-1]
        found.append(word)
    return found


def _dice(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


@dataclass(frozen=True)
class Shape:
    """What similarity reads of an idea, computed once per idea."""

    title_words: frozenset[str]
    sorted_title: str
    all_words: frozenset[str]


def shape(title: str, text: str) -> Shape:
    title_words = words(title)
    return Shape(
        frozenset(title_words),
        " ".join(sorted(title_words)),
        # Title and description together, by words: a long text adds weight, never noise.
        frozenset(title_words) | frozenset(words(text)[:300]),
    )


def _alike(a: Shape, b: Shape) -> float:
    if not a.title_words or not b.title_words:
        return 0.0
    # Character level: catches typos and word forms (`dakr mode`, `exporting`).
    title_chars = fuzz.ratio(a.sorted_title, b.sorted_title) / 100
    title_words = _dice(set(a.title_words), set(b.title_words))
    overall = 0.5 * title_words + 0.5 * _dice(set(a.all_words), set(b.all_words))
    return max(title_chars, title_words, overall)


def similarity(title_a: str, text_a: str, title_b: str, text_b: str) -> float:
    """How alike two ideas are, from 0 to 1, by their titles and descriptions."""
    return _alike(shape(title_a, text_a), shape(title_b, text_b))


def most_similar(
    title: str, text: str, candidates: Iterable[tuple[int, str, str]], threshold: float, limit: int
) -> list[tuple[int, float]]:
    """(candidate id, similarity) of the candidates (id, title, description) at or above
    `threshold`, most similar first, at most `limit`. CPU work: run it in a worker thread."""
    mine = shape(title, text)
    if not mine.title_words:
        return []
    found = [
        (key, score)
        for key, other_title, other_text in candidates
        if (score := _alike(mine, shape(other_title, other_text))) >= threshold
    ]
    found.sort(key=lambda item: (-item[1], item[0]))
    return found[:limit]
