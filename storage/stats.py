"""Reading members' counters and writing the ones that are not plain sums
(active-day streaks, last scored message, rank)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignore
from storage.ledger import DayMark
from storage.models import Member, MemberBadge


async def members_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Member]:
    ids = set(ids)
    if not ids:
        return {}
    rows = await session.scalars(
        select(Member).where(Member.id.in_(ids)).execution_options(populate_existing=True)
    )
    return {m.id: m for m in rows.all() if m.id is not None}


async def last_scored_at(session: AsyncSession, ids: Iterable[int]) -> dict[int, datetime | None]:
    ids = set(ids)
    if not ids:
        return {}
    # Locked (in id order, on PostgreSQL) until the batch commits: another process scoring
    # the same members waits, then sees their new last scored time, so a cooldown holds.
    rows = await session.execute(
        select(Member.id, Member.last_scored_message_at)
        .where(Member.id.in_(ids))
        .order_by(Member.id)
        .with_for_update()
    )
    return dict(rows.all())


async def open_days(session: AsyncSession, opened: Sequence[DayMark]) -> None:
    """Count newly active days and extend or restart streaks of consecutive days."""
    if not opened:
        return
    members = await members_by_id(session, {m.member_id for m in opened})
    for mark in sorted(opened, key=lambda m: m.day):
        member = members[mark.member_id]
        member.active_days += 1
        last: date | None = member.last_active_day
        if last is None or mark.day > last:
            gap = None if last is None else (mark.day - last).days
            member.streak_days = member.streak_days + 1 if gap == 1 else 1
            member.last_active_day = mark.day
    await session.flush()


async def set_ranks(session: AsyncSession, ranks: dict[int, str]) -> None:
    """Record members' ranks in one executemany (not one ORM update per member)."""
    if not ranks:
        return
    table = Member.__table__
    connection = await session.connection()
    await connection.execute(
        update(table).where(table.c.id == bindparam("mid")).values(rank=bindparam("rank")),
        [{"mid": member_id, "rank": rank} for member_id, rank in ranks.items()],
    )


async def badges_of(session: AsyncSession, ids: Iterable[int]) -> dict[int, set[str]]:
    ids = set(ids)
    result: dict[int, set[str]] = {i: set() for i in ids}
    if ids:
        rows = await session.execute(
            select(MemberBadge.member_id, MemberBadge.badge).where(MemberBadge.member_id.in_(ids))
        )
        for member_id, badge in rows:
            result[member_id].add(badge)
    return result


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
