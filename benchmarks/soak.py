"""The soak: a steady stream of MESSAGE_CREATE through a fake Discord gateway into real
`cercle run` processes for minutes, while members ask `/rank`.

One process on a SQLite file at 1,000 events/s, or several processes (one Discord shard
each) on one PostgreSQL at 2,000 events/s in all, for 10 minutes (`--quick`: 1 minute).
Checked at the end: nothing lost (the members' points add up to one per message sent),
the peak memory (RSS) of each process within 10 % of its RSS after the first minute (the
first sixth of a shorter run), and `/rank` answered, p99 under 100 ms, while the stream
runs (timed from the INTERACTION_CREATE sent until the interaction's callback arrives).

`--at-scale`: the first process's guild is a community of 100k members and 1M ledger
rows over two weeks (`benchmarks.fixture`, bulk-loaded before the processes start, its
accounts made Discord ones), so the stream lands in it; while the stream runs, its
members ask `/rank` and `/leaderboard week|month|all` through the gateway (each by a
different member with points; p99 under 20 ms), and a process of its own builds the
weekly digest of the last whole week from the same database every few seconds (under
1 s). The targets are those `make bench` measures on a quiet machine, held under load.

    python -m benchmarks.soak [--quick] [--processes 4 --rate 2000] [--minutes 10]
                              [--at-scale]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, cast, func, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.discord_fake import FakeDiscord, FakeGuild, message, snowflake, user
from storage.models import Identity, Member

CHANNEL_BASE = 1_400_000_000_000_000_001
MEMBERS_PER_GUILD = 2_000
TICK = 0.1  # seconds between two pushes of the stream
RANK_EVERY = 0.5  # seconds between two /rank asked per process
RANK_P99_MS = 100.0
RSS_GROWTH = 0.10
SCALE_MEMBERS, SCALE_ROWS, SCALE_DAYS = 100_000, 1_000_000, 14
SCALE_P99_MS = 20.0
SCALE_EVERY = 0.25  # seconds between two commands asked of the large community
SCALE_USER_BASE = 6_000_000  # the large community's Discord user ids start here
DIGEST_SECONDS = 1.0
DIGEST_PAUSE = 5.0
SCALE_COMMANDS = ("rank", "week", "month", "all")


def guild_ids(count: int) -> list[str]:
    """One guild per shard of `count` (a guild's shard is (id >> 22) % count)."""
    base, found = 1_300_000_000_000_000_000, {}
    for k in itertools.count():
        gid = base + (k << 22)
        found.setdefault((gid >> 22) % count, str(gid))
        if len(found) == count:
            return [found[shard] for shard in range(count)]
    raise AssertionError("unreachable")


def rank_interaction(
    guild: str, channel: str, member_id: str, name: str = "rank", period: str | None = None
) -> dict[str, Any]:
    """INTERACTION_CREATE for `/rank` (or `/leaderboard period`), in Discord's documented
    shape."""
    options = [] if period is None else [{"name": "period", "type": 3, "value": period}]
    return {
        "id": snowflake(),
        "application_id": "900000000000000001",
        "type": 2,
        "data": {"id": snowflake(), "name": name, "type": 1, "options": options},
        "guild_id": guild,
        "channel_id": channel,
        "channel": {"id": channel, "type": 0, "name": "general", "guild_id": guild},
        "member": {
            "user": user(member_id, f"member{member_id}"),
            "roles": [],
            "joined_at": "2025-06-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "permissions": "0",
        },
        "token": f"token-{time.monotonic_ns()}",
        "version": 1,
        "app_permissions": str((1 << 41) - 1),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": guild},
        "context": 0,
        "attachment_size_limit": 10485760,
    }


@dataclass
class Process:
    """One `cercle run` child and what was measured of it."""

    shard: int
    guild: str
    channel: str
    child: asyncio.subprocess.Process
    rss_mib: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MiB)
    rank_ms: list[float] = field(default_factory=list)
    unanswered: int = 0
    scale_ms: dict[str, list[float]] = field(default_factory=dict)  # command -> ms

    def rss_after_warmup(self, warmup: float) -> float:
        return next((rss for at, rss in self.rss_mib if at >= warmup), 0.0)

    @property
    def peak_rss(self) -> float:
        return max((rss for _, rss in self.rss_mib), default=0.0)


