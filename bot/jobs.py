"""`run_due(now)`: the one function that runs whatever has fallen due.

What is due lives in the `scheduled_job` table. Each due job is first claimed in a
transaction of its own (a conditional UPDATE that only one caller can win, whichever the
process), then run by the handler registered for its kind, then marked done. Features
register their kinds with `@job_kind("...")`; APScheduler, the console's `after` and the
tests all just call `run_due` with their clock's time.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action
from bot.community import CommunityView
from bot.services import Services
from storage import communities as community_store
from storage import jobs as job_store
from storage import receipts
from storage.models import ScheduledJob

log = logging.getLogger("cercle.jobs")

JobHandler = Callable[
    [Services, AsyncSession, CommunityView, ScheduledJob, datetime], Awaitable[list[Action]]
]
JOB_KINDS: dict[str, JobHandler] = {}
# Called at the start of every `run_due`, each in a transaction of its own, to put in the
# table what should be there (e.g. the first digest of a community seen for the first time).
Planner = Callable[[Services, AsyncSession, datetime], Awaitable[None]]
PLANNERS: list[Planner] = []


def job_kind(kind: str) -> Callable[[JobHandler], JobHandler]:
    def register(handler: JobHandler) -> JobHandler:
        JOB_KINDS[kind] = handler
        return handler

    return register


def planner(plan: Planner) -> Planner:
    PLANNERS.append(plan)
    return plan


def payload(job: ScheduledJob) -> dict[str, Any]:
    return json.loads(job.payload or "{}")


class JobRunner:
    def __init__(self, core: Services) -> None:
        self.core = core
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    async def run_due(self, now: datetime) -> list[tuple[int, Action]]:
        for plan in PLANNERS:
            try:
                async with self.core.db.transaction() as session:
                    await plan(self.core, session, now)
            except Exception:
                log.exception("planning with %s failed", getattr(plan, "__name__", plan))
        async with self.core.db.transaction() as session:
            ids = await job_store.due_ids(session, now)
        results: list[tuple[int, Action]] = []
        for job_id in ids:
            async with self.core.db.transaction() as session:
                if not await job_store.claim(session, job_id, self.owner, now):
                    continue
            results += await self._run(job_id, now)
        return results

    async def _run(self, job_id: int, now: datetime) -> list[tuple[int, Action]]:
        try:
            async with self.core.db.transaction() as session:
                job = await job_store.get(session, job_id)
                assert job is not None
                handler = JOB_KINDS.get(job.kind)
                if handler is None:
                    raise LookupError(f"no handler for job kind {job.kind!r}")
                slug = await community_store.community_slug(session, job.community_id) or ""
                from bot.community import load_view

                community = await load_view(session, job.community_id, slug, self.core.settings)
                actions = await handler(self.core, session, community, job, now)
                await job_store.finish(session, job_id, now)
                return [(job.community_id, action) for action in actions]
        except Exception as error:
            log.exception("job %s failed", job_id)
            async with self.core.db.transaction() as session:
                await job_store.finish(session, job_id, now, error=repr(error)[:1000])
            return []


@planner
async def forget_old_receipts(core: Services, session: AsyncSession, now: datetime) -> None:
    """Interaction receipts are needed only while a platform may repeat a delivery."""
    await receipts.forget_old(session, now)
