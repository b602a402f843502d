"""`make bench`: Cercle's ingestion throughput and command latency on SQLite, in one run.

Everything runs on fresh SQLite files in a temporary directory:

1. Ingestion: `MessagePosted` events fed through the real core (`Cercle.handle_many`, in
   batches) into a community whose members are already known, next to a naive baseline
   (one ORM commit per event, see `benchmarks.naive`) measured in alternating rounds of the
   same run, so that load from elsewhere slows both alike; then the same core fed by
   members it has never seen (their first messages), for information.
2. At scale: a community of 100k members and 1M ledger rows, built by bulk insertion
   (`benchmarks.fixture`, in a child process), then `/leaderboard week|month|all` and
   `/rank @member` through the real core (`Cercle.handle`): p50 and p99 over many calls,
   each by a different member drawn among those with points.
3. Peak memory (`ru_maxrss`) of the process running the core, and of the fixture builder.

Every run is checked: ledger rows against events, maintained totals against the ledger,
replies of the expected kind, no error logged by the core; otherwise INVALID is printed.

Targets (issue #3): ingestion at least 10x the naive baseline; p99 under 50 ms for both
commands at that size. A missed target prints MISSED; the exit code is 0 either way (this
is a report, not a test). `--quick` runs smaller sizes, for a smoke check.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import multiprocessing
import os
import platform
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy

from benchmarks import fixture, naive
from benchmarks.workload import PLATFORM, batches, member_name, message_stream, user_id
from bot.actions import Action, Reply
from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from bot.events import ChannelRef, CommandInvoked, MemberRef, MessagePosted
from storage.db import Database

INGEST_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
SCALE_NOW = datetime(2026, 3, 19, 15, 30, tzinfo=UTC)  # a Thursday, late in the month
TARGET_SPEEDUP = 10.0
TARGET_P99_MS = 50.0


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
QUICK = Sizes(
    ingest_events=5_000,
    ingest_members=1_000,
    batch=500,
    rounds=5,
    baseline_events=300,
    baseline_time_box=10.0,
    unseen_events=1_000,
    unseen_members=400,
    scale_members=10_000,
    scale_rows=100_000,
    scale_days=90,
    calls=40,
    warmup_calls=5,
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


def disk_mib(directory: Path, pattern: str) -> float:
    return sum(p.stat().st_size for p in directory.glob(pattern)) / 2**20


async def fresh_database(path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.upgrade()
    return db


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


# -- 1. ingestion ----------------------------------------------------------------------------


def ledger_facts(path: Path, community_id: int) -> tuple[int, float]:
    """(ledger rows, share of them that scored) of one community."""
    conn = sqlite3.connect(path)
    try:
        rows, scored = conn.execute(
            "SELECT count(*), coalesce(sum(points > 0), 0) FROM contribution"
            " WHERE community_id = ?",
            (community_id,),
        ).fetchone()
    finally:
        conn.close()
    return int(rows), (scored / rows if rows else 0.0)


async def prepare(
    path: Path,
    settings: Settings,
    *,
    space_id: str,
    members: int,
    events: int,
    known: bool,
    seed: int,
) -> tuple[Database, int | None, list[MessagePosted]]:
    """A fresh database (members seeded when `known`) and the events that will feed it."""
    db = await fresh_database(path)
    await db.dispose()  # the seed writes with sqlite3; the measured code opens its own
    community_id = None
    if known:
        community_id = fixture.seed_members(path, settings, space_id, members, INGEST_START)
    stream = message_stream(
        space_id=space_id, members=members, count=events, start=INGEST_START, seed=seed
    )
    return Database(f"sqlite+aiosqlite:///{path}"), community_id, stream


def community_of(path: Path, space_id: str) -> int:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT community_id FROM platform_space WHERE platform = ? AND space_id = ?",
            (PLATFORM, space_id),
        ).fetchone()
    finally:
        conn.close()
    return int(row[0])


def verify(
    path: Path, space_id: str, events: int, periods: bool = True
) -> tuple[float, tuple[str, ...]]:
    """(share of events that scored, problems) after ingesting `events` events."""
    community_id = community_of(path, space_id)
    rows, scored = ledger_facts(path, community_id)
    problems = fixture.check_consistency(path, community_id, periods=periods)
    if rows != events:
        problems.insert(0, f"{rows} ledger rows for {events} events")
    return scored, tuple(problems)


async def ingestion_vs_naive(
    directory: Path, settings: Settings, sizes: Sizes
) -> tuple[Ingestion, Ingestion]:
    """The core and the naive baseline, measured in alternating rounds.

    Both run on their own fresh file with the same known members and the same kind of
    events; alternating rounds means a burst of load from elsewhere on the machine slows
    both sides alike instead of skewing their ratio.
    """
    core_path, naive_path = directory / "ingest.db", directory / "naive.db"
    core_db, _, core_stream = await prepare(
        core_path,
        settings,
        space_id="ingest",
        members=sizes.ingest_members,
        events=sizes.ingest_events,
        known=True,
        seed=1,
    )
    naive_db, naive_community, naive_stream = await prepare(
        naive_path,
        settings,
        space_id="naive",
        members=sizes.ingest_members,
        events=sizes.baseline_events,
        known=True,
        seed=2,
    )
    assert naive_community is not None
    core = Cercle(core_db, settings, ManualClock(INGEST_START))
    core_step = -(-len(core_stream) // (sizes.rounds * sizes.batch)) * sizes.batch
    naive_step = -(-len(naive_stream) // sizes.rounds)
    core_seconds = naive_seconds = 0.0
    naive_done = 0
    try:
        for round_ in range(sizes.rounds):
            chunk = core_stream[round_ * core_step : (round_ + 1) * core_step]
            started = time.perf_counter()
            for batch in batches(chunk, sizes.batch):
                await core.handle_many(batch)
            core_seconds += time.perf_counter() - started
            done, seconds = await naive.ingest_one_by_one(
                naive_db,
                settings,
                naive_community,
                naive_stream[round_ * naive_step : (round_ + 1) * naive_step],
                sizes.baseline_time_box / sizes.rounds,
            )
            naive_done += done
            naive_seconds += seconds
    finally:
        await core_db.dispose()
        await naive_db.dispose()
    core_scored, core_problems = verify(core_path, "ingest", len(core_stream))
    # The baseline keeps no week/month totals: only its ledger and points are checked.
    naive_scored, naive_problems = verify(naive_path, "naive", naive_done, periods=False)
    return (
        Ingestion(
            f"core handle_many, batches of {sizes.batch}, known members",
            len(core_stream),
            core_seconds,
            core_scored,
            core_problems,
        ),
        Ingestion(
            "naive: one ORM commit per event",
            naive_done,
            naive_seconds,
            naive_scored,
            naive_problems,
        ),
    )


async def ingestion_unseen(directory: Path, settings: Settings, sizes: Sizes) -> Ingestion:
    """The core fed by members it has never seen: every first message creates a member."""
    path = directory / "unseen.db"
    db, _, stream = await prepare(
        path,
        settings,
        space_id="unseen",
        members=sizes.unseen_members,
        events=sizes.unseen_events,
        known=False,
        seed=3,
    )
    core = Cercle(db, settings, ManualClock(INGEST_START))
    try:
        started = time.perf_counter()
        for batch in batches(stream, sizes.batch):
            await core.handle_many(batch)
        seconds = time.perf_counter() - started
    finally:
        await db.dispose()
    scored, problems = verify(path, "unseen", len(stream))
    label = f"core handle_many, batches of {sizes.batch}, members never seen"
    return Ingestion(label, len(stream), seconds, scored, problems)


# -- 2. commands at scale ---------------------------------------------------------------------


def reply_kind(actions: Sequence[Action]) -> str | None:
    for action in actions:
        if isinstance(action, Reply) and action.card is not None:
            return action.card.kind
    return None


async def command_latency(
    core: Cercle,
    scale: fixture.ScaleFixture,
    sizes: Sizes,
    text_for: str,
    rng: random.Random,
    counter: list[int],
) -> Latency:
    """p50/p99 of one command over `sizes.calls` calls by varied members (after a warm-up)."""
    samples: list[float] = []
    errors = 0
    expected = "rank" if text_for == "rank" else "leaderboard"
    for call in range(sizes.warmup_calls + sizes.calls):
        caller = rng.choice(scale.ranked)
        if text_for == "rank":
            text = f"/rank @{user_id(rng.choice(scale.ranked))}"
        else:
            text = f"/leaderboard {text_for}"
        counter[0] += 1
        event = CommandInvoked(
            platform=PLATFORM,
            space_id=scale.space_id,
            at=scale.now,
            interaction_id=f"i{counter[0]}",
            channel=ChannelRef("general", "general"),
            invoker=MemberRef(PLATFORM, user_id(caller), member_name(caller)),
            text=text,
        )
        started = time.perf_counter()
        actions = await core.handle(event)
        elapsed = (time.perf_counter() - started) * 1000
        if reply_kind(actions) != expected:
            errors += 1
        if call >= sizes.warmup_calls:
            samples.append(elapsed)
    label = "/rank @member" if text_for == "rank" else f"/leaderboard {text_for}"
    board = {
        "week": f"{scale.week_board:,} on the week board",
        "month": f"{scale.month_board:,} on the month board",
    }.get(text_for, f"{len(scale.ranked):,} members with points")
    return Latency(label, samples, board, errors)


async def build_fixture(
    path: Path, settings: Settings, sizes: Sizes, seed: int
) -> fixture.ScaleFixture:
    """The 100k-member fixture, built in a child process so that its memory (the builder
    holds the whole history's aggregates) is not counted as the core's."""
    db = await fresh_database(path)
    await db.dispose()
    build = functools.partial(
        fixture.build_scale,
        path,
        settings,
        space_id="scale",
        members=sizes.scale_members,
        ledger_rows=sizes.scale_rows,
        now=SCALE_NOW,
        days=sizes.scale_days,
        seed=seed,
    )
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, build)


async def at_scale(
    path: Path, settings: Settings, sizes: Sizes, seed: int
) -> tuple[fixture.ScaleFixture, list[Latency], list[str]]:
    scale = await build_fixture(path, settings, sizes, seed)
    problems = fixture.check_consistency(path, scale.community_id)
    db = Database(f"sqlite+aiosqlite:///{path}")
    core = Cercle(db, settings, ManualClock(SCALE_NOW))
    rng = random.Random(seed)
    counter = [0]
    try:
        results = [
            await command_latency(core, scale, sizes, what, rng, counter)
            for what in ("week", "month", "all", "rank")
        ]
    finally:
        await db.dispose()
    return scale, results, problems


# -- report -----------------------------------------------------------------------------------


def machine_facts() -> str:
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"SQLite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()} {platform.machine()}"
    )


def load_average() -> str:
    """The 1-minute load average against the CPU count: other work skews every figure."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return "unknown"
    busy = load > (os.cpu_count() or 1) * 0.75
    return f"{load:.2f}" + (" (busy: other work competes, figures are pessimistic)" if busy else "")


def status(ok: bool) -> str:
    return "ok" if ok else "MISSED"


@dataclass
class Report:
    sizes: Sizes
    core: Ingestion
    naive: Ingestion
    unseen: Ingestion
    scale: fixture.ScaleFixture
    latencies: list[Latency]
    scale_mib: float
    rss_after_ingestion: float
    timings: dict[str, float]
    problems: list[str]

    @property
    def speedup(self) -> float:
        return self.core.rate / self.naive.rate if self.naive.rate else float("inf")

    def latency_ok(self, result: Latency) -> bool:
        return result.quantile(0.99) < TARGET_P99_MS and result.errors == 0


async def measure(sizes: Sizes, settings: Settings, errors: ErrorCounter) -> Report:
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="cercle-bench-") as tmp:
        directory = Path(tmp)
        mark = time.perf_counter()
        core_run, naive_run = await ingestion_vs_naive(directory, settings, sizes)
        unseen_run = await ingestion_unseen(directory, settings, sizes)
        timings["ingestion (core, naive, unseen)"] = time.perf_counter() - mark
        rss_after_ingestion = peak_rss_mib()
        print(f"ingestion measured in {time.perf_counter() - mark:.1f} s", flush=True)

        mark = time.perf_counter()
        scale, latencies, scale_problems = await at_scale(
            directory / "scale.db", settings, sizes, seed=4
        )
        timings["fixture build (child process)"] = scale.seconds
        timings["commands at scale, with checks"] = time.perf_counter() - mark - scale.seconds
        scale_mib = disk_mib(directory, "scale.db*")

    problems = [f"{r.label}: {p}" for r in (core_run, naive_run, unseen_run) for p in r.problems]
    problems += [f"scale fixture: {p}" for p in scale_problems]
    if errors.count:
        problems.append(f"the core logged {errors.count} error(s) during the run")
    return Report(
        sizes=sizes,
        core=core_run,
        naive=naive_run,
        unseen=unseen_run,
        scale=scale,
        latencies=latencies,
        scale_mib=scale_mib,
        rss_after_ingestion=rss_after_ingestion,
        timings=timings,
        problems=problems,
    )


