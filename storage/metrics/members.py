"""Who made the period: top contributors, the best newcomer, rank-up candidates, badges
earned, and the regulars who went quiet.

What each member received in the period (points, accepted solutions, kudos), and since its
end, is summed from the daily rollup `member_day_gain` (one row per member and day, one range
of its primary key) instead of the period's ledger rows. The rollup's days are UTC
days: when a period's bounds are not UTC midnights (a community in another time zone), the
rollup is read from the nearest UTC midnights and the ledger rows between those and the
real bounds (hours, not days) correct the sums.

When the period is one of the week or month totals the ledger keeps (`member_total`: a
Monday-to-Monday week or a calendar month, the default digests), only the members who can
matter are summed, by key: the leaders of that board (read from its points index), the
members who joined in the period and those whose rank changed since its start (a rank-up
is recorded when it happens, so nobody else can have ranked up). A community of a million
members then costs a few thousand rollup rows instead of millions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import in_ids
from storage.ledger import ROLLUP_KUDOS, ROLLUP_SOLUTIONS
from storage.models import Contribution, Member, MemberBadge, MemberDay, MemberTotal, RankChange
from storage.models.digests import MemberDayGain


@dataclass(frozen=True)
class MemberPeriod:
    """A member's gains in the period, and since its end (to see them as they were then)."""

    member_id: int
    name: str
    points: int  # in the period
    solutions: int
    kudos: int
    joined_at: datetime | None
    points_after: int = 0  # after the period's end (the digest may be built later)
    solutions_after: int = 0
    kudos_after: int = 0


def nearest_midnight(at: datetime) -> datetime:
    """The UTC midnight nearest to `at` (at most twelve hours away)."""
    at = at.astimezone(UTC)
    floor = datetime.combine(at.date(), time(), UTC)
    return floor + timedelta(days=1) if at - floor >= timedelta(hours=12) else floor


GAINS = ("points", "solutions", "kudos", "points_after", "solutions_after", "kudos_after")


def gains_of(  # type: ignore[no-untyped-def]
    community_id: int,
    start: datetime,
    end: datetime,
    only: Candidates | None = None,
):
    """Per member: points, accepted solutions and kudos received in [start, end) and from
    `end` on (`*_after`), as a materialised CTE; with `only`, for those members alone
    (each one's rollup rows read by key, day by day).

    The rollup counts a row in the period when its UTC day is in [first, last) (the UTC
    midnights nearest to the bounds), after it from `last` on. A ledger row at `t` between
    a bound and its midnight is counted by the rollup on the wrong side: it is counted
    again with the weight (truly in the period) - (counted in it by the rollup), and
    likewise after the end, which puts it right. The rollup is read from the UTC day of
    `start` (the day before `first` when the period starts before it), so that every
    member with a row in the period has rollup rows: the corrections only adjust them.

    Points are summed over every row; solutions and kudos apart, over the few rows that
    have some (each summed column costs, on every row).
    """
    first, last = nearest_midnight(start), nearest_midnight(end)
    g = MemberDayGain
    read_from = min(start, first).date()
    during = g.day < last.date()
    if read_from < first.date():
        during = and_(g.day >= first.date(), during)
    later = g.day >= last.date()
    span: tuple[Any, ...] = (g.day >= read_from,)
    if only is not None:
        # One key lookup per (day, member) instead of the days' whole range: the days are
        # listed from `read_from` on (with a range on the day, the range would be read).
        span = (g.day.in_(only.days), only.among(g.member_id))

    def per_member(name: str, sums: dict[str, Any], *where: Any):  # type: ignore[no-untyped-def]
        return (
            select(
                g.member_id.label("member_id"),
                *(
                    func.sum(case((when, column), else_=0)).label(n)
                    for n, (when, column) in sums.items()
                ),
            )
            .where(g.community_id == community_id, *span, *where)
            .group_by(g.member_id)
            .cte(name)
            .prefix_with("MATERIALIZED")
        )

    sums = {"points": (during, g.points), "points_after": (later, g.points)}
    rare = {
        "solutions": (during, g.solutions),
        "kudos": (during, g.kudos),
        "solutions_after": (later, g.solutions),
        "kudos_after": (later, g.kudos),
    }
    others = None
    if only is None:
        points = per_member("points", sums)
        others = per_member("others", rare, or_(g.solutions != 0, g.kudos != 0))
    else:
        # A few candidates' rows, each looked up by key: one pass sums everything.
        points = per_member("points", sums | rare)
    fixes = _corrections(community_id, start, end, first, last, only)
    joined: Any = points
    if others is not None:
        joined = joined.outerjoin(others, others.c.member_id == points.c.member_id)
    if fixes is not None:
        joined = joined.outerjoin(fixes, fixes.c.member_id == points.c.member_id)

    def column(name: str):  # type: ignore[no-untyped-def]
        if name in points.c:
            value = points.c[name]
        else:
            assert others is not None
            value = func.coalesce(others.c[name], 0)
        if fixes is not None:
            value = value + func.coalesce(fixes.c[name], 0)
        return value.label(name)

    return (
        select(points.c.member_id, *(column(name) for name in GAINS))
        .select_from(joined)
        .cte("gains")
        .prefix_with("MATERIALIZED")
    )


