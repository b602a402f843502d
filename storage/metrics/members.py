"""Who made the period: top contributors, the best newcomer, the rank-ups, badges earned,
and the regulars who went quiet.

The points each member received in the period are summed from the daily rollup
`member_day_gain` (one row per member and day, one range of its primary key) instead of
the period's ledger rows. The rollup's days are UTC
days: when a period's bounds are not UTC midnights (a community in another time zone), the
rollup is read from the nearest UTC midnights and the ledger rows between those and the
real bounds (hours, not days) correct the sums.

When the period is one of the week or month totals the ledger keeps (`member_total`: a
Monday-to-Monday week or a calendar month, the default digests), only the members who can
matter are summed, by key: the leaders of that board (read from its points index) and
the members who joined in the period. A community of a million members then costs a few
thousand rollup rows instead of millions.

The rank-ups are the rank changes recorded when they happened (`rank_change`), read from
the period's range of them: what each member was told then, judged by the ladder of that
moment (its rolling windows and weekly review included), never rebuilt from counters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Contribution, Member, MemberBadge, MemberDay, MemberTotal, RankChange
from storage.models.digests import MemberDayGain
from storage.standings import SHOWN


@dataclass(frozen=True)
class MemberPeriod:
    """A member's points in the period."""

    member_id: int
    name: str
    points: int
    joined_at: datetime | None


def nearest_midnight(at: datetime) -> datetime:
    """The UTC midnight nearest to `at` (at most twelve hours away)."""
    at = at.astimezone(UTC)
    floor = datetime.combine(at.date(), time(), UTC)
    return floor + timedelta(days=1) if at - floor >= timedelta(hours=12) else floor


