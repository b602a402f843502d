"""Each message's reaction awards per week and month (`message_total`), kept by the ledger's
write path: the message of the period read from them is the one counted from the ledger,
reaction by reaction, whatever was taken back and whenever; a community whose ledger
already held reactions when they began to be kept reads the periods that hold them from
the ledger (migration 0028).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from community_rows import community_with_members
from sqlalchemy import delete, func, select, text, update

from bot.community import LocalCalendar
from storage import ledger, migrate
from storage.db import Database
from storage.metrics import highlights
from storage.models import Community, Contribution, Member
from storage.models.digests import MessageTotal, MessageTotalSince

TZ = ZoneInfo("Europe/Paris")
POINTS = {"message": 1, "reaction": 2, "reaction_reversed": -2}
WEEK = date(2026, 3, 9)  # a Monday
START = datetime.combine(WEEK, time(), TZ).astimezone(UTC)
END = datetime.combine(WEEK + timedelta(days=7), time(), TZ).astimezone(UTC)
MONTH = date(2026, 3, 1)
MONTH_START = datetime.combine(MONTH, time(), TZ).astimezone(UTC)
MONTH_END = datetime.combine(date(2026, 4, 1), time(), TZ).astimezone(UTC)


def _reactions(
    rng: random.Random, refs: list[str], actors: list[int], count: int
) -> list[tuple[str, int, str, datetime]]:
    """Reactions as the core awards them: a member's award on a message, taken back when
    their last emoji goes, awarded again when they react again. Popular messages draw
    most of them; instants fall around the week's and the month's bounds and anywhere
    from a week before the month to a week after it."""
    weights = [1 / (1 + n) ** 1.2 for n in range(len(refs))]
    bounds = [START, END, MONTH_START, MONTH_END]
    low, high = MONTH_START - timedelta(days=7), MONTH_END + timedelta(days=7)
    instants = []
    for _ in range(count):
        if rng.random() < 0.3:
            instants.append(rng.choice(bounds) + timedelta(minutes=rng.randint(-90, 90)))
        else:
            instants.append(low + (high - low) * rng.random())
    active: set[tuple[str, int]] = set()
    rows = []
    for at in sorted(instants):
        pair = (rng.choices(refs, weights)[0], rng.choice(actors))
        # Most reactions stay: a member takes one back now and then.
        if pair in active:
            if rng.random() < 0.7:
                continue
            active.discard(pair)
            rows.append((*pair, "reaction_reversed", at))
        else:
            active.add(pair)
            rows.append((*pair, "reaction", at))
    return rows


async def _record(
    db: Database, community_id: int, author: int, rows: list[tuple[str, int, str, datetime]]
) -> None:
    calendar = LocalCalendar(TZ)
    entries = []
    for n, (ref, actor, kind, at) in enumerate(rows):
        _day, week, month = calendar.of(at)
        entries.append(
            ledger.Entry(
                member_id=author,
                kind=kind,
                points=POINTS[kind],
                source_key=f"r{n}",
                occurred_at=at,
                week=week,
                month=month,
                message_ref=ref,
                actor_id=None if kind == "message" else actor,
            )
        )
    # In batches, as bursts of activity write them (a message's awards across batches).
    for first in range(0, len(entries), 97):
        async with db.transaction() as session:
            await ledger.record(session, community_id, entries[first : first + 97])


def _counted(
    rows: list[tuple[str, int, str, datetime]], start: datetime, end: datetime, limit: int
) -> list[tuple[str, int]]:
    """The candidates counted member by member: those whose reactions in the period
    outweigh what they took back in it."""
    net: dict[tuple[str, int], int] = defaultdict(int)
    for ref, actor, kind, at in rows:
        if start <= at < end and kind != "message":
            net[(ref, actor)] += 1 if kind == "reaction" else -1
    reactors: dict[str, int] = defaultdict(int)
    for (ref, _), value in net.items():
        if value > 0:
            reactors[ref] += 1
    return sorted(reactors.items(), key=lambda item: (-item[1], item[0]))[:limit]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_the_message_of_the_week_and_of_the_month_read_from_the_totals(
    db: Database, seed: int
) -> None:
    community_id, members = await community_with_members(db, 30, "tally")
    rng = random.Random(seed)
    refs = [f"discord:{n}" for n in range(60)]
    # Each message is posted (a ledger row of its own) before it gets reactions.
    posted = [(ref, members[0], "message", MONTH_START - timedelta(days=8)) for ref in refs]
    rows = posted + _reactions(rng, refs, members[1:], 1500)
    await _record(db, community_id, members[0], rows)
    for board, start, end in (
        (("week", WEEK), START, END),
        (("month", MONTH), MONTH_START, MONTH_END),
    ):
        for limit in (1, 3, 10):
            expected = _counted(rows, start, end, limit)
            assert len(expected) == limit
            async with db.transaction() as session:
                kept = await highlights.candidates(
                    session, community_id, start, end, limit, board=board
                )
                counted = await highlights.candidates(session, community_id, start, end, limit)
            assert kept == expected, (board, limit)
            assert counted == expected, (board, limit)


async def test_a_message_totals_its_awards_in_the_week_and_the_month_they_were_made(
    db: Database,
) -> None:
    community_id, members = await community_with_members(db, 4, "tally")
    before_week = START - timedelta(minutes=5)  # Sunday evening in Paris: the week before
    rows = [
        ("discord:1", members[1], "reaction", before_week),
        ("discord:1", members[2], "reaction", START + timedelta(hours=1)),
        ("discord:1", members[3], "reaction", START + timedelta(hours=2)),
        ("discord:1", members[3], "reaction_reversed", START + timedelta(hours=3)),
        ("discord:2", members[1], "reaction", START + timedelta(days=1)),
    ]
    await _record(db, community_id, members[0], rows)
    m = MessageTotal
    async with db.transaction() as session:
        found = {
            (row.period, row.period_start, row.message_ref): row.reactions
            for row in await session.scalars(select(m).where(m.community_id == community_id))
        }
    # A reaction taken back leaves its award counted (the reading counts that message
    # from the ledger).
    assert found == {
        ("week", WEEK - timedelta(days=7), "discord:1"): 1,
        ("week", WEEK, "discord:1"): 2,
        ("week", WEEK, "discord:2"): 1,
        ("month", MONTH, "discord:1"): 3,
        ("month", MONTH, "discord:2"): 1,
    }
    async with db.transaction() as session:
        week = await highlights.candidates(session, community_id, START, END, board=("week", WEEK))
    assert week == [("discord:1", 1), ("discord:2", 1)]


async def test_a_message_s_rows_are_found_by_its_reference(db: Database) -> None:
    """The few messages counted member by member are read through the message index, not
    through a range of the period's reactions (at a million members, 1.5 million rows)."""
    community_id, members = await community_with_members(db, 3, "tally")
    refs = [f"discord:{n}" for n in range(400)]
    posted = [(ref, members[0], "message", MONTH_START) for ref in refs]
    rows = posted + _reactions(random.Random(5), refs[:20], members[1:], 200)
    await _record(db, community_id, members[0], rows)
    async with db.transaction() as session:
        if db.dialect == "postgresql":
            # On a few rows a scan is cheaper than any index; at scale it is not. Only
            # which index serves the lookup is under test here, with the statistics
            # autovacuum would have gathered.
            await session.execute(text("ANALYZE contribution"))
            await session.execute(text("SET LOCAL enable_seqscan = off"))
        statement = highlights.rows_of(["discord:1", "discord:2"]).params(community_id=community_id)
        sql = str(
            statement.compile(dialect=session.bind.dialect, compile_kwargs={"literal_binds": True})
        )
        explain = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
        plan = " ".join(str(row[-1]) for row in await session.execute(text(explain + sql)))
    assert "ix_contribution_message" in plan, plan