def _corrections(  # type: ignore[no-untyped-def]
    community_id: int,
    start: datetime,
    end: datetime,
    first: datetime,
    last: datetime,
    only: Candidates | None = None,
):
    """Per member, what the ledger rows between each bound and its UTC midnight change in
    the rollup's sums (a CTE), or None when the bounds are UTC midnights."""
    windows = sorted({(min(a, b), max(a, b)) for a, b in ((start, first), (end, last)) if a != b})
    if not windows:
        return None
    c = Contribution
    at = c.occurred_at

    def inside(low: datetime, high: datetime | None):  # type: ignore[no-untyped-def]
        return case((and_(at >= low, at < high) if high else at >= low, 1), else_=0)

    during = inside(start, end) - inside(first, last)
    after = inside(end, None) - inside(last, None)
    solution = case(*((c.kind == k, v) for k, v in ROLLUP_SOLUTIONS.items()), else_=0)
    kudos = case(*((c.kind == k, v) for k, v in ROLLUP_KUDOS.items()), else_=0)
    values = (
        during * c.points,
        during * solution,
        during * kudos,
        after * c.points,
        after * solution,
        after * kudos,
    )
    selects = [
        select(
            c.member_id.label("member_id"),
            *(value.label(name) for name, value in zip(GAINS, values, strict=True)),
        ).where(
            c.community_id == community_id,
            at >= low,
            at < high,
            *(() if only is None else (only.among(c.member_id),)),
        )
        for low, high in windows
    ]
    rows = (union_all(*selects) if len(selects) > 1 else selects[0]).subquery()
    return (
        select(rows.c.member_id, *(func.sum(rows.c[name]).label(name) for name in GAINS))
        .group_by(rows.c.member_id)
        .cte("corrections")
        .prefix_with("MATERIALIZED")
    )


@dataclass(frozen=True)
class Thresholds:
    """Rank requirements; a member crossing one of them in the period may have ranked up."""

    points: tuple[int, ...]
    solutions: tuple[int, ...]
    kudos: tuple[int, ...]


@dataclass(frozen=True)
class Counters:
    """A member's all-time counters as they stand now (what ranks are judged on)."""

    points: int
    active_days: int
    solutions: int
    kudos_received: int


@dataclass
class PeriodMembers:
    top: list[MemberPeriod]
    newcomer: MemberPeriod | None
    # Members who crossed a rank requirement in the period, with their counters now.
    crossed: list[tuple[MemberPeriod, Counters]]


MAX_CROSSED = 2000
# Leaders read beyond the top few: bots and excluded members never score, hidden members
# are skipped, so a few spare rows are enough.
SPARE_LEADERS = 25


@dataclass(frozen=True)
class Board:
    """A period that is one of `member_total`'s: ("week", its Monday) or ("month", its 1st)."""

    period: str
    start: date


@dataclass(frozen=True)
class Candidates:
    """The members whose gains are summed (a materialised CTE of their ids, `member_id`),
    and the rollup's days to read them on."""

    members: Any
    days: list[date]
    # `member_id IN candidates`, as the session's database looks ids up by key.
    among: Callable[[Any], Any]


