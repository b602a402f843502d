"""Reaction state: which emoji each reactor has on each message, and the points each
reactor currently gives a message (once per reactor, whatever the number of emojis).

A batch of reaction events loads the state of the messages it touches in two queries,
plays the events in memory, and writes the changed rows back with two upserts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import dialect_insert
from storage.models import ReactionAward, ReactionState


@dataclass
class Award:
    """What one reactor gives one message: points while at least one emoji is on it."""

    message_ref: str
    reactor_id: int
    active_emojis: int = 0
    generation: int = 0
    points: int = 0
    author_id: int | None = None
    awarded_at: datetime | None = None
    contribution_id: int | None = None


@dataclass
class ReactionBook:
    """The reaction state of a set of messages, changed in memory and saved at once."""

    community_id: int
    emojis: dict[tuple[str, int, str], bool]
    awards: dict[tuple[str, int], Award]
    changed_emojis: set[tuple[str, int, str]]
    changed_awards: set[tuple[str, int]]

    def set_emoji(self, ref: str, reactor_id: int, emoji: str, active: bool) -> bool:
        """Set one emoji's state; False when it already was in that state."""
        key = (ref, reactor_id, emoji)
        if self.emojis.get(key, False) == active:
            return False
        self.emojis[key] = active
        self.changed_emojis.add(key)
        return True

    def award(self, ref: str, reactor_id: int) -> Award:
        key = (ref, reactor_id)
        self.changed_awards.add(key)
        if key not in self.awards:
            self.awards[key] = Award(ref, reactor_id)
        return self.awards[key]

    def awarded_count(self, ref: str) -> int:
        """How many reactors currently give this message points (for the per-message cap)."""
        return sum(
            1 for (r, _), a in self.awards.items() if r == ref and a.active_emojis and a.points
        )

    def live_awards(self, ref: str) -> list[Award]:
        return [a for (r, _), a in self.awards.items() if r == ref and a.points]


async def load(session: AsyncSession, community_id: int, refs: Collection[str]) -> ReactionBook:
    emojis: dict[tuple[str, int, str], bool] = {}
    awards: dict[tuple[str, int], Award] = {}
    for chunk in _chunks(sorted(refs)):
        rows = await session.execute(
            select(
                ReactionState.message_ref,
                ReactionState.reactor_id,
                ReactionState.emoji,
                ReactionState.active,
            ).where(
                ReactionState.community_id == community_id, ReactionState.message_ref.in_(chunk)
            )
        )
        emojis.update({(r, m, e): a for r, m, e, a in rows})
        for row in await session.scalars(
            select(ReactionAward).where(
                ReactionAward.community_id == community_id, ReactionAward.message_ref.in_(chunk)
            )
        ):
            awards[(row.message_ref, row.reactor_id)] = Award(
                row.message_ref,
                row.reactor_id,
                row.active_emojis,
                row.generation,
                row.points,
                row.author_id,
                row.awarded_at,
                row.contribution_id,
            )
    return ReactionBook(community_id, emojis, awards, set(), set())


async def save(session: AsyncSession, book: ReactionBook) -> None:
    if book.changed_emojis:
        stmt = dialect_insert(session, ReactionState.__table__)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["community_id", "message_ref", "reactor_id", "emoji"],
                set_={"active": stmt.excluded.active},
            ),
            [
                {
                    "community_id": book.community_id,
                    "message_ref": r,
                    "reactor_id": m,
                    "emoji": e,
                    "active": book.emojis[(r, m, e)],
                }
                for r, m, e in sorted(book.changed_emojis)
            ],
        )
    if book.changed_awards:
        stmt = dialect_insert(session, ReactionAward.__table__)
        columns = (
            "active_emojis",
            "generation",
            "points",
            "author_id",
            "awarded_at",
            "contribution_id",
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["community_id", "message_ref", "reactor_id"],
                set_={c: stmt.excluded[c] for c in columns},
            ),
            [
                _award_row(book.community_id, book.awards[key])
                for key in sorted(book.changed_awards)
            ],
        )
    book.changed_emojis.clear()
    book.changed_awards.clear()


def _award_row(community_id: int, award: Award) -> dict[str, object]:
    return {
        "community_id": community_id,
        "message_ref": award.message_ref,
        "reactor_id": award.reactor_id,
        "active_emojis": award.active_emojis,
        "generation": award.generation,
        "points": award.points,
        "author_id": award.author_id,
        "awarded_at": award.awarded_at,
        "contribution_id": award.contribution_id,
    }


def _chunks(values: list[str], size: int = 400) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
