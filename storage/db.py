"""Engines and sessions: the async engine for everything Cercle does at runtime.

SQLite (the embedded default) runs in WAL mode with a busy timeout so a reader never
blocks the writer, a page cache of 2 MiB per connection and a checkpoint every 10,000
pages (in `cercle run`, `Database.checkpoint` copies the log every second instead, off
the writer's path), and a serialized transaction takes the write lock as it begins, after
its turn in the queue of writers shared with other processes (see `Database.transaction`
and `storage.writer_queue`);
PostgreSQL needs nothing special.
`Database.upgrade()` brings the schema to the newest alembic revision and is called at
start.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import one_trip
from storage.driver_internals import ConnectionThread
from storage.writer_queue import WriterQueue, queue_path

# `session.info` key: the session's transaction holds the database's only write lock.
WRITE_LOCKED = "cercle.write_locked"
BUSY_TIMEOUT = 10.0  # seconds SQLite waits for another writer's lock before giving up

# What an error says when the database itself did not answer, as opposed to a statement
# that is wrong: SQLite locked past its busy timeout, a read-only or vanished file, a disk
# error; PostgreSQL refusing or dropping connections while it restarts.
_UNAVAILABLE = (
    "locked",
    "readonly",
    "read-only",
    "unable to open",
    "disk i/o",
    "busy",
    "connection",
    "starting up",
    "shutting down",
    "terminating",
    "closed",
    "refused",
    "timeout",
    "timed out",
    "cannot connect",
    "server closed",
)

# SQLSTATE classes and codes of a server that does not answer: connection exceptions (08),
# and an administrator's shutdown, a crash shutdown, a server still starting (57P01-3).
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def unavailable(error: BaseException) -> bool:
    """Whether `error` means the database did not answer (the same work may be tried
    again later), rather than something wrong with what was asked of it."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        # PostgreSQL's own word for it, whichever class the driver's error was mapped to
        # (asyncpg's "the database system is starting up" arrives as a plain DBAPIError).
        if str(getattr(error.orig, "sqlstate", None) or "").startswith(_UNAVAILABLE_SQLSTATES):
            return True
        if isinstance(error, OperationalError | InterfaceError):
            text = str(error.orig if error.orig is not None else error).lower()
            return any(word in text for word in _UNAVAILABLE)
        return False
    if isinstance(error, OSError | TimeoutError | ConnectionError):
        return True
    # A driver's own error raised before SQLAlchemy wraps it (asyncpg while PostgreSQL
    # starts up: CannotConnectNowError).
    if (type(error).__module__ or "").startswith(("asyncpg", "aiosqlite", "sqlite3", "psycopg")):
        return any(word in str(error).lower() for word in _UNAVAILABLE)
    return False


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, busy: float = BUSY_TIMEOUT) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
    # Each pooled connection keeps a page cache of its own, filled as it reads, and a
    # process uses more connections when its scheduler's jobs overlap the stream (the
    # soak saw a step of 20 MiB at the first tick with 8 MiB each). 2 MiB each keeps the
    # process's memory flat; pages beyond it are read back from the operating system's
    # cache, which measured no slower (the digest at 100k members, /rank, ingestion).
    # The log is copied into the database (with its fsyncs) every 40 MB of changes
    # rather than every 4 MB.
    cursor.execute("PRAGMA cache_size=-2048")
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def _sqlite_reader_pragmas(dbapi_connection: Any, record: Any, busy: float) -> None:
    _sqlite_pragmas(dbapi_connection, record, busy)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


