"""`cercle run`: one process, one event loop, every configured adapter plus the scheduler.

Each adapter connects its platform and feeds events to the shared core; the scheduler
(APScheduler) wakes `run_due` and this module hands each resulting action to the adapter
of the platform the community is on. Adapters are what `bot.ports.Adapter` declares; the
core knows them only through `attach` (message reading, notices).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select, text

from adapters.health import HealthReporter
from adapters.platforms import configured
from adapters.tuning import tune_interpreter
from bot import drawing, i18n
from bot.actions import Action
from bot.config import Secrets, Settings
from bot.core import Cercle
from bot.ports import Adapter, ReportsConnection, StopsOnFailure
from bot.scheduler import Timekeeper
from bot.text import shorten
from storage.db import unavailable
from storage.diagnosis import unreachable_reason
from storage.leadership import Leadership, report_process
from storage.models import PlatformSpace

log = logging.getLogger("cercle.run")
DATABASE_PROBE_SECONDS = 3  # `/healthz` calls the database unreachable past this
CHECKPOINT_SECONDS = 1.0  # SQLite: how often the write-ahead log is copied (storage.db)
# SQLite: pages of the write-ahead log left uncopied (about 100 MB of 4 KiB pages) past
# which the log says that a read holds the copy up.
LOG_HELD_PAGES = 25_000


def platform_adapters(settings: Settings, secrets: Secrets) -> list[Adapter]:
    """The adapters of the registered platforms whose credentials are set (see
    `adapters.platforms`); each platform package is imported only when it is built."""
    return [platform.build(settings, secrets) for platform in configured(settings, secrets)]


class Runtime:
    def __init__(self, core: Cercle, adapters: list[Adapter]) -> None:
        self.core = core
        self.adapters = {adapter.platform: adapter for adapter in adapters}
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        takeover = timedelta(seconds=core.settings.scheduler.leader_takeover_seconds)
        self.timekeeper = Timekeeper(core, self.deliver, Leadership(core.db, self.name, takeover))
        self.stopped = asyncio.Event()
        self.started_at = core.clock.now()
        self.down: dict[str, str] = {}  # platform -> why its connection ended for good
        self.exit_reason: str | None = None  # set when no platform is left running
        self.log_held = False  # SQLite: a read keeps the write-ahead log from being copied

    async def report(self) -> None:
        """Tell `cercle status` this process is alive and which adapters it runs."""
        states = [
            f"{name} (down: {shorten(self.down[name], 60)})" if name in self.down else name
            for name in sorted(self.adapters)
        ]
        await report_process(
            self.core.db,
            self.name,
            shorten(",".join(states), 200),
            self.core.clock.now(),
            self.started_at,
        )

    async def connections(self) -> dict[str, str | None]:
        """Each platform: None while it is connected, else why not (for `/healthz`)."""
        states: dict[str, str | None] = {}
        for name, adapter in self.adapters.items():
            if name in self.down:
                states[name] = self.down[name]
                continue
            try:
                up = not isinstance(adapter, ReportsConnection) or await adapter.connected()
            except Exception as error:  # a health question never takes the process down
                log.debug("could not ask %s whether it is connected", name, exc_info=True)
                up, states[name] = False, f"unknown ({type(error).__name__})"
                continue
            states[name] = None if up else "not connected (connecting)"
        return states

    async def database_answers(self) -> str | None:
        """None when the database answers `SELECT 1` within a few seconds, else why not."""
        try:
            async with asyncio.timeout(DATABASE_PROBE_SECONDS):
                async with self.core.db.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except TimeoutError:
            return f"no answer within {DATABASE_PROBE_SECONDS} s"
        except Exception as error:
            return unreachable_reason(error) or type(error).__name__
        return None

    async def checkpoint(self) -> None:
        """Copy SQLite's write-ahead log into the database file (`Database.checkpoint`)."""
        try:
            done = await self.core.db.checkpoint()
        except Exception as error:
            if not unavailable(error):
                raise
            # A locked or read-only file: the batcher already says so, once per outage,
            # and the next second tries again.
            log.debug("checkpoint skipped: %s", error)
            return
        if done is not None:
            self._watch_log(*done)

    def _watch_log(self, logged: int, copied: int) -> None:
        """Say once when a read has kept the log from being copied for long, and once when
        it is copied again: while a read's snapshot is older than what the log holds, none
        of it after that point can be copied, and the file grows with every commit (a
        statement that ran for minutes once grew it to gigabytes)."""
        held = logged - copied
        if held >= LOG_HELD_PAGES and not self.log_held:
            self.log_held = True
            log.warning(
                "SQLite's write-ahead log holds %d pages that cannot be copied into the "
                "database: a read has been open since before them (a long report, or "
                "another process reading the file); the log grows until it ends",
                held,
            )
        elif held == 0 and self.log_held:
            self.log_held = False
            log.warning("SQLite's write-ahead log is copied into the database again")

    async def deliver(self, community_id: int, action: Action) -> None:
        """Send a scheduled action to every running platform the community is on."""
        platform = getattr(action, "platform", None)
        async with self.core.db.transaction() as session:
            spaces = (
                await session.execute(
                    select(PlatformSpace.platform, PlatformSpace.space_id).where(
                        PlatformSpace.community_id == community_id
                    )
                )
            ).all()
        for space_platform, space_id in spaces:
            adapter = self.adapters.get(space_platform)
            if adapter is not None and platform in (None, space_platform):
                await adapter.deliver(space_id, action)

    async def _watch(self, adapter: StopsOnFailure) -> None:
        """When a platform's connection ends for good: say so; stop when none is left."""
        reason = await adapter.failure()
        platform = getattr(adapter, "platform", "?")
        self.down[platform] = reason
        if set(self.down) >= set(self.adapters):  # `cercle run` exits and says why, once
            self.exit_reason = "; ".join(self.down.values())
            self.stopped.set()
            return
        log.error("%s is not connected, the other platforms go on: %s", platform, reason)
        await self.report()

    async def run(self) -> None:
        # Before the platforms connect: a first burst should not wait for SQLAlchemy to
        # compile the statements it needs.
        await asyncio.to_thread(self.core.db.prepare_statements)
        await asyncio.to_thread(i18n.load)  # nor the first command for the catalogs
        for adapter in self.adapters.values():
            await adapter.start(self.core)
        watchers = [
            asyncio.create_task(self._watch(adapter), name=f"watch-{adapter.platform}")
            for adapter in self.adapters.values()
            if isinstance(adapter, StopsOnFailure)
        ]
        await self.report()
        # The process's own jobs and /healthz come before the first run of what is due:
        # after a restart on a Monday morning that run builds every community's digest,
        # and neither the log's copy nor the health answer should wait for it.
        self.timekeeper.add_job(
            self.report,
            IntervalTrigger(seconds=self.core.settings.scheduler.tick_seconds),
            id="cercle-process-status",
            coalesce=True,
            max_instances=1,
        )
        if self.core.db.dialect == "sqlite":
            self.timekeeper.add_job(
                self.checkpoint,
                IntervalTrigger(seconds=CHECKPOINT_SECONDS),
                id="cercle-wal-checkpoint",
                coalesce=True,
                max_instances=1,
            )
        settings = self.core.settings
        health = HealthReporter(
            self.connections,
            settings.ingest.journal,
            settings.health.host,
            settings.health.port,
            self.database_answers,
        )
        await health.start()
        site = None
        untune: Callable[[], None] | None = None
        try:
            if settings.web.port is not None:  # the community's web page, in this same loop
                from adapters.web.server import WebServer

                site = WebServer(settings.web)
                await site.start(self.core)
            await self.timekeeper.start()
            # Once the platforms are connected; see adapters.tuning and `[runtime]`.
            untune = tune_interpreter(self.core.settings.runtime)
            await self.stopped.wait()
        finally:
            for watcher in watchers:
                watcher.cancel()
            await health.stop()
            if site is not None:
                await site.stop()
            if untune is not None:
                untune()
            self.timekeeper.shutdown()
            if self.timekeeper.leadership is not None:
                await self.timekeeper.leadership.resign()
            for adapter in self.adapters.values():
                await adapter.stop()
            drawing.stop()
