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
- `BulkSelect`: a `SELECT ... WHERE key IN (...)` in chunks, the same way;
- `Pipeline` (SQLite): statements queued on the driver's connection thread without
  waiting for each, so the database works while Python prepares the next ones.

`prepare()` compiles them all for a dialect (`cercle run` does it at start).

Everything is built from SQLAlchemy constructs (`storage.dialect` for `ON CONFLICT`), so
no SQL text is written by hand. Returned rows are the driver's values: `DriverValues`
turns days and times back.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, bindparam, false, literal_column, true
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from storage.dialect import dialect_insert_for
from storage.driver_internals import ConnectionThread

# Well under both SQLite's (32,766) and PostgreSQL's (32,767) limit on bound parameters.
MAX_PARAMETERS = 16_000
MAX_ROWS = 512


class DriverValues:
    """Values in the form the session's driver stores them, as SQLAlchemy's own types
    would write them (the SQLite formats of its DATETIME and DATE; PostgreSQL's driver
    takes aware datetimes and dates as they are)."""

    def __init__(self, dialect_name: str) -> None:
        self.sqlite = dialect_name == "sqlite"
        # A burst's instants share a few minutes: their text starts the same.
        self._minutes: dict[tuple[int, int, int, int, int], str] = {}

    def time(self, value: datetime | None) -> Any:
        """An aware datetime (`UTCDateTime`): naive UTC text on SQLite."""
        if value is None or not self.sqlite:
            return value
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        key = (value.year, value.month, value.day, value.hour, value.minute)
        start = self._minutes.get(key)
        if start is None:
            if len(self._minutes) > 10_000:
                self._minutes.clear()
            year, month, day, hour, minute = key
            start = self._minutes[key] = (
                f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:"
            )
        return f"{start}{value.second:02d}.{value.microsecond:06d}"

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


_VALUES: dict[str, DriverValues] = {}


def values_for(session: AsyncSession) -> DriverValues:
    name = session.get_bind().dialect.name
    found = _VALUES.get(name)
    if found is None:
        found = _VALUES[name] = DriverValues(name)
    return found


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

    @classmethod
    def of(cls, sql: str, parameters: int) -> _Compiled:
        """A statement whose parameters are in the rows' order already."""
        made = cls.__new__(cls)
        made.sql, made.pick, made.single = sql, None, parameters == 1
        return made

    def arrange(self, row: Sequence[Any]) -> tuple[Any, ...]:
        if self.pick is None:
            return tuple(row)
        picked = self.pick(row)
        return (picked,) if self.single else picked


_NUMBERED = re.compile(r"([$:])(\d+)")


class _ValuesTemplate:
    """A one-row INSERT split around its row of values, to repeat the row."""

    def __init__(self, head: str, row: str, tail: str, columns: int) -> None:
        self.head, self.row, self.tail, self.columns = head, row, tail, columns

    @classmethod
    def of(cls, sql: str, columns: int) -> _ValuesTemplate | None:
        start = sql.find(" VALUES (")
        if start < 0:
            return None
        start += len(" VALUES ")
        depth = 0
        for end in range(start, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth == 0:
                return cls(sql[:start], sql[start : end + 1], sql[end + 1 :], columns)
        return None

    def sql(self, size: int) -> str:
        # Numbered placeholders ($1, :1) count on from one row to the next.
        rows = [self._shifted(i * self.columns) for i in range(size)]
        return self.head + ", ".join(rows) + self.tail

    def _shifted(self, shift: int) -> str:
        if not shift:
            return self.row
        return _NUMBERED.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + shift}", self.row)


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


def _sizes(per_statement: int) -> list[int]:
    """Every chunk size `_chunks` may ask for."""
    return [1 << bit for bit in range(per_statement.bit_length())]


