"""The digest's chart, measured alone: drawing time and the peak memory it adds.

The chart the digest benchmark built from its data (`bot.features.digests.cards.
activity_chart`) is drawn in a fresh spawned process that has imported the core, so that
nothing else the benchmark did (a million ledger rows, the fixture) hides its share; the
bot itself draws in a worker process of its own (`bot.drawing`), which this measures an
upper bound of. In that process: the resident memory before drawing is the
baseline; the first drawing (matplotlib's import, its fonts, one figure, the PNG) is timed
and its peak resident memory read from the kernel's high-water mark, reset just before
drawing where Linux allows it (`/proc/self/clear_refs`), else the process's peak so far;
then further drawings are timed (the median) and one is traced with `tracemalloc` (the
Python-level allocations of a drawing once matplotlib is loaded; the Agg canvas's own
buffer is C++ memory, which only the resident figure shows). The peak added must stay
within `CHART_MEMORY_MIB`, the budget of the drawing process.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bot.charts import ActivityChart

# What drawing the chart may add to the drawing process's peak memory (matplotlib, its
# fonts and one figure): the budget `make bench` checks.
CHART_MEMORY_MIB = 80.0
WARM_ROUNDS = 5
MIB = 1024 * 1024


@dataclass(frozen=True)
class ChartRun:
    """What drawing the digest's chart cost, in a process of its own."""

    bars: int
    first_seconds: float  # matplotlib's import included
    next_seconds: float  # median of the drawings after the first
    baseline_mib: float  # resident memory before drawing, the core imported
    peak_mib: float  # the process's peak resident memory while drawing
    traced_mib: float  # tracemalloc's peak during one drawing after the first
    png_kib: float
    peak_reset: bool  # the high-water mark was reset before drawing (else: peak so far)

    @property
    def added_mib(self) -> float:
        return max(0.0, self.peak_mib - self.baseline_mib)

    @property
    def ok(self) -> bool:
        return self.added_mib <= CHART_MEMORY_MIB

    def cell(self) -> str:
        verdict = "" if self.ok else " MISSED"
        return (
            f"{self.first_seconds:.2f} s first / {self.next_seconds:.2f} s next,"
            f" +{self.added_mib:,.0f} MiB peak RSS (limit {CHART_MEMORY_MIB:,.0f}),"
            f" tracemalloc {self.traced_mib:,.1f} MiB{verdict}"
        )


def measure(chart: ActivityChart) -> ChartRun:
    """`chart` drawn in a spawned process (a fresh interpreter, the core imported)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_draw_alone, chart).result()


def _draw_alone(chart: ActivityChart) -> ChartRun:
    # What a running bot holds before its first digest: the core and the digest's cards.
    import bot.core
    import bot.features.digests.posting  # noqa: F401
    from bot import charts

    baseline = _resident_mib()
    reset = _reset_peak()
    mark = time.perf_counter()
    png = charts.activity_png(chart)
    first = time.perf_counter() - mark
    peak = _peak_mib()
    if not reset:
        peak = max(peak, baseline)
    assert png.startswith(b"\x89PNG")
    durations = []
    for _ in range(WARM_ROUNDS):
        mark = time.perf_counter()
        charts.activity_png(chart)
        durations.append(time.perf_counter() - mark)
    tracemalloc.start()
    charts.activity_png(chart)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return ChartRun(
        bars=len(chart.labels),
        first_seconds=first,
        next_seconds=statistics.median(durations),
        baseline_mib=baseline,
        peak_mib=peak,
        traced_mib=traced / MIB,
        png_kib=len(png) / 1024,
        peak_reset=reset,
    )


def _status_mib(field: str) -> float | None:
    """A `/proc/self/status` memory field (Linux), in MiB."""
    try:
        lines = Path("/proc/self/status").read_text(encoding="ascii").splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    return None


def _resident_mib() -> float:
    from benchmarks.results import peak_rss_mib

    now = _status_mib("VmRSS")
    return now if now is not None else peak_rss_mib()


def _reset_peak() -> bool:
    """Reset the kernel's high-water mark of this process to its resident memory now, so
    the peak read after drawing is the drawing's own (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


def _peak_mib() -> float:
    from benchmarks.results import peak_rss_mib

    peak = _status_mib("VmHWM")
    return peak if peak is not None else peak_rss_mib()
