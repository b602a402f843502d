"""What the benchmark measures, as data: the sizes of a run, ingestion and latency results,
the report of one backend, and the targets they are judged against (issue #3)."""

from __future__ import annotations

import logging
import resource
import statistics
import sys
from dataclasses import dataclass, field

from benchmarks import digest as digest_bench
from benchmarks import fixture, pair

TARGET_SPEEDUP = 10.0
TARGET_P99_MS = 50.0
# The tenfold tier (`--tenfold`, issue #22): 1M members / 10M rows.
TENFOLD_P99_MS = 10.0
TENFOLD_DIGEST_SECONDS = 1.0
TENFOLD_CORE_RSS_MIB = 150.0


@dataclass(frozen=True)
class Sizes:
    ingest_events: int
    ingest_members: int
    batch: int
    rounds: int
    baseline_events: int
    baseline_time_box: float
    unseen_events: int
    unseen_members: int
    scale_members: int
    scale_rows: int
    scale_days: int
    calls: int
    warmup_calls: int


FULL = Sizes(
    ingest_events=50_000,
    ingest_members=10_000,
    batch=500,
    rounds=10,
    baseline_events=2_000,
    baseline_time_box=30.0,
    unseen_events=5_000,
    unseen_members=2_000,
    scale_members=100_000,
    scale_rows=1_000_000,
    scale_days=90,
    calls=200,
    warmup_calls=10,
)
# The tenfold tier measures only the commands and the digest at scale: the ingestion
# sizes are not used.
TENFOLD = Sizes(
    ingest_events=0,
    ingest_members=0,
    batch=500,
    rounds=0,
    baseline_events=0,
    baseline_time_box=0.0,
    unseen_events=0,
    unseen_members=0,
    scale_members=1_000_000,
    scale_rows=10_000_000,
    scale_days=90,
    calls=200,
    warmup_calls=10,
)
QUICK = Sizes(
    ingest_events=3_000,
    ingest_members=600,
    batch=500,
    rounds=3,
    baseline_events=200,
    baseline_time_box=10.0,
    unseen_events=600,
    unseen_members=250,
    scale_members=5_000,
    scale_rows=50_000,
    scale_days=90,
    calls=30,
    warmup_calls=3,
)


class ErrorCounter(logging.Handler):
    """Counts errors the core logged (a swallowed failure must not look like speed)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@dataclass
class Ingestion:
    label: str
    events: int
    seconds: float
    scored_share: float | None = None
    problems: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@dataclass
class PairRun:
    """Two processes ingesting overlapping parts of one stream into one database."""

    events: int  # distinct events in the stream
    deliveries: int  # events handed to either process (the overlap twice)
    seconds: float  # wall time, first start to last finish
    processes: list[pair.Done]
    problems: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@dataclass
class Latency:
    command: str
    samples: list[float]
    board: str
    errors: int

    def quantile(self, q: float) -> float:
        ordered = sorted(self.samples)
        if len(ordered) == 1:
            return ordered[0]
        return statistics.quantiles(ordered, n=100, method="inclusive")[round(q * 100) - 1]


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process (or of its largest child) so far."""
    peak = resource.getrusage(who).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@dataclass
class Report:
    backend: str
    description: str
    sizes: Sizes
    core: Ingestion
    naive: Ingestion
    unseen: Ingestion
    pair: PairRun
    scale: fixture.ScaleFixture
    latencies: list[Latency]
    scale_mib: float
    rss_after_ingestion: float
    rss_whole: float = 0.0
    digest: digest_bench.DigestRun | None = None
    timings: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def speedup(self) -> float:
        return self.core.rate / self.naive.rate if self.naive.rate else float("inf")

    def latency_ok(self, result: Latency) -> bool:
        return result.quantile(0.99) < TARGET_P99_MS and result.errors == 0


@dataclass
class Tenfold:
    """The tenfold tier of one backend: commands, digest and the core's memory at scale."""

    backend: str
    description: str
    sizes: Sizes
    scale: fixture.ScaleFixture
    latencies: list[Latency]
    scale_mib: float
    digest: digest_bench.DigestRun
    rss_core: float  # peak RSS of the process running the core, the whole run
    timings: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def latency_ok(self, result: Latency) -> bool:
        return result.quantile(0.99) <= TENFOLD_P99_MS and result.errors == 0

    @property
    def digest_ok(self) -> bool:
        return self.digest.digest_max <= TENFOLD_DIGEST_SECONDS

    @property
    def stats_ok(self) -> bool:
        return self.digest.stats_max <= TENFOLD_DIGEST_SECONDS

    @property
    def rss_ok(self) -> bool:
        return self.rss_core <= TENFOLD_CORE_RSS_MIB

    def missed(self) -> list[str]:
        return [
            name
            for name, ok in (
                *((r.command, self.latency_ok(r)) for r in self.latencies),
                ("digest", self.digest_ok),
                ("/admin stats week", self.stats_ok),
                ("core peak RSS", self.rss_ok),
            )
            if not ok
        ]
