"""kill -9 during a burst, then a restart: what was received but not committed, and what
was posted while Cercle was down, is read back from the channels' history and scored
exactly once (Discord and Slack, through their protocol fakes, into real `cercle run`
processes)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import ClientSession
from processes import CercleProcess, free_port
from slack_fakes import SIGNING_SECRET, TEAM, FakeSlackApi, signed
from sqlalchemy import func, select

from benchmarks.discord_fake import FakeDiscord, FakeGuild, message, snowflake, user
from storage.db import Database
from storage.models import Contribution, Member

GUILD = "1300000000000000000"
CHANNELS = {"general": "1400000000000000010", "help": "1400000000000000011"}
MEMBERS, EACH = 120, 8


def burst() -> list[dict[str, Any]]:
    """Each member posts EACH scoring messages, 61 s apart (one per cooldown window),
    over the last few hours; all of them in time order."""
    start_ms = (time.time() - 3 * 3600) * 1000
    posts = []
    for member in range(MEMBERS):
        author = user(str(5000 + member), f"member{member}")
        for n in range(EACH):
            at_ms = start_ms + n * 61_000 + member * 7
            channel = list(CHANNELS.values())[(member + n) % 2]
            text = f"message {n} of member {member}, long enough to score"
            posts.append(message(snowflake(at_ms), channel, author, text, guild_id=GUILD))
    return sorted(posts, key=lambda m: int(m["id"]))


async def totals(db: Database) -> tuple[int, int, list[int]]:
    """(message rows, points, each member's points) as the ledger and counters say."""
    async with db.transaction() as session:
        rows = await session.scalar(
            select(func.count()).select_from(Contribution).where(Contribution.kind == "message")
        )
        points = await session.scalar(select(func.coalesce(func.sum(Contribution.points), 0)))
        each = (await session.scalars(select(Member.points).order_by(Member.id))).all()
    return int(rows or 0), int(points or 0), list(each)


async def wait_for_rows(db: Database, rows: int, within: float) -> None:
    deadline = time.monotonic() + within
    for _ in range(int(within * 5)):
        if (await totals(db))[0] >= rows or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.2)


async def test_kill_during_a_burst_then_restart_scores_every_message_once(
    database_url: Callable[..., str], tmp_path: Path
) -> None:
    url = database_url()
    fake = await FakeDiscord([FakeGuild(GUILD, "Acme", channels=CHANNELS)]).start()
    env = {
        "DISCORD_TOKEN": "fake-token",
        "CERCLE_CONFIG": str(tmp_path / "none.toml"),
        "CERCLE_DATABASE__URL": url,
        "CERCLE_DISCORD__API_BASE_URL": fake.base_url,
        "CERCLE_DISCORD__SYNC_COMMANDS": "off",
    }
    (tmp_path / "none.toml").write_text("")
    posts = burst()
    live, while_down = posts[: len(posts) * 3 // 5], posts[len(posts) * 3 // 5 :]
    db = Database(url)
    first = await CercleProcess(env, tmp_path).start()
    second = CercleProcess(env, tmp_path)
    try:
        await fake.wait_sessions(1, within=30)
        await fake.dispatch_many("MESSAGE_CREATE", live, GUILD)
        first.kill()  # mid-burst: received events wait in memory, uncommitted
        await first.stop()
        for post in while_down:  # posted while no Cercle was connected
            fake.remember(post)
        await second.start()
        await fake.wait_sessions(1, within=30)
        await wait_for_rows(db, len(posts), within=30)
        # A redelivery of old messages after the backfill changes nothing.
        await fake.dispatch_many("MESSAGE_CREATE", posts[:50], GUILD)
        await asyncio.sleep(1.0)
        rows, points, each = await totals(db)
        assert (rows, points) == (MEMBERS * EACH, MEMBERS * EACH), second.output()[-3000:]
        assert each == [EACH] * MEMBERS
    finally:
        first.kill()
        await second.stop()
        await first.stop()
        await db.dispose()
        await fake.stop()


async def test_slack_kill_after_acknowledged_events_then_restart_scores_each_once(
    database_url: Callable[..., str], slack_api: FakeSlackApi, tmp_path: Path
) -> None:
    url = database_url()
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "CERCLE_DATABASE__URL": url,
        "CERCLE_SLACK__API_BASE_URL": slack_api.url,
        "CERCLE_SLACK__HTTP_HOST": "127.0.0.1",
        "CERCLE_SLACK__HTTP_PORT": str(port),
        "CERCLE_CONFIG": str(tmp_path / "none.toml"),
    }
    (tmp_path / "none.toml").write_text("")
    start = time.time() - 3 * 3600
    posts = [
        {
            "type": "message",
            "channel": "CGENERAL1",
            "channel_type": "channel",
            "user": f"U{1000 + member}",
            "text": f"message {n} of member {member}, long enough to score",
            "ts": f"{start + n * 61 + member * 0.01:.6f}",
        }
        for n in range(6)
        for member in range(20)
    ]
    live, while_down = posts[:80], posts[80:]
    db = Database(url)
    first = await CercleProcess(env, tmp_path).start()
    second = CercleProcess(env, tmp_path)
    try:
        await first.wait_port(port)
        async with ClientSession() as http:
            for number, post in enumerate(live):
                slack_api.history.setdefault("CGENERAL1", []).append(post)
                body = json.dumps(
                    {
                        "team_id": TEAM,
                        "api_app_id": "ACERCLE",
                        "type": "event_callback",
                        "event_id": f"Ev{number:08d}",
                        "event_time": int(float(post["ts"])),
                        "event": {**post, "event_ts": post["ts"]},
                    }
                )
                headers = {"Content-Type": "application/json", **signed(body)}
                async with http.post(
                    f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
                ) as answer:
                    assert answer.status == 200  # acknowledged: Slack never sends it again
        first.kill()
        await first.stop()
        slack_api.history["CGENERAL1"] += while_down  # said while no Cercle listened
        await second.start()
        await second.wait_port(port)
        await wait_for_rows(db, len(posts), within=30)
        await asyncio.sleep(0.5)
        rows, points, each = await totals(db)
        assert (rows, points) == (len(posts), len(posts)), second.output()[-3000:]
        assert each == [6] * 20
    finally:
        first.kill()
        await second.stop()
        await first.stop()
        await db.dispose()
