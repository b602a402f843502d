"""Group commit for platform activity, used by every adapter: events that arrive together
share one transaction.

The platform's reader (Discord's gateway, Slack's event listeners, the console's lines)
only appends (never awaits the database), so a gateway heartbeat is never held up by a
slow commit. One task drains what waits: it takes it all, waits at most `window` seconds
for more (tens of milliseconds), and hands the batch to `flush`, one call per platform
space in arrival order. While a batch commits, the next one gathers; a batch that finds
events already waiting (a backlog) goes at once. `idle()` says when everything put so
far has been handled, which is how shutdown and tests wait for the platform to settle.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from bot.events import Event

log = logging.getLogger("cercle.activity")

Flush = Callable[[str, Sequence[Event]], Awaitable[None]]


class ActivityBatcher:
    # A quiet server's batches are a few events (the window closes first); under a burst
    # the events wait while a batch commits, and the next batch takes all that is waiting
    # (up to `max_batch`) at once, so a member who posted several times costs one counter
    # update, one rank review, one day mark per batch.
    def __init__(
        self, flush: Flush, window: float = 0.02, max_batch: int = 20000, name: str = "platform"
    ) -> None:
        self.flush = flush
        self.name = name
        self.window = window
        self.max_batch = max_batch
        # A plain deque and a wake-up event: the gateway reader appends thousands of
        # events a second, and an asyncio.Queue costs more per event than the append.
        self._waiting: deque[Event] = deque()
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._pending = 0  # events queued or being handled
        self._idle = asyncio.Event()
        self._idle.set()
        self.batches = 0  # how many transactions the activity took (for the benchmark)

    def start(self) -> None:
        if self._task is None:
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._run(), name=f"{self.name}-activity")

    def put(self, event: Event) -> None:
        if self._task is None:
            self.start()
        self._pending += 1
        self._idle.clear()
        self._waiting.append(event)
        self._arrived.set()

    async def idle(self) -> None:
        """Wait until everything queued so far is committed (tests, shutdown)."""
        await self._idle.wait()

    async def stop(self) -> None:
        await self.idle()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def _take(self, batch: list[Event]) -> None:
        waiting = self._waiting
        room = self.max_batch - len(batch)
        if len(waiting) <= room:
            batch.extend(waiting)
            waiting.clear()
        else:
            batch.extend(waiting.popleft() for _ in range(room))
        if not waiting:
            self._arrived.clear()

    async def _gather(self) -> list[Event]:
        while not self._waiting:
            await self._arrived.wait()
        batch: list[Event] = []
        self._take(batch)
        if len(batch) > 1:
            return batch  # a backlog: what waited is what arrived together
        # One event on a quiet server: the others of its moment arrive within the window.
        deadline = time.monotonic() + self.window
        while len(batch) < self.max_batch:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                break
            self._take(batch)
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._gather()
            try:
                by_space: dict[str, list[Event]] = {}
                for event in batch:  # order is kept within each space
                    by_space.setdefault(event.space_id, []).append(event)
                for space_id, events in by_space.items():
                    self.batches += 1
                    try:
                        await self.flush(space_id, events)
                    except Exception:
                        log.exception(
                            "could not handle %d %s events of space %s",
                            len(events),
                            self.name,
                            space_id,
                        )
            finally:
                self._pending -= len(batch)
                if self._pending == 0:
                    self._idle.set()
