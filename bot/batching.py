"""Group commit for platform activity, used by every adapter: events that arrive together
share one transaction.

The platform's reader (Discord's gateway, Slack's event listeners, the console's lines)
only appends (never awaits the database), so a gateway heartbeat is never held up by a
slow commit. One task drains what waits: it takes it all, waits at most `window` seconds
for more (tens of milliseconds), and hands the batch to `flush`, one call per platform
space in arrival order. While a batch commits, the next one gathers; a batch that finds
events already waiting (a backlog) goes at once. `idle()` says when everything put so
far has been handled, which is how shutdown and tests wait for the platform to settle.

When the database does not answer (`DatabaseUnavailable`: locked past its busy timeout,
read-only, restarting), the batch is kept and tried again with a growing pause (up to
`RETRY_MAX` seconds) until it is committed; what arrives meanwhile waits in memory up to
`memory_events`, then in the journal (bot.journal), and is scored in arrival order once
the database is back. The log says so once when an outage starts and once when it ends,
and `health()` tells `/healthz` and `cercle status` how much is waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.errors import DatabaseUnavailable
from bot.events import Event
from bot.journal import Journal

__all__ = ["ActivityBatcher", "Journal", "health"]

log = logging.getLogger("cercle.activity")

Flush = Callable[[str, Sequence[Event]], Awaitable[None]]

RETRY_FIRST = 0.05  # seconds before a batch the database refused is tried again
RETRY_MAX = 5.0  # the pause between tries grows to this
STOP_WAIT = 2.0  # seconds `stop` waits for the database during an outage before journaling
_RUNNING: weakref.WeakSet[ActivityBatcher] = weakref.WeakSet()


def health() -> list[dict[str, Any]]:
    """Each running batcher's state: events waiting, journaled, and an outage if any."""
    return [batcher.state() for batcher in sorted(_RUNNING, key=lambda b: b.name)]


class ActivityBatcher:
    # A quiet server's batches are a few events (the window closes first); under a burst
    # the events wait while a batch commits, and the next batch takes all that is waiting
    # (up to `max_batch`) at once, so a member who posted several times costs one counter
    # update, one rank review, one day mark per batch.
    def __init__(
        self,
        flush: Flush,
        window: float = 0.02,
        max_batch: int = 20000,
        name: str = "platform",
        journal: Journal | None = None,
        memory_events: int = 20000,
    ) -> None:
        self.flush = flush
        self.journal = journal
        self.memory_events = memory_events
        self.outage_since: float | None = None  # when the database stopped (monotonic)
        self.outage_error = ""
        self._spilling = False  # new events go to the journal until it is read back
        self._inflight: list[Event] = []
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
            _RUNNING.add(self)
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._run(), name=f"{self.name}-activity")
            if self.journal is not None:  # what a process that died had journaled
                for path, events in self.journal.orphans():
                    for event in events:
                        self.put(event)
                    self.journal.read_back.append(path)

    def put(self, event: Event) -> None:
        if self._task is None:
            self.start()
        self._pending += 1
        self._idle.clear()
        if self.journal is not None and (
            self._spilling
            or (self.outage_since is not None and len(self._waiting) >= self.memory_events)
        ):
            try:
                self.journal.append(event)
                self._spilling = True
            except OSError:
                log.exception("could not write the %s journal; keeping it in memory", self.name)
                self._waiting.append(event)
        else:
            self._waiting.append(event)
        self._arrived.set()

    def state(self) -> dict[str, Any]:
        journaled = self.journal.written if self.journal is not None else 0
        return {
            "platform": self.name,
            "waiting": self._pending,
            "journaled": journaled,
            # Seconds since the database stopped answering (None: it answers).
            "database_unavailable_since": self.outage_since,
            "database_unavailable_for": None
            if self.outage_since is None
            else round(time.monotonic() - self.outage_since, 1),
            "error": self.outage_error or None,
        }

    async def idle(self) -> None:
        """Wait until everything queued so far is committed (tests, shutdown)."""
        await self._idle.wait()

    async def stop(self) -> None:
        # During an outage, wait a little for the database, then journal what waits so
        # that the next start scores it.
        while self._pending and not self._idle.is_set():
            if self.outage_since is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), STOP_WAIT)
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), 0.5)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        left = [*self._inflight, *self._waiting]
        if left and self.journal is not None:
            for event in left:
                self.journal.append(event)
            log.warning("%d %s events journaled for the next start", len(left), self.name)
        _RUNNING.discard(self)

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

    def _refill(self) -> None:
        """Bring the oldest journaled events back in line (after the memory's)."""
        if self.journal is None or not self._spilling or self._waiting:
            return
        self._waiting.extend(self.journal.take(self.max_batch))
        if not self.journal.written:
            self._spilling = False

    async def _gather(self) -> list[Event]:
        self._refill()
        while not self._waiting:
            await self._arrived.wait()
            self._arrived.clear()
            self._refill()
            if self._waiting:
                self._arrived.set()
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
            self._inflight = batch
            try:
                by_space: dict[str, list[Event]] = {}
                for event in batch:  # order is kept within each space
                    by_space.setdefault(event.space_id, []).append(event)
                for space_id, events in by_space.items():
                    self.batches += 1
                    await self._deliver(space_id, events)
            finally:
                self._inflight = []
                self._pending -= len(batch)
                if self._pending == 0:
                    self._idle.set()
                    if self.journal is not None:
                        self.journal.committed()

    async def _deliver(self, space_id: str, events: list[Event]) -> None:
        """Flush, and while the database does not answer, keep the batch and try again."""
        pause = RETRY_FIRST
        while True:
            try:
                await self.flush(space_id, events)
            except DatabaseUnavailable as error:
                self._outage(error)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_MAX)
                continue
            except Exception:
                log.exception(
                    "could not handle %d %s events of space %s", len(events), self.name, space_id
                )
            break
        if self.outage_since is not None:
            log.warning(
                "the database answers again after %.0f s: scoring the %d %s events kept",
                time.monotonic() - self.outage_since,
                self._pending,
                self.name,
            )
            self.outage_since, self.outage_error = None, ""

    def _outage(self, error: DatabaseUnavailable) -> None:
        """Said once per outage, not once per event or per try."""
        if self.outage_since is not None:
            return
        self.outage_since = time.monotonic()
        self.outage_error = str(error)[:300]
        log.error(
            "the database does not answer (%s): %d %s events are kept and will be scored "
            "when it does",
            self.outage_error,
            self._pending,
            self.name,
        )
