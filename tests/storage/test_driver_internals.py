"""What Cercle assumes of aiosqlite's internals (`storage.driver_internals`).

Each test fails when an aiosqlite upgrade breaks one assumption: a connection keeps the
queue its thread takes calls from and the sqlite3 connection they run on; a call queued
there runs on that thread, in order with the connection's own calls, and hands back its
result or its exception; a closed connection is recognised; and SQLAlchemy's aiosqlite
dialect hands out that same connection.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from storage.driver_internals import ConnectionThread

pytestmark = pytest.mark.backends("sqlite")


async def test_a_queued_call_runs_on_the_connection_thread(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "db.sqlite") as connection:
        thread = ConnectionThread.of(connection)
        assert thread is not None, "aiosqlite moved its call queue or its sqlite3 connection"
        assert isinstance(thread.connection, sqlite3.Connection)
        await connection.create_function("thread_id", 0, threading.get_ident)
        async with connection.execute("SELECT thread_id()") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        ran_on = await thread.call(threading.get_ident)
        assert ran_on == row[0] != threading.get_ident()


async def test_queued_calls_run_in_order_with_the_connection_s_own(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "db.sqlite") as connection:
        await connection.execute("CREATE TABLE t (n INTEGER)")
        thread = ConnectionThread.of(connection)
        assert thread is not None
        sql = thread.connection
        pending = [
            thread.call(lambda n=n: sql.execute("INSERT INTO t VALUES (?)", (n,)).rowcount)
            for n in range(5)
        ]
        # Not awaited yet: the connection's next own call still comes after them.
        async with connection.execute("SELECT n FROM t ORDER BY rowid") as cursor:
            rows = [n for (n,) in await cursor.fetchall()]
        assert rows == [0, 1, 2, 3, 4]
        assert [await future for future in pending] == [1, 1, 1, 1, 1]


async def test_a_failing_call_hands_its_exception_to_its_future(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "db.sqlite") as connection:
        thread = ConnectionThread.of(connection)
        assert thread is not None
        sql = thread.connection
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await thread.call(lambda: sql.execute("SELECT * FROM missing"))
        async with connection.execute("SELECT 1") as cursor:  # the connection goes on
            assert await cursor.fetchone() == (1,)


async def test_a_closed_connection_or_another_driver_has_no_thread(tmp_path: Path) -> None:
    connection = await aiosqlite.connect(tmp_path / "db.sqlite")
    await connection.close()
    assert ConnectionThread.of(connection) is None
    assert ConnectionThread.of(object()) is None


async def test_a_call_after_the_connection_was_told_to_stop_fails_at_once(tmp_path: Path):
    # Its thread ends after the stop it was sent (a connection SQLAlchemy terminates does
    # that): a call queued behind it would never run and its caller would wait forever.
    connection = await aiosqlite.connect(tmp_path / "db.sqlite")
    thread = ConnectionThread.of(connection)  # taken before the stop, as the bulk writer
    assert thread is not None
    stopped = connection.stop()
    assert ConnectionThread.of(connection) is None
    with pytest.raises(ValueError, match="Connection closed"):
        await asyncio.wait_for(thread.call(lambda: 1), 2.0)
    if stopped is not None:
        await stopped


async def test_sqlalchemy_hands_out_the_aiosqlite_connection(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert isinstance(driver, aiosqlite.Connection)
            thread = ConnectionThread.of(driver)
            assert thread is not None
            assert await thread.call(lambda: thread.connection.execute("SELECT 7").fetchone()) == (
                7,
            )
    finally:
        await engine.dispose()
