"""SQLAlchemy's aiosqlite adapter, with each statement run in one trip to its connection's
thread.

aiosqlite runs a connection's calls on a thread of its own, and SQLAlchemy's adapter
makes four of those calls for one statement: open a cursor, execute, fetch the rows, close
the cursor. Each call is a round trip between the event loop and that thread (a queue, a
wake-up, the GIL handed over twice, the loop woken again), and the trips, not SQLite, are
most of what a small statement costs: a `/rank` at a million members reads a dozen rows
by key, each in about 15 µs of SQLite's time. On a machine whose cores are busy (a burst
being scored beside the command, a digest being built) every hand-over waits its turn,
so a command's latency grew with the number of trips.

`OneTripCursor` does the four in one call: the statement is executed on the connection's
thread, with a cursor opened and closed there, and its rows, description, row count and
last row id come back together. What SQLAlchemy sees is what the stock adapter gives
(`tests/storage/test_sqlite_driver.py` compares them statement by statement, errors
included). Server-side cursors (`stream`) are left to the stock adapter, which fetches
in steps.

The engine gets this adapter through `create_async_engine(module=dbapi())`, SQLAlchemy's
way to hand a dialect another DBAPI module; the classes extended here are SQLAlchemy's
own aiosqlite adapter, and pyproject pins the minor version they were checked against.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT

from storage.driver_internals import ConnectionThread


@dataclass(frozen=True)
class Outcome:
    """What a DBAPI cursor tells about the statement it ran, read on the thread."""

    description: Any = None
    rowcount: int = -1
    lastrowid: int | None = None
    arraysize: int = 1


_NOT_RUN = Outcome()
Run = Callable[[sqlite3.Cursor], tuple[Outcome, list[Any] | None]]


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement, rows and outcome make one trip to the thread."""

    __slots__ = ()

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor is opened here (the stock adapter's first trip): the
        # statement's own call opens and closes one on the thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _NOT_RUN  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        def run(cursor: sqlite3.Cursor) -> tuple[Outcome, list[Any] | None]:
            if parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
            description = cursor.description
            rows = cursor.fetchall() if description else None
            return Outcome(description, cursor.rowcount, cursor.lastrowid), rows

        await self._trip(run)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        def run(cursor: sqlite3.Cursor) -> tuple[Outcome, list[Any] | None]:
            cursor.executemany(operation, seq_of_parameters)
            description = cursor.description
            rows = cursor.fetchall() if description else None
            return Outcome(description, cursor.rowcount, cursor.lastrowid), rows

        await self._trip(run)

    async def _trip(self, run: Run) -> None:
        thread = ConnectionThread.of(self._connection)
        if thread is None:  # as aiosqlite says it; the adapter makes it an OperationalError
            raise ValueError("no active connection")
        connection = thread.connection

        def call() -> tuple[Outcome, list[Any] | None]:
            cursor = connection.cursor()
            try:
                return run(cursor)
            finally:
                cursor.close()

        async with self._adapt_connection._execute_mutex:
            outcome, rows = await thread.call(call)
        self._cursor = outcome  # type: ignore[assignment]
        if rows is not None:
            self._rows = collections.deque(rows)

    async def _async_soft_close(self) -> None:
        """Nothing is left open on the thread: the outcome already holds the description."""

    def close(self) -> None:
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI shim, handing out `OneTripConnection`s."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        stock = super().connect(*arg, **kw)
        return OneTripConnection(self, stock._connection)


def dbapi() -> OneTripDBAPI:
    """The DBAPI module to give `create_async_engine` for a `sqlite+aiosqlite` URL."""
    return OneTripDBAPI(aiosqlite, sqlite3)
