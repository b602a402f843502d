"""Two `cercle run` processes share one bot: shard 0 in one, shard 1 in the other.

Each process identifies only the shard its config names, receives only its guilds'
events, and both write to one database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import discord_payloads as p
from sqlalchemy import select

from benchmarks.discord_fake import FakeDiscord, FakeGuild
from storage.db import Database
from storage.models import Member, PlatformSpace


def guild_on(shard: int, count: int) -> str:
    base = 1300000000000000000
    return str(
        next(g for g in range(base, base + (1 << 24), 1 << 22) if (g >> 22) % count == shard)
    )


async def test_two_processes_split_the_shards(database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = database_url()
    config = tmp_path / "config.toml"
    config.write_text("[discord]\nshard_count = 2\n")
    guilds = [
        FakeGuild(guild_on(0, 2), "Zero", channels={"general": "1400000000000000010"}),
        FakeGuild(guild_on(1, 2), "One", channels={"general": "1400000000000000011"}),
    ]
    fake = await FakeDiscord(guilds, shard_count=2).start()
    processes = []
    try:
        for shard in (0, 1):
            env = {
                **os.environ,
                "DISCORD_TOKEN": "fake-token",
                "CERCLE_CONFIG": str(config),
                "CERCLE_DATABASE__URL": url,
                "CERCLE_DISCORD__API_BASE_URL": fake.base_url,
                "CERCLE_DISCORD__SHARD_IDS": f"[{shard}]",
            }
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "adapters.cli",
                    "run",
                    env=env,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                )
            )
        try:
            await fake.wait_sessions(2, within=60)
        except AssertionError:
            for process in processes:
                if process.returncode is not None and process.stderr is not None:
                    print((await process.stderr.read()).decode())
            raise
        assert sorted(fake.identified) == [(0, 2), (1, 2)]
        for index, guild in enumerate(guilds):
            for author in ("3001", "3002"):
                message = p.message_create(
                    author,
                    f"member{author}",
                    "A long enough message to score points",
                    channel_id=guild.channels["general"],
                    guild_id=guild.id,
                )
                await fake.dispatch("MESSAGE_CREATE", message, guild.id)
                await fake.dispatch("MESSAGE_CREATE", message, guild.id)  # redelivered
            del index
        db = Database(url)
        try:
            deadline = time.monotonic() + 30
            while True:
                async with db.transaction() as session:
                    rows = (
                        await session.execute(
                            select(PlatformSpace.space_id, Member.origin, Member.points).join(
                                Member, Member.community_id == PlatformSpace.community_id
                            )
                        )
                    ).all()
                if len(rows) == 4 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
        finally:
            await db.dispose()
        # each guild became its own community; every member counted once, by its shard
        assert sorted(rows) == sorted(
            (g.id, f"discord:{a}", 1) for g in guilds for a in ("3001", "3002")
        )
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
        await fake.stop()
