"""What members did in the last 30 and 90 days, for the rank ladder's rolling windows:
points, net accepted solutions and kudos received from the daily rollup `member_day_gain`
(UTC days), active days from `member_day` (community days), each one range of an index;
and the weekly review's bookkeeping: who holds a rank, who is in their grace period."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Community, Member, MemberDay, ScheduledJob
from storage.models.digests import MemberDayGain
from storage.models.ladder import RankGrace

WINDOWS = ("points_30d", "active_days_30d", "solutions_90d", "kudos_received_90d")


async def windowed(
    session: AsyncSession,
    community_id: int,
    member_ids: Collection[int],
    utc_today: date,
    local_today: date,
) -> dict[int, dict[str, int]]:
    """Each member's rolling-window numbers, today included."""
    ids = sorted(set(member_ids))
    found = {m: dict.fromkeys(WINDOWS, 0) for m in ids}
    if not ids:
        return found
    g = MemberDayGain
    since_30, since_90 = utc_today - timedelta(days=29), utc_today - timedelta(days=89)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = await session.execute(
            select(
                g.member_id,
                func.sum(g.points).filter(g.day >= since_30),
                func.sum(g.solutions),
                func.sum(g.kudos),
            )
            .where(g.community_id == community_id, g.day >= since_90, g.member_id.in_(chunk))
            .group_by(g.member_id)
        )
        for member_id, points, solutions, kudos in rows:
            numbers = found[member_id]
            numbers["points_30d"] = int(points or 0)
            numbers["solutions_90d"] = int(solutions or 0)
            numbers["kudos_received_90d"] = int(kudos or 0)
        days = await session.execute(
            select(MemberDay.member_id, func.count())
            .where(
                MemberDay.member_id.in_(chunk),
                MemberDay.day >= local_today - timedelta(days=29),
                MemberDay.day <= local_today,
            )
            .group_by(MemberDay.member_id)
        )
        for member_id, count in days:
            found[member_id]["active_days_30d"] = int(count)
    return found


async def held_above(session: AsyncSession, community_id: int, ranks: Collection[str]) -> list[int]:
    """Members (not bots) holding one of these ranks."""
    if not ranks:
        return []
    rows = await session.scalars(
        select(Member.id).where(
            Member.community_id == community_id,
            Member.is_bot.is_(False),
            Member.rank.in_(sorted(ranks)),  # type: ignore[union-attr]
        )
    )
    return list(rows)


async def graces(session: AsyncSession, community_id: int) -> dict[int, RankGrace]:
    rows = await session.scalars(select(RankGrace).where(RankGrace.community_id == community_id))
    return {row.member_id: row for row in rows}


async def start_grace(
    session: AsyncSession, community_id: int, member_id: int, rank: str, since: datetime
) -> None:
    session.add(RankGrace(member_id=member_id, community_id=community_id, rank=rank, since=since))
    await session.flush()


async def end_graces(session: AsyncSession, member_ids: Collection[int]) -> None:
    if member_ids:
        await session.execute(delete(RankGrace).where(RankGrace.member_id.in_(sorted(member_ids))))


async def without_review(session: AsyncSession, kind: str) -> list[int]:
    """Communities with no pending job of `kind`."""
    pending = select(ScheduledJob.community_id).where(
        ScheduledJob.kind == kind, ScheduledJob.status == "pending"
    )
    return list(await session.scalars(select(Community.id).where(Community.id.not_in(pending))))
