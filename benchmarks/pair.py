"""Two Cercle processes ingesting at once into one database (`python -m benchmarks.run`
starts them; this module is what each of them runs).

Each process is a real OS process (spawned, nothing shared with the parent but the
database URL) running its own `Cercle` core on the same database. They are fed
overlapping parts of one event stream: the first process events [0, 2/3), the second
[1/3, 1), so a third of the events is delivered twice, to two processes, as a platform
retry or a misrouted shard would. Both wait at a barrier after their setup (imports,
event generation) and time only the ingestion; the wall time of the pair is from the
first start to the last finish. The parent then compares what they left in the database
with what one process left from the same stream.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import resource
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from benchmarks.workload import INGEST_START, batches, message_stream


@dataclass(frozen=True)
class Share:
    """What one of the two processes ingests."""

    url: str
    space_id: str
    members: int
    events: int
    seed: int
    first: int  # index of its first event in the stream
    stop: int  # index past its last event
    batch: int


@dataclass
class Done:
    """What one process reports back."""

    share: Share
    began: float  # time.monotonic(), comparable between processes on one machine
    ended: float
    errors: int
    first_error: str | None
    peak_rss_mib: float
    statements: int  # SQL statements the core sent while ingesting

    @property
    def seconds(self) -> float:
        return self.ended - self.began

    @property
    def events(self) -> int:
        return self.share.stop - self.share.first


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
            self.first = message[:300]


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


async def _ingest(share: Share, barrier: Any, errors: _Errors) -> Done:
    from sqlalchemy import event

    from bot.clock import ManualClock
    from bot.config import Settings
    from bot.core import Cercle
    from storage.db import Database

    stream = message_stream(
        space_id=share.space_id,
        members=share.members,
        count=share.events,
        start=INGEST_START,
        seed=share.seed,
    )[share.first : share.stop]
    db = Database(share.url)
    core = Cercle(db, Settings(), ManualClock(INGEST_START))
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        barrier.wait(timeout=300)
        began = time.monotonic()
        for batch in batches(stream, share.batch):
            await core.handle_many(batch)
        ended = time.monotonic()
    finally:
        await db.dispose()
    return Done(share, began, ended, errors.count, errors.first, _peak_rss_mib(), statements[0])


def work(share: Share, barrier: Any, sender: Connection) -> None:
    """The entry point of each of the two processes."""
    errors = _Errors()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger().addHandler(errors)
    try:
        sender.send(asyncio.run(_ingest(share, barrier, errors)))
    except BaseException as error:
        sender.send(f"{type(error).__name__}: {error}")
        raise
    finally:
        sender.close()


def run_pair(shares: tuple[Share, Share], timeout: float = 600) -> list[Done | str]:
    """Run the two shares in two spawned processes at once; a string reports a failure."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(shares))
    processes = []
    receivers = []
    for share in shares:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=work, args=(share, barrier, sender), daemon=True)
        process.start()
        sender.close()
        processes.append(process)
        receivers.append(receiver)
    results: list[Done | str] = []
    deadline = time.monotonic() + timeout
    for process, receiver in zip(processes, receivers, strict=True):
        try:
            if receiver.poll(max(0.0, deadline - time.monotonic())):
                results.append(receiver.recv())
            else:
                results.append("timed out")
                process.kill()
        except EOFError:
            results.append(f"exited with code {process.exitcode} before reporting")
        process.join(10)
    return results
