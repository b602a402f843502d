"""A statement on SQLite is one trip to its connection's thread (`storage.one_trip`), and
SQLAlchemy still gets all it reads after one: rows, ids of inserted rows, row counts,
column names of an empty result, errors as its own exceptions.

A trip is one call queued for aiosqlite's thread: through aiosqlite's own queueing or
through `storage.driver_internals`. Each one waits for the thread and then for the event
loop, which a member feels when the loop is busy scoring a stream of events."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.actions import Reply
from bot.core import Cercle
from bot.events import ChannelRef, CommandInvoked, MemberRef, MessagePosted
from storage.db import Database
from storage.driver_internals import ConnectionThread
from storage.models import Community, Member
from storage.one_trip import OneTripCursor
from tests.conftest import START

pytestmark = pytest.mark.backends("sqlite")
GENERAL = ChannelRef("c1", "general")


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call queued for a connection's thread from now on."""
    made: list[str] = []
    call = ConnectionThread.call
    execute = aiosqlite.Connection._execute

    def counted_call(self: ConnectionThread, function: Callable[[], Any]) -> Any:
        made.append("statement")
        return call(self, function)

    async def counted_execute(self: aiosqlite.Connection, fn: Any, *args: Any, **kw: Any) -> Any:
        made.append(getattr(fn, "__name__", "call"))
        return await execute(self, fn, *args, **kw)

    monkeypatch.setattr(ConnectionThread, "call", counted_call)
    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted_execute)
    return made


async def test_a_statement_is_one_trip_to_sqlite_s_thread(db: Database, trips: list[str]):
    await db.upgrade()
    async with db.transaction() as session:
        session.add(Community(slug="club", created_at=START))
        await session.flush()
        trips.clear()
        rows = (await session.execute(select(Community.slug, Community.id))).all()
        assert len(trips) == 1  # SQLAlchemy's adapter: cursor, execute, fetch, close
        assert [slug for slug, _ in rows] == ["club"]
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, aiosqlite.Connection)
        assert type(raw.dbapi_connection.cursor()) is OneTripCursor


async def test_what_sqlalchemy_reads_after_a_statement_is_kept(db: Database):
    await db.upgrade()
    async with db.transaction() as session:
        club = (
            await session.execute(
                insert(Community).values(slug="club", created_at=START).returning(Community.id)
            )
        ).scalar_one()
        connection = await session.connection()
        added = await connection.execute(
            insert(Member.__table__),  # type: ignore[arg-type]
            [
                {"community_id": club, "display_name": f"m{k}", "origin": f"console:m{k}"}
                for k in range(5)
            ],
        )
        assert added.rowcount == 5
        raised = await session.execute(
            update(Member).where(Member.display_name.in_(["m1", "m2"])).values(points=3)
        )
        assert raised.rowcount == 2
        plain = await session.execute(
            text("INSERT INTO community (slug, created_at) VALUES ('other', '2026-01-01')")
        )
        assert plain.lastrowid == club + 1
        empty = await session.execute(select(Member.display_name).where(Member.points > 10))
        assert list(empty.keys()) == ["display_name"] and empty.all() == []
        assert await session.scalar(select(func.sum(Member.points))) == 6
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await session.execute(
                text("INSERT INTO community (slug, created_at) VALUES ('club', '2026-01-01')")
            )
    async with db.transaction() as session:  # the connection is lent again after the error
        assert await session.scalar(select(func.count()).select_from(Community)) == 2


async def test_a_rank_asks_sqlite_once_per_statement(core: Cercle, trips: list[str]):
    alice = MemberRef("discord", "u1", "alice")
    await core.handle(
        MessagePosted("discord", "g1", START, "m1", GENERAL, alice, "hello there, a first one")
    )

    def rank(k: int) -> CommandInvoked:
        at = START + timedelta(seconds=k)
        return CommandInvoked("discord", "g1", at, f"i{k}", GENERAL, alice, text="/rank")

    await core.handle(rank(1))  # the caller is read once, then remembered
    trips.clear()
    actions = await core.handle(rank(2))
    assert [a.card.kind for a in actions if isinstance(a, Reply) and a.card] == ["rank"]
    # Its three statements; its reading transaction had nothing to commit.
    assert trips == ["statement"] * 3


async def test_a_queued_write_is_rolled_back_with_its_failed_transaction(db: Database):
    # A write queued without waiting (as the bulk writer does) has not started when its
    # transaction fails: no transaction is open yet, but one will be. Had the rollback been
    # skipped as having nothing to do, the write would stay open on the pooled connection
    # and the next transaction there would commit it.
    await db.upgrade()
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            connection = await session.connection()
            raw = await connection.get_raw_connection()
            thread = ConnectionThread.of(raw.driver_connection)
            assert thread is not None
            sql = thread.connection
            thread.call(lambda: time.sleep(0.2))  # the thread is busy meanwhile
            thread.call(
                lambda: sql.execute(
                    "INSERT INTO community (slug, created_at) VALUES ('lost', '2026-01-01')"
                )
            )
            raise RuntimeError("the transaction fails before its write has run")
    async with db.transaction() as session:
        await session.execute(
            text("INSERT INTO community (slug, created_at) VALUES ('kept', '2026-01-01')")
        )
    async with db.transaction() as session:
        slugs = (await session.scalars(select(Community.slug))).all()
    assert slugs == ["kept"]