def gains_of(community_id: int, start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    """Per member: the points received in [start, end), as a materialised CTE.

    The rollup counts a row in the period when its UTC day is in [first, last) (the UTC
    midnights nearest to the bounds). A ledger row at `t` between a bound and its midnight
    is counted by the rollup on the wrong side: it is counted again with the weight (truly
    in the period) - (counted in it by the rollup), which puts it right. The rollup is
    read from the UTC day of `start` to that of `end`, so that every member with a row in
    the period has rollup rows: the corrections only adjust them.
    """
    first, last = nearest_midnight(start), nearest_midnight(end)
    g = MemberDayGain
    read_from = min(start, first).date()
    read_until = last.date() + timedelta(days=1 if end > last else 0)
    during = and_(g.day >= first.date(), g.day < last.date())
    points = (
        select(
            g.member_id.label("member_id"),
            func.sum(case((during, g.points), else_=0)).label("points"),
        )
        .where(g.community_id == community_id, g.day >= read_from, g.day < read_until)
        .group_by(g.member_id)
        .cte("points")
        .prefix_with("MATERIALIZED")
    )
    fixes = _corrections(community_id, start, end, first, last)
    if fixes is None:
        return points
    return (
        select(
            points.c.member_id,
            (points.c.points + func.coalesce(fixes.c.points, 0)).label("points"),
        )
        .select_from(points.outerjoin(fixes, fixes.c.member_id == points.c.member_id))
        .cte("gains")
        .prefix_with("MATERIALIZED")
    )


def _corrections(  # type: ignore[no-untyped-def]
    community_id: int, start: datetime, end: datetime, first: datetime, last: datetime
):
    """Per member, what the ledger rows between each bound and its UTC midnight change in
    the rollup's sums (a CTE), or None when the bounds are UTC midnights."""
    windows = sorted({(min(a, b), max(a, b)) for a, b in ((start, first), (end, last)) if a != b})
    if not windows:
        return None
    c = Contribution
    at = c.occurred_at

    def inside(low: datetime, high: datetime):  # type: ignore[no-untyped-def]
        return case((and_(at >= low, at < high), 1), else_=0)

    during = inside(start, end) - inside(first, last)
    selects = [
        select(c.member_id.label("member_id"), (during * c.points).label("points")).where(
            c.community_id == community_id, at >= low, at < high
        )
        for low, high in windows
    ]
    rows = (union_all(*selects) if len(selects) > 1 else selects[0]).subquery()
    return (
        select(rows.c.member_id, func.sum(rows.c.points).label("points"))
        .group_by(rows.c.member_id)
        .cte("corrections")
        .prefix_with("MATERIALIZED")
    )


@dataclass
class PeriodMembers:
    top: list[MemberPeriod]
    newcomer: MemberPeriod | None


# Leaders read beyond the top few: bots and excluded members never score, hidden members
# are skipped, so a few spare rows are enough.
SPARE_LEADERS = 25


@dataclass(frozen=True)
class Board:
    """A period that is one of `member_total`'s: ("week", its Monday) or ("month", its 1st)."""

    period: str
    start: date


async def period_members(
    session: AsyncSession,
    community_id: int,
    start: datetime,
    end: datetime,
    top: int,
    board: Board | None = None,
) -> PeriodMembers:
    """The top contributors and the best newcomer of [start, end).

    When the period is `board`, each member's points in it are that board's row in
    `member_total`: the leaders are read from its points index, the newcomers from those
    who joined in the period (`ix_member_joined`), each looked up by key. Any other period
    is summed from the rollup in one grouped scan (`gains_of`). The top few are read with
    a few spare rows: bots and excluded members never score, hidden members are skipped.
    """
    statement = period_members_statement(community_id, start, end, top, board)
    result = PeriodMembers([], None)
    for part, member_id, name, points, joined_at in await session.execute(statement):
        row = MemberPeriod(int(member_id), name, int(points or 0), joined_at)
        if part == "top":
            result.top.append(row)
        else:
            result.newcomer = row
    return result


def period_members_statement(
    community_id: int, start: datetime, end: datetime, top: int, board: Board | None = None
) -> Any:
    """The statement of `period_members`: rows (part "top" or "new", member id, name,
    points, joined at)."""
    gains: Any
    if board is not None:
        t = MemberTotal.__table__
        gains = (
            select(t.c.member_id, t.c.points)
            .where(
                t.c.community_id == community_id,
                t.c.period == board.period,
                t.c.period_start == board.start,
            )
            .subquery("gains")
        )
    else:
        gains = gains_of(community_id, start, end)
    m = Member.__table__
    shown = and_(*SHOWN)
    columns = (gains.c.member_id, m.c.display_name, gains.c.points, m.c.joined_at)
    leaders = (
        select(gains.c.member_id, gains.c.points)
        .where(gains.c.points > 0)
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
            m.c.joined_at,
        )
        .select_from(leaders.join(m, m.c.id == leaders.c.member_id))
        .where(shown)
        .order_by(leaders.c.points.desc(), leaders.c.member_id)
        .limit(top)
        .subquery()
    )
    joined = (
        select(m.c.id.label("member_id"))
        .where(m.c.community_id == community_id, m.c.joined_at >= start, m.c.joined_at < end)
        .cte("joined")
        .prefix_with("MATERIALIZED")
    )
    if board is not None:
        # The members who joined in the period first, from `ix_member_joined` (a few),
        # then their points by key: ordered by points, the planner would walk the whole
        # board.
        newcomers = joined.join(gains, gains.c.member_id == joined.c.member_id).join(
            m, m.c.id == joined.c.member_id
        )
        joined_in: list[Any] = []
    else:
        # The sums are a materialised CTE, which has no key: joined to it, SQLite scanned
        # all of it once per member who joined (a first digest after an import, where
        # everyone joined in the period, never ended). Scanned once instead, each sum
        # checked against the set of those who joined.
        newcomers = gains.join(m, m.c.id == gains.c.member_id)
        joined_in = [gains.c.member_id.in_(select(joined.c.member_id))]
    newcomer = (
        select(literal("new").label("part"), *columns)
        .select_from(newcomers)
        .where(*joined_in, shown, gains.c.points > 0)
        .order_by(gains.c.points.desc(), gains.c.member_id)
        .limit(1)
        .subquery()
    )
    return select(best).union_all(select(newcomer))


