"""SQLAlchemy's aiosqlite adapter, with each statement one trip to SQLite's thread.

aiosqlite runs a connection's calls on a thread of its own. SQLAlchemy's adapter makes
four of those calls for each statement: open a cursor, execute, fetch the rows, close
the cursor. Each one waits twice: for the thread to take the interpreter's lock, and then
for the event loop to come back to the statement. While a stream of events is scored on
the same loop, those waits were most of a command's time. Timed inside `cercle run`
under the soak at 100k members, a `/rank` made 17 trips, each taking under a millisecond
of SQLite's time; at the 90th percentile it waited 8 ms for the thread and 5 ms for the
loop.

`OneTripCursor` runs the whole statement in one call on the connection's thread:
cursor, execute, every row, close. It keeps what SQLAlchemy reads afterwards (the
description, the row count, the last row id) and hands the rows out as the adapter's own
cursor does. `OneTripConnection` commits or rolls back without a trip when there is
nothing to commit or roll back (no transaction open, no statement on its way), which is
what sqlite3 checks before doing either: a read opens no transaction in the driver's
mode, and the pool rolls back every connection given back after a commit. Nothing else
changes: the connection, its transactions, server-side cursors
(`stream_results`) and the mapping of errors are SQLAlchemy's.

`module()` is the DBAPI module to give `create_async_engine(..., module=...)` for a
`sqlite+aiosqlite` URL. It reaches into SQLAlchemy's adapter classes, as
`storage.driver_internals` does into aiosqlite's; `tests/storage/test_one_trip.py` fails
when an upgrade of either breaks what this module relies on.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

from storage.driver_internals import ConnectionThread

_Outcome = tuple[Any, list[Any], int, int | None]  # description, rows, rowcount, lastrowid


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """On the connection's thread: the statement from its cursor to its last row."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor is opened here (that was a trip of its own).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        pass  # the statement's cursor was closed on the thread, its rows kept here

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._one_trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._one_trip(operation, seq_of_parameters, many=True)

    async def _one_trip(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            thread = ConnectionThread.of(self._connection)
            if thread is None:
                raise ValueError("Connection closed")  # as aiosqlite says it
            description, rows, rowcount, lastrowid = await thread.call(
                lambda: _run(thread.connection, operation, parameters, many)
            )
        self._description, self._rowcount, self._lastrowid = description, rowcount, lastrowid
        self._rows = collections.deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    def _nothing_open(self) -> bool:
        driver = self._connection
        if ConnectionThread.of(driver) is None:  # closed: as SQLAlchemy's adapter decides
            return False
        # A write queued without waiting for it (the bulk writer) may not have run yet
        # when its transaction fails: it opens one as it runs, to be rolled back after it.
        return not ConnectionThread.busy(driver) and not driver.in_transaction

    def commit(self) -> None:
        if not self._nothing_open():
            super().commit()

    def rollback(self) -> None:
        if not self._nothing_open():
            super().rollback()


class _OneTripModule(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        connection = super().connect(*arg, **kw)
        # The same object (no slot of its own), lending one-trip cursors.
        connection.__class__ = OneTripConnection
        return connection


def module() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module of a `sqlite+aiosqlite` engine whose statements take one trip."""
    return _OneTripModule(aiosqlite, sqlite3)
