"""One process runs the scheduler; when it dies, another takes over and runs what fell
due, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.actions import PostToChannel
from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from bot.jobs import JOB_KINDS, job_kind
from bot.scheduler import Timekeeper
from storage import jobs as job_store
from storage.communities import ensure_community
from storage.db import Database
from storage.leadership import Leadership, leader

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
TAKEOVER = timedelta(seconds=30)


async def test_only_one_process_leads_and_another_takes_over_when_it_stops(
    database_url: Callable[..., str],
) -> None:
    url = database_url()
    first_db, second_db = Database(url), Database(url)
    first = Leadership(first_db, "host-a:1", TAKEOVER)
    second = Leadership(second_db, "host-b:2", TAKEOVER)
    try:
        assert await first.try_lead(NOW)
        assert not await second.try_lead(NOW)
        assert await first.try_lead(NOW + timedelta(seconds=10))  # renewing its lead
        held = await leader(first_db)
        assert held is not None and held.holder == "host-a:1"

        await first.resign()  # the process dies: its lock or lease is not renewed
        later = NOW + TAKEOVER + timedelta(seconds=11)
        assert await second.try_lead(later)
        held = await leader(second_db)
        assert held is not None and held.holder == "host-b:2" and held.since == later
        assert not await first.try_lead(later)
    finally:
        await first.resign()
        await second.resign()
        await first_db.dispose()
        await second_db.dispose()


async def test_a_new_leader_runs_what_fell_due_while_nobody_led_once(
    database_url: Callable[..., str],
) -> None:
    runs: list[str] = []

    @job_kind("test-takeover")
    async def announce(core, session, community, job, now):  # type: ignore[no-untyped-def]
        runs.append(job.key)
        return [PostToChannel("console", None, text="due")]

    url = database_url()
    dbs = [Database(url), Database(url)]
    clock = ManualClock(NOW)
    delivered: list[object] = []

    async def deliver(community_id: int, action: object) -> None:
        delivered.append(action)

    keepers = [
        Timekeeper(Cercle(db, Settings(), clock), deliver, Leadership(db, f"process-{i}", TAKEOVER))
        for i, db in enumerate(dbs)
    ]
    try:
        assert await keepers[0].campaign()
        assert not await keepers[1].campaign()
        async with dbs[0].transaction() as session:
            community = await ensure_community(session, "console", "t", "t", NOW)
            await job_store.schedule(
                session, community.id, "test-takeover", "digest:w10", NOW + timedelta(minutes=5)
            )
        await keepers[0].leadership.resign()  # type: ignore[union-attr]
        keepers[0].leading = False  # the leader died before the job fell due
        clock.advance(timedelta(minutes=10))
        await keepers[1].tick()  # a follower's tick does nothing
        assert runs == []
        assert await keepers[1].campaign()  # takes over and catches up at once
        assert runs == ["digest:w10"]
        await keepers[1].tick()
        assert runs == ["digest:w10"] and len(delivered) == 1
    finally:
        JOB_KINDS.pop("test-takeover")
        for keeper in keepers:
            keeper.shutdown()
            await keeper.leadership.resign()  # type: ignore[union-attr]
        for db in dbs:
            await db.dispose()