def _per_statement(columns: int) -> int:
    rows = min(MAX_ROWS, MAX_PARAMETERS // max(columns, 1))
    return 1 << (rows.bit_length() - 1)


_ALL: list[BulkInsert | BulkUpdate | BulkSelect] = []


def prepare(dialect: Dialect) -> int:
    """Compile every bulk statement for `dialect` now (a process does it at start, not
    in the middle of its first burst); returns how many statements."""
    count = 0
    for bulk in _ALL:
        count += bulk.prepare(dialect)
    return count


class Pipeline:
    """Statements handed to SQLite's connection thread at once, without waiting for each:
    the thread runs them in order, in the session's transaction, while the caller goes on
    preparing the next ones; `drain()` waits for all of them and raises the first error.

    aiosqlite runs every call to a connection on a thread of its own and has no public
    way to queue a call without waiting for it: `storage.driver_internals` does that."""

    def __init__(self, thread: ConnectionThread) -> None:
        self._thread = thread
        self._pending: list[asyncio.Future[int]] = []

    @classmethod
    async def open(cls, session: AsyncSession) -> Pipeline | None:
        """A pipeline for the session's connection; None where statements must be waited
        for one by one (not SQLite through aiosqlite)."""
        connection = await session.connection()
        if connection.dialect.name != "sqlite":
            return None
        raw = await connection.get_raw_connection()
        thread = ConnectionThread.of(raw.driver_connection)
        return cls(thread) if thread is not None else None

    def submit(self, sql: str, parameters: Any, many: bool = False) -> asyncio.Future[int]:
        """Queue one statement (`many`: an executemany); its future gives the row count."""
        connection = self._thread.connection

        def run() -> int:
            cursor = (
                connection.executemany(sql, parameters)
                if many
                else connection.execute(sql, parameters)
            )
            try:
                return cursor.rowcount
            finally:
                cursor.close()

        future = self._thread.call(run)
        self._pending.append(future)
        return future

    async def drain(self) -> None:
        pending, self._pending = self._pending, []
        results = await asyncio.gather(*pending, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result


class _Chunked:
    """A statement run in chunks of power-of-two sizes, compiled per dialect and size."""

    per_statement: int

    def _statement(self, dialect: Dialect, size: int) -> _Compiled:
        raise NotImplementedError

    def prepare(self, dialect: Dialect) -> int:
        sizes = _sizes(self.per_statement)
        for size in sizes:
            self._statement(dialect, size)
        return len(sizes)


class BulkInsert(_Chunked):
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
        order = [c.name for c in table.columns if c.name in columns]
        if order != list(columns):  # SQLAlchemy writes a row's values in this order
            raise ValueError(f"{table.name}: give the columns in the table's order, {order}")
        self.table = table
        self.columns = tuple(columns)
        self.conflict = tuple(conflict)
        self.add = tuple(add)
        self.returning = tuple(returning)
        self.per_statement = _per_statement(len(self.columns))
        self._compiled: dict[tuple[str, int], _Compiled] = {}
        self._templates: dict[str, _ValuesTemplate | None] = {}
        _ALL.append(self)

    def _statement(self, dialect: Dialect, size: int) -> _Compiled:
        key = (dialect.name, size)
        compiled = self._compiled.get(key)
        if compiled is None:
            template = self._template(dialect)
            if template is not None and size > 1:
                compiled = _Compiled.of(template.sql(size), size * len(self.columns))
            else:
                compiled = self._compile(dialect, size)
            self._compiled[key] = compiled
        return compiled

    def _compile(self, dialect: Dialect, size: int) -> _Compiled:
        names = [f"r{i}_{c}" for i in range(size) for c in self.columns]
        constants = self._defaults()
        stmt: Any = dialect_insert_for(dialect.name, self.table).values(
            [
                {
                    **{c: bindparam(f"r{i}_{c}", type_=self.table.c[c].type) for c in self.columns},
                    **constants,
                }
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
        return _Compiled(stmt, dialect, names)

    def _defaults(self) -> dict[str, Any]:
        """Columns left out of `columns` get their scalar default, written into the
        statement (SQLAlchemy would otherwise bind it as one more parameter per row)."""
        constants: dict[str, Any] = {}
        for column in self.table.columns:
            default = column.default
            if column.name in self.columns or default is None:
                continue
            value = getattr(default, "arg", None)
            if not getattr(default, "is_scalar", False):
                raise ValueError(f"{self.table.name}.{column.name}: give it in `columns`")
            if isinstance(value, bool):
                constants[column.name] = true() if value else false()
            elif isinstance(value, int | float):
                constants[column.name] = literal_column(repr(value))
            else:
                raise ValueError(f"{self.table.name}.{column.name}: give it in `columns`")
        return constants

    def _template(self, dialect: Dialect) -> _ValuesTemplate | None:
        """SQLAlchemy compiles a statement of n rows in time proportional to n (a tenth of
        a second for 512 ledger rows), and a burst needs several sizes at once: the
        statement of n rows is the one-row statement with its row repeated, which holds
        only once SQLAlchemy's own statements of 2 and 3 rows are exactly that."""
        if dialect.name not in self._templates:
            one = self._compile(dialect, 1)
            template = _ValuesTemplate.of(one.sql, len(self.columns))
            holds = (
                template is not None
                and one.pick is None
                and all(template.sql(n) == self._compile(dialect, n).sql for n in (2, 3))
            )
            self._templates[dialect.name] = template if holds else None
        return self._templates[dialect.name]

    def _chunks_of(
        self, dialect: Dialect, rows: Sequence[Sequence[Any]]
    ) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """Each chunk's statement and its parameters, the chunk's rows flattened."""
        start = 0
        for size in _chunks(len(rows), self.per_statement):
            compiled = self._statement(dialect, size)
            flat = tuple(itertools.chain.from_iterable(rows[start : start + size]))
            start += size
            yield compiled.sql, flat if compiled.pick is None else compiled.arrange(flat)

    async def run(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """Write `rows` (tuples in `columns` order, driver values); returns the returned
        rows (driver values) when `returning` names columns."""
        if not rows:
            return []
        connection = await session.connection()
        found: list[Any] = []
        for sql, parameters in self._chunks_of(connection.dialect, rows):
            result = await connection.exec_driver_sql(sql, parameters)
            if self.returning:
                found.extend(result.all())
        return found

    def submit(
        self, pipeline: Pipeline, dialect: Dialect, rows: Sequence[Sequence[Any]]
    ) -> list[asyncio.Future[int]]:
        """Queue `rows` on the pipeline (not for `returning`); futures of the counts."""
        return [
            pipeline.submit(sql, parameters) for sql, parameters in self._chunks_of(dialect, rows)
        ]

    async def count(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> int:
        """Write `rows`; returns how many the database wrote (not for `returning`)."""
        connection = await session.connection()
        total = 0
        for sql, parameters in self._chunks_of(connection.dialect, rows):
            total += (await connection.exec_driver_sql(sql, parameters)).rowcount
        return total


class BulkUpdate:
    """One executemany of `statement` (built for a dialect, with bound parameters named
    `names`), each row a tuple in `names` order."""

    def __init__(self, build: Callable[[], Executable], names: Sequence[str]) -> None:
        self.build = build
        self.names = tuple(names)
        self._compiled: dict[str, _Compiled] = {}
        _ALL.append(self)

    def prepare(self, dialect: Dialect) -> int:
        self._statement(dialect)
        return 1

    def _statement(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(self.build(), dialect, self.names)
        return compiled

    def _parameters(self, compiled: _Compiled, rows: Sequence[Sequence[Any]]) -> list[Any]:
        if compiled.pick is None and isinstance(rows[0], tuple):
            return list(rows)
        return [compiled.arrange(row) for row in rows]

    async def run(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> int:
        """Run for every row; returns the number of rows the database changed."""
        if not rows:
            return 0
        connection = await session.connection()
        compiled = self._statement(connection.dialect)
        result = await connection.exec_driver_sql(compiled.sql, self._parameters(compiled, rows))
        return result.rowcount

    def submit(self, pipeline: Pipeline, dialect: Dialect, rows: Sequence[Sequence[Any]]) -> None:
        """Queue the executemany on the pipeline."""
        if rows:
            compiled = self._statement(dialect)
            pipeline.submit(compiled.sql, self._parameters(compiled, rows), many=True)


class BulkSelect(_Chunked):
    """`build(keys)` selects the rows whose key is one of the bound parameters `keys`
    (and may use bound parameters named in `fixed`, the same for every chunk); `run` asks
    for any number of keys in chunks and returns the driver's rows."""

    def __init__(
        self,
        build: Callable[[list[Any]], Executable],
        fixed: Sequence[str] = (),
        per_statement: int = 512,
    ) -> None:
        self.build = build
        self.fixed = tuple(fixed)
        self.per_statement = per_statement
        self._compiled: dict[tuple[str, int], _Compiled] = {}
        _ALL.append(self)

    def _statement(self, dialect: Dialect, size: int) -> _Compiled:
        compiled = self._compiled.get((dialect.name, size))
        if compiled is None:
            names = [f"k{i}" for i in range(size)]
            statement = self.build([bindparam(n) for n in names])
            compiled = _Compiled(statement, dialect, [*self.fixed, *names])
            self._compiled[(dialect.name, size)] = compiled
        return compiled

    async def run(
        self, session: AsyncSession, keys: Sequence[Any], fixed: Sequence[Any] = ()
    ) -> list[Any]:
        if not keys:
            return []
        connection = await session.connection()
        dialect = connection.dialect
        found: list[Any] = []
        start = 0
        for size in _chunks(len(keys), self.per_statement):
            compiled = self._statement(dialect, size)
            chunk = (*fixed, *keys[start : start + size])
            start += size
            result = await connection.exec_driver_sql(compiled.sql, compiled.arrange(chunk))
            found.extend(result.all())
        return found
