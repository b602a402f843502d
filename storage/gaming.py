"""The queries behind gaming flags: who thanked whom, whose reaction points come from whom,
and who scored many messages in a short time, within a window of the ledger; and the flags
themselves, each noticed once (unique by the pattern's key)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignore, shorter_than
from storage.models import Community, Contribution
from storage.models.moderation import GamingFlag


def _window(community_id: int, kind: str, since: datetime) -> list:  # type: ignore[type-arg]
    return [
        Contribution.community_id == community_id,
        Contribution.kind == kind,
        Contribution.occurred_at >= since,
        Contribution.reverses_id.is_(None),
        Contribution.points > 0,
        Contribution.actor_id.is_not(None),
    ]


def _given(community_id: int, kind: str, since: datetime) -> Select:  # type: ignore[type-arg]
    """(actor, member, n): how many `kind` rows each actor gave each member since `since`."""
    return (
        select(
            Contribution.actor_id.label("actor"),
            Contribution.member_id.label("member"),
            func.count().label("n"),
        )
        .where(*_window(community_id, kind, since))
        .group_by(Contribution.actor_id, Contribution.member_id)
    )


async def thanks_rings(
    session: AsyncSession, community_id: int, since: datetime, minimum: int
) -> list[tuple[int, int, int, int]]:
    """(giver, receiver, given, back) of each pair of members who thanked each other at
    least `minimum` times each since `since`, the lower member id as the giver, in that
    order.

    The database pairs them, so what comes back is the rings alone: in a large community
    the window holds hundreds of thousands of (giver, receiver) pairs, and handling them in
    Python held the event loop for a tenth of a second."""
    given = _given(community_id, "kudos", since).having(func.count() >= minimum).cte("given")
    back = given.alias("back")
    rows = await session.execute(
        select(given.c.actor, given.c.member, given.c.n, back.c.n)
        .join(back, (back.c.actor == given.c.member) & (back.c.member == given.c.actor))
        .where(given.c.actor < given.c.member)
        .order_by(given.c.actor, given.c.member)
    )
    return [(int(a), int(m), int(n), int(b)) for a, m, n, b in rows.all()]


async def reaction_farms(
    session: AsyncSession, community_id: int, since: datetime, minimum: int, share: float
) -> list[tuple[int, int, int, list[int]]]:
    """(member, total, top, reactors) of each member given at least `minimum` reactions
    since `since` of which the two most generous reactors (`reactors`, the most generous
    first; of two alike, the higher id) gave `top`, at least `share` of the `total`;
    oldest member id first.

    The database ranks each member's reactors, so only the farmed members come back (see
    `thanks_rings` for why)."""
    pairs = _given(community_id, "reaction", since).subquery("pairs")
    ranked = select(
        pairs.c.member,
        pairs.c.actor.label("reactor"),
        pairs.c.n,
        func.sum(pairs.c.n).over(partition_by=pairs.c.member).label("total"),
        func.row_number()
        .over(partition_by=pairs.c.member, order_by=(pairs.c.n.desc(), pairs.c.actor.desc()))
        .label("place"),
    ).subquery("ranked")
    top = (
        select(
            ranked.c.member,
            ranked.c.reactor,
            ranked.c.n,
            ranked.c.total,
            func.sum(ranked.c.n).over(partition_by=ranked.c.member).label("top"),
        )
        .where(ranked.c.place <= 2, ranked.c.total >= minimum)
        .subquery("top")
    )
    percent = round(share * 100)  # compared in whole numbers on both databases
    rows = await session.execute(
        select(top.c.member, top.c.reactor, top.c.total, top.c.top)
        .where(top.c.top * 100 >= top.c.total * percent)
        .order_by(top.c.member, top.c.n.desc(), top.c.reactor.desc())
    )
    farms: dict[int, tuple[int, int, list[int]]] = {}
    for member, reactor, total, top_n in rows.all():
        farms.setdefault(int(member), (int(total), int(top_n), []))[2].append(int(reactor))
    return [(member, total, top_n, reactors) for member, (total, top_n, reactors) in farms.items()]


async def burst_starts(
    session: AsyncSession, community_id: int, since: datetime, count: int, within: timedelta
) -> list[tuple[int, datetime]]:
    """(member, start) of each member who scored `count` messages since `since` within less
    than `within`, at the earliest such run's first message, oldest member id first.

    The database finds the runs (each message beside the one `count - 1` later), so what
    comes back is the flagged members alone, not a day's worth of messages: a busy
    community writes millions of rows a day."""
    later = (
        func.lead(Contribution.occurred_at, count - 1)
        .over(partition_by=Contribution.member_id, order_by=Contribution.occurred_at)
        .label("later")
    )
    runs = (
        select(Contribution.member_id, Contribution.occurred_at, later)
        .where(
            Contribution.community_id == community_id,
            Contribution.kind == "message",
            Contribution.occurred_at >= since,
            Contribution.reverses_id.is_(None),
            Contribution.points > 0,
        )
        .subquery()
    )
    short = shorter_than(session, runs.c.occurred_at, runs.c.later, within)
    rows = await session.execute(
        select(runs.c.member_id, func.min(runs.c.occurred_at))
        .where(runs.c.later.is_not(None), short)
        .group_by(runs.c.member_id)
        .order_by(runs.c.member_id)
    )
    return [(int(member), start) for member, start in rows.all()]


async def add_flags(
    session: AsyncSession, community_id: int, flags: list[dict[str, object]]
) -> list[int]:
    """Record the flags (rows of `gaming_flag`) whose pattern (`key`) was not flagged
    before, in one statement; returns their ids in the order given. A flag another scan
    recorded meanwhile is left out, so each is told once."""
    if not flags:
        return []
    known = set(
        await session.scalars(
            select(GamingFlag.key).where(
                GamingFlag.community_id == community_id,
                GamingFlag.key.in_([flag["key"] for flag in flags]),
            )
        )
    )
    fresh = [flag for flag in flags if flag["key"] not in known]
    if not fresh:
        return []
    table = GamingFlag.__table__
    inserted = await session.execute(
        insert_ignore(session, table, ("community_id", "key")).returning(table.c.id, table.c.key),
        fresh,
    )
    ids = {key: flag_id for flag_id, key in inserted.all()}
    return [ids[str(flag["key"])] for flag in fresh if flag["key"] in ids]


async def open_flag_ids(session: AsyncSession, community_id: int) -> list[int]:
    rows = await session.scalars(
        select(GamingFlag.id)
        .where(GamingFlag.community_id == community_id, GamingFlag.status == "open")
        .order_by(GamingFlag.id)
    )
    return [int(i) for i in rows.all()]


async def flags_by_id(session: AsyncSession, ids: list[int]) -> list[GamingFlag]:
    """The flags `ids`, in that order."""
    rows = await session.scalars(select(GamingFlag).where(GamingFlag.id.in_(ids)))
    found = {flag.id: flag for flag in rows.all()}
    return [found[i] for i in ids if i in found]


async def flag(session: AsyncSession, community_id: int, flag_id: int) -> GamingFlag | None:
    found = await session.get(GamingFlag, flag_id)
    return found if found is not None and found.community_id == community_id else None


async def close_flag(
    session: AsyncSession, flag: GamingFlag, status: str, by: int, at: datetime
) -> None:
    flag.status, flag.closed_by, flag.closed_at = status, by, at
    session.add(flag)
    await session.flush()


async def community_ids(session: AsyncSession) -> list[int]:
    rows = await session.scalars(select(Community.id))
    return [int(i) for i in rows.all()]
