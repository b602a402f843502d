"""The message of the period: the one that most distinct members reacted to, in a channel
that is not excluded, and not deleted since. Its text is never stored: the digest reads it
back from the platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.metrics import EVENTS
from storage.models import Contribution, ReactionState


@dataclass(frozen=True)
class TopMessage:
    message_ref: str
    channel_id: str | None
    author_id: int
    reactors: int


async def top_message(
    session: AsyncSession,
    community_id: int,
    start: datetime,
    end: datetime,
    excluded_channels: frozenset[str],
) -> TopMessage | None:
    """The message that most distinct members reacted to in the period.

    The ledger's reaction awards (never self, bot or excluded-channel reactions) find the
    candidates in one grouped scan; the awards stop at the per-message cap, so the
    candidates' distinct reactors are then counted exactly from the reaction state.
    """
    c = Contribution
    net = func.sum(case((c.kind == "reaction", 1), else_=-1))
    per_reactor = (
        select(c.message_ref, c.actor_id)
        .where(
            c.community_id == community_id,
            EVENTS,
            c.kind.in_(("reaction", "reaction_reversed")),
            c.occurred_at >= start,
            c.occurred_at < end,
        )
        .group_by(c.message_ref, c.actor_id)
        .having(net > 0)
        .subquery()
    )
    candidates = (
        await session.execute(
            select(per_reactor.c.message_ref, func.count().label("n"))
            .group_by(per_reactor.c.message_ref)
            .order_by(func.count().desc(), per_reactor.c.message_ref)
            .limit(10)
        )
    ).all()
    if not candidates:
        return None
    refs = [ref for ref, _ in candidates]
    rows = list(
        await session.scalars(
            select(Contribution).where(
                Contribution.community_id == community_id,
                Contribution.message_ref.in_(refs),
                Contribution.kind.in_(("message", "message_reversed")),
            )
        )
    )
    posts = {row.message_ref: row for row in rows if row.kind == "message"}
    deleted = {row.message_ref for row in rows if row.kind == "message_reversed"}
    # The awards stop at the per-message cap: count the candidates' reactors exactly (not
    # the author reacting to their own message, as the awards never count them either).
    post = Contribution.__table__.alias("post")
    exact = dict(
        (
            await session.execute(
                select(ReactionState.message_ref, func.count(distinct(ReactionState.reactor_id)))
                .join(
                    post,
                    and_(
                        post.c.community_id == ReactionState.community_id,
                        post.c.message_ref == ReactionState.message_ref,
                        post.c.kind == "message",
                    ),
                )
                .where(
                    ReactionState.community_id == community_id,
                    ReactionState.message_ref.in_(refs),
                    ReactionState.active.is_(True),
                    ReactionState.reactor_id != post.c.member_id,
                )
                .group_by(ReactionState.message_ref)
            )
        ).all()
    )
    best: TopMessage | None = None
    for ref, count in candidates:
        row = posts.get(ref)
        if row is None or ref in deleted:
            continue
        if (row.channel_id or "").lower().lstrip("#") in excluded_channels:
            continue
        reactors = int(exact.get(ref, count))
        if best is None or reactors > best.reactors:
            best = TopMessage(ref, row.channel_id, row.member_id, reactors)
    return best
