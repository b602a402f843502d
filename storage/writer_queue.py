"""The queue that the SQLite writers of several processes wait in: an operating-system
file lock beside the database file, taken before SQLite's own write lock and given back
after the commit.

SQLite's busy handler waits for the write lock by sleeping between tries, for up to
100 ms at a time. So a process that commits and begins again at once can keep the lock
for as long as it has work, while another process sleeps through every short gap between
its transactions. It waits until its busy timeout, then gets "database is locked". Two
processes ingesting one stream were seen doing exactly that. A process blocked on a file
lock is woken the moment the lock is released, before the holder can take it again, so
the writers of two processes take turns.

The lock is advisory: a process that does not take it (another program, or a Cercle
that cannot create the file in a read-only directory) is still kept out by SQLite's own
lock, as before.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
from pathlib import Path

from sqlalchemy.engine import make_url

SUFFIX = "-writers"


def queue_path(url: str) -> Path | None:
    """The lock file of an SQLite database file (None for a database in memory)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if parsed.query.get("mode") == "memory" or database.startswith("file::memory:"):
        return None
    return Path(database + SUFFIX)


class WriterQueue:
    """Taking and giving back the file lock of one database, for one process."""

    def __init__(self, path: Path, patience: float) -> None:
        self.path = path
        self.patience = patience  # seconds a writer waits in the queue (the busy timeout)

    async def take(self) -> int | None:
        """Wait for the lock, at most `patience` seconds; the descriptor that holds it, or
        None when it could not be taken (the file cannot be opened, or the wait timed out:
        SQLite's own lock then decides)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd  # nobody else writing: no thread needed
        except BlockingIOError:
            pass
        except OSError:
            os.close(fd)
            return None
        return await self._wait(fd)

    async def _wait(self, fd: int) -> int | None:
        # A blocking flock cannot be interrupted: when the caller stops waiting, the
        # thread still gets the lock later and must give it back at once.
        guard = threading.Lock()
        state = {"held": False, "abandoned": False}

        def block() -> None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:
                with guard:
                    state["abandoned"] = True
                os.close(fd)
                return
            with guard:
                if not state["abandoned"]:
                    state["held"] = True
                    return
            os.close(fd)

        waiting = asyncio.get_running_loop().run_in_executor(None, block)
        try:
            await asyncio.wait_for(asyncio.shield(waiting), self.patience)
        except BaseException as error:
            with guard:
                held = state["held"]
                state["abandoned"] = not held
            timed_out = isinstance(error, TimeoutError)
            if held and timed_out:
                return fd  # taken just as the time ran out
            if held:
                os.close(fd)
            if timed_out:
                return None
            raise
        with guard:
            return fd if state["held"] else None

    @staticmethod
    def give_back(fd: int) -> None:
        os.close(fd)  # closing the descriptor releases its lock
