"""Leaderboard queries: top members for a period and one member's place, by indexed SQL.

All-time reads the counters on `member`; week and month read `member_total` for the
period's start. Excluded members, bots and members who chose to be hidden never appear.
Ties are broken the same way every time: more points first, then the member Cercle knew
first (the order members were first seen in, which the primary key keeps, so the board
is served from an index).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Integer, Select, bindparam, case, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage import standings as boards
from storage.models import Contribution, Member, MemberTotal
from storage.models.questions import Question


@dataclass(frozen=True)
class Standing:
    member_id: int
    name: str
    points: int
    place: int


# Every statement of a command's board is built once, with its values bound when it runs:
# building one and computing its cache key cost more than the database's work on it.
_COMMUNITY, _PERIOD, _START = bindparam("community_id"), bindparam("period"), bindparam("start")
_MEMBER = bindparam("member_id")
_OFFSET, _LIMIT = bindparam("offset", type_=Integer), bindparam("limit", type_=Integer)


@functools.cache
def _board(all_time: bool) -> Select[Any]:
    """A board's shown members with points, best first, `offset` and `limit` bound."""
    # Ordered as the board's index is (`ix_member_leaderboard`, `ix_member_total_board`):
    # a page is read from it in order, never sorted.
    if all_time:
        points, member_id = Member.points, Member.id
        query = select(Member.id, Member.display_name, points.label("points")).where(
            Member.community_id == _COMMUNITY
        )
    else:
        points, member_id = MemberTotal.points, MemberTotal.member_id
        query = (
            select(Member.id, Member.display_name, points.label("points"))
            .join(Member, Member.id == MemberTotal.member_id)
            .where(
                MemberTotal.community_id == _COMMUNITY,
                MemberTotal.period == _PERIOD,
                MemberTotal.period_start == _START,
            )
        )
    return (
        query.where(*boards.SHOWN, points > 0)
        .order_by(points.desc(), member_id)
        .offset(_OFFSET)
        .limit(_LIMIT)
    )


def _bound(community_id: int, period: str, start: date | None, **more: Any) -> dict[str, Any]:
    return {"community_id": community_id, "period": period, "start": start, **more}


async def top(
    session: AsyncSession, community_id: int, period: str, start: date | None, limit: int = 10
) -> list[Standing]:
    rows = await session.execute(
        _board(period == "all"), _bound(community_id, period, start, offset=0, limit=limit)
    )
    standings: list[Standing] = []
    for index, (member_id, name, total) in enumerate(rows):
        # Equal points share a place (1, 2, 2, 4); between them, the member known first.
        same = standings and standings[-1].points == total
        place = standings[-1].place if same else index + 1
        standings.append(Standing(member_id, name, total, place))
    return standings


async def page(
    session: AsyncSession,
    community_id: int,
    period: str,
    start: date | None,
    offset: int,
    limit: int,
    total: int | None = None,
) -> tuple[list[Standing], int]:
    """Standings `offset` to `offset + limit` of the board, and how many members are on
    it (unless the caller knows); places are the board's own (the first row's counts
    everyone ahead of it). Both counts are read by points value (`storage.standings`)."""
    if total is None:
        total = await _shown_above(session, community_id, period, start, 0)
    rows = (
        await session.execute(
            _board(period == "all"), _bound(community_id, period, start, offset=offset, limit=limit)
        )
    ).all()
    if not rows:
        return [], total
    ahead = 0
    if offset:  # on the first page nobody is ahead of the first row
        ahead = await _shown_above(session, community_id, period, start, rows[0][2])
    standings: list[Standing] = []
    for index, (member_id, name, total_points) in enumerate(rows):
        same = standings and standings[-1].points == total_points
        if same:
            place = standings[-1].place
        else:
            place = int(ahead or 0) + 1 if index == 0 else offset + index + 1
        standings.append(Standing(member_id, name, total_points, place))
    return standings, total


_PERIOD_POINTS = select(MemberTotal.points).where(
    MemberTotal.community_id == _COMMUNITY,
    MemberTotal.period == _PERIOD,
    MemberTotal.period_start == _START,
    MemberTotal.member_id == _MEMBER,
)
_ALL_TIME_POINTS = select(Member.points).where(Member.id == _MEMBER)
# The member's flags and all-time points, read fresh in one statement.
_MEMBER_ROW = select(
    Member.display_name, Member.points, Member.excluded, Member.is_bot, Member.hidden
).where(Member.id == _MEMBER)
# The same with their points of one period instead (none on the board: NULL).
_MEMBER_PERIOD_ROW = select(
    Member.display_name,
    _PERIOD_POINTS.scalar_subquery().label("points"),
    Member.excluded,
    Member.is_bot,
    Member.hidden,
).where(Member.id == _MEMBER)