async def _candidates(
    session: AsyncSession,
    community_id: int,
    start: datetime,
    end: datetime,
    top: int,
    board: Board,
) -> Candidates:
    """Whoever can be among the top, the best newcomer or the rank-ups of a period that
    is `board`: its leaders (every member with at least the points of the last spare
    leader, ties included), the members who joined in the period and those with a rank
    change since its start; and the rollup's days from the period's start on."""
    t = MemberTotal.__table__
    on_board = (
        t.c.community_id == community_id,
        t.c.period == board.period,
        t.c.period_start == board.start,
    )
    cutoff = (
        select(t.c.points)
        .where(*on_board)
        .order_by(t.c.points.desc())
        .offset(top + SPARE_LEADERS - 1)
        .limit(1)
        .scalar_subquery()
    )
    m = Member.__table__
    members = (
        union(
            select(t.c.member_id.label("member_id")).where(
                *on_board, t.c.points >= func.coalesce(cutoff, 1)
            ),
            select(m.c.id).where(
                m.c.community_id == community_id, m.c.joined_at >= start, m.c.joined_at < end
            ),
            select(RankChange.member_id).where(
                RankChange.community_id == community_id, RankChange.at >= start
            ),
        )
        .cte("candidates")
        .prefix_with("MATERIALIZED")
    )
    g = MemberDayGain
    first = min(start, nearest_midnight(start)).date()
    last = await session.scalar(select(func.max(g.day)).where(g.community_id == community_id))
    days = [first + timedelta(days=n) for n in range(((last or first) - first).days + 1)]
    ids = select(members.c.member_id)
    return Candidates(members, days, lambda column: in_ids(session, column, ids))


async def period_members(
    session: AsyncSession,
    community_id: int,
    start: datetime,
    end: datetime,
    top: int,
    thresholds: Thresholds,
    board: Board | None = None,
) -> PeriodMembers:
    """The top contributors, the best newcomer and the rank candidates of [start, end).

    One grouped scan of the rollup from the period's start (a materialised CTE; when the
    period is `board`, of the few candidates' rows only), read in the same statement for
    the top few (bots and excluded members never score, so a few spare rows are enough to
    skip them), and joined once with the members' counters for the best newcomer and
    whoever crossed a rank requirement between the period's start and end.
    """
    only = None
    if board is not None:
        only = await _candidates(session, community_id, start, end, top, board)
    gains = gains_of(community_id, start, end, only)
    m = Member.__table__
    shown = and_(m.c.is_bot.is_(False), m.c.excluded.is_(False), m.c.hidden.is_(False))
    after = {
        "points": gains.c.points_after,
        "solutions": gains.c.solutions_after,
        "kudos": gains.c.kudos_after,
    }
    counters = tuple(
        m.c[name].label(f"now_{name}")
        for name in ("points", "active_days", "solutions", "kudos_received")
    )
    columns = (
        gains.c.member_id,
        m.c.display_name,
        gains.c.points,
        gains.c.solutions,
        gains.c.kudos,
        m.c.joined_at,
        after["points"],
        after["solutions"],
        after["kudos"],
        *counters,
    )
    leaders = (
        select(gains)
        .order_by(gains.c.points.desc(), gains.c.member_id)
        .limit(top + SPARE_LEADERS)
        .subquery()
    )
    best = (
        select(
            literal("top").label("part"),
            leaders.c.member_id,
            m.c.display_name,
            leaders.c.points,
            leaders.c.solutions,
            leaders.c.kudos,
            m.c.joined_at,
            literal(0),
            literal(0),
            literal(0),
            *counters,
        )
        .select_from(leaders.join(m, m.c.id == leaders.c.member_id))
        .where(shown, leaders.c.points > 0)
        .order_by(leaders.c.points.desc(), leaders.c.member_id)
        .limit(top)
        .subquery()
    )
    crossing = []
    for counter, during, later_gain, needs in (
        (m.c.points, gains.c.points, after["points"], thresholds.points),
        (m.c.solutions, gains.c.solutions, after["solutions"], thresholds.solutions),
        (m.c.kudos_received, gains.c.kudos, after["kudos"], thresholds.kudos),
    ):
        at_end = counter - later_gain
        at_start = at_end - during
        crossing += [and_(at_start < need, at_end >= need) for need in needs]
    crossed_any = or_(*crossing) if crossing else literal(False)
    new_here = and_(gains.c.points > 0, m.c.joined_at >= start, m.c.joined_at < end)
    # One pass over the period's members with their counters finds both the newcomers and
    # the rank candidates (reading `member` once), each then ordered apart.
    picked = (
        select(
            *columns,
            case((crossed_any, 1), else_=0).label("crossed"),
            case((new_here, 1), else_=0).label("new"),
        )
        .select_from(gains.join(m, m.c.id == gains.c.member_id))
        .where(shown, or_(crossed_any, new_here))
        .cte("picked")
        .prefix_with("MATERIALIZED")
    )
    chosen = [picked.c[c.name] for c in columns]
    order = (picked.c.points.desc(), picked.c.member_id)
    newcomer = (
        select(literal("new").label("part"), *chosen)
        .where(picked.c.new == 1)
        .order_by(*order)
        .limit(1)
        .subquery()
    )
    crossed = (
        select(literal("rank").label("part"), *chosen)
        .where(picked.c.crossed == 1)
        .order_by(*order)
        .limit(MAX_CROSSED)
        .subquery()
    )
    statement = select(best).union_all(select(newcomer), select(crossed))
    rows = (await session.execute(statement)).all()
    result = PeriodMembers([], None, [])
    for part, member_id, name, points, solutions, kudos, joined_at, *values in rows:
        row = MemberPeriod(
            int(member_id),
            name,
            int(points or 0),
            int(solutions or 0),
            int(kudos or 0),
            joined_at,
            *(int(v or 0) for v in values[:3]),
        )
        if part == "top":
            result.top.append(row)
        elif part == "new":
            result.newcomer = row
        else:
            result.crossed.append((row, Counters(*(int(v or 0) for v in values[3:]))))
    return result


