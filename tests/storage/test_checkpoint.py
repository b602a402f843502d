"""SQLite's write-ahead log is copied into the database file by `cercle run` every second,
from a connection of its own, rather than by whichever commit crosses the autocheckpoint
threshold (a member's batch that would then take 50 to 100 ms): what was committed reaches
the database file while the bot runs, a long read does not hold the copy up nor the
writer behind it, and a file that cannot be written for a while is no error."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import unused_port
from file_faults import read_only
from sqlalchemy.engine import make_url

from adapters import runtime as runtime_module
from adapters.runtime import CHECKPOINT_SECONDS, Runtime
from bot.actions import Action
from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from bot.jobs import PLANNERS
from storage.communities import ensure_community
from storage.db import Database

pytestmark = pytest.mark.backends("sqlite")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class QuietAdapter:
    """An adapter with nothing to connect: the runtime's own jobs are what is tested."""

    platform = "console"

    async def start(self, core: Cercle) -> None:
        pass

    async def deliver(self, space_id: str, action: Action) -> None:
        pass

    async def stop(self) -> None:
        pass


def path_of(url: str) -> Path:
    return Path(str(make_url(url).database))


def in_database_file(path: Path) -> int | None:
    """Communities the database file itself holds, the log left unread; None while a copy
    is under way. Read as immutable (the only way to leave the log unread), the file takes
    no lock, so a read that meets the runtime's copy halfway sees torn pages."""
    plain = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(plain.execute("SELECT count(*) FROM community").fetchone()[0])
    except sqlite3.DatabaseError:
        return None
    finally:
        plain.close()


def copy_log_now(path: Path) -> None:
    plain = sqlite3.connect(path)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        plain.close()


async def copied_into_the_file(path: Path, communities: int) -> None:
    """Wait (a few of the runtime's seconds at most) until the database file holds them."""
    for _ in range(int(CHECKPOINT_SECONDS * 50)):
        if in_database_file(path) == communities:
            return
        await asyncio.sleep(0.1)
    assert in_database_file(path) == communities


async def add_communities(db: Database, first: int, count: int) -> None:
    async with db.transaction() as session:
        for n in range(first, first + count):
            await ensure_community(session, "console", f"space{n}", f"space {n}", NOW)


async def test_the_running_bot_copies_the_log_into_the_database_file(
    database_url: Callable[..., str],
) -> None:
    url = database_url()
    path = path_of(url)
    copy_log_now(path)
    db = Database(url)
    core = Cercle(db, Settings(), ManualClock(NOW))
    try:
        await add_communities(db, 0, 300)
        # Far below the autocheckpoint threshold: left to SQLite, it would stay in the log.
        assert in_database_file(path) == 0
        runtime = Runtime(core, [QuietAdapter()])
        task = asyncio.create_task(runtime.run())
        try:
            await copied_into_the_file(path, 300)
            # And again, for what comes while it runs.
            await add_communities(db, 300, 200)
            await copied_into_the_file(path, 500)
        finally:
            runtime.stopped.set()
            await task
    finally:
        await db.dispose()


async def test_the_log_is_copied_and_healthz_answers_while_the_first_due_run_goes_on(
    database_url: Callable[..., str],
) -> None:
    """After a restart on a Monday morning the first run of what is due builds every
    community's digest; the runtime's own jobs do not wait for it to end."""
    url = database_url()
    path = path_of(url)
    copy_log_now(path)
    db = Database(url)
    port = unused_port()
    settings = Settings.model_validate({"health": {"port": port}})
    core = Cercle(db, settings, ManualClock(NOW))
    first_run = asyncio.Event()
    release = asyncio.Event()

    async def long_first_run(*_: object) -> None:
        first_run.set()
        await release.wait()

    PLANNERS.insert(0, long_first_run)
    try:
        await add_communities(db, 0, 300)
        assert in_database_file(path) == 0
        runtime = Runtime(core, [QuietAdapter()])
        task = asyncio.create_task(runtime.run())
        try:
            async with asyncio.timeout(30):
                await first_run.wait()
            await copied_into_the_file(path, 300)
            async with (
                ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/healthz") as answer,
            ):
                assert answer.status == 200
                assert (await answer.json())["database"]["reachable"] is True
            assert not release.is_set()  # all of it while the first run was held
        finally:
            release.set()
            runtime.stopped.set()
            await task
    finally:
        PLANNERS.remove(long_first_run)
        await db.dispose()


async def test_a_long_read_holds_up_neither_the_copy_nor_the_writer(
    database_url: Callable[..., str],
) -> None:
    url = database_url()
    path = path_of(url)
    copy_log_now(path)
    db = Database(url, busy_timeout=5.0)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        await add_communities(db, 0, 100)
        # A digest's long read: its snapshot holds the 100 communities.
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM community").fetchone()[0] == 100
        await add_communities(db, 100, 100)
        loop = asyncio.get_running_loop()
        began = loop.time()
        done = await db.checkpoint()
        assert loop.time() - began < 1.0  # it did not wait for the reader
        assert done is not None
        logged, copied = done
        # What the reader cannot see yet stays in the log until it is done.
        assert copied < logged
        await add_communities(db, 200, 50)  # the writer goes on meanwhile
        assert reader.execute("SELECT count(*) FROM community").fetchone()[0] == 100
        reader.execute("COMMIT")
        logged, copied = await db.checkpoint() or (0, -1)
        assert copied == logged
        assert in_database_file(path) == 250
    finally:
        reader.close()
        await db.dispose()


async def test_a_file_that_cannot_be_written_for_a_while_is_no_error(
    database_url: Callable[..., str],
) -> None:
    url = database_url()
    path = path_of(url)
    db = Database(url, busy_timeout=0.2)
    core = Cercle(db, Settings(), ManualClock(NOW))
    runtime = Runtime(core, [QuietAdapter()])
    try:
        await add_communities(db, 0, 10)
        with read_only(path) as writable:
            await runtime.checkpoint()  # logged at debug level, nothing raised
            writable()
        # Writing and copying work again.
        await add_communities(db, 10, 10)
        logged, copied = await db.checkpoint() or (0, -1)
        assert copied == logged
        assert in_database_file(path) == 20
    finally:
        await db.dispose()


async def test_a_read_that_holds_the_copy_up_is_said_once_and_its_end_once(
    database_url: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A read whose snapshot is older than what the log holds keeps all of it after that
    point in the log, which then grows with every commit: the operator is told once, not
    every second, and once more when the log is copied again."""
    monkeypatch.setattr(runtime_module, "LOG_HELD_PAGES", 20)
    url = database_url()
    path = path_of(url)
    copy_log_now(path)
    db = Database(url)
    runtime = Runtime(Cercle(db, Settings(), ManualClock(NOW)), [QuietAdapter()])
    reader = sqlite3.connect(path, isolation_level=None)
    caplog.set_level("WARNING", "cercle.run")
    try:
        await add_communities(db, 0, 10)
        await runtime.checkpoint()
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM community").fetchone()
        for n in range(1, 6):
            await add_communities(db, n * 100, 100)
            await runtime.checkpoint()
        said = [r.getMessage() for r in caplog.records]
        assert len(said) == 1 and "cannot be copied into the database" in said[0], said
        reader.execute("COMMIT")
        await runtime.checkpoint()
        await runtime.checkpoint()
        said = [r.getMessage() for r in caplog.records]
        assert said[1:] == ["SQLite's write-ahead log is copied into the database again"]
        assert in_database_file(path) == 510
    finally:
        reader.close()
        await db.dispose()