async def test_periods_before_the_totals_were_kept_are_counted_from_the_ledger(
    db: Database,
) -> None:
    community_id, members = await community_with_members(db, 30, "tally")
    rows = _reactions(random.Random(9), [f"discord:{n}" for n in range(20)], members[1:], 400)
    await _record(db, community_id, members[0], rows)
    expected = _counted(rows, START, END, 10)
    async with db.transaction() as session:
        # The totals as an upgraded database has them: nothing from before the upgrade.
        await session.execute(delete(MessageTotal))
        session.add(MessageTotalSince(community_id=community_id, since=START))
    async with db.transaction() as session:
        found = await highlights.candidates(session, community_id, START, END, board=("week", WEEK))
    assert found == expected
    async with db.transaction() as session:
        # Kept since before the week began: the (emptied) totals are what is read.
        await session.execute(
            update(MessageTotalSince)
            .where(MessageTotalSince.community_id == community_id)
            .values(since=START - timedelta(days=1))
        )
    async with db.transaction() as session:
        found = await highlights.candidates(session, community_id, START, END, board=("week", WEEK))
    assert found == []


async def test_an_upgrade_marks_the_communities_whose_ledger_had_reactions(
    database_url: Callable[..., str],
) -> None:
    db = Database(database_url(migrated=False))
    try:
        await migrate.upgrade(db.engine, "0027")
        async with db.engine.begin() as conn:
            for slug in ("reacted", "quiet"):
                await conn.execute(
                    text("INSERT INTO community (slug, created_at) VALUES (:s, :at)"),
                    {"s": slug, "at": datetime(2026, 1, 1)},
                )
            reacted = await conn.scalar(text("SELECT id FROM community WHERE slug = 'reacted'"))
        async with db.transaction() as session:
            # Members and the ledger are as 0027 left them: their models can write them.
            member = Member(community_id=reacted, display_name="m", origin="test:1")
            session.add(member)
            await session.flush()
            session.add(
                Contribution(
                    community_id=reacted,
                    member_id=member.id,
                    kind="reaction",
                    points=2,
                    source_key="r1",
                    occurred_at=datetime(2026, 1, 2, tzinfo=UTC),
                    message_ref="discord:1",
                )
            )
        await db.upgrade()
        async with db.transaction() as session:
            since = dict(
                (
                    await session.execute(
                        select(Community.slug, MessageTotalSince.since).join(
                            MessageTotalSince,
                            MessageTotalSince.community_id == Community.id,
                            isouter=True,
                        )
                    )
                ).all()
            )
            kept = await session.scalar(select(func.count()).select_from(MessageTotal))
        assert since["quiet"] is None
        assert since["reacted"] == datetime(2026, 1, 2, tzinfo=UTC)  # its last reaction
        assert kept == 0
    finally:
        await db.dispose()
