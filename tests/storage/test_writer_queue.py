"""Two processes writing one SQLite file take turns: neither is starved into "database is
locked" by the other committing and beginning again at once (`storage.writer_queue`)."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from storage.db import Database
from storage.writer_queue import WriterQueue, queue_path

SECONDS = 3.0
HOLD = 0.02  # each transaction keeps the write lock this long, as a batch's work does


async def _write_in_a_loop(url: str, name: str, barrier: Any) -> tuple[int, int]:
    db = Database(url, busy_timeout=1.0)
    committed = refused = 0
    try:
        barrier.wait(timeout=60)
        ends = time.monotonic() + SECONDS
        while time.monotonic() < ends:
            try:
                async with db.transaction(serialized=True) as session:
                    await session.execute(
                        text("INSERT INTO tick (writer) VALUES (:w)"), {"w": name}
                    )
                    await asyncio.sleep(HOLD)
                committed += 1
            except Exception as error:
                if "locked" not in str(error):
                    raise
                refused += 1
    finally:
        await db.dispose()
    return committed, refused


def _writer(url: str, name: str, barrier: Any, results: Any) -> None:
    results.put((name, *asyncio.run(_write_in_a_loop(url, name, barrier))))


def test_two_processes_take_turns_at_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "turns.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE tick (writer TEXT NOT NULL)")
    url = f"sqlite+aiosqlite:///{path}"
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [
        context.Process(target=_writer, args=(url, name, barrier, results)) for name in "ab"
    ]
    for process in processes:
        process.start()
    found = {
        name: (committed, refused)
        for name, committed, refused in (results.get(timeout=90) for _ in processes)
    }
    for process in processes:
        process.join(timeout=30)
    with sqlite3.connect(path) as connection:
        rows = dict(connection.execute("SELECT writer, count(*) FROM tick GROUP BY writer"))

    # Neither waited past its busy timeout, and each wrote what it says it did.
    assert {name: refused for name, (_, refused) in found.items()} == {"a": 0, "b": 0}
    assert rows == {name: committed for name, (committed, _) in found.items()}
    # Turns, not one process holding on while the other sleeps: the lock is held back
    # to back for the whole time, so the two shares add up to about SECONDS / HOLD.
    total = sum(rows.values())
    assert min(rows.values()) >= total / 4, rows


def test_a_database_in_memory_has_no_queue_and_a_file_one_has_one(tmp_path: Path) -> None:
    assert queue_path("sqlite+aiosqlite://") is None
    assert queue_path("sqlite+aiosqlite:///:memory:") is None
    assert queue_path("postgresql+asyncpg://cercle@localhost/cercle") is None
    assert queue_path(f"sqlite+aiosqlite:///{tmp_path}/c.db") == tmp_path / "c.db-writers"


async def test_a_writer_that_stops_waiting_leaves_the_lock_free(tmp_path: Path) -> None:
    """A writer whose wait timed out gives the lock back as soon as its blocked wait
    gets it, so the queue never stays locked by nobody."""
    holder = WriterQueue(tmp_path / "q.db-writers", patience=1.0)
    waiter = WriterQueue(tmp_path / "q.db-writers", patience=0.2)
    held = await holder.take()
    assert held is not None
    assert await waiter.take() is None  # timed out behind the holder
    WriterQueue.give_back(held)
    await asyncio.sleep(0.2)  # the abandoned wait takes the lock and gives it back
    again = await holder.take()
    assert again is not None
    WriterQueue.give_back(again)


def test_a_directory_where_the_queue_cannot_be_made_writes_without_it(tmp_path: Path) -> None:
    queue = WriterQueue(tmp_path / "missing" / "q.db-writers", patience=0.2)
    assert asyncio.run(queue.take()) is None
