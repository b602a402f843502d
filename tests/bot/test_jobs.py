"""What falls due runs once, whoever calls `run_due`, and only once it is due."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select

from bot.actions import PostToChannel
from bot.jobs import JOB_KINDS, job_kind
from bot.scheduler import NEXT_JOB_ID, Timekeeper
from storage import jobs as job_store
from storage.communities import ensure_community
from storage.models import ScheduledJob

RUNS: list[str] = []


@pytest.fixture(autouse=True)
def announce_kind():
    @job_kind("test-announce")
    async def announce(core, session, community, job, now):  # type: ignore[no-untyped-def]
        RUNS.append(job.key)
        await asyncio.sleep(0)
        return [PostToChannel("console", None, text=f"due: {job.key}")]

    @job_kind("test-broken")
    async def broken(core, session, community, job, now):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    RUNS.clear()
    yield
    JOB_KINDS.pop("test-announce")
    JOB_KINDS.pop("test-broken")


async def schedule(core, key: str, due, kind: str = "test-announce") -> None:  # type: ignore[no-untyped-def]
    async with core.db.transaction() as session:
        community = await ensure_community(session, "console", "t", "t", core.clock.now())
        await job_store.schedule(session, community.id, kind, key, due)


async def test_a_job_runs_when_due_and_not_before(core, clock) -> None:
    await schedule(core, "digest:1", clock.now() + timedelta(hours=1))
    assert await core.run_due(clock.now()) == []
    clock.advance(timedelta(hours=2))
    delivered = await core.run_due(clock.now())
    assert [a.text for _, a in delivered] == ["due: digest:1"]
    assert await core.run_due(clock.now()) == []
    assert RUNS == ["digest:1"]


async def test_two_callers_at_once_run_a_job_once(core, clock) -> None:
    await schedule(core, "poll:3", clock.now())
    first, second = await asyncio.gather(core.run_due(clock.now()), core.run_due(clock.now()))
    assert len(first) + len(second) == 1
    assert RUNS == ["poll:3"]


async def test_scheduling_the_same_key_twice_keeps_one_job(core, clock) -> None:
    await schedule(core, "digest:w1", clock.now())
    await schedule(core, "digest:w1", clock.now())
    await core.run_due(clock.now())
    assert RUNS == ["digest:w1"]


async def test_a_failing_job_is_recorded_and_does_not_stop_the_others(core, clock) -> None:
    await schedule(core, "bad", clock.now(), kind="test-broken")
    await schedule(core, "good", clock.now())
    delivered = await core.run_due(clock.now())
    assert [a.text for _, a in delivered] == ["due: good"]
    async with core.db.transaction() as session:
        bad = await session.scalar(select(ScheduledJob).where(ScheduledJob.key == "bad"))
    assert bad is not None and bad.status == "failed" and "boom" in (bad.error or "")
    assert await core.run_due(clock.now()) == []  # a failed job is not retried in a loop


async def test_the_console_clock_runs_what_falls_due(console, core) -> None:
    await schedule(core, "reminder", core.clock.now() + timedelta(minutes=90))
    out = await console.play("after 1h")
    assert not any("due: reminder" in line for line in out)
    out = await console.play("after 1h")
    assert any("Cercle: due: reminder" in line for line in out)


async def test_the_scheduler_plans_a_wake_up_for_the_next_due_job(core, clock) -> None:
    delivered = []

    async def deliver(community_id, action):  # type: ignore[no-untyped-def]
        delivered.append(action)

    await schedule(core, "later", clock.now() + timedelta(hours=3))
    keeper = Timekeeper(core, deliver)
    await keeper.start()
    try:
        job = keeper.scheduler.get_job(NEXT_JOB_ID)
        assert job is not None
        assert job.next_run_time == clock.now() + timedelta(hours=3)
        assert keeper.scheduler.get_job("cercle-tick") is not None
        clock.advance(timedelta(hours=3))
        await keeper.wake()
        assert [a.text for a in delivered] == ["due: later"]
    finally:
        keeper.shutdown()


async def test_a_job_running_when_the_process_stops_ends_quietly(
    core, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    """APScheduler cancels a running job at shutdown (a digest's chart being drawn, a
    checkpoint): that is no failure of the job, and the log must not say it is one."""
    caplog.set_level(logging.INFO, logger="cercle.scheduler")
    started = asyncio.Event()

    async def long_work() -> None:
        started.set()
        await asyncio.Event().wait()

    async def deliver(community_id, action):  # type: ignore[no-untyped-def]
        pass

    keeper = Timekeeper(core, deliver)
    await keeper.start()
    # APScheduler runs on the machine's clock, not the core's.
    keeper.add_job(long_work, DateTrigger(run_date=datetime.now(UTC)), misfire_grace_time=None)
    try:
        await asyncio.wait_for(started.wait(), 10)
    finally:
        keeper.shutdown()
    await asyncio.sleep(0.1)  # the cancelled job's end, and APScheduler's word on it
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == []
    assert "long_work stopped with the process" in caplog.text
