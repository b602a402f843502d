"""The health numbers of a period and of the one before it, as aggregate SQL.

Ledger counts (kudos, accepted solutions, deleted messages) from the partial index of the
ledger's non-message rows; members who joined and who are present; the active members who
are customers; ideas submitted and shipped; poll ballots cast. Active members, messages
and their days come from `shape` (`member_day`, where every kind of activity marks its day).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.metrics import EVENTS, Window
from storage.models import Contribution, Identity, Member, MemberDay
from storage.models.digests import Customer
from storage.models.ideas import Idea, IdeaEvent
from storage.models.polls import Poll, PollBallot

# Ledger kinds counted by the health numbers (messages are counted from `member_day`); a
# reversal written for a deletion is dated like what it reverses, so it cancels it in the
# same period.
COUNTED_KINDS = ("message_reversed", "kudos", "solution", "solution_reversed")


async def ledger_counts(
    session: AsyncSession, community_id: int, window: Window
) -> dict[tuple[str, bool], int]:
    """Rows per (kind, in the current period) over both periods, from the partial index.

    Each is a count of one range of the index (kind, then time), all in one statement:
    grouping the two periods' rows by kind and period instead sorted them all (a million
    rows a fortnight at a million members, nine times slower)."""
    c = Contribution

    def count(kind: str, start: datetime, end: datetime) -> Any:
        return (
            select(func.count())
            .where(
                c.community_id == community_id,
                EVENTS,
                c.kind == kind,
                c.occurred_at >= start,
                c.occurred_at < end,
            )
            .scalar_subquery()
        )

    keys = [(kind, current) for kind in COUNTED_KINDS for current in (False, True)]
    bounds = {False: (window.previous, window.start), True: (window.start, window.end)}
    row = (
        await session.execute(select(*(count(kind, *bounds[current]) for kind, current in keys)))
    ).one()
    return {key: int(n) for key, n in zip(keys, row, strict=True) if n}


async def member_counts(
    session: AsyncSession, community_id: int, window: Window
) -> tuple[int, int, int]:
    """(new in the period, new in the one before, present at the period's end).

    Each is a count over an index (`ix_member_joined`, `ix_member_left` and the
    leaderboard's, all covering what they read), never a pass over the member rows: the
    members present are all of them but those who joined after the end and those who had
    left by then.
    """
    m = Member.__table__
    joined, left = m.c.joined_at, m.c.left_at

    def count(*where: Any) -> Any:
        return (
            select(func.count())
            .where(m.c.community_id == community_id, m.c.is_bot.is_(False), *where)
            .scalar_subquery()
        )

    row = (
        await session.execute(
            select(
                count(joined >= window.start, joined < window.end),
                count(joined >= window.previous, joined < window.start),
                count(),
                count(joined >= window.end),
                count(left < window.end, or_(joined.is_(None), joined < window.end)),
            )
        )
    ).one()
    new_now, new_before, members, later, gone = (int(n or 0) for n in row)
    return new_now, new_before, members - later - gone


async def active_customers(
    session: AsyncSession, community_id: int, start: date, end: date
) -> tuple[int, int] | None:
    """(active members who are customers, distinct customer accounts among them), or None
    when no customer was ever imported."""
    if await session.scalar(select(Customer.user_id).limit(1)) is None:
        return None
    active = (
        select(MemberDay.member_id.label("member_id"))
        .distinct()
        .where(
            MemberDay.community_id == community_id,
            MemberDay.day >= start,
            MemberDay.day < end,
        )
        .subquery()
    )
    row = (
        await session.execute(
            select(
                func.count(distinct(active.c.member_id)),
                func.count(distinct(case((Customer.account != "", Customer.account)))),
            )
            .select_from(active)
            .join(
                Identity,
                and_(
                    Identity.member_id == active.c.member_id,
                    Identity.community_id == community_id,
                ),
            )
            .join(
                Customer,
                and_(Customer.platform == Identity.platform, Customer.user_id == Identity.user_id),
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


async def idea_counts(
    session: AsyncSession, community_id: int, window: Window
) -> tuple[int, int, int, int]:
    """(submitted now, before, shipped now, before)."""

    def split(column):  # type: ignore[no-untyped-def]
        return (
            func.sum(case((and_(column >= window.start, column < window.end), 1), else_=0)),
            func.sum(case((and_(column >= window.previous, column < window.start), 1), else_=0)),
        )

    submitted = (
        await session.execute(
            select(*split(Idea.created_at)).where(
                Idea.community_id == community_id, Idea.created_at >= window.previous
            )
        )
    ).one()
    shipped = (
        await session.execute(
            select(*split(IdeaEvent.at)).where(
                IdeaEvent.community_id == community_id,
                IdeaEvent.kind == "status",
                IdeaEvent.to_value == "shipped",
                IdeaEvent.at >= window.previous,
            )
        )
    ).one()
    return tuple(int(v or 0) for v in (*submitted, *shipped))  # type: ignore[return-value]


async def poll_turnout(session: AsyncSession, community_id: int, window: Window) -> tuple[int, int]:
    """Ballots cast in the period, and in the one before (each member's ballot counted on
    the day it was first cast, whenever its poll closes; a withdrawn one is not counted)."""
    cast = PollBallot.cast_at
    row = (
        await session.execute(
            select(
                func.sum(case((cast >= window.start, 1), else_=0)),
                func.sum(case((cast < window.start, 1), else_=0)),
            )
            .select_from(PollBallot)
            .join(Poll, Poll.id == PollBallot.poll_id)
            .where(
                Poll.community_id == community_id,
                cast >= window.previous,
                cast < window.end,
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)
