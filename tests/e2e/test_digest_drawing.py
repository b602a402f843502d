"""The weekly digest's chart is drawn before its run writes anything: on SQLite a write
takes the database's only write lock until the job commits, and while the chart was drawn
under it (a worker process started, matplotlib imported: half a second at a community's
first digest) every member's message and first command waited."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from test_digest_schedule import START, delivered
from transcript import Transcript

from bot import drawing
from bot.core import Cercle

pytestmark = pytest.mark.backends("sqlite")


def can_write(path: str) -> bool:
    """Whether another connection could take the write lock at once."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


async def test_the_chart_is_drawn_while_others_can_write(
    console: Transcript, core: Cercle, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(make_url(core.db.url).database)
    seen: list[bool] = []
    draw = drawing.draw

    async def drawn_watching(*args: Any) -> Any:
        seen.append(can_write(path))
        return await draw(*args)

    monkeypatch.setattr(drawing, "draw", drawn_watching)
    await console.play("alice: hello everyone, this is my first message")
    posts = await delivered(core, await core.run_due(START + timedelta(days=7)))
    assert len(posts) == 1 and posts[0].card.image is not None
    assert seen == [True]
