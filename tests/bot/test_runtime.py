"""`cercle run` wiring: the scheduler wakes `run_due` and actions reach the right adapter."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from adapters.runtime import Runtime
from bot import i18n
from bot.actions import Action, PostToChannel
from bot.core import Cercle
from bot.jobs import JOB_KINDS, job_kind
from storage import jobs as job_store
from storage.communities import ensure_community


class RecordingAdapter:
    """A complete (if tiny) adapter: it keeps what it was asked to post."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.started = False
        self.catalogs_read = 0
        self.posts: list[tuple[str, Action]] = []

    async def start(self, core: Cercle) -> None:
        self.started = True
        self.catalogs_read = i18n.catalog.cache_info().currsize

    async def deliver(self, space_id: str, action: Action) -> None:
        self.posts.append((space_id, action))

    async def stop(self) -> None:
        self.started = False


async def run_until(runtime: Runtime, reached: Callable[[], bool]) -> None:
    """Run `runtime` until `reached()` (or a second), then stop it."""
    task = asyncio.create_task(runtime.run())
    for _ in range(100):
        if reached():
            break
        await asyncio.sleep(0.01)
    runtime.stopped.set()
    await task


async def test_due_work_reaches_the_platform_of_its_community(core, clock) -> None:
    @job_kind("test-runtime")
    async def post(core, session, community, job, now):  # type: ignore[no-untyped-def]
        return [PostToChannel("console", None, text="weekly digest")]

    try:
        async with core.db.transaction() as session:
            community = await ensure_community(session, "console", "acme", "acme", clock.now())
            await job_store.schedule(
                session, community.id, "test-runtime", "k1", clock.now() - timedelta(minutes=1)
            )
        console, slack = RecordingAdapter("console"), RecordingAdapter("slack")
        await run_until(Runtime(core, [console, slack]), lambda: bool(console.posts))
        assert [(space, a.text) for space, a in console.posts] == [("acme", "weekly digest")]
        assert slack.posts == []
        assert not console.started  # stopped cleanly
    finally:
        JOB_KINDS.pop("test-runtime")


async def test_the_catalogs_are_read_before_the_platforms_connect(core) -> None:
    # A running process's first command in each language does not wait for them.
    i18n.catalog.cache_clear()
    adapter = RecordingAdapter("console")
    await run_until(Runtime(core, [adapter]), lambda: adapter.started)
    assert adapter.catalogs_read == len(i18n.LOCALES)
