"""`cercle demo` tells one story: every number of its week agrees with every other (the
digest's intro, health lines, participation shape, chart and closed poll), it has ideas
and a poll in it, and its chart is saved to the file it names."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from adapters.console.runner import run_demo
from bot.clock import SystemClock
from bot.config import Settings
from bot.core import Cercle
from storage.db import Database


def _number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found is not None, pattern
    return int(found.group(1).replace(",", ""))


async def test_the_demo_week_agrees_with_itself_and_saves_its_chart(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.upgrade()
    core = Cercle(db, Settings(), SystemClock())
    out: list[str] = []
    try:
        status = await run_demo(core, 7, 120, path, out.append)
    finally:
        await db.dispose()
    text = "\n".join(out)
    assert status == 0
    # The header states no count of its own beside the digest's.
    assert not re.search(r"core contributors \d", text)
    digest = text[text.index("📰 Community digest, 5–11 January 2026") :]
    assert "💡 Ideas" in digest and "📊 Polls closed" in digest
    # Both ideas drew votes: one label for the two, and no "this week" in a digest's words.
    supported = re.search(r"Most supported in the period: (.*)", digest)
    assert supported is not None and digest.count("Most supported") == 1
    assert sorted(re.findall(r"#(\d) [^(]+ \(\d+ votes?\)", supported.group(1))) == ["1", "2"]
    took_part = _number(r"(\d+) members took part", digest)
    assert took_part == _number(r"Active members: (\d+)", digest)
    # The chart's days add up to the health line's messages.
    chart = re.search(r"\[image\] Daily activity — messages, active members: (.*)", digest)
    assert chart is not None
    days = [tuple(map(int, d.split(": ")[1].split(", "))) for d in chart.group(1).split("; ")]
    assert len(days) == 7
    assert sum(m for m, _ in days) == _number(r"Messages: (\d+)", digest)
    assert all(active <= took_part for _, active in days)
    # The poll's ballots are the health line's ballots (all cast this week).
    assert _number(r"\((\d+) ballots\)", digest) == _number(r"Poll ballots: (\d+)", digest)
    # Core + occasional are the active members; readers the rest of those present.
    members = _number(r"of (\d+) members", digest)
    core = _number(r"Core contributors (\d+)%", digest)
    occasional = _number(r"occasional (\d+)%", digest)
    assert abs((core + occasional) - took_part * 100 / members) <= 1
    assert core + occasional + _number(r"readers (\d+)%", digest) == 100
    # The header's cast is the digest's: the 120 who joined are new, and with the moderator
    # and the staff member who were there first they are the members in all.
    assert "120 members join" in text and _number(r"(\d+) members in all", text) == members
    assert _number(r"New members: (\d+)", digest) == 120 == members - 2
    saved = re.search(r"The digest's chart is saved in (\S+\.png)\.", text)
    assert saved is not None
    png = await asyncio.to_thread(Path(saved.group(1)).read_bytes)
    assert png.startswith(b"\x89PNG")
