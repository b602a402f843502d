"""The databases a benchmark run measures: SQLite files, or a PostgreSQL server that the run
starts itself (the `pgserver` wheel bundles PostgreSQL 16) in a temporary directory and
stops at the end. Nothing is installed or configured by hand.

Each measurement gets a fresh database of its own, a copy of one that
`Database(url).upgrade()` migrated once: a file copy for SQLite, `CREATE DATABASE ...
TEMPLATE` for PostgreSQL.
"""

from __future__ import annotations

import shutil
import sqlite3
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy import text

from benchmarks.checks import connected
from storage.db import Database

BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class Backend(Protocol):
    key: str
    name: str

    def url(self, name: str) -> str: ...

    async def create(self, name: str) -> str:
        """A fresh, migrated database called `name`; returns its URL."""
        ...

    async def size_mib(self, name: str) -> float: ...

    async def describe(self) -> str: ...


async def _upgrade(url: str) -> None:
    db = Database(url)
    try:
        await db.upgrade()
    finally:
        await db.dispose()


TEMPLATE = "cercle_template"


class SqliteBackend:
    key = "sqlite"
    name = "SQLite"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.migrated = False

    def url(self, name: str) -> str:
        return f"sqlite+aiosqlite:///{self.directory / name}.db"

    async def create(self, name: str) -> str:
        if not self.migrated:
            await _upgrade(self.url(TEMPLATE))
            self.migrated = True
        for suffix in (".db", ".db-wal", ".db-shm"):
            source = self.directory / f"{TEMPLATE}{suffix}"
            if source.exists():
                shutil.copyfile(source, self.directory / f"{name}{suffix}")
        return self.url(name)

    async def size_mib(self, name: str) -> float:
        return sum(p.stat().st_size for p in self.directory.glob(f"{name}.db*")) / 2**20

    async def describe(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL (the core's settings)"


class PostgresBackend:
    key = "postgresql"
    name = "PostgreSQL"

    def __init__(self, directory: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
            import pgserver

            self.server = pgserver.get_server(str(directory / "pgdata"), cleanup_mode="stop")
        # The run plays hours of community activity in seconds: autovacuum (and its
        # ANALYZE, which the planner needs once a ledger stops being empty) is woken up
        # at the same pace, every second instead of every minute.
        self.server.psql("ALTER SYSTEM SET autovacuum_naptime = '1s'; SELECT pg_reload_conf();")
        uri = self.server.get_uri()  # postgresql://postgres:@/postgres?host=...
        self._base = uri.replace("postgresql://", "postgresql+asyncpg://", 1)
        self.migrated = False

    def url(self, name: str) -> str:
        return self._base.replace("/postgres?", f"/{name}?", 1)

    async def create(self, name: str) -> str:
        # The cluster is new: names are free.
        if not self.migrated:
            self.server.psql(f"CREATE DATABASE {TEMPLATE};")
            await _upgrade(self.url(TEMPLATE))
            self.migrated = True
        self.server.psql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE};")
        return self.url(name)

    async def size_mib(self, name: str) -> float:
        async with connected(self.url("postgres")) as conn:
            size = await conn.scalar(text("SELECT pg_database_size(:name)"), {"name": name})
        return int(size or 0) / 2**20

    async def describe(self) -> str:
        async with connected(self.url("postgres")) as conn:
            facts = {
                name: await conn.scalar(text(f"SHOW {name}"))
                for name in (
                    "server_version",
                    "shared_buffers",
                    "synchronous_commit",
                    "fsync",
                    "autovacuum_naptime",
                )
            }
        return (
            f"PostgreSQL {facts['server_version']} (pgserver, local socket), "
            f"shared_buffers={facts['shared_buffers']}, "
            f"synchronous_commit={facts['synchronous_commit']}, fsync={facts['fsync']}, "
            f"autovacuum_naptime={facts['autovacuum_naptime']}"
        )

    def stop(self) -> None:
        self.server.cleanup()


@contextmanager
def started(key: str, directory: Path) -> Iterator[Backend]:
    """The backend called `key`, its databases under `directory`, stopped on exit."""
    if key == "sqlite":
        yield SqliteBackend(directory)
        return
    if key != "postgresql":
        raise ValueError(f"unknown backend {key!r}")
    backend = PostgresBackend(directory)
    try:
        yield backend
    finally:
        backend.stop()
