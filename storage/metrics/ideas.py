"""The ideas and polls sections of a digest: ideas submitted in the period (the best
supported first), the ideas that won the most support votes, every status change with its
reason, and the polls closed in the period. Each is a small indexed read by time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.ideas import Idea, IdeaEvent, IdeaVote
from storage.models.polls import Poll


async def ideas_created(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int = 5
) -> tuple[list[Idea], int]:
    where = (Idea.community_id == community_id, Idea.created_at >= start, Idea.created_at < end)
    total = await session.scalar(select(func.count()).select_from(Idea).where(*where))
    rows = await session.scalars(
        select(Idea)
        .where(*where, Idea.merged_into_id.is_(None))
        .order_by(Idea.votes_for.desc(), Idea.number)
        .limit(limit)
    )
    return list(rows), int(total or 0)


async def ideas_supported(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int = 3
) -> list[tuple[Idea, int]]:
    """Ideas that won the most support votes in the period."""
    votes = func.count().label("votes")
    rows = await session.execute(
        select(Idea, votes)
        .join(IdeaVote, IdeaVote.idea_id == Idea.id)
        .where(
            IdeaVote.community_id == community_id,
            IdeaVote.voted_at >= start,
            IdeaVote.voted_at < end,
            IdeaVote.choice == "for",
            Idea.merged_into_id.is_(None),
        )
        .group_by(Idea.id)
        .order_by(votes.desc(), Idea.number)
        .limit(limit)
    )
    return [(idea, int(n)) for idea, n in rows]


async def status_changes(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int = 20
) -> list[tuple[Idea, IdeaEvent]]:
    rows = await session.execute(
        select(Idea, IdeaEvent)
        .join(IdeaEvent, IdeaEvent.idea_id == Idea.id)
        .where(
            IdeaEvent.community_id == community_id,
            IdeaEvent.kind == "status",
            IdeaEvent.at >= start,
            IdeaEvent.at < end,
        )
        .order_by(IdeaEvent.at, IdeaEvent.id)
        .limit(limit)
    )
    return [(idea, event) for idea, event in rows]


async def polls_closed(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int = 10
) -> list[Poll]:
    """The latest polls closed in [start, end), at most `limit` (a catch-up spans many)."""
    rows = await session.scalars(
        select(Poll)
        .where(Poll.community_id == community_id, Poll.closed_at >= start, Poll.closed_at < end)
        .order_by(Poll.closed_at.desc(), Poll.number.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))