async def active_days_since(
    session: AsyncSession, member_ids: Sequence[int], start: date, end: date
) -> dict[int, tuple[int, int]]:
    """Per member: (active days in [start, end), active days from `end` on)."""
    if not member_ids:
        return {}
    later = func.sum(case((MemberDay.day >= end, 1), else_=0))
    rows = await session.execute(
        select(MemberDay.member_id, func.count() - later, later)
        .where(MemberDay.member_id.in_(member_ids), MemberDay.day >= start)
        .group_by(MemberDay.member_id)
    )
    return {int(member): (int(during), int(after)) for member, during, after in rows}


async def quiet_regulars(
    session: AsyncSession,
    community_id: int,
    since: date,
    quiet_from: date,
    min_days: int,
    limit: int = 20,
) -> list[tuple[int, str, int]]:
    """Members active on `min_days` days or more in [since, quiet_from) and never since:
    (id, name, active days). Read from members whose last active day is in that window
    (found first, from `ix_member_last_active`: grouping by member straight from the
    member table would read the whole community in id order instead)."""
    m = Member.__table__
    quiet = (
        select(m.c.id, m.c.display_name)
        .where(
            m.c.community_id == community_id,
            m.c.is_bot.is_(False),
            m.c.hidden.is_(False),
            m.c.left_at.is_(None),
            m.c.last_active_day >= since,
            m.c.last_active_day < quiet_from,
        )
        .cte("quiet")
        .prefix_with("MATERIALIZED")
    )
    days = func.count(MemberDay.day)
    rows = await session.execute(
        select(quiet.c.id, quiet.c.display_name, days.label("days"))
        .join(MemberDay, MemberDay.member_id == quiet.c.id)
        .where(MemberDay.day >= since, MemberDay.day < quiet_from)
        .group_by(quiet.c.id, quiet.c.display_name)
        .having(days >= min_days)
        .order_by(days.desc(), quiet.c.id)
        .limit(limit)
    )
    return [(int(i), name, int(n)) for i, name, n in rows]


async def badges_between(
    session: AsyncSession, community_id: int, start: datetime, end: datetime, limit: int = 20
) -> tuple[list[tuple[int, str, str]], int]:
    """(member id, name, badge key) earned in the period, the first `limit`, and the total."""
    where = (
        MemberBadge.community_id == community_id,
        MemberBadge.awarded_at >= start,
        MemberBadge.awarded_at < end,
    )
    total = await session.scalar(select(func.count()).select_from(MemberBadge).where(*where))
    rows = await session.execute(
        select(MemberBadge.member_id, Member.display_name, MemberBadge.badge)
        .join(Member, Member.id == MemberBadge.member_id)
        .where(*where, Member.is_bot.is_(False), Member.hidden.is_(False))
        .order_by(MemberBadge.awarded_at, MemberBadge.member_id)
        .limit(limit)
    )
    return [(int(m), name, badge) for m, name, badge in rows], int(total or 0)
