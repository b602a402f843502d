"""Many rows in few statements, sent to the driver as they are: the live scoring path.

A burst of gateway activity writes thousands of rows per transaction (ledger rows, counter
and total updates, day marks). Through an ordinary executemany SQLAlchemy prepares each
row in Python (a parameter dict, then every value through its type's bind processor),
which costs more than the database's own work on the row. Here a Core statement is
compiled once per dialect and shape, and rows go to the driver as plain tuples whose
values are already in the driver's form (`DriverValues`):

- `BulkInsert`: multi-row `INSERT ... VALUES (...), (...)` (optionally skipping or adding
  to existing rows, and returning columns), in chunks whose sizes are powers of two, so a
  handful of compiled statements serve every batch size;
- `BulkUpdate`: an `UPDATE` with bound parameters, as one executemany of tuples;
- `BulkSelect`: a `SELECT ... WHERE key IN (...)` in chunks, the same way.

Everything is built from SQLAlchemy constructs (`storage.dialect` for `ON CONFLICT`), so
no SQL text is written by hand. Returned rows are the driver's values: `DriverValues`
turns days and times back.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from storage.dialect import dialect_insert_for

# Well under both SQLite's (32,766) and PostgreSQL's (32,767) limit on bound parameters.
MAX_PARAMETERS = 16_000
MAX_ROWS = 512


class DriverValues:
    """Values in the form the session's driver stores them, as SQLAlchemy's own types
    would write them (the SQLite formats of its DATETIME and DATE; PostgreSQL's driver
    takes aware datetimes and dates as they are)."""

    def __init__(self, dialect_name: str) -> None:
        self.sqlite = dialect_name == "sqlite"

    def time(self, value: datetime | None) -> Any:
        """An aware datetime (`UTCDateTime`): naive UTC text on SQLite."""
        if value is None or not self.sqlite:
            return value
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")

    def day(self, value: date | None) -> Any:
        return value.isoformat() if value is not None and self.sqlite else value

    def read_day(self, value: Any) -> date | None:
        """A day as a returned row holds it."""
        if isinstance(value, str):
            return date.fromisoformat(value)
        return value

    def read_time(self, value: Any) -> datetime | None:
        """A `UTCDateTime` as a returned row holds it, aware again."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def values_for(session: AsyncSession) -> DriverValues:
    return DriverValues(session.get_bind().dialect.name)


class _Compiled:
    """A statement as its driver gets it, and how a row's values map to its parameters."""

    def __init__(self, statement: Executable, dialect: Dialect, names: Sequence[str]) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        order = list(compiled.positiontup or ())
        if not dialect.positional or sorted(set(order)) != sorted(set(names)):
            raise ValueError(f"cannot map parameters {names} to the statement's {order}")
        where = {name: i for i, name in enumerate(names)}
        positions = [where[name] for name in order]
        # None: rows go as they are (their values are already in the statement's order).
        self.pick: Callable[[Sequence[Any]], Any] | None = (
            None if positions == list(range(len(names))) else itemgetter(*positions)
        )
        self.single = len(positions) == 1

    def arrange(self, row: Sequence[Any]) -> tuple[Any, ...]:
        if self.pick is None:
            return tuple(row)
        picked = self.pick(row)
        return (picked,) if self.single else picked


