"""The message of the period: the one that most distinct members reacted to, in a channel
that is not excluded, and not deleted since. Its text is never stored: the digest reads it
back from the platform.

For a week or a month of `member_total`'s, the candidates are read in order from the
period's reaction awards per message (`message_total`), most first; elsewhere they are
counted from the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bulk import BulkSelect, values_for
from storage.metrics import EVENTS
from storage.models import Contribution, ReactionState
from storage.models.digests import MessageTotal, MessageTotalSince


@dataclass(frozen=True)
class TopMessage:
    message_ref: str
    channel_id: str | None
    author_id: int
    reactors: int


# Rows of `message_total` read at a time, most reactions first.
PAGE = 64


async def candidates(
    session: AsyncSession,
    community_id: int,
    start: datetime,
    end: datetime,
    limit: int = 10,
    board: tuple[str, date] | None = None,
) -> list[tuple[str, int]]:
    """The messages with the most members whose reactions in [start, end) add up to more
    than they took back (the most first, then by reference), with that number.

    `board`: [start, end) is that week or month of `message_total`'s ("week", its Monday),
    read from it when it holds the whole period (`_totals_hold`).

    Only a message with a reaction taken back in the period can have a member whose
    reactions do not add up to more (a member's second award follows their taking back
    the first): those few are counted member by member (`_counted`); the others' number
    is their distinct reactors, or their awards in the period. Elsewhere the first
    `limit` + (those few) messages by distinct reactors hold the answer (a plain DISTINCT
    and a top-N sort, no sums per reactor of every message).
    """
    c = Contribution
    in_period = (
        c.community_id == community_id,
        EVENTS,
        c.occurred_at >= start,
        c.occurred_at < end,
    )
    reverted = set(
        await session.scalars(
            select(c.message_ref).distinct().where(*in_period, c.kind == "reaction_reversed")
        )
    )
    if board is not None and await _totals_hold(session, community_id, start):
        return await _from_totals(session, community_id, board, start, end, reverted, limit)
    actor = func.coalesce(c.actor_id, 0)  # grouped like any reactor, as NULL would be
    pairs = (
        select(c.message_ref, actor).distinct().where(*in_period, c.kind == "reaction")
    ).subquery()
    n = func.count()
    best = (
        select(pairs.c.message_ref, n)
        .group_by(pairs.c.message_ref)
        .order_by(n.desc(), pairs.c.message_ref)
        .limit(limit + len(reverted))
    )
    counts = {ref: int(total) for ref, total in (await session.execute(best)).all()}
    counts.update(await _counted(session, community_id, start, end, sorted(reverted)))
    ranked = sorted(((ref, n) for ref, n in counts.items() if n > 0), key=lambda r: (-r[1], r[0]))
    return ranked[:limit]


async def _counted(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, refs: list[str]
) -> dict[str, int]:
    """Per message: its members whose reactions in [start, end) add up to more than they
    took back, counted from its ledger rows, which are found by reference alone (with a
    condition on the time or the kind, both databases' planners would read the period's
    reactions instead) and are few per message."""
    read_time = values_for(session).read_time
    net: dict[tuple[str, int], int] = {}
    for ref, actor, kind, at in await _MESSAGE_ROWS.run(session, refs, (community_id,)):
        if kind in _SIGN and start <= read_time(at) < end:  # type: ignore[operator]
            key = (ref, actor or 0)
            net[key] = net.get(key, 0) + _SIGN[kind]
    counts = dict.fromkeys(refs, 0)
    for (ref, _), value in net.items():
        if value > 0:
            counts[ref] += 1
    return counts


_SIGN = {"reaction": 1, "reaction_reversed": -1}


def rows_of(refs: list[Any]) -> Select[Any]:
    """The ledger rows of messages `refs` of community `:community_id`: (reference, actor,
    kind, instant)."""
    c = Contribution
    return select(c.message_ref, c.actor_id, c.kind, c.occurred_at).where(
        c.community_id == bindparam("community_id"), c.message_ref.in_(refs)
    )


_MESSAGE_ROWS = BulkSelect(rows_of, fixed=("community_id",))


async def _totals_hold(session: AsyncSession, community_id: int, start: datetime) -> bool:
    """Whether `message_total` holds every reaction award from `start` on: it was kept
    since the community began, or the community's reactions before it was (migration
    0028) all came before `start`."""
    since = await session.scalar(
        select(MessageTotalSince.since).where(MessageTotalSince.community_id == community_id)
    )
    return since is None or since < start


async def _from_totals(
    session: AsyncSession,
    community_id: int,
    board: tuple[str, date],
    start: datetime,
    end: datetime,
    reverted: set[str],
    limit: int,
) -> list[tuple[str, int]]:
    """`candidates` from the period's awards per message, read most first.

    A message's awards bound its number from above, and are its number unless a reaction
    on it was taken back in the period: those are counted member by member as they come.
    The reading stops at the first message whose awards cannot reach the last of the
    `limit` best found (the order of the rows, then of the references, is the answer's)."""
    m = MessageTotal
    top = (
        select(m.message_ref, m.reactions)
        .where(
            m.community_id == community_id,
            m.period == board[0],
            m.period_start == board[1],
            m.reactions > 0,
        )
        .order_by(m.reactions.desc(), m.message_ref)
    )
    best: list[tuple[str, int]] = []
    offset = 0
    while True:
        rows = (await session.execute(top.offset(offset).limit(PAGE))).all()
        offset += len(rows)
        doubtful = [ref for ref, _ in rows if ref in reverted]
        exact = await _counted(session, community_id, start, end, doubtful) if doubtful else {}
        for ref, bound in rows:
            if len(best) >= limit and (-bound, ref) > (-best[-1][1], best[-1][0]):
                return best
            n = exact[ref] if ref in reverted else bound
            if n > 0:
                best.append((ref, n))
                best.sort(key=lambda r: (-r[1], r[0]))
                del best[limit:]
        if len(rows) < PAGE:
            return best


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
    board: tuple[str, date] | None = None,
) -> list[TopMessage]:
    """The few messages that most distinct members reacted to in the period, the most
    first (then by reference).

    The ledger's reaction awards (never self, bot or excluded-channel reactions) find the
    candidates (`candidates`: `board`'s totals, or one grouped scan); the awards stop at
    the per-message cap, so the candidates' distinct reactors are then counted exactly
    from the reaction state.
    """
    found = await candidates(session, community_id, start, end, board=board)
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
