"""Every use Cercle makes of aiosqlite's private parts, and nothing else.

aiosqlite runs each connection's calls on a thread of its own, taking them from a queue in
order; `await connection.execute(...)` puts one call there and waits for it. The bulk
writer (`storage.bulk.Pipeline`) needs to put many statements there without waiting for
each, so that SQLite works while Python prepares the next ones, and aiosqlite has no
public way to do that. `ConnectionThread` does it through two internals of its
`Connection`, as SQLAlchemy's own aiosqlite adapter reaches into it too:

- `_tx`: the `queue.SimpleQueue` of `(future, function)` pairs the thread takes calls from
  (the thread sets the future's result or exception on its loop);
- `_conn`: the `sqlite3.Connection` those calls run against (a property that raises
  `ValueError` once the connection is closed);
- `_running`: false from the moment the connection is told to stop (`close()`, or
  `stop()` when SQLAlchemy terminates it). Its thread ends after the stop, so a call
  queued behind it would never run: `call` then fails at once, as aiosqlite's own calls do.

`ConnectionThread.busy` says whether a call queued this way has not finished yet (queued
without waiting, it may still be waiting its turn), which `storage.one_trip` needs before
it decides that a connection has nothing to commit or roll back.

`tests/storage/test_driver_internals.py` fails when an aiosqlite upgrade breaks one of
these assumptions; pyproject pins the minor version they were checked against.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, TypeVar

T = TypeVar("T")

_counting = threading.Lock()
_unfinished: dict[int, int] = {}  # id of an aiosqlite connection -> its calls not finished


class ConnectionThread:
    """The thread an aiosqlite connection runs its calls on, to queue calls without
    waiting for them: they run in order with the connection's own calls."""

    def __init__(
        self, driver: Any, queue: SimpleQueue[Any], connection: sqlite3.Connection
    ) -> None:
        self._driver = driver
        self._queue = queue
        self.connection = connection

    @classmethod
    def of(cls, driver: Any) -> ConnectionThread | None:
        """The thread of `driver` (an `aiosqlite.Connection`); None for another driver, a
        closed or stopping connection, or an aiosqlite that no longer keeps them where it
        used to."""
        queue = getattr(driver, "_tx", None)
        if not isinstance(queue, SimpleQueue) or getattr(driver, "_running", None) is not True:
            return None
        try:
            connection = driver._conn
        except ValueError:  # closed
            return None
        if not isinstance(connection, sqlite3.Connection):
            return None
        return cls(driver, queue, connection)

    @staticmethod
    def busy(driver: Any) -> bool:
        """Whether a call queued through `call` for `driver` has not finished running."""
        with _counting:
            return id(driver) in _unfinished

    def call(self, function: Callable[[], T]) -> asyncio.Future[T]:
        """Run `function` on the connection's thread after what is queued already; the
        future (of the running loop) gets its result or its exception."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        if not self._driver._running:  # told to stop since: this call would never run
            future.set_exception(ValueError("Connection closed"))
            return future
        key = id(self._driver)

        def counted() -> T:
            try:
                return function()
            finally:
                with _counting:
                    left = _unfinished[key] - 1
                    if left:
                        _unfinished[key] = left
                    else:
                        del _unfinished[key]

        with _counting:
            _unfinished[key] = _unfinished.get(key, 0) + 1
        self._queue.put_nowait((future, counted))
        return future
