"""Shared fixtures: a real Cercle core on a fresh SQLite file, and a console attached to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from storage.db import Database

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'cercle.db'}")
    await database.upgrade()
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def core(db: Database, settings: Settings, clock: ManualClock) -> Cercle:
    return Cercle(db, settings, clock)


class Transcript:
    """A console fed line by line, with everything it printed."""

    def __init__(self, session: ConsoleSession, lines: list[str]) -> None:
        self.session = session
        self.lines = lines

    async def play(self, script: str) -> list[str]:
        """Feed every line of `script`; returns what those lines printed."""
        start = len(self.lines)
        for line in script.strip("\n").splitlines():
            await self.session.feed(line.strip())
        await self.session.finish()
        return self.lines[start:]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
async def console(core: Cercle) -> Transcript:
    lines: list[str] = []
    session = ConsoleSession(core, "test", emit=lines.append)
    await session.start(START)
    return Transcript(session, lines)
