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
from datetime import timedelta

from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from adapters.platforms import configured
from adapters.tuning import tune_interpreter
from bot.actions import Action
from bot.config import Secrets, Settings
from bot.core import Cercle
from bot.ports import Adapter
from bot.scheduler import Timekeeper
from storage.leadership import Leadership, report_process
from storage.models import PlatformSpace

log = logging.getLogger("cercle.run")


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

    async def report(self) -> None:
        """Tell `cercle status` this process is alive and which adapters it runs."""
        await report_process(
            self.core.db,
            self.name,
            ",".join(sorted(self.adapters)),
            self.core.clock.now(),
            self.started_at,
        )

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

    async def run(self) -> None:
        # Before the platforms connect: a first burst should not wait for SQLAlchemy to
        # compile the statements it needs.
        await asyncio.to_thread(self.core.db.prepare_statements)
        for adapter in self.adapters.values():
            await adapter.start(self.core)
        await self.report()
        await self.timekeeper.start()
        self.timekeeper.scheduler.add_job(
            self.report,
            IntervalTrigger(seconds=self.core.settings.scheduler.tick_seconds),
            id="cercle-process-status",
            coalesce=True,
            max_instances=1,
        )
        # Once the platforms are connected; see adapters.tuning and `[runtime]`.
        untune = tune_interpreter(self.core.settings.runtime)
        try:
            await self.stopped.wait()
        finally:
            untune()
            self.timekeeper.shutdown()
            if self.timekeeper.leadership is not None:
                await self.timekeeper.leadership.resign()
            for adapter in self.adapters.values():
                await adapter.stop()
