"""The top contributors and the best newcomer of a week: read from the week's board
(`member_total`) they are the ones summed from the daily rollup, ties and hidden members
included; and the best newcomer of a board is found from the members who joined in the
period (`ix_member_joined`), not by walking the whole board in points order."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from community_rows import community_with_members
from sqlalchemy import text, update

from storage import ledger
from storage.db import Database
from storage.metrics import members as metrics_members
from storage.models import Member

MONDAY = date(2026, 1, 5)
START = datetime(2026, 1, 5, tzinfo=UTC)
END = START + timedelta(days=7)


async def _week(
    db: Database, seed: int, members: int = 40, joining: int = 4
) -> tuple[int, list[int]]:
    """A week of scored rows: one member in `joining` joined in it, one is hidden."""
    community_id, ids = await community_with_members(db, members, f"week{seed}")
    rng = random.Random(seed)
    async with db.transaction() as session:
        for n, member_id in enumerate(ids):
            joined = START + timedelta(hours=rng.randrange(160)) if n % joining == 0 else START
            await session.execute(
                update(Member)
                .where(Member.id == member_id)
                .values(joined_at=joined - timedelta(days=30 if n % joining else 0), hidden=n == 4)
            )
        entries = [
            ledger.Entry(
                member_id=rng.choice(ids),
                kind="message",
                points=rng.choice((1, 2, 3, 5)),
                source_key=f"w{seed}:{k}",
                occurred_at=START + timedelta(minutes=rng.randrange(7 * 24 * 60)),
                week=MONDAY,
                month=date(2026, 1, 1),
            )
            for k in range(400)
        ]
        await ledger.record(session, community_id, entries)
    return community_id, ids


async def test_a_week_read_from_its_board_is_the_week_summed_from_the_days(db: Database) -> None:
    for seed in (1, 2, 3):
        community_id, _ = await _week(db, seed)
        async with db.transaction() as session:
            board = metrics_members.Board("week", MONDAY)
            read = await metrics_members.period_members(session, community_id, START, END, 5, board)
            summed = await metrics_members.period_members(session, community_id, START, END, 5)
        assert read == summed
        assert len(read.top) == 5 and read.newcomer is not None
        assert "m4" not in [row.name for row in read.top]  # hidden


async def test_the_best_newcomer_of_a_board_is_found_from_who_joined(db: Database) -> None:
    community_id, _ = await _week(db, 4, members=400, joining=40)
    board = metrics_members.Board("week", MONDAY)
    statement = metrics_members.period_members_statement(community_id, START, END, 5, board)
    async with db.transaction() as session:
        dialect = session.get_bind().dialect
        if dialect.name == "postgresql":
            await session.execute(text("ANALYZE member"))
            await session.execute(text("ANALYZE member_total"))
            await session.execute(text("SET LOCAL enable_seqscan = off"))
        compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN" if dialect.name == "sqlite" else "EXPLAIN"
        plan = "\n".join(str(row) for row in await session.execute(text(f"{explain} {compiled}")))
    assert "ix_member_joined" in plan, plan


async def _steps_for_a_catch_up(db: Database, members: int) -> tuple[int, int]:
    """A community whose `members` all joined ten days ago (an import) and all scored
    since: the SQLite instructions its ten days' top and newcomer take, and the
    newcomer found."""
    community_id, ids = await community_with_members(db, members, f"import{members}")
    start, end = START, START + timedelta(days=10)  # not a board: summed from the rollup
    async with db.transaction() as session:
        await session.execute(
            update(Member).where(Member.community_id == community_id).values(joined_at=start)
        )
        entries = [
            ledger.Entry(
                member_id=member_id,
                kind="message",
                points=1 + n % 7,
                source_key=f"import{members}:{n}",
                occurred_at=start + timedelta(hours=n % 200),
                week=MONDAY,
                month=date(2026, 1, 1),
            )
            for n, member_id in enumerate(ids)
        ]
        await ledger.record(session, community_id, entries)
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    async with db.transaction() as session:
        driver = (await (await session.connection()).get_raw_connection()).driver_connection
        await driver.set_progress_handler(count, 100)
        try:
            found = await metrics_members.period_members(session, community_id, start, end, 5)
        finally:
            await driver.set_progress_handler(None, 0)
    assert found.newcomer is not None and found.newcomer.points == 7
    assert [row.points for row in found.top] == [7] * 5
    return steps, found.newcomer.member_id


async def test_a_first_digest_after_an_import_reads_the_sums_once(db: Database) -> None:
    """Everyone joined in the period: the best newcomer is found in one pass over the
    period's sums. Checked by SQLite's own instruction count, which grew with the square
    of the members (a first digest at 100,000 members never ended): four times the
    members, four times the work, not sixteen."""
    if db.dialect != "sqlite":
        pytest.skip("the instruction count is SQLite's (PostgreSQL hashes this join)")
    small, _ = await _steps_for_a_catch_up(db, 300)
    large, _ = await _steps_for_a_catch_up(db, 1200)
    assert large < 6 * small, (small, large)
