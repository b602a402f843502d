"""Reaction state: which emoji each reactor has on each message, and the points each
reactor currently gives a message (once per reactor, whatever the number of emojis)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReactionAward, ReactionState


async def set_emoji(
    session: AsyncSession,
    community_id: int,
    message_ref: str,
    reactor_id: int,
    emoji: str,
    active: bool,
) -> bool:
    """Set one emoji's state; False when it already was in that state (nothing to do)."""
    row = await session.get(ReactionState, (community_id, message_ref, reactor_id, emoji))
    if row is None:
        if not active:
            return False
        session.add(
            ReactionState(
                community_id=community_id,
                message_ref=message_ref,
                reactor_id=reactor_id,
                emoji=emoji,
                active=True,
            )
        )
        await session.flush()
        return True
    if row.active == active:
        return False
    row.active = active
    await session.flush()
    return True


async def award(
    session: AsyncSession, community_id: int, message_ref: str, reactor_id: int
) -> ReactionAward:
    row = await session.get(ReactionAward, (community_id, message_ref, reactor_id))
    if row is None:
        row = ReactionAward(
            community_id=community_id, message_ref=message_ref, reactor_id=reactor_id
        )
        session.add(row)
        await session.flush()
    return row


async def awarded_count(session: AsyncSession, community_id: int, message_ref: str) -> int:
    """How many reactors currently give this message points (for the per-message cap)."""
    count = await session.scalar(
        select(func.count())
        .select_from(ReactionAward)
        .where(
            ReactionAward.community_id == community_id,
            ReactionAward.message_ref == message_ref,
            ReactionAward.active_emojis > 0,
            ReactionAward.points > 0,
        )
    )
    return int(count or 0)


async def live_awards(
    session: AsyncSession, community_id: int, message_ref: str
) -> list[ReactionAward]:
    rows = await session.scalars(
        select(ReactionAward).where(
            ReactionAward.community_id == community_id,
            ReactionAward.message_ref == message_ref,
            ReactionAward.points != 0,
        )
    )
    return list(rows.all())


async def clear_award(session: AsyncSession, row: ReactionAward) -> None:
    await session.execute(
        update(ReactionAward)
        .where(
            ReactionAward.community_id == row.community_id,
            ReactionAward.message_ref == row.message_ref,
            ReactionAward.reactor_id == row.reactor_id,
        )
        .values(points=0)
    )