@dataclass
class LargeCommunity:
    """The community of `--at-scale`, as the stream finds it."""

    community_id: int
    callers: list[str]  # Discord user ids of members with points, who ask the commands
    digests_s: list[float] = field(default_factory=list)


def _build_large(url: str) -> int:
    """In a child process (the builder holds the whole history's aggregates): the large
    community as the digest benchmark builds it (two weeks, with the daily rollup and
    the questions); returns its id."""
    from benchmarks import digest as digest_bench
    from bot.config import Settings

    built = digest_bench._build(url, Settings(), SCALE_MEMBERS, SCALE_ROWS, datetime.now(UTC))
    return built.community_id


async def large_community(url: str, guild: str) -> LargeCommunity:
    """Build it, then make its accounts Discord ones (numeric user ids and the names the
    gateway gives them) and pick who asks."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        community_id = await asyncio.get_running_loop().run_in_executor(pool, _build_large, url)
    from storage.models import PlatformSpace

    numeric = cast(SCALE_USER_BASE + cast(func.substr(Identity.user_id, 2), Integer), String)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(PlatformSpace)
                .where(PlatformSpace.community_id == community_id)
                .values(platform="discord", space_id=guild)
            )
            await connection.execute(
                update(Identity)
                .where(Identity.community_id == community_id)
                .values(platform="discord", user_id=numeric)
            )

            def of_identity(prefix: str) -> Any:
                return (
                    select(prefix + Identity.user_id)
                    .where(Identity.member_id == Member.id)
                    .scalar_subquery()
                )

            # Named as the gateway shows them (`member<user id>`): a member's name changes
            # rarely, so their first command finds them stored as they are.
            await connection.execute(
                update(Member)
                .where(Member.community_id == community_id)
                .values(origin=of_identity("discord:"), display_name=of_identity("member"))
            )
            callers = list(
                await connection.scalars(
                    select(Identity.user_id)
                    .join(Member, Member.id == Identity.member_id)
                    .where(
                        Identity.community_id == community_id,
                        Member.points > 0,
                        Member.excluded.is_(False),
                        Member.is_bot.is_(False),
                    )
                )
            )
    finally:
        await engine.dispose()
    return LargeCommunity(community_id, callers)


def _digest_times(url: str, community_id: int, seconds: float) -> list[float]:
    """In a process of its own: the last whole week's digest of the large community, built
    every DIGEST_PAUSE seconds for `seconds`; how long each took."""
    return asyncio.run(_digests(url, community_id, seconds))


async def _digests(url: str, community_id: int, seconds: float) -> list[float]:
    from bot.clock import SystemClock
    from bot.community import load_view
    from bot.config import Settings
    from bot.core import Cercle
    from bot.features.digests.data import build
    from bot.features.digests.schedule import Period
    from storage.db import Database

    settings = Settings()
    tz = ZoneInfo(settings.defaults.timezone)
    today = datetime.now(tz).date()
    monday = today - timedelta(days=today.weekday())
    period = Period(monday - timedelta(days=7), monday, tz)
    db = Database(url)
    core = Cercle(db, settings, SystemClock())
    times: list[float] = []
    ends = time.perf_counter() + seconds
    try:
        while time.perf_counter() < ends:
            async with db.transaction() as session:
                view = await load_view(session, community_id, "soak-digest", settings)
                began = time.perf_counter()
                data = await build(core, session, view, period, quiet=True, concurrent=True)
                times.append(time.perf_counter() - began)
            if not data.top:
                raise RuntimeError("the large community's digest found no activity")
            await asyncio.sleep(DIGEST_PAUSE)
    finally:
        await db.dispose()
    return times


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _start(
    url: str, fake: FakeDiscord, shard: int, processes: int, folder: Path
) -> asyncio.subprocess.Process:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))},
        "CERCLE_DATABASE__URL": url,
        "DISCORD_TOKEN": "fake-token",
        "CERCLE_DISCORD__API_BASE_URL": fake.base_url,
        "CERCLE_DISCORD__SYNC_COMMANDS": "off",
        "CERCLE_SCORING__MESSAGE_COOLDOWN_SECONDS": "0",
        "CERCLE_SCORING__MESSAGE_MIN_LENGTH": "0",
        "CERCLE_LOG__LEVEL": "WARNING",
    }
    if processes > 1:
        env["CERCLE_DISCORD__SHARD_COUNT"] = str(processes)
        env["CERCLE_DISCORD__SHARD_IDS"] = f"[{shard}]"
    log = (folder / f"process-{shard}.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", "run", env=env, stdout=log, stderr=log
    )


async def _stream(fake: FakeDiscord, procs: list[Process], rate: int, seconds: float) -> int:
    """Push `rate` events/s, spread over the processes' guilds; the number sent."""
    per_tick = max(1, round(rate * TICK / len(procs)))
    sent, seq, began = 0, 1000, time.perf_counter()
    tick = 0
    while time.perf_counter() - began < seconds:
        for proc in procs:
            items = []
            for _ in range(per_tick):
                author = str(5_000_000 + sent % MEMBERS_PER_GUILD)
                items.append(
                    message(
                        snowflake(),
                        proc.channel,
                        user(author, f"member{author}"),
                        f"message {sent}: a useful answer",
                        proc.guild,
                    )
                )
                sent += 1
            frames = fake.frames("MESSAGE_CREATE", items, first_seq=seq)
            seq += len(frames)
            await fake.push(frames, proc.guild)
        tick += 1
        await asyncio.sleep(max(0.0, began + tick * TICK - time.perf_counter()))
    return sent


