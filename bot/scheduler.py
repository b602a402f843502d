"""APScheduler wiring for the live bot: it only decides *when* to call `run_due`.

What is due lives in Cercle's tables. At start the scheduler reads the next due time and
sets a date job for it, plus a tick every `scheduler.tick_seconds` as a safety net (a job
added by another process, a clock jump). Each job calls `core.run_due(now)` and hands the
resulting actions to `deliver`, which routes them to the adapters; jobs never talk to a
platform themselves.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.actions import Action
from bot.core import Cercle
from storage import community_activity, question_tally, standings
from storage import jobs as job_store
from storage.db import unavailable
from storage.leadership import Leadership

log = logging.getLogger("cercle.scheduler")

Deliver = Callable[[int, Action], Awaitable[None]]
NEXT_JOB_ID = "cercle-next-due"
# How often PostgreSQL's pending board moves are folded into the board counts: often
# enough that a place is read from a few hundred rows at most, whatever the load.
FOLD_SECONDS = 1.0


class Timekeeper:
    """Runs the scheduler while this process leads (see storage.leadership); a follower
    tries to take over every few seconds, so a dead leader is replaced within
    `scheduler.leader_takeover_seconds`."""

    def __init__(
        self, core: Cercle, deliver: Deliver, leadership: Leadership | None = None
    ) -> None:
        self.core = core
        self.deliver = deliver
        self.leadership = leadership
        self.leading = leadership is None
        self.scheduler = AsyncIOScheduler(timezone="UTC")

    async def start(self) -> None:
        settings = self.core.settings.scheduler
        self.add_job(
            self.tick,
            IntervalTrigger(seconds=settings.tick_seconds),
            id="cercle-tick",
            coalesce=True,
            max_instances=1,
        )
        if self.leadership is not None:
            self.add_job(
                self.campaign,
                IntervalTrigger(seconds=max(1.0, settings.leader_takeover_seconds / 3)),
                id="cercle-leadership",
                coalesce=True,
                max_instances=1,
            )
        if self.core.db.dialect != "sqlite":
            self.add_job(
                self.fold_board_moves,
                IntervalTrigger(seconds=FOLD_SECONDS),
                id="cercle-board-fold",
                coalesce=True,
                max_instances=1,
            )
        self.core.on_schedule_change = self.plan_next
        self.scheduler.start()
        await self.campaign()

    def add_job(
        self, job: Callable[[], Awaitable[object]], trigger: BaseTrigger, **options: Any
    ) -> None:
        """Run `job` on `trigger` (APScheduler's `add_job` options)."""
        self.scheduler.add_job(_ending_quietly(job), trigger, **options)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def campaign(self) -> bool:
        """Take or keep the lead; on becoming leader, run whatever fell due meanwhile."""
        if self.leadership is None:
            await self.wake()
            return True
        was_leading = self.leading
        self.leading = await self.leadership.try_lead(self.core.clock.now())
        if self.leading and not was_leading:
            log.info("this process now runs the scheduler")
            await self.wake()
        return self.leading

    async def fold_board_moves(self) -> None:
        """Fold the board, question tally and activity moves written since the last fold
        (`storage.standings`, `storage.question_tally`, `storage.community_activity`)."""
        if not self.leading:
            return
        try:
            async with self.core.db.transaction() as session:
                await standings.fold(session)
                await question_tally.fold(session)
                await community_activity.fold(session)
        except Exception as error:
            # An outage is said once, by the path that scores events; places stay exact
            # meanwhile (readers add the moves not yet folded).
            if not unavailable(error):
                log.exception("could not fold the board counts")

    async def tick(self) -> None:
        if self.leading:
            await self.wake()

    async def wake(self) -> None:
        """Run what is due now, then set the date job for whatever is due next."""
        if not self.leading:
            return
        now = self.core.clock.now()
        for community_id, action in await self.core.run_due(now):
            try:
                await self.deliver(community_id, action)
            except Exception:
                log.exception("could not deliver %r", action)
        await self.plan_next()

    async def plan_next(self) -> datetime | None:
        if not self.leading:
            return None
        async with self.core.db.transaction() as session:
            due = await job_store.next_due(session)
        if due is not None:
            when = max(due, self.core.clock.now() + timedelta(seconds=1))
            self.add_job(
                self.wake,
                DateTrigger(run_date=when),
                id=NEXT_JOB_ID,
                replace_existing=True,
                max_instances=1,
            )
        return due


def _ending_quietly(job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    """`job`, ending quietly when the process stops while it runs: APScheduler cancels a
    running job at shutdown and logs the cancellation as the job's failure, with its
    traceback. Nothing is lost: what the job had not finished is still due at the next
    start (a digest is marked posted only once shown)."""

    @functools.wraps(job)
    async def run() -> None:
        try:
            await job()
        except asyncio.CancelledError:
            log.info("%s stopped with the process", getattr(job, "__qualname__", job))

    return run
