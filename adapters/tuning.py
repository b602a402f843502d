"""Process-wide interpreter tuning for `cercle run`, as `[runtime]` in the config says.

A busy server sends bursts of thousands of events; the runtime works through them on one
event loop. Two settings of Python's garbage collector change what a burst costs, and
each is applied only if its `[runtime]` switch is on:

- `gc_freeze`: what is loaded once the platforms are connected (modules, SQLAlchemy's
  metadata and compiled statements, the platform clients) lives as long as the process,
  so the garbage collector stops walking it in every full collection;
- `gc_young_threshold`: a burst's events, entries and rows are many small objects that
  live for one batch; with Python's default threshold (700) the youngest generation is
  collected every few hundred of them and each survivor is walked again later.

Each was measured with `python -m benchmarks.discord_bench --tuning` (Cercle's rate with
it left out, in the same rounds): both together are worth about a fifth of the Discord
live path's rate. A shorter thread switch interval (1 ms instead of 5, for SQLite's
thread) was measured too, and dropped: its gain was within the machine's noise.

`tune_interpreter` returns what undoes it, so a process (or a test) that runs Cercle and
then something else gets Python's own settings back.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from bot.config import RuntimeSettings

GC_YOUNG_THRESHOLD = 20_000  # container objects allocated between young collections


def tune_interpreter(settings: RuntimeSettings) -> Callable[[], None]:
    """Apply the tunings `settings` turns on; returns a function that undoes them."""
    threshold = gc.get_threshold()
    if settings.gc_freeze:
        gc.freeze()
    if settings.gc_young_threshold:
        gc.set_threshold(GC_YOUNG_THRESHOLD, *threshold[1:])

    def undo() -> None:
        if settings.gc_freeze:
            gc.unfreeze()
        gc.set_threshold(*threshold)

    return undo
