"""Group commit for gateway activity: events that arrive together share one transaction.

The gateway reader only appends to a queue (never awaits the database), so the heartbeat
is never held up by a slow commit. One task drains the queue: it takes what is waiting,
waits at most `window` seconds for more (tens of milliseconds), and hands the batch to
the core, one `handle_many` per guild. While a batch commits, the next one gathers; a
batch that finds events already waiting (a backlog) goes at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from bot.events import Event

log = logging.getLogger("cercle.discord")

Flush = Callable[[str, Sequence[Event]], Awaitable[None]]


class Batcher:
    # A quiet server's batches are a few events (the window closes first); under a burst
    # the events wait while a batch commits, and the next batch takes all that is waiting
    # (up to `max_batch`) at once, so a member who posted several times costs one counter
    # update, one rank review, one day mark per batch.
    def __init__(self, flush: Flush, window: float = 0.02, max_batch: int = 20000) -> None:
        self.flush = flush
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
            self._task = asyncio.get_running_loop().create_task(self._run(), name="discord-batch")

    def put(self, event: Event) -> None:
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
                by_guild: dict[str, list[Event]] = {}
                for event in batch:  # order is kept within each guild
                    by_guild.setdefault(event.space_id, []).append(event)
                for space_id, events in by_guild.items():
                    self.batches += 1
                    try:
                        await self.flush(space_id, events)
                    except Exception:
                        log.exception(
                            "could not handle %d events of guild %s", len(events), space_id
                        )
            finally:
                self._pending -= len(batch)
                if self._pending == 0:
                    self._idle.set()
