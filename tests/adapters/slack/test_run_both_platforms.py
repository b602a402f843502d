"""`cercle run` with Discord and Slack credentials: one process, one event loop, both
adapters and the scheduler, one community spanning a guild and a workspace.

A real `cercle run` process talks to a local fake Discord (gateway and REST) and a local
fake Slack Web API, and receives signed Slack events on its own HTTP port."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from typing import Any

import aiohttp
import pytest
from slack_fakes import SIGNING_SECRET, TEAM, FakeSlackApi, signed, ts
from sqlalchemy import select

from benchmarks.discord_fake import FakeDiscord, FakeGuild, message, snowflake, user
from storage.db import Database
from storage.models import Community, Member

pytestmark = pytest.mark.backends("sqlite")

GUILD = "1300000000000000042"
CHANNEL = "1400000000000000042"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def discord_message(author: str, name: str, text: str) -> dict[str, Any]:
    return message(snowflake(), CHANNEL, user(author, name), text, GUILD)


def slack_message(user_id: str, text: str, at: float) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "ACERCLE",
            "type": "event_callback",
            "event_id": f"Ev{int(at):08d}",
            "event_time": int(at),
            "event": {
                "type": "message",
                "channel": "CGENERAL1",
                "channel_type": "channel",
                "user": user_id,
                "text": text,
                "ts": ts(at),
            },
            "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
        }
    )


async def points_by_member(url: str) -> dict[str, tuple[str, int]]:
    db = Database(url)
    try:
        async with db.transaction() as session:
            rows = await session.execute(
                select(Member.origin, Community.slug, Member.points).join(
                    Community, Community.id == Member.community_id
                )
            )
            return {origin: (slug, points) for origin, slug, points in rows}
    finally:
        await db.dispose()


async def test_one_process_runs_discord_and_slack_for_one_community(
    database_url: Any, tmp_path: Any
) -> None:
    url = database_url()
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[communities]]\nname = "acme"\ndiscord_guild_id = "{GUILD}"\nslack_team_id = "{TEAM}"\n'
    )
    discord = await FakeDiscord([FakeGuild(GUILD, "Acme", channels={"general": CHANNEL})]).start()
    slack = FakeSlackApi()
    await slack.start()
    env = {
        **os.environ,
        "CERCLE_CONFIG": str(config),
        "CERCLE_DATABASE__URL": url,
        "DISCORD_TOKEN": "fake-token",
        "CERCLE_DISCORD__API_BASE_URL": discord.base_url,
        "CERCLE_DISCORD__SYNC_COMMANDS": "off",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "CERCLE_SLACK__API_BASE_URL": slack.url,
        "CERCLE_SLACK__HTTP_HOST": "127.0.0.1",
        "CERCLE_SLACK__HTTP_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await discord.wait_sessions(1, within=60)
        text = "A long enough message to score points"
        await discord.dispatch("MESSAGE_CREATE", discord_message("3001", "dora", text), GUILD)
        body = slack_message("UALICE", text, time.time())
        async with aiohttp.ClientSession() as http:
            for _ in range(300):  # the HTTP side may start a moment after the gateway
                try:
                    response = await http.post(
                        f"http://127.0.0.1:{port}/slack/events",
                        data=body,
                        headers={"Content-Type": "application/json", **signed(body)},
                    )
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            assert response.status == 200
            forged = await http.post(
                f"http://127.0.0.1:{port}/slack/events",
                data=body,
                headers={"Content-Type": "application/json", **signed(body, secret="wrong")},
            )
            assert forged.status == 401
        deadline = time.monotonic() + 30
        while True:
            found = await points_by_member(url)
            if len(found) == 2 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        # One community for the guild and the workspace, each member scored once.
        assert found == {"discord:3001": ("acme", 1), "slack:UALICE": ("acme", 1)}

        status = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "adapters.cli", "status", env=env, stdout=asyncio.subprocess.PIPE
        )
        shown = (await status.communicate())[0].decode()
        assert "adapters discord,slack" in shown
        assert "scheduler  held by" in shown
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            code = None
        errors = (await process.stderr.read()).decode() if process.stderr else ""
        await discord.stop()
        await slack.close()
    assert code == 0, errors  # a clean stop on SIGTERM
