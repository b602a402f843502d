"""The only place that knows SQL differs between SQLite and PostgreSQL.

Both dialects support `INSERT ... ON CONFLICT`; SQLAlchemy builds it per dialect, so the
rest of storage asks for "insert unless present" or "add to a counter" by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def dialect_insert(session: AsyncSession, table: Table) -> Any:
    """`insert(table)` of the session's dialect, which knows `on_conflict_*`."""
    return dialect_insert_for(session.get_bind().dialect.name, table)


def dialect_insert_for(name: str, table: Table) -> Any:
    """`insert(table)` of the dialect named `name`."""
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {name!r}")


def insert_ignore(session: AsyncSession, table: Table, keys: Sequence[str]) -> Insert:
    """INSERT that silently skips rows whose `keys` already exist."""
    return dialect_insert(session, table).on_conflict_do_nothing(index_elements=list(keys))


def insert_or_add(
    session: AsyncSession, table: Table, keys: Sequence[str], counters: Sequence[str]
) -> Insert:
    """INSERT, or when the row exists add the new values to its `counters` (atomic in SQL)."""
    stmt = dialect_insert(session, table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + stmt.excluded[name] for name in counters},
    )


def in_ids(session: AsyncSession, column: Any, ids: Any) -> Any:
    """`column` is one of `ids` (a subquery of one column), written so that each side's
    planner looks each id up by key: `IN (subquery)` on SQLite; on PostgreSQL `= ANY(ARRAY(
    subquery))`, which it reads as a list of keys for an index scan (as a semi-join it
    would rather read a whole range of the index and hash it)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == func.any(func.array(ids.scalar_subquery()))
    return column.in_(ids)


def shorter_than(session: AsyncSession, earlier: Any, later: Any, within: timedelta) -> Any:
    """`later - earlier < within`, for two columns of times (`storage.types.UTCDateTime`).

    SQLite keeps times as text: they are compared in milliseconds (its date functions read
    no finer), rounded off the doubles its day numbers are."""
    if session.get_bind().dialect.name == "sqlite":
        days = func.julianday(later) - func.julianday(earlier)
        return func.round(days * 86_400_000) < within / timedelta(milliseconds=1)
    return later - earlier < within
