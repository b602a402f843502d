"""`cercle status`: what an operator needs to know about a database and its processes."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import SystemClock
from storage import jobs as job_store
from storage.communities import ensure_community
from storage.db import Database
from storage.leadership import Leadership, report_process

CERCLE = str(Path(sys.executable).parent / "cercle")


def status(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CERCLE, "status", "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_status_names_the_schema_leader_processes_and_next_jobs(tmp_path: Path) -> None:
    path = tmp_path / "cercle.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await db.upgrade()
        now = SystemClock().now()
        await Leadership(db, "host-a:42", timedelta(seconds=30)).try_lead(now)
        await report_process(db, "host-a:42", "discord,slack", now, now)
        async with db.transaction() as session:
            community = await ensure_community(session, "console", "acme", "acme", now)
            await job_store.schedule(
                session,
                community.id,
                "poll_close",
                "poll-close:1:3",
                datetime(2030, 1, 1, 9, tzinfo=UTC),
            )
    finally:
        await db.dispose()
    result = status(path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "up to date" in out
    assert "held by host-a:42" in out
    assert "host-a:42: adapters discord,slack" in out
    assert "2030-01-01 09:00 UTC  poll_close  poll-close:1:3" in out


def test_status_of_a_database_never_upgraded_says_so(tmp_path: Path) -> None:
    result = status(tmp_path / "empty.db")
    assert result.returncode == 1
    assert "cercle db upgrade" in result.stdout