async def _answered_ms(fake: FakeDiscord, guild: str, payload: dict[str, Any]) -> float | None:
    """Send the interaction and time its callback; None when none came within 10 s."""
    path = f"/interactions/{payload['id']}/"
    mark = len(fake.requests)
    began = time.perf_counter()
    await fake.dispatch("INTERACTION_CREATE", payload, guild)
    while not any(r.method == "POST" and r.path.startswith(path) for r in fake.requests[mark:]):
        if time.perf_counter() - began > 10:
            return None
        await asyncio.sleep(0.001)
    return (time.perf_counter() - began) * 1000


async def _ask_rank(fake: FakeDiscord, proc: Process, stop: asyncio.Event) -> None:
    """Ask /rank every RANK_EVERY seconds and time the answer (the interaction callback)."""
    asked = itertools.count()
    while not stop.is_set():
        payload = rank_interaction(proc.guild, proc.channel, str(5_000_000 + next(asked) % 97))
        took = await _answered_ms(fake, proc.guild, payload)
        if took is None:
            proc.unanswered += 1
        else:
            proc.rank_ms.append(took)
        await asyncio.sleep(RANK_EVERY)


async def _ask_at_scale(
    fake: FakeDiscord, proc: Process, callers: list[str], stop: asyncio.Event
) -> None:
    """The large community's members ask /rank and /leaderboard in turn, each a different
    member with points."""
    rng = random.Random(5)
    for k in itertools.count():
        if stop.is_set():
            return
        command = SCALE_COMMANDS[k % len(SCALE_COMMANDS)]
        caller = rng.choice(callers)
        if command == "rank":
            payload = rank_interaction(proc.guild, proc.channel, caller)
        else:
            payload = rank_interaction(proc.guild, proc.channel, caller, "leaderboard", command)
        took = await _answered_ms(fake, proc.guild, payload)
        if took is None:
            proc.unanswered += 1
        else:
            proc.scale_ms.setdefault(command, []).append(took)
        await asyncio.sleep(SCALE_EVERY)


async def _sample_rss(proc: Process, began: float, stop: asyncio.Event) -> None:
    while not stop.is_set() and proc.child.returncode is None:
        try:
            proc.rss_mib.append((time.perf_counter() - began, _rss_mib(proc.child.pid)))
        except OSError:
            return
        await asyncio.sleep(1.0)


async def _points(url: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(select(func.coalesce(func.sum(Member.points), 0))))
    finally:
        await engine.dispose()


