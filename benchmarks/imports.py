"""`make bench`'s import row: `cercle import mee6` of 100,000 players on SQLite.

The whole command path is timed, as an operator would run it: reading the leaderboard
JSON, converting it, creating the members Cercle has not seen, and writing one ledger row
each through the core (`bot.imports`). Target (issue #17): under 10 s. The run is checked:
one ledger row per player and the community's points equal to the file's.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from adapters import cli
from storage.communities import ensure_community
from storage.db import Database
from storage.models import Contribution, Member

TARGET_SECONDS = 10.0


def mee6_leaderboard(count: int) -> dict:
    """MEE6's leaderboard JSON for `count` players, as its API pages serve them, in one."""
    return {
        "players": [
            {
                "id": str(300_000_000_000_000_000 + n),
                "username": f"player {n}",
                "discriminator": "0",
                "avatar": None,
                "xp": 2_000_000 // (n + 1) + 40,
                "level": 10,
                "message_count": 100,
                "detailed_xp": [10, 155, 2_000_000 // (n + 1) + 40],
            }
            for n in range(count)
        ]
    }


async def _prepare(url: str) -> None:
    db = Database(url)
    await db.upgrade()
    async with db.transaction() as session:
        await ensure_community(session, "discord", "1", "bench", datetime.now(UTC))
    await db.dispose()


async def _facts(url: str) -> tuple[int, int]:
    db = Database(url)
    async with db.transaction() as session:
        rows = await session.scalar(select(func.count()).select_from(Contribution))
        points = await session.scalar(select(func.sum(Member.points)))
    await db.dispose()
    return int(rows or 0), int(points or 0)


def measure(count: int) -> tuple[float, float, list[str]]:
    """Seconds `cercle import mee6` takes for `count` players (wall, and the CPU time of
    the process, threads included: on a loaded machine the wall time is mostly waiting
    for a core), and any problem found."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mee6.json"
        data = mee6_leaderboard(count)
        path.write_text(json.dumps(data), encoding="utf-8")
        url = cli.database_url(str(Path(folder) / "bench.db"))
        asyncio.run(_prepare(url))
        argv = ["import", "mee6", str(path), "--community", "bench", "--db", url]
        began, cpu = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = cli.main(argv)
        elapsed = time.perf_counter() - began
        cpu = time.process_time() - cpu
        rows, points = asyncio.run(_facts(url))
    problems = []
    if code != 0:
        problems.append(f"exit code {code}")
    expected = sum(round(p["xp"] / 40) for p in data["players"])
    if rows != count:
        problems.append(f"{rows} ledger rows for {count} players")
    if points != expected:
        problems.append(f"{points} points in the community, {expected} in the file")
    return elapsed, cpu, problems


def report(quick: bool) -> None:
    count = 10_000 if quick else 100_000
    elapsed, cpu, problems = measure(count)
    verdict = (
        "INVALID: " + "; ".join(problems)
        if problems
        else ("ok" if elapsed < TARGET_SECONDS or quick else "MISSED")
    )
    print(
        f"import: {count:,} MEE6 players into SQLite with `cercle import mee6`: "
        f"{elapsed:.2f} s ({cpu:.2f} s of CPU; "
        f"target < {TARGET_SECONDS:.0f} s for 100,000) {verdict}"
    )


if __name__ == "__main__":
    report(quick=False)
