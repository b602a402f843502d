"""The database stops answering while activity arrives: SQLite locked by another process
longer than its busy timeout, its file read-only for a while, PostgreSQL restarted
mid-stream. Nothing received is dropped: batches are kept (in memory, then in the
journal), retried until the database answers, the connections are opened again, the
log says so once per outage, and the exact totals come out afterwards."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import ClientSession
from file_faults import read_only
from processes import free_port
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from adapters import health
from adapters.health import HealthReporter
from bot.actions import Reply
from bot.batching import ActivityBatcher, Journal
from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from bot.events import ChannelRef, CommandInvoked, Event, MemberRef, MessagePosted
from storage.db import Database
from storage.models import Contribution

MEMBERS = 20
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
OUTAGE_LOG = "the database does not answer"


def posts(first: int, count: int) -> list[Event]:
    """`count` scoring messages, each member's one per cooldown window."""
    return [
        MessagePosted(
            platform="discord",
            space_id="900",
            at=START + timedelta(seconds=61 * (n // MEMBERS)),
            message_id=str(10_000 + n),
            channel=ChannelRef("1", "general"),
            author=MemberRef("discord", str(100 + n % MEMBERS), f"member{n % MEMBERS}"),
            text="a message long enough to score",
        )
        for n in range(first, first + count)
    ]


async def connected() -> dict[str, str | None]:
    """`/healthz`'s platforms: Discord, connected."""
    return {"discord": None}


async def totals(db: Database) -> tuple[int, int]:
    async with db.transaction() as session:
        rows = await session.scalar(select(func.count()).select_from(Contribution))
        points = await session.scalar(select(func.coalesce(func.sum(Contribution.points), 0)))
    return int(rows or 0), int(points or 0)


class Intake:
    """A core fed through the platforms' batcher, as an adapter feeds it."""

    def __init__(self, db: Database, journal: Path) -> None:
        self.core = Cercle(db, Settings(), ManualClock(START + timedelta(days=1)))

        async def flush(_space: str, events: Sequence[Event]) -> None:
            await self.core.handle_many(events)

        self.batcher = ActivityBatcher(
            flush,
            window=0.0,
            name="discord",
            journal=Journal(journal, "discord"),
            memory_events=100,
        )

    async def settle(self, within: float = 30.0) -> None:
        await asyncio.wait_for(self.batcher.idle(), within)

    async def outage(self) -> None:
        for _ in range(100):
            if self.batcher.outage_since is not None:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the outage was not noticed")

    async def rank(self) -> str:
        event = CommandInvoked(
            platform="discord",
            space_id="900",
            at=START + timedelta(days=1),
            interaction_id="rank-1",
            channel=ChannelRef("1", "general"),
            invoker=MemberRef("discord", "100", "member0"),
            path=("rank",),
        )
        replies = [a for a in await self.core.handle(event) if isinstance(a, Reply)]
        return " ".join(r.text or (r.card.title if r.card else "") for r in replies)


def sqlite_path(url: str) -> Path:
    return Path(str(make_url(url).database))


@pytest.mark.backends("sqlite")
async def test_sqlite_locked_past_the_busy_timeout_loses_nothing(
    database_url: Callable[..., str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = database_url()
    db = Database(url, busy_timeout=0.2)
    intake = Intake(db, tmp_path / "journal")
    holder = sqlite3.connect(sqlite_path(url), isolation_level=None)
    try:
        with caplog.at_level(logging.WARNING):
            holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
            for event in posts(0, 100):
                intake.batcher.put(event)
            await intake.outage()
            for event in posts(100, 300):  # past memory_events: to the journal
                intake.batcher.put(event)
            state = intake.batcher.state()
            assert state["database_unavailable_since"] is not None and state["journaled"] > 0
            # /healthz and `cercle status` say so.
            port = free_port()
            reporter = HealthReporter(connected, tmp_path / "journal", "127.0.0.1", port)
            await reporter.start()
            try:
                async with (
                    ClientSession() as http,
                    http.get(f"http://127.0.0.1:{port}/healthz") as answer,
                ):
                    assert answer.status == 503
                    report = await answer.json()
                assert report["status"] == "degraded"
                assert report["database"]["reachable"] is False
                assert report["platforms"] == {"discord": {"connected": True}}
                assert any(entry["waiting"] == 400 for entry in report["intake"])
                await asyncio.sleep(0.1)
                said = "\n".join(health.status_lines(tmp_path / "journal"))
                assert "DATABASE UNAVAILABLE" in said and "400 events waiting" in said
            finally:
                await reporter.stop()
            await asyncio.sleep(1.0)
            holder.execute("COMMIT")
            await intake.settle()
        assert await totals(db) == (400, 400)
        said = [r.getMessage() for r in caplog.records if OUTAGE_LOG in r.getMessage()]
        assert len(said) == 1, said
        assert not list((tmp_path / "journal").glob("*.journal"))
    finally:
        holder.close()
        await intake.batcher.stop()
        await db.dispose()


@pytest.mark.backends("sqlite")
async def test_sqlite_read_only_for_a_while_then_writable_recovers(
    database_url: Callable[..., str], tmp_path: Path
) -> None:
    url = database_url()
    db = Database(url, busy_timeout=0.2)
    intake = Intake(db, tmp_path / "journal")
    try:
        with read_only(sqlite_path(url)) as writable:
            for event in posts(0, 150):
                intake.batcher.put(event)
            await intake.outage()
            await asyncio.sleep(0.5)
            writable()
            await intake.settle()
        assert await totals(db) == (150, 150)
        # Connections opened while the file was read-only were not kept: commands work.
        assert "wrong" not in (await intake.rank()).lower()
        for event in posts(150, 20):
            intake.batcher.put(event)
        await intake.settle()
        assert await totals(db) == (170, 170)
    finally:
        await intake.batcher.stop()
        await db.dispose()


def pg_ctl(server: object, *args: str) -> None:
    from pgserver._commands import pg_ctl as run

    run(list(args), pgdata=server.pgdata, user=server.system_user)  # type: ignore[attr-defined]


@pytest.mark.backends("postgresql")
async def test_postgresql_restarted_mid_stream_loses_nothing(
    database_url: Callable[..., str],
    postgres,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    url = database_url()
    db = Database(url)
    intake = Intake(db, tmp_path / "journal")
    server = postgres.server
    socket_dir = make_url(url).query["host"]
    try:
        for event in posts(0, 100):
            intake.batcher.put(event)
        await intake.settle()
        await asyncio.to_thread(pg_ctl, server, "-w", "-m", "fast", "stop")
        for event in posts(100, 200):
            intake.batcher.put(event)
        await intake.outage()
        await asyncio.sleep(0.5)
        await asyncio.to_thread(
            pg_ctl,
            server,
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {socket_dir}",
            "-l",
            str(server.log),
            "start",
        )
        for event in posts(300, 100):
            intake.batcher.put(event)
        await intake.settle()
        assert await totals(db) == (400, 400)
    finally:
        await intake.batcher.stop()
        await db.dispose()
