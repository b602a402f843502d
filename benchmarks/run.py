"""`make bench`: Cercle's ingestion throughput and command latency, on SQLite and on
PostgreSQL, side by side, in one run.

Each backend is measured in a process of its own (so that its peak memory is its own),
on fresh databases in a temporary directory: SQLite files, or databases of a PostgreSQL 16
server that the run starts itself (the `pgserver` wheel) and stops at the end. On each:

1. Ingestion: `MessagePosted` events fed through the real core (`Cercle.handle_many`, in
   batches) into a community whose members are already known, next to a naive baseline
   (one ORM commit per event, see `benchmarks.naive`) measured in alternating rounds of the
   same run, so that load from elsewhere slows both alike; then the same core fed by
   members it has never seen (their first messages), for information.
2. Two processes at once: two spawned OS processes, each running a core on the same
   database, fed overlapping parts of the same stream (events [0, 2/3) and [1/3, 1), see
   `benchmarks.pair`); wall time from the first start to the last finish, and the outcome
   compared event by event with what one process made of that stream in step 1.
3. At scale: a community of 100k members and 1M ledger rows, bulk-loaded (`benchmarks.
   fixture` through `benchmarks.loaders`, in a child process), then `/leaderboard
   week|month|all` and `/rank @member` through the real core (`Cercle.handle`): p50 and p99
   over many calls, each by a different member drawn among those with points; then the
   web page's leaderboard and its JSON API over HTTP (`benchmarks.web`).
4. Peak memory (`ru_maxrss`) of the process running the core, of the fixture builder and
   of each of the two ingesting processes. (The PostgreSQL server's own memory is not
   counted.)

Every run is checked: ledger rows against events, maintained totals against the ledger,
two processes against one, replies of the expected kind, no error logged by the core;
otherwise INVALID is printed.

Targets (issues #3 and #20), applied to both backends: ingestion at least 10x the naive
baseline; p99 under 50 ms for both commands, the web page and its API at that size. A
missed target prints MISSED; the exit code is 0 either way (this is a report, not a
test). `--quick` runs smaller sizes, for a smoke check; `--backend` picks one backend
(default: both).

`--tenfold` (issue #22, not part of the default run) measures only step 3 and the digest,
tenfold: 1M members / 10M ledger rows for the commands (over the same 90 days), and for
the digest 1M members with 10M rows in its week and 10M in the week before; each backend
in a process of its own, the fixtures built in child processes and the chart drawn in
one, so that the peak memory reported is that of the process running the core alone.
Targets: p99 <= 10 ms for `/rank` and `/leaderboard`, the digest (and `/admin stats
week`) <= 1 s, the core's peak RSS <= 150 MiB. Building the fixtures takes most of the
run (tens of minutes per backend). `--tenfold --quick` runs the same steps at the quick
sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import multiprocessing
import random
import sys
import tempfile
import time
from array import array
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

from benchmarks import checks, fixture, naive, pair
from benchmarks import digest as digest_bench
from benchmarks.backends import BACKENDS, Backend, started
from benchmarks.report import (
    load_average,
    machine_facts,
    print_details,
    print_summary,
    print_tenfold,
)
from benchmarks.results import (
    FULL,
    QUICK,
    TENFOLD,
    ErrorCounter,
    Ingestion,
    Latency,
    PairRun,
    Report,
    Sizes,
    Tenfold,
    peak_rss_mib,
)
from benchmarks.workload import (
    INGEST_START,
    PLATFORM,
    batches,
    member_name,
    message_stream,
    user_id,
)
from bot.actions import Action, Reply
from bot.clock import ManualClock
from bot.config import Settings, WebSettings
from bot.core import Cercle
from bot.events import ChannelRef, CommandInvoked, MemberRef, MessagePosted
from bot.features.contributions import message_key
from storage.db import Database

SCALE_NOW = datetime(2026, 3, 19, 15, 30, tzinfo=UTC)  # a Thursday, late in the month


def say(backend: Backend, message: str) -> None:
    print(f"[{backend.name}] {message}", flush=True)


# -- 1. ingestion ----------------------------------------------------------------------------


async def prepare(
    backend: Backend,
    name: str,
    settings: Settings,
    *,
    space_id: str,
    members: int,
    events: int,
    known: bool,
    seed: int,
) -> tuple[str, int | None, list[MessagePosted]]:
    """A fresh database (members seeded when `known`), its URL, and the events to feed it."""
    url = await backend.create(name)
    community_id = None
    if known:
        # The loader runs an event loop of its own (asyncpg): in a thread, not on this one.
        community_id = await asyncio.to_thread(
            fixture.seed_members, url, settings, space_id, members, INGEST_START
        )
    stream = message_stream(
        space_id=space_id, members=members, count=events, start=INGEST_START, seed=seed
    )
    return url, community_id, stream


async def verify(
    url: str, space_id: str, events: int, periods: bool = True
) -> tuple[float, tuple[str, ...]]:
    """(share of events that scored, problems) after ingesting `events` events."""
    community_id = await checks.community_of(url, space_id)
    rows, scored = await checks.ledger_facts(url, community_id)
    problems = await checks.check_consistency(url, community_id, periods=periods)
    if rows != events:
        problems.insert(0, f"{rows} ledger rows for {events} events")
    return scored, tuple(problems)


async def ingestion_vs_naive(
    backend: Backend, settings: Settings, sizes: Sizes
) -> tuple[Ingestion, Ingestion, str]:
    """The core and the naive baseline, measured in alternating rounds.

    Both run on their own fresh database with the same known members and the same kind
    of events; alternating rounds means a burst of load from elsewhere on the machine
    slows both sides alike instead of skewing their ratio. Also returns the URL of the
    core's database: what one process made of the stream, for the two-process check.
    """
    core_url, _, core_stream = await prepare(
        backend,
        "ingest",
        settings,
        space_id="ingest",
        members=sizes.ingest_members,
        events=sizes.ingest_events,
        known=True,
        seed=1,
    )
    naive_url, naive_community, naive_stream = await prepare(
        backend,
        "naive",
        settings,
        space_id="naive",
        members=sizes.ingest_members,
        events=sizes.baseline_events,
        known=True,
        seed=2,
    )
    assert naive_community is not None
    core_db, naive_db = Database(core_url), Database(naive_url)
    core = Cercle(core_db, settings, ManualClock(INGEST_START))
    core_step = -(-len(core_stream) // (sizes.rounds * sizes.batch)) * sizes.batch
    naive_step = -(-len(naive_stream) // sizes.rounds)
    core_seconds = naive_seconds = 0.0
    naive_done = 0
    try:
        for round_ in range(sizes.rounds):
            chunk = core_stream[round_ * core_step : (round_ + 1) * core_step]
            started_at = time.perf_counter()
            for batch in batches(chunk, sizes.batch):
                await core.handle_many(batch)
            core_seconds += time.perf_counter() - started_at
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
    core_scored, core_problems = await verify(core_url, "ingest", len(core_stream))
    # The baseline keeps no week/month totals: only its ledger and points are checked.
    naive_scored, naive_problems = await verify(naive_url, "naive", naive_done, periods=False)
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
        core_url,
    )


async def ingestion_unseen(backend: Backend, settings: Settings, sizes: Sizes) -> Ingestion:
    """The core fed by members it has never seen: every first message creates a member."""
    url, _, stream = await prepare(
        backend,
        "unseen",
        settings,
        space_id="unseen",
        members=sizes.unseen_members,
        events=sizes.unseen_events,
        known=False,
        seed=3,
    )
    db = Database(url)
    core = Cercle(db, settings, ManualClock(INGEST_START))
    try:
        started_at = time.perf_counter()
        for batch in batches(stream, sizes.batch):
            await core.handle_many(batch)
        seconds = time.perf_counter() - started_at
    finally:
        await db.dispose()
    scored, problems = await verify(url, "unseen", len(stream))
    label = f"core handle_many, batches of {sizes.batch}, members never seen"
    return Ingestion(label, len(stream), seconds, scored, problems)


# -- 2. two processes at once ------------------------------------------------------------------


async def two_processes(
    backend: Backend, settings: Settings, sizes: Sizes, reference_url: str
) -> PairRun:
    """Two processes on one fresh database, fed [0, 2/3) and [1/3, 1) of the stream that
    one process ingested into `reference_url`; the outcomes must be the same."""
    url, _, _ = await prepare(
        backend,
        "pair",
        settings,
        space_id="ingest",
        members=sizes.ingest_members,
        events=0,
        known=True,
        seed=1,
    )
    n = sizes.ingest_events
    shares = tuple(
        pair.Share(url, "ingest", sizes.ingest_members, n, 1, first, stop, sizes.batch)
        for first, stop in ((0, -(-2 * n // 3)), (n // 3, n))
    )
    assert len(shares) == 2
    results = await asyncio.get_running_loop().run_in_executor(None, pair.run_pair, shares)
    done = [r for r in results if isinstance(r, pair.Done)]
    problems = [f"process {i + 1}: {r}" for i, r in enumerate(results) if isinstance(r, str)]
    problems += [
        f"process {i + 1} logged {r.errors} error(s), first: {r.first_error}"
        for i, r in enumerate(results)
        if isinstance(r, pair.Done) and r.errors
    ]
    seconds = max(r.ended for r in done) - min(r.began for r in done) if done else 0.0
    _, consistency = await verify(url, "ingest", n)
    problems += consistency
    cooldown = settings.scoring.message_cooldown_seconds
    community_id = await checks.community_of(url, "ingest")
    breaches = await checks.cooldown_breaches(url, community_id, cooldown)
    if breaches:
        problems.append(
            f"{breaches:,} scored messages share a {cooldown} s cooldown window with their"
            " author's previous scored one (one process never lets that happen)"
        )
    stream = message_stream(
        space_id="ingest", members=sizes.ingest_members, count=n, start=INGEST_START, seed=1
    )
    positions = {message_key(e.platform, e.message_id): i for i, e in enumerate(stream)}
    problems += checks.compare(
        await checks.outcome(url, "ingest", cooldown),
        await checks.outcome(reference_url, "ingest", cooldown),
        positions,
        f" (process 2 started at position {shares[1].first:,})",
    )
    return PairRun(
        events=n,
        deliveries=sum(s.stop - s.first for s in shares),
        seconds=seconds,
        processes=done,
        problems=tuple(problems),
    )


# -- 3. commands at scale ---------------------------------------------------------------------


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
        started_at = time.perf_counter()
        actions = await core.handle(event)
        elapsed = (time.perf_counter() - started_at) * 1000
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


def _build_and_check(
    url: str, settings: Settings, sizes: Sizes, seed: int
) -> tuple[fixture.ScaleFixture, list[str]]:
    scale = fixture.build_scale(
        url,
        settings,
        space_id="scale",
        members=sizes.scale_members,
        ledger_rows=sizes.scale_rows,
        now=SCALE_NOW,
        days=sizes.scale_days,
        seed=seed,
    )
    return scale, asyncio.run(checks.check_consistency(url, scale.community_id))


async def build_fixture(
    url: str, settings: Settings, sizes: Sizes, seed: int
) -> tuple[fixture.ScaleFixture, list[str]]:
    """The at-scale fixture and the problems its check finds, built and checked in a child
    process so that its memory (the builder holds the whole history's aggregates, the
    check reads the whole ledger through a database cache of its own) is not counted as
    the core's."""
    build = functools.partial(_build_and_check, url, settings, sizes, seed)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, build)


