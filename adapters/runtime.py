"""`cercle run`: one process, one event loop, every configured adapter plus the scheduler.

Each adapter connects its platform and feeds events to the shared core; the scheduler
(APScheduler) wakes `run_due` and this module hands each resulting action to the adapter
of the platform the community is on. The core never knows which adapters are running.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from sqlalchemy import select

from bot.actions import Action
from bot.core import Cercle
from bot.scheduler import Timekeeper
from storage.models import PlatformSpace

log = logging.getLogger("cercle.run")


class Adapter(Protocol):
    platform: str

    async def start(self, core: Cercle) -> None:
        """Connect to the platform and start feeding events to the core."""
        ...

    async def deliver(self, space_id: str, action: Action) -> None:
        """Carry out an action decided outside any event (a scheduled post)."""
        ...

    async def stop(self) -> None: ...


class Runtime:
    def __init__(self, core: Cercle, adapters: list[Adapter]) -> None:
        self.core = core
        self.adapters = {adapter.platform: adapter for adapter in adapters}
        self.timekeeper = Timekeeper(core, self.deliver)
        self.stopped = asyncio.Event()

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
        for adapter in self.adapters.values():
            await adapter.start(self.core)
        await self.timekeeper.start()
        try:
            await self.stopped.wait()
        finally:
            self.timekeeper.shutdown()
            for adapter in self.adapters.values():
                await adapter.stop()
