"""The chart's activity and the participation shape, against a count made member by
member: bots (and a member flagged as a bot after posting) are left out of both, by day
and over the weeks of a catch-up, whatever days they were active on. The weeks the shape
of a Monday-to-Monday week is added up from (`member_week`) add up to the days through
every change, and after an upgrade; so do the counts per day and per week the chart and
the shape read (`community_activity`), before and after PostgreSQL's moves are folded
in."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from storage import community_activity, migrate
from storage.db import Database
from storage.metrics import shape as metrics_shape
from storage.models import Community, Member, MemberDay, MemberWeek

FIRST = date(2026, 1, 5)
DAYS = 28
CORE_DAYS = 3


async def _history(
    db: Database, seed: int
) -> tuple[int, dict[int, bool], list[tuple[int, date, int]]]:
    """A community of 60 members, one in six a bot, active on random days."""
    rng = random.Random(seed)
    async with db.transaction() as session:
        community = Community(slug=f"shape{seed}", created_at=datetime(2025, 12, 1, tzinfo=UTC))
        session.add(community)
        await session.flush()
        assert community.id is not None
        people = [
            Member(
                community_id=community.id,
                display_name=f"m{i}",
                origin=f"test:{i}",
                is_bot=i % 6 == 0,
            )
            for i in range(60)
        ]
        session.add_all(people)
        await session.flush()
        bots = {m.id: m.is_bot for m in people if m.id is not None}
        rows = []
        for member_id in bots:
            for offset in rng.sample(range(DAYS), rng.randint(0, 12)):
                rows.append((member_id, FIRST + timedelta(days=offset), rng.randint(1, 9)))
        session.add_all(
            MemberDay(member_id=m, day=d, community_id=community.id, messages=n) for m, d, n in rows
        )
        return community.id, bots, rows


def _expected(
    bots: dict[int, bool], rows: list[tuple[int, date, int]], start: date, end: date
) -> tuple[int, int]:
    inside = [(m, n) for m, d, n in rows if start <= d < end and not bots[m]]
    return len({m for m, _ in inside}), sum(n for _, n in inside)


def _expected_shape(
    bots: dict[int, bool],
    rows: list[tuple[int, date, int]],
    previous: date,
    start: date,
    end: date,
) -> metrics_shape.DayShape:
    days: dict[int, int] = {}
    for m, d, _ in rows:
        if start <= d < end and not bots[m]:
            days[m] = days.get(m, 0) + 1
    active, messages = _expected(bots, rows, start, end)
    active_before, messages_before = _expected(bots, rows, previous, start)
    core = sum(1 for n in days.values() if n >= CORE_DAYS)
    return metrics_shape.DayShape(
        active, active_before, core, active - core, messages, messages_before
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_chart_counts_people_not_bots_by_day_and_by_week(
    database_url: Callable[..., str], seed: int
) -> None:
    db = Database(database_url())
    try:
        community_id, bots, rows = await _history(db, seed)
        days = [(FIRST + timedelta(days=k), FIRST + timedelta(days=k + 1)) for k in range(DAYS)]
        weeks = [
            (FIRST + timedelta(days=k), FIRST + timedelta(days=k + 7)) for k in range(0, DAYS, 7)
        ]
        async with db.transaction() as session:
            by_day = await metrics_shape.activity(session, community_id, days)
            by_week = await metrics_shape.activity(session, community_id, weeks)
        assert by_day == [_expected(bots, rows, s, e) for s, e in days]
        assert by_week == [_expected(bots, rows, s, e) for s, e in weeks]
        # Every bot was active on some day: the counts above did leave them out.
        assert any(bots[m] for m, _, _ in rows)
    finally:
        await db.dispose()


@pytest.mark.parametrize("seed", [4, 5])
async def test_the_shape_counts_people_not_bots(
    database_url: Callable[..., str], seed: int
) -> None:
    db = Database(database_url())
    try:
        community_id, bots, rows = await _history(db, seed)
        previous, start, end = (
            FIRST + timedelta(days=7),
            FIRST + timedelta(days=14),
            FIRST + timedelta(days=21),
        )
        async with db.transaction() as session:
            shape = await metrics_shape.day_shape(
                session, community_id, previous, start, end, CORE_DAYS
            )
        assert shape == _expected_shape(bots, rows, previous, start, end)
    finally:
        await db.dispose()


async def _weeks(db: Database) -> tuple[dict[tuple[int, date], tuple[int, int]], ...]:
    """`member_week` as kept (rows at zero left out), and as counted from `member_day`."""
    kept, counted = {}, {}
    async with db.transaction() as session:
        for m, week, days, messages in await session.execute(
            select(
                MemberWeek.member_id, MemberWeek.week_start, MemberWeek.days, MemberWeek.messages
            )
        ):
            if days or messages:
                kept[(m, week)] = (days, messages)
        for m, day, messages in await session.execute(
            select(MemberDay.member_id, MemberDay.day, MemberDay.messages)
        ):
            week = day - timedelta(days=day.weekday())
            days_before, messages_before = counted.get((m, week), (0, 0))
            counted[(m, week)] = (days_before + 1, messages_before + messages)
    return kept, counted


async def _activity(db: Database) -> tuple[dict[tuple[str, date], tuple[int, int, int]], ...]:
    """The counts per day and per week as kept (moves not yet folded added, rows at zero
    left out), and as counted from `member_day` and `member_week`."""
    kept, counted = {}, {}
    async with db.transaction() as session:
        community_ids = await session.scalars(select(Community.id))
        for community_id in community_ids:
            for period in ("day", "week"):
                found = await community_activity.counts(
                    session, community_id, period, date(2000, 1, 1), date(2100, 1, 1)
                )
                kept.update({(period, start): n for start, n in found.items() if any(n)})
        days: dict[date, tuple[int, int, int]] = {}
        for day, messages in await session.execute(select(MemberDay.day, MemberDay.messages)):
            members, _, total = days.get(day, (0, 0, 0))
            days[day] = (members + 1, 0, total + messages)
        weeks: dict[date, tuple[int, int, int]] = {}
        for week, active, messages in await session.execute(
            select(MemberWeek.week_start, MemberWeek.days, MemberWeek.messages)
        ):
            members, core, total = weeks.get(week, (0, 0, 0))
            weeks[week] = (
                members + (active > 0),
                core + (active >= community_activity.CORE_DAYS),
                total + messages,
            )
        counted = {("day", d): n for d, n in days.items() if any(n)}
        counted |= {("week", w): n for w, n in weeks.items() if any(n)}
    return kept, counted


@pytest.mark.parametrize("seed", [6, 7])
async def test_the_weeks_follow_every_change_of_days(
    database_url: Callable[..., str], seed: int
) -> None:
    """Whatever writes `member_day` (messages added, days deleted as an erasure does, days
    moved to another member as a merge does), the weeks add up to the days, and a period
    that is not a Monday-to-Monday week, read from the days, agrees with the members'
    days too."""
    rng = random.Random(seed)
    db = Database(database_url())
    try:
        community_id, bots, rows = await _history(db, seed)
        kept, counted = await _weeks(db)
        assert kept == counted and len(kept) > 50
        kept, counted = await _activity(db)
        assert kept == counted and len(kept) == 28 + 4
        people = sorted(bots)
        async with db.transaction() as session:
            for m, d, _ in rng.sample(rows, 40):
                await session.execute(
                    update(MemberDay)
                    .where(MemberDay.member_id == m, MemberDay.day == d)
                    .values(messages=MemberDay.messages + rng.randint(1, 5))
                )
            for m, d, _ in rng.sample(rows, 20):
                await session.execute(
                    delete(MemberDay).where(MemberDay.member_id == m, MemberDay.day == d)
                )
            taken = {
                (m, d)
                for m, d in (
                    await session.execute(select(MemberDay.member_id, MemberDay.day))
                ).all()
            }
            for m, d in rng.sample(sorted(taken), 20):
                into = rng.choice(people)
                if (into, d) not in taken:
                    await session.execute(
                        update(MemberDay)
                        .where(MemberDay.member_id == m, MemberDay.day == d)
                        .values(member_id=into)
                    )
                    taken = (taken - {(m, d)}) | {(into, d)}
        kept, counted = await _weeks(db)
        assert kept == counted
        kept, counted = await _activity(db)
        assert kept == counted
        async with db.transaction() as session:
            folded = await community_activity.fold(session)
        # PostgreSQL's writers appended moves; SQLite's counted at once.
        assert (folded > 0) == (db.dialect == "postgresql")
        assert await _activity(db) == (kept, counted)
        async with db.transaction() as session:
            rows = [
                (m, d, n)
                for m, d, n in await session.execute(
                    select(MemberDay.member_id, MemberDay.day, MemberDay.messages)
                )
            ]
        for previous, start, end in [
            (FIRST + timedelta(days=7), FIRST + timedelta(days=14), FIRST + timedelta(days=21)),
            (FIRST + timedelta(days=9), FIRST + timedelta(days=16), FIRST + timedelta(days=23)),
        ]:
            async with db.transaction() as session:
                shape = await metrics_shape.day_shape(
                    session, community_id, previous, start, end, CORE_DAYS
                )
            assert shape == _expected_shape(bots, rows, previous, start, end)
    finally:
        await db.dispose()


async def test_an_upgraded_database_adds_up_the_days_it_held(
    database_url: Callable[..., str],
) -> None:
    db = Database(database_url(migrated=False))
    try:
        await migrate.upgrade(db.engine, "0025")
        await _history(db, 8)
        await db.upgrade()
        kept, counted = await _weeks(db)
        assert kept == counted and len(kept) > 50
        kept, counted = await _activity(db)
        assert kept == counted and len(kept) == 28 + 4
    finally:
        await db.dispose()
