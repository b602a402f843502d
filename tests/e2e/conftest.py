"""Helpers for the end-to-end tests: read what a user sees, and snapshot the database."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel
from transcript import Transcript

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)
from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.config import CommunityDefaults, Settings
from bot.core import Cercle
from storage.db import Database

# The console adapter's own bookkeeping, which may change on any line.
CONSOLE_TABLES = {"console_state", "console_message", "console_member"}

_POINTS = re.compile(r"Points\s*:\s*([\d,\u202f\u00a0 ]+)\s*points?\b")


def points_in(lines: list[str]) -> int:
    """The `N points` total of the first /rank card found in `lines`."""
    for line in lines:
        match = _POINTS.search(line)
        if match:
            return int(re.sub(r"\D", "", match.group(1)))
    raise AssertionError("no /rank points in:\n" + "\n".join(lines))


@pytest.fixture
def points(console: Transcript) -> Callable[[str], Awaitable[int]]:
    """`await points("alice")`: alice's total as `/rank @alice` shows it to an onlooker."""

    async def read(name: str) -> int:
        return points_in(await console.play(f"onlooker: /rank @{name}"))

    return read


Snapshot = dict[str, list[tuple[Any, ...]]]


async def take_snapshot(db: Database) -> Snapshot:
    """Every row of every Cercle table except the console's own, in a stable order."""
    snapshot: Snapshot = {}
    async with db.transaction() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in CONSOLE_TABLES:
                continue
            rows = (await session.execute(select(table))).all()
            snapshot[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


@pytest.fixture
def snapshot() -> Callable[[Database], Awaitable[Snapshot]]:
    return take_snapshot


@pytest.fixture
async def french(db: Database, clock: ManualClock) -> Transcript:
    """A console on a community whose locale is French (from the defaults)."""
    settings = Settings(defaults=CommunityDefaults(locale="fr"))
    core = Cercle(db, settings, clock)
    session = ConsoleSession(core, "fr")
    await session.start(clock.now())
    return Transcript(session)


# -- `cercle demo`, started early -------------------------------------------------------------
#
# The demo is the slowest thing the end-to-end tests run (a simulated week, twice, to check
# it is deterministic). It runs as two child processes started as soon as the first
# end-to-end test starts, so they use the other cores while the in-process tests run; the
# demo tests (last in the folder) then only collect their output.

DEMO_ARGS = ("demo", "--seed", "3", "--members", "120")
DEMO_TIMEOUT = 180


def cercle_executable() -> str:
    for candidate in (
        Path(sys.executable).parent / "cercle",
        Path(__file__).resolve().parents[2] / ".venv" / "bin" / "cercle",
    ):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("cercle")
    assert found, "the `cercle` console script is not installed"
    return found


def clean_env() -> dict[str, str]:
    """The environment without any platform token or Cercle setting."""
    prefixes = ("DISCORD_", "SLACK_", "CERCLE_")
    return {k: v for k, v in os.environ.items() if not k.upper().startswith(prefixes)}


@dataclass
class DemoRun:
    db: Path
    process: subprocess.Popen[str]
    result: subprocess.CompletedProcess[str] | None = None

    def wait(self) -> subprocess.CompletedProcess[str]:
        if self.result is None:
            stdout, stderr = self.process.communicate(timeout=DEMO_TIMEOUT)
            self.result = subprocess.CompletedProcess(
                self.process.args, self.process.returncode, stdout, stderr
            )
        return self.result


@pytest.fixture(scope="session")
def demo_processes(tmp_path_factory) -> Iterator[list[DemoRun]]:
    """Two `cercle demo --seed 3 --members 120` runs, side by side, each on its own file."""
    runs = []
    for name in ("first", "second"):
        folder = tmp_path_factory.mktemp(f"demo-{name}")
        db = folder / "demo.db"
        process = subprocess.Popen(
            [cercle_executable(), *DEMO_ARGS, "--db", str(db)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=folder,
            env=clean_env(),
        )
        runs.append(DemoRun(db, process))
    yield runs
    for run in runs:
        if run.process.poll() is None:
            run.process.kill()
            run.process.communicate()


@pytest.fixture(scope="session", autouse=True)
def _start_the_demo_early(request: pytest.FixtureRequest) -> None:
    if any("demo_runs" in getattr(item, "fixturenames", ()) for item in request.session.items):
        request.getfixturevalue("demo_processes")


@pytest.fixture(scope="session")
def demo_runs(
    demo_processes: list[DemoRun],
) -> list[tuple[subprocess.CompletedProcess[str], Path]]:
    return [(run.wait(), run.db) for run in demo_processes]
