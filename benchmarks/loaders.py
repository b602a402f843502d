"""Bulk writers for the fixtures: one interface over a SQLite file and a PostgreSQL database.

The fixture generators (`benchmarks.fixture`) yield plain rows in the text formats
SQLAlchemy uses on SQLite (naive UTC ``YYYY-MM-DD HH:MM:SS.ffffff`` datetimes,
``YYYY-MM-DD`` dates, Python booleans); each loader writes them as fast as its database
allows, into a schema that `Database(url).upgrade()` created:

- SQLite: `executemany` inside one transaction, no rollback journal while loading, the
  file put back in WAL mode at the end (as the core expects it).
- PostgreSQL: `COPY ... FROM STDIN` (text format) through asyncpg, in one transaction, with
  the session in UTC (so naive timestamps mean UTC, as on SQLite) and foreign-key triggers
  off (`session_replication_role = replica`: ledger rows are written before the members
  they point at, as on SQLite). At commit the id sequences are moved past the ids written
  and the database is vacuumed and analyzed: what autovacuum would have done long before
  a real community reached that size.

Both count the boards' members by points (`board_count`) once at the end, as migration
0022 does, instead of through the per-row triggers that keep them in use.

Both drop the secondary indexes of the big tables during the load and rebuild them
afterwards (one sort beats a million random index insertions); the indexes' SQL comes
from the schema itself, so nothing here restates it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy.dialects import postgresql, sqlite

from storage import community_activity, member_weeks, question_tally, standings, triggers

# Tables kept by triggers besides the board counts: left to their triggers' rebuild at the
# end of a load rather than counted row by row.
KEPT_BY_TRIGGERS: tuple[triggers.KeptByTriggers, ...] = (
    question_tally,
    member_weeks,
    community_activity,  # after member_weeks: it adds up the weeks
)

SQLITE_PREFIX = "sqlite+aiosqlite:///"
POSTGRES_PREFIX = "postgresql+asyncpg://"


class Loader(Protocol):
    """One write transaction on a database, for bulk loads (SQL uses `?` placeholders)."""

    def scalar(self, sql: str, *params: Any) -> Any: ...

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None: ...

    def drop_indexes(self, tables: Sequence[str]) -> list[str]:
        """Drop the secondary indexes of `tables`; returns the SQL that recreates them."""
        ...

    def execute(self, sql: str) -> None: ...

    def commit(self) -> None: ...


@contextmanager
def open_loader(url: str) -> Iterator[Loader]:
    """A loader on the database of a Cercle URL, in a transaction (committed by `commit`)."""
    loader: SqliteLoader | PostgresLoader
    if url.startswith(SQLITE_PREFIX):
        loader = SqliteLoader(url.removeprefix(SQLITE_PREFIX))
    elif url.startswith(POSTGRES_PREFIX):
        loader = PostgresLoader(url)
    else:
        raise ValueError(f"no loader for {url!r}")
    try:
        yield loader
    finally:
        loader.close()


class SqliteLoader:
    """A connection tuned for one big write transaction, with nobody else on the file."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        # No rollback journal while loading (a failed build is thrown away anyway).
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA foreign_keys=OFF")
        self.conn.execute("PRAGMA cache_size=-262144")  # 256 MiB
        # Index builds and the boards' counts sort through temporary files (the page cache
        # keeps them) rather than the process's own memory, which then grew with the rows
        # sorted.
        self.conn.execute("BEGIN")
        # The board counts are made once at the end, rather than by a trigger per row.
        for statement in standings.drop_trigger_statements("sqlite"):
            self.conn.execute(statement)
        for kept in KEPT_BY_TRIGGERS:
            for statement in kept.drop_trigger_statements("sqlite"):
                self.conn.execute(statement)
        self.done = False

    def scalar(self, sql: str, *params: Any) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def drop_indexes(self, tables: Sequence[str]) -> list[str]:
        marks = ", ".join("?" * len(tables))
        indexes = list(
            self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN ({marks})",
                tuple(tables),
            )
        )
        for name, _sql in indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in indexes]

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    def commit(self) -> None:
        for statement in standings.rebuild_statements(sqlite.dialect()):
            self.conn.execute(statement)
        for statement in standings.trigger_statements("sqlite"):
            self.conn.execute(statement)
        for kept in KEPT_BY_TRIGGERS:
            for statement in triggers.build_statements(kept, "sqlite"):
                self.conn.execute(statement)
        self.conn.execute("COMMIT")
        self.done = True

    def close(self) -> None:
        if not self.done:
            self.conn.execute("ROLLBACK")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.close()


