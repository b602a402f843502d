"""`Database.interrupt`: a process told to stop ends the statements still running on its
SQLite connections, rather than wait for them. A task cancelled during a statement can
only end once the statement is over (the statement runs on its connection's thread);
a long read would hold the whole process's exit for as long."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from storage.communities import ensure_community
from storage.db import Database
from storage.models import Community

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Counting to a billion: minutes of SQLite, and no table needed.
ENDLESS = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    "SELECT count(*) FROM c"
)


async def _running(db: Database, reading: bool) -> tuple[asyncio.Task[None], asyncio.Event]:
    began = asyncio.Event()

    async def endless() -> None:
        context = db.reading() if reading else db.transaction()
        async with context as session:
            if not reading:  # a transaction that wrote, then reads for long
                await ensure_community(session, "console", "during", "during", NOW)
            began.set()
            await session.execute(text(ENDLESS))

    task = asyncio.create_task(endless())
    await began.wait()
    await asyncio.sleep(0.2)  # the statement is on the thread now
    return task, began


@pytest.mark.parametrize("reading", [True, False], ids=["read", "write"])
async def test_a_statement_running_when_the_process_stops_is_ended(
    db: Database, reading: bool
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL's statements run in the server; a closed socket ends them")
    task, _ = await _running(db, reading)
    task.cancel()  # what stopping does to a job that runs
    stopped = time.monotonic()
    assert db.interrupt() >= 1
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert time.monotonic() - stopped < 2
    # Nothing the interrupted transaction wrote was kept, and the connections work on.
    async with db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Community)) == 0
    async with db.transaction() as session:
        await ensure_community(session, "console", "after", "after", NOW)
    async with db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Community)) == 1


async def test_an_idle_database_is_not_disturbed(db: Database) -> None:
    async with db.transaction() as session:
        await ensure_community(session, "console", "idle", "idle", NOW)
    db.interrupt()
    async with db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Community)) == 1