async def at_scale(
    backend: Backend, settings: Settings, sizes: Sizes, seed: int, *, web: bool = True
) -> tuple[fixture.ScaleFixture, list[Latency], list[str]]:
    url = await backend.create("scale")
    scale, problems = await build_fixture(url, settings, sizes, seed)
    db = Database(url)
    core = Cercle(db, settings, ManualClock(SCALE_NOW))
    rng = random.Random(seed)
    counter = [0]
    try:
        results = [
            await command_latency(core, scale, sizes, what, rng, counter)
            for what in ("week", "month", "all", "rank")
        ]
        if web:
            # The web page reads the same database, as a public community's. Imported
            # here: the tenfold tier measures no page, and the web server's packages
            # would count in the memory it reports as the core's.
            from benchmarks.web import web_latency

            public = settings.model_copy(update={"web": WebSettings(public=True)})
            web_core = Cercle(db, public, ManualClock(SCALE_NOW))
            results += await web_latency(web_core, scale, sizes, rng)
    finally:
        await db.dispose()
    return scale, results, problems


# -- one backend, in a process of its own -----------------------------------------------------


async def measure(key: str, sizes: Sizes, settings: Settings, errors: ErrorCounter) -> Report:
    timings: dict[str, float] = {}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cercle-bench-") as tmp:
        mark = time.perf_counter()
        with started(key, Path(tmp)) as backend:
            if key != "sqlite":
                timings["server start"] = time.perf_counter() - mark
            description = await backend.describe()
            say(backend, description)

            mark = time.perf_counter()
            core_run, naive_run, reference_url = await ingestion_vs_naive(backend, settings, sizes)
            unseen_run = await ingestion_unseen(backend, settings, sizes)
            timings["ingestion (core, naive, unseen)"] = time.perf_counter() - mark
            rss_after_ingestion = peak_rss_mib()
            say(backend, f"ingestion measured in {time.perf_counter() - mark:.1f} s")

            mark = time.perf_counter()
            pair_run = await two_processes(backend, settings, sizes, reference_url)
            timings["two processes at once, with checks"] = time.perf_counter() - mark
            say(backend, f"two processes measured in {time.perf_counter() - mark:.1f} s")

            mark = time.perf_counter()
            scale, latencies, scale_problems = await at_scale(backend, settings, sizes, seed=4)
            timings["fixture build (child process)"] = scale.seconds
            timings["commands at scale, with checks"] = time.perf_counter() - mark - scale.seconds
            scale_mib = await backend.size_mib("scale")
            say(backend, f"commands at scale measured in {time.perf_counter() - mark:.1f} s")

            mark = time.perf_counter()
            digest_run = await digest_bench.digest_time(
                backend, settings, sizes.scale_members, sizes.scale_rows
            )
            timings["digest at scale (fixture and rounds)"] = time.perf_counter() - mark
            say(backend, f"digest measured in {time.perf_counter() - mark:.1f} s")
        timings["backend total"] = time.perf_counter() - began

    problems = [f"{r.label}: {p}" for r in (core_run, naive_run, unseen_run) for p in r.problems]
    problems += [f"two processes: {p}" for p in pair_run.problems]
    problems += [f"scale fixture: {p}" for p in scale_problems]
    problems += [f"digest: {p}" for p in digest_run.problems]
    if errors.count:
        problems.append(f"the core logged {errors.count} error(s) during the run")
    return Report(
        backend=BACKENDS[key],
        description=description,
        sizes=sizes,
        core=core_run,
        naive=naive_run,
        unseen=unseen_run,
        pair=pair_run,
        scale=scale,
        latencies=latencies,
        scale_mib=scale_mib,
        rss_after_ingestion=rss_after_ingestion,
        rss_whole=peak_rss_mib(),
        digest=digest_run,
        timings=timings,
        problems=problems,
    )


