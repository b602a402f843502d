"""Process-wide interpreter tuning for `cercle run`, as `[runtime]` in the config says.

A busy server sends bursts of thousands of events; the runtime works through them on one
event loop while SQLite runs on a thread of its own. Three settings of the interpreter
change what a burst costs, and each is applied only if its `[runtime]` switch is on:

- `gc_freeze`: what is loaded once the platforms are connected (modules, SQLAlchemy's
  metadata and compiled statements, the platform clients) lives as long as the process,
  so the garbage collector stops walking it in every full collection;
- `gc_young_threshold`: a burst's events, entries and rows are many small objects that
  live for one batch; with Python's default threshold (700) the youngest generation is
  collected every few hundred of them and each survivor is walked again later;
- `switch_interval`: the SQLite thread needs the interpreter each time it takes a
  statement or hands back a result, and would wait up to Python's default 5 ms each time.

`tune_interpreter` returns what undoes it, so a process (or a test) that runs Cercle and
then something else gets Python's own settings back.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

from bot.config import RuntimeSettings

GC_YOUNG_THRESHOLD = 20_000  # container objects allocated between young collections
SWITCH_INTERVAL = 0.001  # seconds


def tune_interpreter(settings: RuntimeSettings) -> Callable[[], None]:
    """Apply the tunings `settings` turns on; returns a function that undoes them."""
    threshold = gc.get_threshold()
    interval = sys.getswitchinterval()
    if settings.gc_freeze:
        gc.freeze()
    if settings.gc_young_threshold:
        gc.set_threshold(GC_YOUNG_THRESHOLD, *threshold[1:])
    if settings.switch_interval:
        sys.setswitchinterval(SWITCH_INTERVAL)

    def undo() -> None:
        if settings.gc_freeze:
            gc.unfreeze()
        gc.set_threshold(*threshold)
        sys.setswitchinterval(interval)

    return undo