async def points_of(
    session: AsyncSession, community_id: int, member_id: int, period: str, start: date | None
) -> int:
    statement = _ALL_TIME_POINTS if period == "all" else _PERIOD_POINTS
    value = await session.scalar(
        statement, _bound(community_id, period, start, member_id=member_id)
    )
    return int(value or 0)


class Shown(Protocol):
    """What a place is judged on: a member's name, all-time points and flags."""

    display_name: str
    points: int
    excluded: bool
    is_bot: bool
    hidden: bool


async def place_of(
    session: AsyncSession,
    community_id: int,
    member_id: int,
    period: str,
    start: date | None,
    known: Shown | None = None,
) -> Standing | None:
    """The member's place on the board, or None when they are not on it.

    Who is ahead is counted by points value (`storage.standings`: one row per distinct
    value above the member's, of the members the board shows). `known`: the member's row
    as the caller just read it in this transaction (`/rank`, a member's page), so that it
    is not read again.
    """
    member: Shown | None = known
    if known is None:
        # Flags and the board's points in one statement: each is a trip to the database.
        if period == "all":
            member = (await session.execute(_MEMBER_ROW, {"member_id": member_id})).first()
        else:
            bound = _bound(community_id, period, start, member_id=member_id)
            member = (await session.execute(_MEMBER_PERIOD_ROW, bound)).first()
    if member is None or member.excluded or member.is_bot or member.hidden:
        return None
    if period == "all" or known is None:  # the row read holds the board's points
        mine = int(member.points or 0)
    else:
        mine = await points_of(session, community_id, member_id, period, start)
    if mine <= 0:
        return None
    ahead = await _shown_above(session, community_id, period, start, mine)
    return Standing(member_id, member.display_name, mine, ahead + 1)


async def _shown_above(
    session: AsyncSession, community_id: int, period: str, start: date | None, points: int
) -> int:
    """How many members shown on the board have more than `points` (the counts hold only
    them)."""
    return await boards.ahead(session, community_id, period, start, points)


async def activity_top(
    session: AsyncSession,
    community_id: int,
    board: str,
    since: datetime | None,
    limit: int = 10,
    offset: int = 0,
) -> list[Standing]:
    """The `helpers` board (accepted solutions, net of those taken back, plus first
    responses to questions) or the `givers` board (thanks given) since `since` (None: all
    time), with the same members shown and the same places as the points board."""
    c = Contribution.__table__.c
    if board == "helpers":
        solved = select(
            c.member_id.label("member_id"),
            case((c.kind == "solution", 1), else_=-1).label("n"),
        ).where(c.community_id == community_id, c.kind.in_(("solution", "solution_reversed")))
        q = Question.__table__.c
        answered = select(q.responder_id.label("member_id"), literal(1).label("n")).where(
            q.community_id == community_id, q.responder_id.is_not(None)
        )
        if since is not None:
            solved = solved.where(c.occurred_at >= since)
            answered = answered.where(q.first_response_at >= since)
        rows = union_all(solved, answered).subquery()
    else:
        rows = select(c.actor_id.label("member_id"), literal(1).label("n")).where(
            c.community_id == community_id, c.kind == "kudos", c.actor_id.is_not(None)
        )
        if since is not None:
            rows = rows.where(c.occurred_at >= since)
        rows = rows.subquery()
    total = func.sum(rows.c.n).label("total")
    query = (
        select(Member.id, Member.display_name, total)
        .join(Member, Member.id == rows.c.member_id)
        .where(*boards.SHOWN)
        .group_by(Member.id, Member.display_name)
        .having(total > 0)
        .order_by(total.desc(), Member.id)
        .offset(offset)
        .limit(limit)
    )
    standings: list[Standing] = []
    for index, (member_id, name, count) in enumerate(await session.execute(query)):
        same = standings and standings[-1].points == count
        place = standings[-1].place if same else offset + index + 1
        standings.append(Standing(member_id, name, int(count), place))
    return standings