def make_engine(
    url: str, echo: bool = False, busy_timeout: float = BUSY_TIMEOUT, reader: bool = False
) -> AsyncEngine:
    """An async engine for `url`, with the per-dialect settings Cercle relies on.

    `reader` (SQLite): connections that refuse to write from the moment they are opened,
    given back to the pool as they are (see `Database.reading`)."""
    parsed = make_url(url)
    # The connection given back last is the next one lent: work that comes one piece at
    # a time stays on one connection, and the others (opened when work overlapped) stay
    # idle rather than each warming a page cache and prepared statements of its own, as
    # they would taken in turns.
    kwargs: dict[str, Any] = {"echo": echo, "pool_use_lifo": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": busy_timeout}
        if parsed.get_driver_name() == "aiosqlite":
            kwargs["module"] = one_trip.module()  # a statement is one trip to its thread
        if reader:
            # A reading transaction ends with its commit (the driver opens none for a
            # read, and these connections cannot write): no rollback is needed on return.
            kwargs["pool_reset_on_return"] = None
    else:
        kwargs["pool_pre_ping"] = True
        # Plan each statement for its own parameters: a plan cached while a table was
        # still empty (a fresh database) would otherwise scan it whole once it is not.
        kwargs["connect_args"] = {"server_settings": {"plan_cache_mode": "force_custom_plan"}}
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        pragmas = _sqlite_reader_pragmas if reader else _sqlite_pragmas
        event.listen(
            engine.sync_engine,
            "connect",
            lambda connection, record: pragmas(connection, record, busy_timeout),
        )
    return engine


class Database:
    """The engine and session factory of one database URL."""

    def __init__(self, url: str, echo: bool = False, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.url = url
        self.busy_timeout = busy_timeout
        self._gate: asyncio.Lock | None = None
        path = queue_path(url)
        self._writers = WriterQueue(path, busy_timeout) if path is not None else None
        self.engine = make_engine(url, echo, busy_timeout)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._echo = echo
        self._reader: AsyncEngine | None = None
        self._reader_sessions: async_sessionmaker[AsyncSession] | None = None
        # This process's SQLite connections (their aiosqlite drivers), for `interrupt`.
        self._drivers: weakref.WeakSet[Any] = weakref.WeakSet()
        self._watch(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def connections_share_data(self) -> bool:
        """Whether two sessions see the same data: not so for SQLite in memory, where each
        connection is a database of its own."""
        url = self.engine.url
        database = url.database or ""
        return not (
            self.dialect == "sqlite"
            and (database in ("", ":memory:") or url.query.get("mode") == "memory")
        )

    @asynccontextmanager
    async def transaction(self, serialized: bool = False) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on error.

        `serialized`: what the transaction reads must not change before it writes, even
        with another process on the same database (scoring judges a cooldown window or a
        reaction cap on what it read). PostgreSQL gets that from the row locks the queries
        take; SQLite's driver would only open the transaction at the first write, so the
        transaction takes SQLite's write lock as it begins. Not for a transaction that may
        open another one inside it (the inner one would wait for the outer one's lock).
        """
        if not (serialized and self.dialect == "sqlite"):
            async with self.sessions() as session, session.begin():
                yield session
            return
        # Within this process, writers queue here and start the moment the one before
        # commits: waiting on SQLite's lock instead would poll it with sleeps of up to
        # 100 ms, which a member's /rank behind a burst's batch would feel. Past the busy
        # timeout (an inner transaction, against the docstring's advice) SQLite decides.
        gate = self._gate
        if gate is None:
            gate = self._gate = asyncio.Lock()
        try:
            await asyncio.wait_for(gate.acquire(), self.busy_timeout)
            gated = True
        except TimeoutError:
            gated = False
        queued: int | None = None
        try:
            # Between processes, writers take turns in the file lock's queue
            # (`storage.writer_queue`) rather than in SQLite's sleeping busy handler.
            if self._writers is not None:
                queued = await self._writers.take()
            async with self.sessions() as session, session.begin():
                await session.execute(text("BEGIN IMMEDIATE"))
                # Nothing another process writes can land before this commits.
                session.info[WRITE_LOCKED] = True
                yield session
        finally:
            if queued is not None:
                WriterQueue.give_back(queued)
            if gated:
                gate.release()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A transaction that may only read. On SQLite it takes no write lock, so it never
        waits for a writer; a statement that would write fails at once (`query_only`)
        rather than wait for the lock, and the caller does the work the ordinary way.

        On a SQLite file it runs on connections of their own, opened refusing to write:
        each statement to SQLite is a trip to its connection's thread, and a command that
        reads takes few, so switching `query_only` on and off and resetting the
        connection on return were three of the eight trips of a `/rank` (each one longer
        when a burst keeps the threads busy)."""
        if self.dialect == "sqlite" and self.connections_share_data:
            async with self._readers()() as session, session.begin():
                yield session
            return
        async with self.sessions() as session, session.begin():
            if self.dialect != "sqlite":
                await session.execute(text("SET TRANSACTION READ ONLY"))
                yield session
                return
            connection = await session.connection()
            await connection.exec_driver_sql("PRAGMA query_only = ON")
            try:
                yield session
            finally:
                try:
                    await connection.exec_driver_sql("PRAGMA query_only = OFF")
                except Exception:
                    # Never lend a connection that refuses to write.
                    await connection.invalidate()
                    raise

    def _readers(self) -> async_sessionmaker[AsyncSession]:
        if self._reader_sessions is None:
            self._reader = make_engine(self.url, self._echo, self.busy_timeout, reader=True)
            self._watch(self._reader)
            self._reader_sessions = async_sessionmaker(self._reader, expire_on_commit=False)
        return self._reader_sessions

    def prepare_statements(self) -> int:
        """Compile the statements of the scoring path for this database now."""
        from storage import bulk, ledger, member_counters, members  # noqa: F401  (declare them)

        return bulk.prepare(self.engine.dialect)

    async def checkpoint(self) -> tuple[int, int] | None:
        """Copy what SQLite's write-ahead log holds into the database file, from a
        connection of its own, waiting for no reader or writer (PASSIVE); None on
        PostgreSQL, or when another process's checkpoint is under way.

        Left to SQLite, the checkpoint runs inside the commit that crosses the
        autocheckpoint threshold: copying 10,000 pages and syncing the file made that one
        commit (a batch of members' messages, and every /rank queued behind it) take 50 to
        100 ms every few seconds under a steady stream. Called every second, the copy is
        small, runs on a thread of its own while the writer goes on, and the log starts
        over at the next commit, so it stays far below the threshold.
        Returns (pages in the log, pages copied so far).
        """
        if self.dialect != "sqlite":
            return None
        async with self.engine.connect() as connection:
            try:
                busy, logged, copied = (
                    await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                ).one()
            except Exception as error:
                if unavailable(error):
                    # Opened while the file could not be written, it would stay so.
                    await connection.invalidate()
                raise
        return None if busy else (int(logged), int(copied))

    async def upgrade(self) -> None:
        """Apply every alembic migration not yet applied."""
        from storage.migrate import upgrade

        await upgrade(self.engine)

    async def reconnect(self) -> None:
        """Drop the pooled connections after the database failed to answer: one opened
        while it could not be written (a SQLite file that was read-only) would stay so,
        and one to a PostgreSQL server that restarted is dead. New ones are opened as
        they are needed."""
        await self.dispose()

    def _watch(self, engine: AsyncEngine) -> None:
        if engine.dialect.name == "sqlite":
            drivers = self._drivers
            event.listen(
                engine.sync_engine,
                "connect",
                lambda connection, _record: drivers.add(
                    getattr(connection, "driver_connection", connection)
                ),
            )

    def interrupt(self) -> int:
        """End the statements running now on this process's SQLite connections (each
        fails as interrupted; a write's transaction is rolled back). For a process told
        to stop: a task cancelled while its statement runs on the connection's thread
        waits for that statement before it can end, and a long read (a job's report on
        a large community) would hold the process for as long. SQLite's interrupt is
        made for another thread to call; an idle connection is left as it is.
        Returns how many connections were open (0 on PostgreSQL)."""
        count = 0
        for driver in list(self._drivers):
            thread = ConnectionThread.of(driver)
            if thread is not None:
                thread.connection.interrupt()
                count += 1
        return count

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._reader is not None:
            await self._reader.dispose()