async def measure_tenfold(
    key: str, sizes: Sizes, settings: Settings, errors: ErrorCounter
) -> Tenfold:
    """The tenfold tier on one backend: commands at scale, then the digest."""
    timings: dict[str, float] = {}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cercle-bench-") as tmp:
        mark = time.perf_counter()
        with started(key, Path(tmp)) as backend:
            if key != "sqlite":
                timings["server start"] = time.perf_counter() - mark
            description = await backend.describe()
            say(backend, description)

            mark = time.perf_counter()
            scale, latencies, scale_problems = await at_scale(
                backend, settings, sizes, seed=4, web=False
            )
            timings["fixture build (child process)"] = scale.seconds
            timings["commands at scale, with checks"] = time.perf_counter() - mark - scale.seconds
            scale_mib = await backend.size_mib("scale")
            say(backend, f"commands at scale measured in {time.perf_counter() - mark:.1f} s")

            mark = time.perf_counter()
            digest_run = await digest_bench.digest_time(
                backend, settings, sizes.scale_members, sizes.scale_rows
            )
            timings["digest (fixture and rounds)"] = time.perf_counter() - mark
            say(backend, f"digest measured in {time.perf_counter() - mark:.1f} s")
        timings["backend total"] = time.perf_counter() - began
    problems = [f"scale fixture: {p}" for p in scale_problems]
    problems += [f"digest: {p}" for p in digest_run.problems]
    if errors.count:
        problems.append(f"the core logged {errors.count} error(s) during the run")
    return Tenfold(
        backend=BACKENDS[key],
        description=description,
        sizes=sizes,
        scale=scale,
        latencies=latencies,
        scale_mib=scale_mib,
        digest=digest_run,
        rss_core=peak_rss_mib(),
        timings=timings,
        problems=problems,
    )


