"""Participation shape and daily activity of a period.

Who was active in a period, on how many days (core contributors, occasional ones; the rest
of the members are lurkers), in the period and the one before, how many messages they
posted, and the activity the chart draws (the same members and messages, by day or by
span). A day's counts and a Monday-to-Monday week's are a row each of
`community_activity` (added up by triggers, `storage.community_activity`); any other
span or period is counted from `ix_member_day_span` (community, day, member, messages)
over its days, a covering index. Bots never post scored messages, but a member flagged as
a bot may still have days: those few are read by member and taken off the totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import community_activity, member_weeks
from storage.models import Member, MemberDay


@dataclass(frozen=True)
class DayShape:
    active: int
    active_before: int
    core: int  # active on at least `core_days` days of the period
    occasional: int
    messages: int  # as posted: the caller takes deletions off
    messages_before: int


async def activity(
    session: AsyncSession, community_id: int, spans: Sequence[tuple[date, date]]
) -> list[tuple[int, int]]:
    """(active members, messages) in each span [start, end) of days, bots left out: the
    same members and messages the participation shape counts, for the chart. Spans of one
    day are read in one grouped query; longer ones (a catch-up's weeks) one by one. As for
    the shape, the bots' few days are read by member and taken off afterwards: a test of
    every row against the list of bots costs more than the count itself."""
    if not spans:
        return []
    d = MemberDay
    bots = await _bot_days(session, community_id, spans[0][0], spans[-1][1])
    if all((end - start).days == 1 for start, end in spans):
        kept = await community_activity.counts(
            session, community_id, "day", spans[0][0], spans[-1][1]
        )
        daily = {day: [members, messages] for day, (members, _, messages) in kept.items()}
        for _, day, messages in bots:
            if day in daily:
                daily[day][0] -= 1
                daily[day][1] -= messages
        return [
            (daily[start][0], daily[start][1]) if start in daily else (0, 0) for start, _ in spans
        ]
    found = []
    for start, end in spans:
        n, messages = (
            await session.execute(
                select(func.count(d.member_id.distinct()), func.sum(d.messages)).where(
                    d.community_id == community_id, d.day >= start, d.day < end
                )
            )
        ).one()
        inside = [(member, count) for member, day, count in bots if start <= day < end]
        n = int(n or 0) - len({member for member, _ in inside})
        found.append((n, int(messages or 0) - sum(count for _, count in inside)))
    return found


async def day_shape(
    session: AsyncSession,
    community_id: int,
    previous: date,
    start: date,
    end: date,
    core_days: int,
) -> DayShape:
    """Members active in [start, end) and in [previous, start), how often, and their
    messages; bots left out."""
    d = MemberDay
    weeks = member_weeks.is_week(start, end) and member_weeks.is_week(previous, start)
    if weeks and core_days == community_activity.CORE_DAYS:
        # Two weeks: a row each (`community_activity`).
        kept = await community_activity.counts(session, community_id, "week", previous, end)
        active, core, messages = kept.get(start, (0, 0, 0))
        active_before, _, messages_before = kept.get(previous, (0, 0, 0))
    else:
        # One pass over the period's days: members, core members and messages together.
        per_member = (
            select(func.count().label("days"), func.sum(d.messages).label("messages"))
            .where(d.community_id == community_id, d.day >= start, d.day < end)
            .group_by(d.member_id)
        )
        days = per_member.subquery()
        active, core, messages = (
            await session.execute(
                select(
                    func.count(),
                    func.sum(case((days.c.days >= core_days, 1), else_=0)),
                    func.sum(days.c.messages),
                )
            )
        ).one()
        active_before, messages_before = (
            await session.execute(
                select(func.count(d.member_id.distinct()), func.sum(d.messages)).where(
                    d.community_id == community_id, d.day >= previous, d.day < start
                )
            )
        ).one()
    messages = int(messages or 0)
    messages_before = int(messages_before or 0)
    shape = [int(active or 0), int(active_before or 0), int(core or 0), 0]
    shape[3] = shape[0] - shape[2]
    bots = await _bot_days(session, community_id, previous, end)
    for days_in, days_before, messages_in, messages_earlier in _per_bot(bots, start):
        shape[0] -= days_in > 0
        shape[1] -= days_before > 0
        shape[2] -= days_in >= core_days
        shape[3] -= 0 < days_in < core_days
        messages -= messages_in
        messages_before -= messages_earlier
    return DayShape(*shape, messages, messages_before)


async def _bot_days(
    session: AsyncSession, community_id: int, first: date, end: date
) -> list[tuple[int, date, int]]:
    """(member, day, messages) of the community's bots in [first, end): looked up by member
    (a community has a handful of bots), so by the primary key, not the community's days."""
    bots = select(Member.id).where(
        Member.community_id == community_id,
        Member.is_bot.is_(True),  # as `ix_member_bot`'s condition is written
    )
    rows = await session.execute(
        select(MemberDay.member_id, MemberDay.day, MemberDay.messages).where(
            MemberDay.member_id.in_(bots.scalar_subquery()),
            MemberDay.day >= first,
            MemberDay.day < end,
        )
    )
    return [(int(m), day, int(n)) for m, day, n in rows]


def _per_bot(rows: list[tuple[int, date, int]], start: date) -> list[tuple[int, int, int, int]]:
    """Per bot: (days in the period, days before it, messages in it, messages before)."""
    totals: dict[int, list[int]] = {}
    for member_id, day, messages in rows:
        total = totals.setdefault(member_id, [0, 0, 0, 0])
        current = day >= start
        total[0 if current else 1] += 1
        total[2 if current else 3] += messages
    return [(a, b, c, d) for a, b, c, d in totals.values()]