async def soak(
    url: str,
    processes: int,
    rate: int,
    seconds: float,
    folder: Path,
    guilds: list[str],
    large: LargeCommunity | None = None,
) -> dict:
    channels = [str(CHANNEL_BASE + k) for k in range(processes)]
    fake = FakeDiscord(
        [
            FakeGuild(g, f"Soak {k}", channels={"general": c})
            for k, (g, c) in enumerate(zip(guilds, channels, strict=True))
        ],
        shard_count=processes,
    )
    await fake.start()
    procs: list[Process] = []
    try:
        for shard in range(processes):
            child = await _start(url, fake, shard, processes, folder)
            procs.append(Process(shard, guilds[shard], channels[shard], child))
        await fake.wait_sessions(processes, within=120)
        await asyncio.sleep(1.0)
        before = await _points(url)  # the large community's history, if any
        stop, began = asyncio.Event(), time.perf_counter()
        watchers = [asyncio.create_task(_sample_rss(p, began, stop)) for p in procs]
        watchers += [asyncio.create_task(_ask_rank(fake, p, stop)) for p in procs]
        digests = None
        if large is not None:
            watchers.append(asyncio.create_task(_ask_at_scale(fake, procs[0], large.callers, stop)))
            spawn = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(max_workers=1, mp_context=spawn)
            digests = asyncio.get_running_loop().run_in_executor(
                pool, _digest_times, url, large.community_id, seconds - DIGEST_PAUSE
            )
        sent = await _stream(fake, procs, rate, seconds)
        streamed = time.perf_counter() - began
        stop.set()
        await asyncio.gather(*watchers)
        if large is not None and digests is not None:
            large.digests_s = await digests
            pool.shutdown()
        deadline, scored = time.perf_counter() + 120, 0
        while time.perf_counter() < deadline:
            scored = await _points(url) - before
            if scored >= sent:
                break
            await asyncio.sleep(0.5)
        caught_up = time.perf_counter() - began - streamed
    finally:
        for proc in procs:
            if proc.child.returncode is None:
                proc.child.terminate()
        for proc in procs:
            await proc.child.wait()
        await fake.stop()
    return {
        "sent": sent,
        "scored": scored,
        "streamed_s": streamed,
        "caught_up_s": caught_up,
        "procs": procs,
        "warmup": min(60.0, seconds / 6),
        "large": large,
    }


def report(result: dict, processes: int, rate: int, backend: str) -> bool:
    ok = result["sent"] == result["scored"]
    print(
        f"Soak: {processes} cercle run process(es) on {backend}, {rate:,} events/s for "
        f"{result['streamed_s']:.0f} s through a fake Discord gateway"
    )
    print(
        f"  events sent {result['sent']:,}, scored {result['scored']:,} "
        f"({'nothing lost' if ok else 'LOST ' + str(result['sent'] - result['scored'])}); "
        f"caught up {result['caught_up_s']:.1f} s after the stream ended"
    )
    warmup = result["warmup"]
    print(
        f"  {'process':<8} {'RSS@warm-up':>12} {'peak RSS':>9} {'ratio':>6} "
        f"{'/rank n':>8} {'p50 ms':>7} {'p99 ms':>7} {'unanswered':>10}"
    )
    for proc in result["procs"]:
        base, peak = proc.rss_after_warmup(warmup), proc.peak_rss
        ratio = peak / base if base else 0.0
        cuts = quantiles(proc.rank_ms, n=100) if len(proc.rank_ms) >= 2 else [0.0] * 99
        p50, p99 = cuts[49], cuts[98]
        mem_ok = ratio <= 1 + RSS_GROWTH
        rank_ok = p99 < RANK_P99_MS and not proc.unanswered and proc.rank_ms
        ok = ok and mem_ok and bool(rank_ok)
        print(
            f"  {proc.shard:<8} {base:>10.0f} M {peak:>7.0f} M {ratio:>6.2f} "
            f"{len(proc.rank_ms):>8} {p50:>7.1f} {p99:>7.1f} {proc.unanswered:>10}"
            f"  memory {'ok' if mem_ok else 'GREW'}, /rank {'ok' if rank_ok else 'MISSED'}"
        )
    for proc in result["procs"]:
        step = max(1.0, result["streamed_s"] / 10)
        curve, next_at = [], 0.0
        for at, rss in proc.rss_mib:
            if at >= next_at:
                curve.append(f"{rss:.0f}")
                next_at += step
        print(f"  RSS of process {proc.shard} every {step:.0f} s (MiB): {' '.join(curve)}")
    large = result.get("large")
    if large is not None:
        ok = _report_large(large, result["procs"][0]) and ok
    print(
        f"  RSS@warm-up: after {warmup:.0f} s; targets: peak within {RSS_GROWTH:.0%}, "
        f"/rank p99 < {RANK_P99_MS:.0f} ms; verdict {'ok' if ok else 'MISSED'}"
    )
    load = os.getloadavg()
    print(
        f"  load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
        f"on {os.cpu_count()} cores (other work on the machine counts here)"
    )
    return ok