@dataclass
class RankUps:
    """Members whose rank was higher when the period ended than when it began."""

    first: list[tuple[int, str, str]]  # (member id, name, rank): highest rank, then name
    total: int
    of_members: dict[int, str]  # the rank-ups of the members asked about: id -> rank


async def rank_ups(
    session: AsyncSession,
    community_id: int,
    start: datetime,
    end: datetime,
    ladder: Sequence[str],
    limit: int,
    members: Sequence[int] = (),
) -> RankUps:
    """The rank-ups of [start, end) among the members shown on lists: the first `limit`
    (highest rank first, then by name), how many in all, and those of `members`.

    Each member's rank when the period began is the rank before their first change in it,
    and when it ended the rank after their last (`rank_change`, in the order the changes
    were recorded, which is the order a member went through them). `ladder` names the
    ranks lowest first: a first recorded rank counts from its bottom, and a rank it no
    longer names (renamed since) cannot be placed on it, so that change is left out. The
    period's changes are one range of `ix_rank_change_at`, and everything is counted and
    ordered in the database: a large community has tens of thousands of rank-ups a week.
    """
    found = RankUps([], 0, {})
    for part, member_id, name, place in await session.execute(
        rank_ups_statement(community_id, start, end, ladder, limit, members)
    ):
        if part == "total":
            found.total = int(member_id)
        elif part == "first":
            found.first.append((int(member_id), name, ladder[place]))
        else:
            found.of_members[int(member_id)] = ladder[place]
    return found


def rank_ups_statement(
    community_id: int,
    start: datetime,
    end: datetime,
    ladder: Sequence[str],
    limit: int,
    members: Sequence[int] = (),
) -> Any:
    """The statement of `rank_ups`: rows (part, member id or total, name, place on the
    ladder), part "total", "first" or "of"."""
    r = RankChange.__table__
    span = (
        select(
            r.c.member_id,
            func.min(r.c.id).label("first"),
            func.max(r.c.id).label("last"),
        )
        .where(r.c.community_id == community_id, r.c.at >= start, r.c.at < end)
        .group_by(r.c.member_id)
        .cte("span")
        .prefix_with("MATERIALIZED")
    )
    first, last = r.alias("first_change"), r.alias("last_change")
    places = {name: n for n, name in enumerate(ladder)}

    def place(column: Any) -> Any:
        return case(places, value=column, else_=None)

    before = case((first.c.from_rank.is_(None), 0), else_=place(first.c.from_rank))
    after = place(last.c.to_rank)
    m = Member.__table__
    ups = (
        select(span.c.member_id, m.c.display_name.label("name"), after.label("place"))
        .select_from(
            span.join(first, first.c.id == span.c.first)
            .join(last, last.c.id == span.c.last)
            .join(m, m.c.id == span.c.member_id)
        )
        .where(*SHOWN, after > before)
        .cte("ups")
        .prefix_with("MATERIALIZED")
    )
    total = select(
        literal("total").label("part"),
        func.count().label("member_id"),
        literal(None).label("name"),
        literal(None).label("place"),
    ).select_from(ups)
    leading = (
        select(literal("first"), ups.c.member_id, ups.c.name, ups.c.place)
        .order_by(ups.c.place.desc(), func.lower(ups.c.name), ups.c.member_id)
        .limit(limit)
        .subquery()
    )
    parts = [total, select(leading)]
    if members:
        parts.append(
            select(literal("of"), ups.c.member_id, ups.c.name, ups.c.place).where(
                ups.c.member_id.in_(list(members))
            )
        )
    return union_all(*parts)


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