def print_report(report: Report, began: float) -> None:
    sizes, scale = report.sizes, report.scale
    print()
    print(
        "1. Ingestion: MessagePosted, text of 20-80 chars, long-tailed authors, "
        "events 0.5 s apart on average (busy authors hit the 60 s cooldown)"
    )
    rows = [
        [
            run.label,
            f"{run.events:,}",
            f"{run.seconds:.2f}",
            f"{run.rate:,.0f}",
            "" if run.scored_share is None else f"{run.scored_share:.0%}",
        ]
        for run in (report.core, report.naive, report.unseen)
    ]
    print(table(["run", "events", "seconds", "events/s", "scored"], rows, right={1, 2, 3, 4}))
    print(
        f"speed-up, core vs naive (same run, {sizes.rounds} alternating rounds): "
        f"{report.speedup:.1f}x, target >= {TARGET_SPEEDUP:.0f}x: "
        f"{status(report.speedup >= TARGET_SPEEDUP)}"
    )

    print()
    print(
        f"2. Commands at scale: {scale.members:,} members, {scale.ledger_rows:,} ledger rows "
        f"over {sizes.scale_days} days ({report.scale_mib:,.0f} MiB on disk), "
        f"through Cercle.handle, callers drawn among members with points"
    )
    rows = []
    for result in report.latencies:
        verdict = status(report.latency_ok(result))
        if result.errors:
            verdict += f" ({result.errors} bad replies)"
        rows.append(
            [
                result.command,
                str(len(result.samples)),
                f"{result.quantile(0.50):.1f}",
                f"{result.quantile(0.99):.1f}",
                f"{max(result.samples):.1f}",
                f"< {TARGET_P99_MS:.0f}",
                verdict,
                result.board,
            ]
        )
    headers = ["command", "calls", "p50 ms", "p99 ms", "max ms", "p99 target", "result", "board"]
    print(table(headers, rows, right={1, 2, 3, 4}))

    print()
    print("3. Memory and time")
    rows = [
        ["peak RSS, core process after ingestion", f"{report.rss_after_ingestion:,.0f} MiB"],
        ["peak RSS, core process, whole run", f"{peak_rss_mib():,.0f} MiB"],
        [
            "peak RSS, fixture builder (child)",
            f"{peak_rss_mib(resource.RUSAGE_CHILDREN):,.0f} MiB",
        ],
        *([name, f"{seconds:.1f} s"] for name, seconds in report.timings.items()),
        ["total run time", f"{time.perf_counter() - began:.1f} s"],
    ]
    print(table(["measure", "value"], rows, right={1}))
    print(f"load average at the end (this run included): {load_average()}")

    print()
    if report.problems:
        print("INVALID: the figures above may not mean what they say:")
        for problem in report.problems:
            print(f"  - {problem}")
    missed = [
        name
        for name, ok in (
            ("ingestion speed-up", report.speedup >= TARGET_SPEEDUP),
            *((r.command, report.latency_ok(r)) for r in report.latencies),
        )
        if not ok
    ]
    print(f"targets: {'MISSED: ' + ', '.join(missed) if missed else 'all met'}")


async def main_async(quick: bool) -> int:
    sizes = QUICK if quick else FULL
    errors = ErrorCounter()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger().addHandler(errors)
    began = time.perf_counter()
    print(f"Cercle benchmark{' (--quick: smaller sizes, smoke check only)' if quick else ''}")
    print(f"machine: {machine_facts()}")
    print(f"started: {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC, load average {load_average()}")
    sys.stdout.flush()
    report = await measure(sizes, Settings(), errors)
    print_report(report, began)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke check")
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args.quick))


if __name__ == "__main__":
    sys.exit(main())
