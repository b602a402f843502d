"""`Database.reading`: a transaction that may only read. A write in it fails at once and
changes nothing, and the connection it used writes again afterwards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storage.communities import ensure_community
from storage.db import Database
from storage.models import Community

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def communities(db: Database) -> int:
    async with db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Community)) or 0)


async def test_a_write_in_a_reading_transaction_fails_and_changes_nothing(
    database_url: Callable[..., str],
) -> None:
    db = Database(database_url())
    try:
        async with db.transaction() as session:
            await ensure_community(session, "console", "first", "first", NOW)
        with pytest.raises(Exception, match=r"(?i)read.?only"):
            async with db.reading() as session:
                await ensure_community(session, "console", "second", "second", NOW)
        assert await communities(db) == 1
        # Each connection of the pool writes again (none was left refusing to).
        for n in range(8):
            async with db.transaction() as session:
                await ensure_community(session, "console", f"later{n}", f"later {n}", NOW)
        assert await communities(db) == 9
    finally:
        await db.dispose()
