"""What `cercle run` says of its own health, where an operator looks for it.

`/healthz` (served on `health.host`:`health.port` when a port is set) says whether the
process's parts work: the database (asked `SELECT 1` on each request, and whether the
intake could write lately), and each platform (connected, or why not: connecting again,
or refused for good). It answers 200 with `"status": "ok"` when all of them do, else 503
with `"degraded"`, with each platform's intake: events waiting, events in the journal,
and since when and why the database is unavailable. The same report (without the
database question) is written every few seconds to a file in the journal folder
(`ingest.journal`), which `cercle status` reads: during an outage the process cannot say
so in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot import batching
from bot.journal import read_frames

log = logging.getLogger("cercle.run")

EVERY = 2.0  # seconds between two reports written for `cercle status`
FRESH = 30.0  # a report older than this is from a process that is gone


# Each platform's name, and None while it is connected, else why it is not.
Connections = Callable[[], Awaitable[dict[str, str | None]]]
# None while the database answers, else why it does not.
DatabaseProbe = Callable[[], Awaitable[str | None]]


def snapshot(platforms: dict[str, str | None], database: str | None = None) -> dict[str, Any]:
    """The report: `platforms` as `Connections` gives them, `database` as the probe
    said (None: it answered, or was not asked)."""
    intake = batching.health()
    if database is None:
        database = next(
            (
                entry.get("error") or "unavailable"
                for entry in intake
                if entry["database_unavailable_since"] is not None
            ),
            None,
        )
    healthy = database is None and all(why is None for why in platforms.values())
    return {
        "status": "ok" if healthy else "degraded",
        "process": f"{socket.gethostname()}:{os.getpid()}",
        "database": {"reachable": True} if database is None else _down("reachable", database),
        "platforms": {
            name: {"connected": True} if why is None else _down("connected", why)
            for name, why in sorted(platforms.items())
        },
        "intake": intake,
        "at": time.time(),
    }


def _down(flag: str, why: str) -> dict[str, Any]:
    return {flag: False, "error": why}


class HealthReporter:
    """Serves `/healthz` and keeps the report file of this process up to date."""

    def __init__(
        self,
        platforms: Connections,
        folder: str | Path,
        host: str,
        port: int | None,
        database: DatabaseProbe | None = None,
    ) -> None:
        self.platforms = platforms
        self.database = database
        self.folder = Path(folder)
        self.file = self.folder / f"health-{socket.gethostname()}-{os.getpid()}.json"
        self.host, self.port = host, port
        self._runner: web.AppRunner | None = None
        self._task: asyncio.Task[None] | None = None

    async def healthz(self, _request: web.Request) -> web.Response:
        database = await self.database() if self.database is not None else None
        report = snapshot(await self.platforms(), database)
        return web.json_response(report, status=200 if report["status"] == "ok" else 503)

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._write_loop())
        if self.port is None:
            return
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("health report at http://%s:%s/healthz", self.host, self.port)

    async def _write_loop(self) -> None:
        while True:
            report = json.dumps(snapshot(await self.platforms()))
            try:
                # A write can wait for the disk (the database's own syncs share it): on a
                # thread, so the members' commands never wait behind it.
                await asyncio.to_thread(self._write, report)
            except OSError:
                log.debug("could not write %s", self.file, exc_info=True)
            await asyncio.sleep(EVERY)

    def _write(self, report: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.file.write_text(report)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
        with contextlib.suppress(OSError):
            self.file.unlink()


def status_lines(folder: str | Path) -> list[str]:
    """What `cercle status` says of the running processes' intake and of journals left."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    lines: list[str] = []
    for path in sorted(folder.glob("health-*.json")):
        with contextlib.suppress(OSError, ValueError):
            if time.time() - path.stat().st_mtime > FRESH:
                continue
            report = json.loads(path.read_text())
            for name, state in (report.get("platforms") or {}).items():
                said = (
                    "connected"
                    if state.get("connected")
                    else f"NOT CONNECTED ({state.get('error')})"
                )
                lines.append(f"platform   {report['process']} {name}: {said}")
            for entry in report.get("intake", []):
                entry["reported_at"] = report.get("at")
                lines.append(f"intake     {report['process']} {entry['platform']}: {_said(entry)}")
    writers = {p.name for p in folder.glob("health-*.json")}
    left = 0
    for path in folder.glob("*.journal"):
        pid = path.name.split("-")[-2] if path.name.count("-") >= 2 else ""
        if any(pid and w.endswith(f"-{pid}.json") for w in writers):
            continue  # a running process's own journal, counted in its intake line
        with contextlib.suppress(Exception):
            left += sum(1 for _ in read_frames(path))
    if left:
        lines.append(
            f"journal    {left} events left by a stopped process: scored at the next start"
        )
    return lines


def _said(entry: dict[str, Any]) -> str:
    down_for = entry.get("database_unavailable_for")
    waiting = f"{entry['waiting']} events waiting ({entry['journaled']} in the journal)"
    if down_for is None:
        return f"database answering; {waiting}"
    reported = entry.get("reported_at") or time.time()
    start = datetime.fromtimestamp(reported - down_for, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"DATABASE UNAVAILABLE since {start} UTC ({entry.get('error') or '?'}); {waiting}"
