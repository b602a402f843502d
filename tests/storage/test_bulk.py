"""The bulk write path of a burst: statements built from SQLAlchemy's own, values in the
driver's form, SQLite's statements queued on its connection thread, and a burst of
thousands of messages scored exactly as the same messages one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg

from bot.clock import ManualClock
from bot.community import LocalCalendar
from bot.config import ScoringSettings, Settings
from bot.core import Cercle
from bot.events import ChannelRef, MemberRef, MessagePosted
from storage import ledger, members
from storage.bulk import BulkInsert, DriverValues, Pipeline
from storage.db import Database
from storage.models import Contribution, Member, MemberDay, MemberTotal
from storage.types import UTCDateTime

INSERTS = [
    ledger._LEDGER,
    ledger._NEW_LEDGER,
    ledger._TOTALS,
    ledger._GAINS,
    ledger._MESSAGES,
    ledger._DAYS,
    members._NEW_MEMBERS,
    members._NEW_IDENTITIES,
    members._ADD_ROLES,
]


@pytest.mark.parametrize("dialect", [sqlite.dialect(), asyncpg.dialect()], ids=lambda d: d.name)
@pytest.mark.parametrize("insert", INSERTS, ids=lambda i: f"{i.table.name}")
def test_a_statement_of_many_rows_is_the_one_sqlalchemy_compiles(
    insert: BulkInsert, dialect: object
) -> None:
    for size in (1, 5, 64, 512):
        made = insert._statement(dialect, size)  # type: ignore[arg-type]
        compiled = insert._compile(dialect, size)  # type: ignore[arg-type]
        assert made.sql == compiled.sql
        assert compiled.pick is None  # rows go in as they are


def test_columns_out_of_the_tables_order_are_refused() -> None:
    with pytest.raises(ValueError, match="order"):
        BulkInsert(Member.__table__, ("display_name", "community_id"))


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        datetime(2026, 1, 5, 9, 0, 7, 123, tzinfo=UTC),
        datetime(2026, 3, 29, 3, 30, 1, 999_999, tzinfo=ZoneInfo("Europe/Paris")),
        datetime(2026, 1, 5, 23, 59, 59, 500_000, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_times_are_written_as_sqlalchemy_writes_them_on_sqlite(at: datetime) -> None:
    dialect = sqlite.dialect()
    column = UTCDateTime().dialect_impl(dialect)
    expected = column.bind_processor(dialect)(at)  # type: ignore[misc]
    assert DriverValues("sqlite").time(at) == expected
    assert DriverValues("sqlite").read_time(expected) == at
    assert DriverValues("postgresql").time(at) is at


@pytest.mark.parametrize(
    "zone",
    ["America/New_York", "Europe/Paris", "Asia/Kathmandu", "Australia/Lord_Howe", "UTC"],
)
def test_local_days_for_a_batch_match_the_time_zone(zone: str) -> None:
    timezone_ = ZoneInfo(zone)
    calendar = LocalCalendar(timezone_)
    # Across this zone's DST change in spring 2026, around local midnight, every 7 minutes.
    start = datetime(2026, 3, 7, 0, 0, tzinfo=UTC)
    for step in range(0, 60 * 24 * 60, 7):
        at = start + timedelta(minutes=step, seconds=step % 60)
        day = at.astimezone(timezone_).date()
        assert calendar.of(at) == (day, day - timedelta(days=day.weekday()), day.replace(day=1))


def test_an_offset_of_seconds_is_not_shared_across_a_minute() -> None:
    # Amsterdam's summer time of 1930 was 1 h 19 min 32 s ahead of UTC: local midnight fell
    # inside a UTC minute.
    calendar = LocalCalendar(ZoneInfo("Europe/Amsterdam"))
    before = datetime(1930, 6, 1, 22, 40, 27, tzinfo=UTC)
    after = before + timedelta(seconds=2)
    assert calendar.of(before)[0] != calendar.of(after)[0]


async def test_sqlite_statements_can_be_queued_on_the_connection_thread(
    db: Database, backend: str
) -> None:
    """Fails when aiosqlite moves the queue `Pipeline` hands statements to."""
    async with db.transaction(serialized=True) as session:
        pipeline = await Pipeline.open(session)
        if backend == "postgresql":
            assert pipeline is None
            return
        assert pipeline is not None
        first = pipeline.submit("SELECT 1", ())
        pipeline.submit("SELECT 2", ())
        await pipeline.drain()
        assert first.result() == -1  # a SELECT changes no row


def _burst(count: int, people: int, start: datetime) -> list[MessagePosted]:
    return [
        MessagePosted(
            platform="discord",
            space_id="guild",
            at=start + timedelta(milliseconds=37 * i),
            message_id=str(10_000 + i),
            channel=ChannelRef("c1", "general"),
            author=MemberRef("discord", f"u{i % people}", f"member {i % people}"),
            text=f"message {i} with enough words in it",
        )
        for i in range(count)
    ]


async def test_a_burst_scores_as_its_messages_one_by_one(db: Database) -> None:
    """Thousands of messages in one batch (many chunks, on SQLite queued while the next
    are made) give every member the points, messages, totals and active day that the
    same messages give one at a time; a redelivery of the burst adds nothing."""
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    settings = Settings(scoring=ScoringSettings(message_cooldown_seconds=0, message_min_length=0))
    core = Cercle(db, settings, ManualClock(start))
    burst = _burst(3_000, 300, start)
    await core.handle_many(burst)
    await core.handle_many(burst[::2])  # redelivered
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contribution)) == 3_000
        counters = (await session.execute(select(Member.points, Member.messages))).all()
        assert counters == [(10, 10)] * 300
        weeks = (
            await session.execute(
                select(MemberTotal.period, func.count(), func.sum(MemberTotal.points)).group_by(
                    MemberTotal.period
                )
            )
        ).all()
        assert sorted(weeks) == [("month", 300, 3_000), ("week", 300, 3_000)]
        days = (await session.execute(select(func.sum(MemberDay.messages)))).scalar()
        assert days == 3_000
        actives = (await session.execute(select(Member.active_days).distinct())).scalars()
        assert list(actives) == [1]


@pytest.mark.backends("sqlite")  # PostgreSQL's ledger insert returns the rows it wrote
async def test_a_ledger_key_written_behind_the_checks_back_stops_the_batch(db: Database) -> None:
    """The SQLite path trusts the keys it checked under the write lock, and checks the
    count the database reports: a row it did not expect fails the batch, writing nothing."""
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    core = Cercle(db, Settings(), ManualClock(start))
    await core.handle_many(_burst(1, 1, start))
    async with db.transaction() as session:
        existing = await session.scalar(select(Contribution))
        member_id = await session.scalar(select(Member.id))
    assert existing is not None and member_id is not None
    entry = ledger.Entry(
        member_id, "message", 1, existing.source_key, start, start.date(), start.date()
    )
    with pytest.raises(RuntimeError, match="lock"):
        async with db.transaction(serialized=True) as session:
            writer = await ledger.writer(session, existing.community_id)
            writer.add(entry)
            await writer.finish()
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contribution)) == 1
        assert await session.scalar(select(Member.points)) == 1