def _backend_process(key: str, quick: bool, tenfold: bool, sender: Connection) -> None:
    errors = ErrorCounter()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger().addHandler(errors)
    try:
        report: Report | Tenfold
        if tenfold:
            sizes = QUICK if quick else TENFOLD
            report = asyncio.run(measure_tenfold(key, sizes, Settings(), errors))
        else:
            report = asyncio.run(measure(key, QUICK if quick else FULL, Settings(), errors))
        report.scale.ranked = array("i")  # not needed by the report
        sender.send(report)
    except BaseException as error:
        sender.send(f"{type(error).__name__}: {error}")
        raise
    finally:
        sender.close()


def measure_in_child(key: str, quick: bool, tenfold: bool = False) -> Report | Tenfold | str:
    """`measure` (or `measure_tenfold`) in a spawned process; a string reports a failure."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_backend_process, args=(key, quick, tenfold, sender))
    process.start()
    sender.close()
    try:
        result: Report | Tenfold | str = receiver.recv()
    except EOFError:
        result = "the measuring process died before reporting"
    process.join()
    if isinstance(result, str) and process.exitcode:
        result += f" (exit code {process.exitcode})"
    return result


def run_all(keys: Sequence[str], quick: bool) -> int:
    began = time.perf_counter()
    print(f"Cercle benchmark{' (--quick: smaller sizes, smoke check only)' if quick else ''}")
    print(f"machine: {machine_facts()}")
    print(f"backends: {', '.join(BACKENDS[k] for k in keys)}")
    print(f"started: {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC, load average {load_average()}")
    sys.stdout.flush()
    reports: list[Report] = []
    failures: list[str] = []
    for key in keys:
        result = measure_in_child(key, quick)
        if isinstance(result, str):
            failures.append(f"{BACKENDS[key]}: {result}")
        else:
            assert isinstance(result, Report)
            reports.append(result)
    for report in reports:
        print_details(report)
    if reports:
        print_summary(reports)
    from benchmarks import discord_bench  # the Discord live path (issue #4), SQLite

    discord_bench.report(quick)
    from benchmarks import imports  # moving in from MEE6 (issue #17), SQLite

    imports.report(quick)
    print(f"total run time {time.perf_counter() - began:.1f} s")
    print(f"load average at the end (this run included): {load_average()}")
    for failure in failures:
        print(f"INVALID: {failure}")
    return 0


def run_tenfold(keys: Sequence[str], quick: bool) -> int:
    began = time.perf_counter()
    sizes = "quick sizes, smoke check only" if quick else "1M members / 10M rows"
    print(f"Cercle benchmark, tenfold tier ({sizes})")
    print(f"machine: {machine_facts()}")
    print(f"backends: {', '.join(BACKENDS[k] for k in keys)}")
    print(f"started: {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC, load average {load_average()}")
    sys.stdout.flush()
    reports: list[Tenfold] = []
    failures: list[str] = []
    for key in keys:
        result = measure_in_child(key, quick, tenfold=True)
        if isinstance(result, str):
            failures.append(f"{BACKENDS[key]}: {result}")
        else:
            assert isinstance(result, Tenfold)
            reports.append(result)
    if reports:
        print_tenfold(reports)
    print(f"total run time {time.perf_counter() - began:.1f} s")
    print(f"load average at the end (this run included): {load_average()}")
    for failure in failures:
        print(f"INVALID: {failure}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke check")
    parser.add_argument(
        "--backend",
        choices=[*BACKENDS, "all"],
        default="all",
        help="the database to measure (default: all, side by side)",
    )
    parser.add_argument(
        "--soak",
        action="store_true",
        help="instead: the soak through cercle run (SQLite, then 4 processes on PostgreSQL; "
        "10 minutes each, 1 with --quick); see benchmarks/soak.py",
    )
    parser.add_argument(
        "--at-scale",
        action="store_true",
        help="with --soak: the first guild is a 100k-member community whose commands and "
        "digest are timed while the stream runs",
    )
    parser.add_argument(
        "--tenfold",
        action="store_true",
        help="instead: the commands and the digest at 1M members / 10M rows (issue #22)",
    )
    args = parser.parse_args(argv)
    if args.soak:
        from benchmarks import soak

        minutes = ["--quick"] if args.quick else []
        if args.at_scale:
            minutes.append("--at-scale")
        single = soak.main(minutes)
        print()
        return single or soak.main([*minutes, "--processes", "4"])
    keys = list(BACKENDS) if args.backend == "all" else [args.backend]
    if args.tenfold:
        return run_tenfold(keys, args.quick)
    return run_all(keys, args.quick)


if __name__ == "__main__":
    sys.exit(main())
