"""The message of the period: the one that most distinct members reacted to, in a channel
that is not excluded, and not deleted since. Its text is never stored: the digest reads it
back from the platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


async def candidates(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int = 10
) -> list[tuple[str, int]]:
    """The messages with the most members whose reactions in [start, end) add up to more
    than they took back (the most first, then by reference), with that number.

    That number is a message's distinct reactors among the period's reaction awards, less
    those of them who took as many back in the period. Only the few messages with a
    reaction taken back can have any (`taken_back`): the others' numbers are their
    distinct reactors, so the first `limit` + (those few) by distinct reactors, with the
    few themselves, hold the answer (a plain DISTINCT and a top-N sort, no sums per
    reactor of every message).
    """
    c = Contribution
    actor = func.coalesce(c.actor_id, 0)  # grouped like any reactor, as NULL would be
    in_period = (
        c.community_id == community_id,
        EVENTS,
        c.occurred_at >= start,
        c.occurred_at < end,
    )
    undone = await _taken_back(session, in_period)

    def reactors(*where: Any):  # type: ignore[no-untyped-def]
        pairs = (
            select(c.message_ref, actor).distinct().where(*in_period, c.kind == "reaction", *where)
        ).subquery()
        n = func.count()
        return select(pairs.c.message_ref, n).group_by(pairs.c.message_ref), n, pairs

    best, n, pairs = reactors()
    found = dict(
        (
            await session.execute(
                best.order_by(n.desc(), pairs.c.message_ref).limit(limit + len(undone))
            )
        ).all()
    )
    missing = [ref for ref in undone if ref not in found]
    if missing:
        query, _, pairs = reactors(c.message_ref.in_(missing))
        found.update(dict((await session.execute(query)).all()))
    counts = {ref: int(total) - undone.get(ref, 0) for ref, total in found.items()}
    ranked = sorted(((ref, n) for ref, n in counts.items() if n > 0), key=lambda r: (-r[1], r[0]))
    return ranked[:limit]


async def _taken_back(session: AsyncSession, in_period: tuple[Any, ...]) -> dict[str, int]:
    """Per message with a reaction taken back in the period: how many of its reactors in
    the period took back at least as many as they gave."""
    c = Contribution
    actor = func.coalesce(c.actor_id, 0)
    net = func.sum(case((c.kind == "reaction", 1), else_=-1))
    awarded = func.sum(case((c.kind == "reaction", 1), else_=0))
    reverted = select(c.message_ref).where(*in_period, c.kind == "reaction_reversed")
    pairs = (
        select(c.message_ref)
        .where(
            *in_period,
            c.kind.in_(("reaction", "reaction_reversed")),
            c.message_ref.in_(reverted),
        )
        .group_by(c.message_ref, actor)
        .having(and_(awarded > 0, net <= 0))
        .subquery()
    )
    rows = await session.execute(
        select(pairs.c.message_ref, func.count()).group_by(pairs.c.message_ref)
    )
    return {ref: int(n) for ref, n in rows}


async def top_message(
    session: AsyncSession,
    community_id: int,
    start: datetime,
    end: datetime,
    excluded_channels: frozenset[str],
) -> TopMessage | None:
    """The message that most distinct members reacted to in the period."""
    ranked = await top_messages(session, community_id, start, end, excluded_channels)
    return ranked[0] if ranked else None


async def top_messages(
    session: AsyncSession,
    community_id: int,
    start: datetime,
    end: datetime,
    excluded_channels: frozenset[str],
) -> list[TopMessage]:
    """The few messages that most distinct members reacted to in the period, the most
    first (then by reference).

    The ledger's reaction awards (never self, bot or excluded-channel reactions) find the
    candidates in one grouped scan; the awards stop at the per-message cap, so the
    candidates' distinct reactors are then counted exactly from the reaction state.
    """
    found = await candidates(session, community_id, start, end)
    if not found:
        return []
    refs = [ref for ref, _ in found]
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
    ranked: list[TopMessage] = []
    for ref, count in found:
        row = posts.get(ref)
        if row is None or ref in deleted:
            continue
        if (row.channel_id or "").lower().lstrip("#") in excluded_channels:
            continue
        reactors = int(exact.get(ref, count))
        ranked.append(TopMessage(ref, row.channel_id, row.member_id, reactors))
    ranked.sort(key=lambda top: (-top.reactors, top.message_ref))
    return ranked
