"""Reading members' counters and writing the ones that are not plain sums
(active-day streaks, last scored message, rank)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bulk import BulkSelect, BulkUpdate, values_for
from storage.dialect import insert_ignore
from storage.ledger import DayMark
from storage.models import Member, MemberBadge, RankChange

# Built once, the ids bound as a list: commands read their members and badges this way.
_MEMBERS_BY_ID = (
    select(Member)
    .where(Member.id.in_(bindparam("ids", expanding=True)))
    .execution_options(populate_existing=True)
)
_BADGES_OF = select(MemberBadge.member_id, MemberBadge.badge).where(
    MemberBadge.member_id.in_(bindparam("ids", expanding=True))
)


async def members_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Member]:
    ids = set(ids)
    if not ids:
        return {}
    rows = await session.scalars(_MEMBERS_BY_ID, {"ids": sorted(ids)})
    return {m.id: m for m in rows.all() if m.id is not None}


async def standings(
    session: AsyncSession, ids: Iterable[int], counters: Iterable[str]
) -> dict[int, Row[Any]]:
    """Members' name, bot flag, rank (and the rank they keep) and the named counters, as
    plain rows (attribute access like a `Member`): what a rank and badge review reads,
    without loading whole ORM objects."""
    ids = set(ids)
    if not ids:
        return {}
    names = (
        "id",
        "display_name",
        "is_bot",
        "hidden",
        "rank",
        "rank_floor",
        "points",
        *sorted(set(counters) - {"points"}),
    )
    query = _STANDINGS.get(names)
    if query is None:
        table = Member.__table__
        query = _STANDINGS[names] = BulkSelect(
            lambda keys: select(*(table.c[name] for name in names)).where(table.c.id.in_(keys))
        )
    return {row.id: row for row in await query.run(session, sorted(ids))}


_STANDINGS: dict[tuple[str, ...], BulkSelect] = {}


async def last_scored_at(session: AsyncSession, ids: Iterable[int]) -> dict[int, datetime | None]:
    ids = set(ids)
    if not ids:
        return {}
    read = values_for(session).read_time
    rows = await _LAST_SCORED.run(session, sorted(ids))
    return {member_id: read(at) for member_id, at in rows}


def _last_scored_in(ids: list[Any]) -> Any:
    # Locked (in id order, on PostgreSQL) until the batch commits: another process scoring
    # the same members waits, then sees their new last scored time, so a cooldown holds.
    table = Member.__table__
    return (
        select(table.c.id, table.c.last_scored_message_at)
        .where(table.c.id.in_(ids))
        .order_by(table.c.id)
        .with_for_update()
    )


_LAST_SCORED = BulkSelect(_last_scored_in)


async def open_days(session: AsyncSession, opened: Sequence[DayMark]) -> None:
    """Count newly active days and extend or restart streaks of consecutive days (an
    `IN` select and one executemany of tuples, not an ORM load and flush of every member)."""
    if not opened:
        return
    values = values_for(session)
    read_day = values.read_day
    rows = await _DAY_COUNTERS.run(session, sorted({m.member_id for m in opened}))
    state = {
        member_id: [active, streak, read_day(last)] for member_id, active, streak, last in rows
    }
    for mark in sorted(opened, key=lambda m: m.day):
        counters = state[mark.member_id]
        counters[0] += 1
        last: date | None = counters[2]
        if last is None or mark.day > last:
            gap = None if last is None else (mark.day - last).days
            counters[1] = counters[1] + 1 if gap == 1 else 1
            counters[2] = mark.day
    day = values.day
    await _SET_DAY_COUNTERS.run(
        session,
        [
            (active, streak, day(last), member_id)
            for member_id, (active, streak, last) in sorted(state.items())
        ],
    )


def _day_counters_in(ids: list[Any]) -> Any:
    table = Member.__table__
    return select(
        table.c.id, table.c.active_days, table.c.streak_days, table.c.last_active_day
    ).where(table.c.id.in_(ids))


_DAY_COUNTERS = BulkSelect(_day_counters_in)
_SET_DAY_COUNTERS = BulkUpdate(
    lambda: (
        update(Member.__table__)
        .where(Member.__table__.c.id == bindparam("mid"))
        .values(
            active_days=bindparam("active"),
            streak_days=bindparam("streak"),
            last_active_day=bindparam("last"),
        )
    ),
    ("active", "streak", "last", "mid"),
)


async def set_ranks(
    session: AsyncSession,
    community_id: int,
    changes: dict[int, tuple[str | None, str]],
    at: datetime,
) -> None:
    """Record members' new ranks (member id: (rank before, rank now)) in one executemany
    (not one ORM update per member), and each change in their rank history."""
    if not changes:
        return
    ordered = sorted(changes.items())
    await _SET_RANKS.run(session, [(to, member_id) for member_id, (_, to) in ordered])
    await session.execute(
        insert(RankChange),
        [
            {
                "community_id": community_id,
                "member_id": member_id,
                "from_rank": before,
                "to_rank": to,
                "at": at,
            }
            for member_id, (before, to) in ordered
        ],
    )


_SET_RANKS = BulkUpdate(
    lambda: (
        update(Member.__table__)
        .where(Member.__table__.c.id == bindparam("mid"))
        .values(rank=bindparam("rank"))
    ),
    ("rank", "mid"),
)


async def badges_of(session: AsyncSession, ids: Iterable[int]) -> dict[int, set[str]]:
    ids = set(ids)
    result: dict[int, set[str]] = {i: set() for i in ids}
    if ids:
        rows = await session.execute(_BADGES_OF, {"ids": sorted(ids)})
        for member_id, badge in rows:
            result[member_id].add(badge)
    return result


async def revoke_badges(session: AsyncSession, member_id: int, badges: Sequence[str]) -> None:
    """Take badges back (what earned them was taken back)."""
    if badges:
        await session.execute(
            delete(MemberBadge).where(
                MemberBadge.member_id == member_id, MemberBadge.badge.in_(list(badges))
            )
        )


async def award_badges(
    session: AsyncSession, community_id: int, awards: Sequence[tuple[int, str]], at: datetime
) -> set[tuple[int, str]]:
    """Give badges; returns the (member, badge) pairs that were not held before."""
    if not awards:
        return set()
    table = MemberBadge.__table__
    result = await session.execute(
        insert_ignore(session, table, ["member_id", "badge"]).returning(
            table.c.member_id, table.c.badge
        ),
        [
            {"member_id": m, "badge": b, "community_id": community_id, "awarded_at": at}
            for m, b in awards
        ],
    )
    return set(result.all())