def _report_large(large: LargeCommunity, proc: Process) -> bool:
    """The large community's commands and digest while the stream ran."""
    print(
        f"  in the {SCALE_MEMBERS:,}-member community ({SCALE_ROWS:,} ledger rows), "
        "while the stream ran, through the gateway:"
    )
    ok = True
    for command in SCALE_COMMANDS:
        samples = proc.scale_ms.get(command, [])
        label = "/rank" if command == "rank" else f"/leaderboard {command}"
        if len(samples) < 2:
            print(f"    {label:<20} no answers")
            ok = False
            continue
        cuts = quantiles(samples, n=100)
        met = cuts[98] <= SCALE_P99_MS
        ok = ok and met
        print(
            f"    {label:<20} n {len(samples):>5}  p50 {cuts[49]:>6.1f} ms  p99 {cuts[98]:>6.1f} ms"
            f"  {'ok' if met else 'MISSED'} (target p99 <= {SCALE_P99_MS:.0f} ms)"
        )
    times = large.digests_s
    if times:
        met = max(times) <= DIGEST_SECONDS
        ok = ok and met
        median = sorted(times)[len(times) // 2]
        print(
            f"    {'weekly digest':<20} n {len(times):>5}  median {median:.2f} s"
            f"  max {max(times):.2f} s  {'ok' if met else 'MISSED'} "
            f"(target <= {DIGEST_SECONDS:.0f} s; built in a process of its own)"
        )
    else:
        print("    weekly digest        not built")
        ok = False
    return ok


async def _main(args: argparse.Namespace) -> int:
    seconds = args.minutes * 60 if args.minutes else (60 if args.quick else 600)
    with tempfile.TemporaryDirectory(prefix="cercle-soak-") as folder:
        if args.processes == 1 and not args.postgresql:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'soak.db'}"
            from benchmarks.backends import _upgrade

            await _upgrade(url)
            backend = "SQLite"
        else:
            from benchmarks.backends import PostgresBackend

            server = PostgresBackend(Path(folder))
            url = await server.create("soak")
            backend = "one PostgreSQL"
        guilds = guild_ids(args.processes)
        large = None
        if args.at_scale:
            print(f"building the {SCALE_MEMBERS:,}-member community ...", flush=True)
            large = await large_community(url, guilds[0])
        result = await soak(url, args.processes, args.rate, seconds, Path(folder), guilds, large)
        ok = report(result, args.processes, args.rate, backend)
        if not ok:
            await asyncio.to_thread(_print_logs, Path(folder))
    return 0 if ok else 1


def _print_logs(folder: Path) -> None:
    for log in sorted(folder.glob("process-*.log")):
        tail = log.read_text(errors="replace").splitlines()[-5:]
        print(f"  {log.name}: " + " | ".join(tail))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1 minute instead of 10")
    parser.add_argument("--minutes", type=float, help="how long the stream runs")
    parser.add_argument("--processes", type=int, default=1, help="cercle run processes")
    parser.add_argument("--rate", type=int, help="events/s in all (1,000 per SQLite process)")
    parser.add_argument("--postgresql", action="store_true", help="one PostgreSQL (default >1)")
    parser.add_argument(
        "--at-scale",
        action="store_true",
        help="the first guild is a 100k-member community: its commands and digest, timed",
    )
    args = parser.parse_args(argv)
    if args.rate is None:
        args.rate = 1_000 if args.processes == 1 else 2_000
    return args


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(_main(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
