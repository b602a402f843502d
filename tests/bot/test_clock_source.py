"""The core learns the time from its injected clock alone.

A scan of `bot/` and `storage/` fails on any read of the system's date or time outside
`bot/clock.py` (interval timers such as `time.monotonic` are allowed: they never become a
date), and a console started in another year shows that nothing the community does, its
first digest included, is dated by the machine's clock.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

from transcript import Transcript

from adapters.console.session import ConsoleSession
from bot.clock import SystemClock
from bot.config import Settings
from bot.core import Cercle
from storage import communities as community_store
from storage.db import Database

ROOT = Path(__file__).resolve().parents[2]
CLOCK_MODULE = ROOT / "bot" / "clock.py"
# Attribute calls that read the wall clock, whatever the module is imported as.
WALL_CLOCK = {
    "now",
    "utcnow",
    "today",
    "time",
    "time_ns",
    "localtime",
    "gmtime",
    "ctime",
    "current_timestamp",
    "localtimestamp",
}
# The receivers those names read the clock on (`datetime.now()`, `time.time()`,
# `func.now()`, `date.today()`, ...): `self.clock.now()` is the injected clock.
CLOCK_OWNERS = {"datetime", "date", "time", "func", "dt", "pendulum", "arrow"}


def _wall_clock_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in WALL_CLOCK
                and isinstance(func.value, ast.Name | ast.Attribute)
                and (func.value.id if isinstance(func.value, ast.Name) else func.value.attr)
                in CLOCK_OWNERS
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(func)}()")
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            names = {alias.name for alias in node.names}
            if names & WALL_CLOCK:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: from time import …")
    return found


def test_no_core_or_storage_code_reads_the_system_clock() -> None:
    offenders = [
        hit
        for folder in ("bot", "storage")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != CLOCK_MODULE
        for hit in _wall_clock_reads(path)
    ]
    assert offenders == []


def test_the_scan_sees_a_wall_clock_read(tmp_path: Path) -> None:
    sample = ROOT / "bot" / "_sample_for_scan.py"
    try:
        sample.write_text(
            "import datetime, time\nfrom sqlalchemy import func\n"
            "a = datetime.datetime.now()\nb = time.time()\nc = func.now()\n"
            "d = datetime.date.today()\ne = self.clock.now()\n",
            encoding="utf-8",
        )
        hits = _wall_clock_reads(sample)
    finally:
        sample.unlink()
    assert len(hits) == 4


async def test_a_console_started_in_2031_dates_its_community_and_digests_in_2031(
    db: Database,
) -> None:
    # The live bot's system clock, as `cercle console` builds the core: the console's
    # own clock must take over before anything is dated.
    core = Cercle(db, Settings(), SystemClock())
    session = ConsoleSession(core, "future")
    await session.start(datetime(2031, 1, 7, 12, 0, tzinfo=UTC))  # a Tuesday
    console = Transcript(session)
    async with db.transaction() as s:
        community = await community_store.community_by_slug(s, "future")
    assert community is not None
    assert community.created_at.astimezone(UTC) == datetime(2031, 1, 7, 12, 0, tzinfo=UTC)

    shown = await console.play("alice: hello\nbob: hi there\nafter 1d")
    assert not [line for line in shown if "digest" in line.lower()]
    # The first digest comes on the first Monday and covers the days since the start.
    shown = await console.play("after 6d")
    titles = [line for line in shown if "Community digest" in line]
    assert len(titles) == 1
    assert "7–12 January 2031" in titles[0]
    assert "catching up" not in titles[0]


async def test_stats_since_the_beginning_start_at_the_console_start_and_compare_with_nothing(
    db: Database,
) -> None:
    core = Cercle(db, Settings(), SystemClock())
    session = ConsoleSession(core, "future")
    await session.start(datetime(2031, 1, 7, 12, 0, tzinfo=UTC))
    shown = await Transcript(session).play(
        "nora is moderator\nalice: hello\nafter 3d\nnora: /admin stats all"
    )
    text = "\n".join(shown)
    assert "since the beginning (7–10 January 2031)" in text
    assert "compared with" not in text and "up from none" not in text
    assert "Messages: 1" in text