def _chunks(count: int, per_statement: int) -> list[int]:
    """Chunk sizes for `count` rows: full chunks, then powers of two for the rest."""
    sizes = [per_statement] * (count // per_statement)
    rest = count % per_statement
    bit = 1 << max(rest.bit_length() - 1, 0)
    while rest:
        if rest >= bit:
            sizes.append(bit)
            rest -= bit
        bit >>= 1
    return sizes


def _per_statement(columns: int) -> int:
    rows = min(MAX_ROWS, MAX_PARAMETERS // max(columns, 1))
    return 1 << (rows.bit_length() - 1)


class BulkInsert:
    """Rows into `table`'s `columns`; with `conflict` (the unique key's columns) existing
    rows are skipped, or, with `add`, those columns of the new row are added to them."""

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        conflict: Sequence[str] = (),
        add: Sequence[str] = (),
        returning: Sequence[str] = (),
    ) -> None:
        if add and not conflict:
            raise ValueError("adding to existing rows needs the conflict key")
        self.table = table
        self.columns = tuple(columns)
        self.conflict = tuple(conflict)
        self.add = tuple(add)
        self.returning = tuple(returning)
        self.per_statement = _per_statement(len(self.columns))
        self._compiled: dict[tuple[str, int], _Compiled] = {}

    def _statement(self, dialect: Dialect, size: int) -> _Compiled:
        key = (dialect.name, size)
        compiled = self._compiled.get(key)
        if compiled is None:
            names = [f"r{i}_{c}" for i in range(size) for c in self.columns]
            stmt: Any = dialect_insert_for(dialect.name, self.table).values(
                [
                    {c: bindparam(f"r{i}_{c}", type_=self.table.c[c].type) for c in self.columns}
                    for i in range(size)
                ]
            )
            if self.add:
                stmt = stmt.on_conflict_do_update(
                    index_elements=list(self.conflict),
                    set_={c: self.table.c[c] + stmt.excluded[c] for c in self.add},
                )
            elif self.conflict:
                stmt = stmt.on_conflict_do_nothing(index_elements=list(self.conflict))
            if self.returning:
                stmt = stmt.returning(*(self.table.c[c] for c in self.returning))
            compiled = self._compiled[key] = _Compiled(stmt, dialect, names)
        return compiled

    async def run(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """Write `rows` (tuples in `columns` order, driver values); returns the returned
        rows (driver values) when `returning` names columns."""
        if not rows:
            return []
        connection = await session.connection()
        dialect = connection.dialect
        found: list[Any] = []
        start = 0
        for size in _chunks(len(rows), self.per_statement):
            compiled = self._statement(dialect, size)
            chunk = rows[start : start + size]
            start += size
            flat = tuple(itertools.chain.from_iterable(chunk))
            if compiled.pick is not None:
                flat = compiled.arrange(flat)
            result = await connection.exec_driver_sql(compiled.sql, flat)
            if self.returning:
                found.extend(result.all())
        return found


class BulkUpdate:
    """One executemany of `statement` (built for a dialect, with bound parameters named
    `names`), each row a tuple in `names` order."""

    def __init__(self, build: Callable[[], Executable], names: Sequence[str]) -> None:
        self.build = build
        self.names = tuple(names)
        self._compiled: dict[str, _Compiled] = {}

    async def run(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> int:
        """Run for every row; returns the number of rows the database changed."""
        if not rows:
            return 0
        connection = await session.connection()
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(self.build(), dialect, self.names)
        params = (
            list(rows)
            if compiled.pick is None and rows and isinstance(rows[0], tuple)
            else [compiled.arrange(row) for row in rows]
        )
        result = await connection.exec_driver_sql(compiled.sql, params)
        return result.rowcount


class BulkSelect:
    """`build(size)` selects rows whose key is one of `size` bound parameters named
    `k0` ... ; `run` asks for any number of keys in chunks and returns the driver's rows."""

    def __init__(self, build: Callable[[list[Any]], Executable], per_statement: int = 512) -> None:
        self.build = build
        self.per_statement = per_statement
        self._compiled: dict[tuple[str, int], _Compiled] = {}

    async def run(self, session: AsyncSession, keys: Sequence[Any]) -> list[Any]:
        if not keys:
            return []
        connection = await session.connection()
        dialect = connection.dialect
        found: list[Any] = []
        start = 0
        for size in _chunks(len(keys), self.per_statement):
            compiled = self._compiled.get((dialect.name, size))
            if compiled is None:
                names = [f"k{i}" for i in range(size)]
                compiled = _Compiled(self.build([bindparam(n) for n in names]), dialect, names)
                self._compiled[(dialect.name, size)] = compiled
            chunk = tuple(keys[start : start + size])
            start += size
            result = await connection.exec_driver_sql(compiled.sql, compiled.arrange(chunk))
            found.extend(result.all())
        return found
