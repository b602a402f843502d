"""Two `cercle console` sessions on one community (two processes on one database): every
message gets a number of its own, allocated in the database, so neither scores over the
other's messages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select

from adapters.console.session import ConsoleSession
from adapters.console.tables import ConsoleMessage
from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from storage.db import Database
from storage.models import Member

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
EACH = 40


async def test_two_consoles_on_one_community_never_share_a_message_number(
    database_url: Callable[..., str],
) -> None:
    url = database_url()
    databases = [Database(url), Database(url)]
    lines: list[list[str]] = [[], []]
    sessions = [
        ConsoleSession(Cercle(db, Settings(), ManualClock(START)), "acme", emit=out.append)
        for db, out in zip(databases, lines, strict=True)
    ]
    try:
        await sessions[0].start(START)
        await sessions[1].start(START)

        async def feed(session: ConsoleSession, prefix: str) -> None:
            for n in range(EACH):
                await session.feed(f"{prefix}{n}: my first message here, hello everyone")
                await asyncio.sleep(0)
            await session.finish()

        await asyncio.gather(feed(sessions[0], "ann"), feed(sessions[1], "bea"))
        numbers = [int(line[1 : line.index("]")]) for out in lines for line in out]
        assert sorted(numbers) == list(range(1, 2 * EACH + 1))
        async with databases[0].transaction() as session:
            stored = await session.scalar(select(func.count()).select_from(ConsoleMessage))
            points = (await session.scalars(select(Member.points))).all()
        assert stored == 2 * EACH
        assert sorted(points) == [1] * (2 * EACH)  # nobody's message was taken for another's
    finally:
        for db in databases:
            await db.dispose()
