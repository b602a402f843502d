"""Where charts are drawn: in a process of its own, started for the first drawing and
stopped once no drawing has come for `IDLE_SECONDS`.

Drawing a digest's chart is a tenth of a second of pure Python and C work, and the first
one imports matplotlib (with Pillow and its fonts, 35 MiB). Drawn on a thread of the bot's
process, a chart held the interpreter's lock against the event loop (members' commands
waited behind it) and left matplotlib in the bot's memory for good: under a steady stream,
the week's first digest was a step of 35 MiB and a 150 ms pause of the garbage collector.
In a worker process the bot's memory stays what its own work needs, and a due run that
draws many communities' charts in a row starts the worker once.

If the worker dies (killed, out of memory), the next drawing starts another one; if no
process can be started at all (a sandbox without semaphores), charts are drawn on a thread
as before, and the log says so once.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

log = logging.getLogger("cercle.charts")

IDLE_SECONDS = 60.0
T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None
_idle: asyncio.TimerHandle | None = None
_drawing = 0  # drawings under way: the worker is not let go while there are any
_no_process = False


async def draw(work: Callable[..., T], *args: object) -> T:
    """`work(*args)` in the drawing process (a module-level function and picklable
    arguments), or on a thread where no process can be started."""
    global _no_process, _drawing
    if not _no_process:
        _drawing += 1
        _keep()
        try:
            for _ in range(2):  # a worker found dead is replaced once
                try:
                    pool = _worker()
                    return await asyncio.get_running_loop().run_in_executor(pool, work, *args)
                except BrokenProcessPool:
                    stop()
                except (OSError, NotImplementedError) as error:
                    log.warning("charts are drawn in the bot's process: %s", error)
                    stop()
                    _no_process = True
                    break
        finally:
            _drawing -= 1
            if _drawing == 0 and _pool is not None:
                _stop_when_idle()
    return await asyncio.to_thread(work, *args)


def stop() -> None:
    """Let the drawing process go (it ends once its drawing, if any, is done)."""
    global _pool
    _keep()
    if _pool is not None:
        _pool.shutdown(wait=False)
        _pool = None


def _worker() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # Spawned, not forked: the bot's process runs threads (the database's), which a
        # fork would copy in whatever state they were.
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def _keep() -> None:
    """Call off the idle timer, if one is set."""
    global _idle
    if _idle is not None:
        _idle.cancel()
        _idle = None


def _stop_when_idle() -> None:
    global _idle
    _keep()
    _idle = asyncio.get_running_loop().call_later(IDLE_SECONDS, stop)