# PostgreSQL's text COPY format: tab-separated, \N for NULL, backslash escapes.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_CHUNK = 5_000


def _copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return str(value)


def _numbered(sql: str) -> str:
    """`?` placeholders as asyncpg's `$1, $2, ...`."""
    parts = sql.split("?")
    return "".join(
        part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, start=1)
    )


class PostgresLoader:
    """asyncpg on a private event loop, behind the same synchronous interface as SQLite's."""

    def __init__(self, url: str) -> None:
        import asyncpg

        self.dsn = url.replace(POSTGRES_PREFIX, "postgresql://", 1)
        self.loop = asyncio.new_event_loop()
        self.conn = self._run(
            asyncpg.connect(
                self.dsn,
                server_settings={
                    "timezone": "UTC",
                    "session_replication_role": "replica",
                    "maintenance_work_mem": "256MB",
                },
            )
        )
        self.transaction = self.conn.transaction()
        self._run(self.transaction.start())
        self.done = False
        self.tables: list[str] = []

    def _run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def scalar(self, sql: str, *params: Any) -> Any:
        return self._run(self.conn.fetchval(_numbered(sql), *params))

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        if table not in self.tables:
            self.tables.append(table)

        async def encoded() -> AsyncIterator[bytes]:
            lines: list[str] = []
            for row in rows:
                lines.append("\t".join([_copy_field(v) for v in row]))
                if len(lines) >= _COPY_CHUNK:
                    yield ("\n".join(lines) + "\n").encode()
                    lines.clear()
            if lines:
                yield ("\n".join(lines) + "\n").encode()

        self._run(
            self.conn.copy_to_table(table, source=encoded(), columns=list(columns), format="text")
        )

    def drop_indexes(self, tables: Sequence[str]) -> list[str]:
        # Indexes behind a primary key or unique constraint stay: the load keeps them.
        indexes = self._run(
            self.conn.fetch(
                "SELECT indexname, indexdef FROM pg_indexes i"
                " WHERE schemaname = current_schema() AND tablename = ANY($1::text[])"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                list(tables),
            )
        )
        for name, _sql in indexes:
            self.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in indexes]

    def execute(self, sql: str) -> None:
        self._run(self.conn.execute(sql))

    def commit(self) -> None:
        # Ids were written explicitly: move every sequence past the largest id of its table.
        serials = self._run(
            self.conn.fetch(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'"
            )
        )
        for table, column in serials:
            self.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" coalesce(max({column}), 0) + 1, false) FROM {table}"
            )
        # Triggers are off in this session (`session_replication_role`): count the boards.
        for statement in standings.rebuild_statements(postgresql.dialect()):
            self.execute(statement)
        for kept in KEPT_BY_TRIGGERS:
            for statement in kept.rebuild_statements("postgresql"):
                self.execute(statement)
        kept = [table for module in KEPT_BY_TRIGGERS for table in module.TABLES]
        self.tables += [table for table in kept if table not in self.tables]
        self._run(self.transaction.commit())
        self.done = True
        self.execute(f"VACUUM (ANALYZE) {', '.join(self.tables)}")

    def close(self) -> None:
        try:
            if not self.done:
                self._run(self.transaction.rollback())
            self._run(self.conn.close())
        finally:
            self.loop.close()
