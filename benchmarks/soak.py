"""The soak: a steady stream of MESSAGE_CREATE through a fake Discord gateway into real
`cercle run` processes for minutes, while members ask `/rank`.

One process on a SQLite file at 1,000 events/s, or several processes (one Discord shard
each) on one PostgreSQL at 2,000 events/s in all, for 10 minutes (`--quick`: 1 minute).
Checked at the end: nothing lost (the members' points add up to one per message sent),
the peak memory (RSS) of each process within 10 % of its RSS after the first minute (the
first sixth of a shorter run), and `/rank` answered, p99 under 100 ms, while the stream
runs (timed from the INTERACTION_CREATE sent until the interaction's callback arrives).

    python -m benchmarks.soak [--quick] [--processes 4 --rate 2000] [--minutes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import quantiles
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.discord_fake import FakeDiscord, FakeGuild, message, snowflake, user
from storage.models import Member

CHANNEL_BASE = 1_400_000_000_000_000_001
MEMBERS_PER_GUILD = 2_000
TICK = 0.1  # seconds between two pushes of the stream
RANK_EVERY = 0.5  # seconds between two /rank asked per process
RANK_P99_MS = 100.0
RSS_GROWTH = 0.10


def guild_ids(count: int) -> list[str]:
    """One guild per shard of `count` (a guild's shard is (id >> 22) % count)."""
    base, found = 1_300_000_000_000_000_000, {}
    for k in itertools.count():
        gid = base + (k << 22)
        found.setdefault((gid >> 22) % count, str(gid))
        if len(found) == count:
            return [found[shard] for shard in range(count)]
    raise AssertionError("unreachable")


def rank_interaction(guild: str, channel: str, member_id: str) -> dict[str, Any]:
    """INTERACTION_CREATE for `/rank`, in Discord's documented shape."""
    return {
        "id": snowflake(),
        "application_id": "900000000000000001",
        "type": 2,
        "data": {"id": snowflake(), "name": "rank", "type": 1, "options": []},
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

    def rss_after_warmup(self, warmup: float) -> float:
        return next((rss for at, rss in self.rss_mib if at >= warmup), 0.0)

    @property
    def peak_rss(self) -> float:
        return max((rss for _, rss in self.rss_mib), default=0.0)


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


async def _ask_rank(fake: FakeDiscord, proc: Process, stop: asyncio.Event) -> None:
    """Ask /rank every RANK_EVERY seconds and time the answer (the interaction callback)."""
    asked = itertools.count()
    while not stop.is_set():
        payload = rank_interaction(proc.guild, proc.channel, str(5_000_000 + next(asked) % 97))
        path = f"/interactions/{payload['id']}/"
        mark = len(fake.requests)
        began = time.perf_counter()
        await fake.dispatch("INTERACTION_CREATE", payload, proc.guild)
        while not any(r.method == "POST" and r.path.startswith(path) for r in fake.requests[mark:]):
            if time.perf_counter() - began > 10:
                proc.unanswered += 1
                break
            await asyncio.sleep(0.001)
        else:
            proc.rank_ms.append((time.perf_counter() - began) * 1000)
        await asyncio.sleep(RANK_EVERY)


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


async def soak(url: str, processes: int, rate: int, seconds: float, folder: Path) -> dict:
    guilds = guild_ids(processes)
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
        stop, began = asyncio.Event(), time.perf_counter()
        watchers = [asyncio.create_task(_sample_rss(p, began, stop)) for p in procs]
        watchers += [asyncio.create_task(_ask_rank(fake, p, stop)) for p in procs]
        sent = await _stream(fake, procs, rate, seconds)
        streamed = time.perf_counter() - began
        stop.set()
        await asyncio.gather(*watchers)
        deadline, scored = time.perf_counter() + 120, 0
        while time.perf_counter() < deadline:
            scored = await _points(url)
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
        result = await soak(url, args.processes, args.rate, seconds, Path(folder))
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
    args = parser.parse_args(argv)
    if args.rate is None:
        args.rate = 1_000 if args.processes == 1 else 2_000
    return args


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(_main(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
