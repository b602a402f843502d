"""One trip to SQLite's thread per statement (`storage.sqlite_driver`).

The engine Cercle makes for SQLite runs each statement, its rows and its outcome in one
call on the connection's thread, where SQLAlchemy's stock aiosqlite adapter makes four.
These tests count the calls, and compare what SQLAlchemy hands back (rows, row counts,
new ids, RETURNING, errors, streamed results) with the stock adapter's on the same
statements.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage.db import make_engine

pytestmark = pytest.mark.backends("sqlite")

metadata = MetaData()
things = Table(
    "thing",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, unique=True, nullable=False),
    Column("n", Integer, nullable=False, default=0),
)


@asynccontextmanager
async def trips_counted() -> AsyncIterator[list[int]]:
    """Counts the results the connection threads hand back to this loop: one per call."""
    loop = asyncio.get_running_loop()
    original = loop.call_soon_threadsafe
    count = [0]

    def counting(callback: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        count[0] += 1
        return original(callback, *args, **kw)

    loop.call_soon_threadsafe = counting  # type: ignore[method-assign]
    try:
        yield count
    finally:
        loop.call_soon_threadsafe = original  # type: ignore[method-assign]


async def _trips(engine: AsyncEngine, work: Callable[[AsyncConnection], Any]) -> int:
    async with engine.connect() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(things), [{"name": "a"}, {"name": "b"}])
        async with trips_counted() as count:
            await work(connection)
        await connection.rollback()
    return count[0]


async def test_a_statement_makes_one_trip_to_the_thread(tmp_path: Path) -> None:
    ours = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'ours.db'}")
    stock = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'stock.db'}")

    async def read(connection: AsyncConnection) -> None:
        rows = (await connection.execute(select(things.c.name).order_by(things.c.id))).all()
        assert [r.name for r in rows] == ["a", "b"]

    async def write(connection: AsyncConnection) -> None:
        result = await connection.execute(update(things).values(n=things.c.n + 1))
        assert result.rowcount == 2

    async def many(connection: AsyncConnection) -> None:
        await connection.execute(insert(things), [{"name": "c"}, {"name": "d"}])

    try:
        for work in (read, write, many):
            assert await _trips(ours, work) == 1, work.__name__
            # What the stock adapter costs, so that this test says what it saves.
            assert await _trips(stock, work) >= 3, work.__name__
    finally:
        await ours.dispose()
        await stock.dispose()


async def _story(engine: AsyncEngine) -> list[Any]:
    """Statements of every kind, and what SQLAlchemy hands back for each."""
    seen: list[Any] = []
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        result = await connection.execute(insert(things).values(name="first"))
        seen.append(("new id", result.inserted_primary_key, result.rowcount))
        result = await connection.execute(
            insert(things).values(name="second", n=5).returning(things.c.id, things.c.n)
        )
        seen.append(("returning", result.all()))
        result = await connection.execute(
            insert(things), [{"name": f"m{i}", "n": i} for i in range(50)]
        )
        seen.append(("many", result.rowcount))
        result = await connection.execute(update(things).where(things.c.n < 10).values(n=0))
        seen.append(("updated", result.rowcount))
        result = await connection.execute(text("DELETE FROM thing WHERE name LIKE 'm4%'"))
        seen.append(("deleted", result.rowcount))
        result = await connection.execute(select(things).order_by(things.c.id))
        seen.append(("keys", list(result.keys())))
        seen.append(("rows", [tuple(r) for r in result]))
        seen.append(
            ("none", (await connection.execute(select(things).where(things.c.n > 99))).all())
        )
        seen.append(
            ("scalar", await connection.scalar(select(things.c.name).where(things.c.id == 2)))
        )
        streamed = await connection.stream(select(things.c.id).order_by(things.c.id))
        seen.append(("streamed", [row.id async for row in streamed]))
        try:
            await connection.execute(insert(things).values(name="first"))
        except IntegrityError as error:
            seen.append(("integrity", type(error.orig).__name__, "UNIQUE" in str(error.orig)))
        try:
            await connection.execute(text("SELEC nonsense"))
        except OperationalError as error:
            seen.append(("syntax", type(error.orig).__name__))
        seen.append(
            ("after errors", await connection.scalar(select(things.c.n).where(things.c.id == 2)))
        )
    return seen


async def test_what_sqlalchemy_hands_back_is_the_stock_adapter_s(tmp_path: Path) -> None:
    ours = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'ours.db'}")
    stock = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'stock.db'}")
    try:
        expected = await _story(stock)
        assert await _story(ours) == expected
    finally:
        await ours.dispose()
        await stock.dispose()
    kinds = [step[0] for step in expected]
    assert "integrity" in kinds and "syntax" in kinds  # both errors were raised and seen
    assert ("updated", 12) in expected and ("deleted", 11) in expected


async def test_a_closed_connection_says_so(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            await raw.driver_connection.close()  # under SQLAlchemy's feet
            with pytest.raises(OperationalError, match="no active connection"):
                await connection.execute(text("SELECT 1"))
            await connection.invalidate()
    finally:
        await engine.dispose()
