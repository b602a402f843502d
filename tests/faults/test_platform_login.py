"""A platform that refuses its credentials: `cercle run` exits non-zero with one line when
nothing else runs, and goes on with the others, saying so in `cercle status`, when
something does. Discord is faked at its HTTP edge: 401 on /users/@me."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapters" / "slack"))
from slack_fakes import SIGNING_SECRET, FakeSlackApi

from benchmarks.discord_fake import FakeDiscord, FakeGuild

pytestmark = pytest.mark.backends("sqlite")

GUILD = "1300000000000000042"
EXIT_NOT_CONNECTED = 78
INFO_LOG = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z INFO ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def refusing_discord() -> FakeDiscord:
    discord = await FakeDiscord([FakeGuild(GUILD, "Acme", channels={"general": "14"})]).start()
    discord.fail("GET", r"^/users/@me$", 401, 0, "401: Unauthorized")
    return discord


def environment(url: str, discord: FakeDiscord, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    return {
        **keep,
        "CERCLE_DATABASE__URL": url,
        "DISCORD_TOKEN": "not-a-valid-token",
        "CERCLE_DISCORD__API_BASE_URL": discord.base_url,
        "CERCLE_DISCORD__SYNC_COMMANDS": "off",
        **extra,
    }


async def cercle(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_a_refused_discord_token_alone_exits_non_zero_with_one_line(database_url) -> None:
    discord = await refusing_discord()
    try:
        process = await cercle("run", env=environment(database_url(), discord))
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    finally:
        await discord.stop()
    assert process.returncode == EXIT_NOT_CONNECTED, stderr.decode()
    # startup's timestamped INFO log lines aside, one line says what went wrong
    lines = [line for line in stderr.decode().splitlines() if not INFO_LOG.match(line)]
    assert len(lines) == 1, lines
    (line,) = lines
    assert "DISCORD_TOKEN" in line and "not-a-valid-token" not in line, line
    assert discord.calls("GET", r"^/users/@me$")


async def test_a_refused_discord_token_beside_slack_is_shown_in_status(database_url) -> None:
    discord = await refusing_discord()
    slack = FakeSlackApi()
    await slack.start()
    env = environment(
        database_url(),
        discord,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        CERCLE_SLACK__API_BASE_URL=slack.url,
        CERCLE_SLACK__HTTP_HOST="127.0.0.1",
        CERCLE_SLACK__HTTP_PORT=str(free_port()),
    )
    process = await cercle("run", env=env)
    try:
        deadline, shown = time.monotonic() + 90, ""
        while "discord (down" not in shown and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            assert process.returncode is None
            status = await cercle("status", env=env)
            shown = (await status.communicate())[0].decode()
        assert "discord (down: Discord refused DISCORD_TOKEN" in shown, shown
        assert ",slack" in shown, shown
        assert process.returncode is None  # Slack goes on
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
        await discord.stop()
        await slack.close()
    assert code == 0
