"""APScheduler wiring for the live bot: it only decides *when* to call `run_due`.

What is due lives in Cercle's tables. At start the scheduler reads the next due time and
sets a date job for it, plus a tick every `scheduler.tick_seconds` as a safety net (a job
added by another process, a clock jump). Each job calls `core.run_due(now)` and hands the
resulting actions to `deliver`, which routes them to the adapters; jobs never talk to a
platform themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.actions import Action
from bot.core import Cercle
from storage import jobs as job_store

log = logging.getLogger("cercle.scheduler")

Deliver = Callable[[int, Action], Awaitable[None]]
NEXT_JOB_ID = "cercle-next-due"


class Timekeeper:
    def __init__(self, core: Cercle, deliver: Deliver) -> None:
        self.core = core
        self.deliver = deliver
        self.scheduler = AsyncIOScheduler(timezone="UTC")

    async def start(self) -> None:
        self.scheduler.add_job(
            self.wake,
            IntervalTrigger(seconds=self.core.settings.scheduler.tick_seconds),
            id="cercle-tick",
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.start()
        await self.wake()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def wake(self) -> None:
        """Run what is due now, then set the date job for whatever is due next."""
        now = self.core.clock.now()
        for community_id, action in await self.core.run_due(now):
            try:
                await self.deliver(community_id, action)
            except Exception:
                log.exception("could not deliver %r", action)
        await self.plan_next()

    async def plan_next(self) -> datetime | None:
        async with self.core.db.transaction() as session:
            due = await job_store.next_due(session)
        if due is not None:
            when = max(due, self.core.clock.now() + timedelta(seconds=1))
            self.scheduler.add_job(
                self.wake,
                DateTrigger(run_date=when),
                id=NEXT_JOB_ID,
                replace_existing=True,
                max_instances=1,
            )
        return due
