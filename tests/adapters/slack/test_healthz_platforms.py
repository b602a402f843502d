"""`/healthz` of a real `cercle run` with Discord and Slack: the database and each
platform's connection, as an orchestrator or an uptime check reads them."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from typing import Any

import aiohttp
import pytest
from cercle_cli import REPO
from slack_fakes import SIGNING_SECRET, FakeSlackApi
from test_run_both_platforms import GUILD, free_port

from benchmarks.discord_fake import FakeDiscord, FakeGuild

pytestmark = pytest.mark.backends("sqlite")


async def healthz_until(port: int, done: Any, within: float = 60) -> tuple[int, dict[str, Any]]:
    """`/healthz`'s status and report, asked until `done(report)` (or the time is up)."""
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                    status, report = answer.status, await answer.json()
                if done(report) or time.monotonic() > deadline:
                    return status, report
            except aiohttp.ClientConnectionError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.2)


async def run_with(tmp_path: Any, url: str, discord: FakeDiscord, slack: FakeSlackApi, port: int):
    env = {
        **os.environ,
        "CERCLE_DATABASE__URL": url,
        "CERCLE_INGEST__JOURNAL": str(tmp_path / "journal"),
        "CERCLE_HEALTH__PORT": str(port),
        "DISCORD_TOKEN": "fake-token",
        "CERCLE_DISCORD__API_BASE_URL": discord.base_url,
        "CERCLE_DISCORD__SYNC_COMMANDS": "off",
        "CERCLE_INGEST__BACKFILL_HOURS": "0",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "CERCLE_SLACK__API_BASE_URL": slack.url,
        "CERCLE_SLACK__HTTP_HOST": "127.0.0.1",
        "CERCLE_SLACK__HTTP_PORT": str(free_port()),
    }
    env.pop("CERCLE_CONFIG", None)
    # This checkout's code, whatever the working folder.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 20)
    except TimeoutError:
        process.kill()


@pytest.fixture
async def fakes():
    discord = await FakeDiscord([FakeGuild(GUILD, "Acme", channels={"general": "1"})]).start()
    slack = FakeSlackApi()
    await slack.start()
    yield discord, slack
    await discord.stop()
    await slack.close()


async def test_healthz_is_ok_with_the_database_and_every_platform_connected(
    database_url: Any, tmp_path: Any, fakes: Any
) -> None:
    discord, slack = fakes
    port = free_port()
    process = await run_with(tmp_path, database_url(), discord, slack, port)
    try:
        status, report = await healthz_until(port, lambda r: r["status"] == "ok")
    finally:
        await stop(process)
    assert status == 200, report
    assert report["database"] == {"reachable": True}
    assert report["platforms"] == {"discord": {"connected": True}, "slack": {"connected": True}}


async def test_healthz_names_the_platform_whose_token_was_refused(
    database_url: Any, tmp_path: Any, fakes: Any
) -> None:
    discord, slack = fakes
    discord.fail("GET", r"^/users/@me$", 401, 0, "401: Unauthorized")
    port = free_port()
    process = await run_with(tmp_path, database_url(), discord, slack, port)
    try:
        status, report = await healthz_until(
            port, lambda r: "error" in r["platforms"].get("discord", {})
        )
    finally:
        await stop(process)
    assert status == 503
    assert report["status"] == "degraded"
    assert report["database"] == {"reachable": True}  # the process and database are fine
    assert report["platforms"]["slack"] == {"connected": True}
    discord_state = report["platforms"]["discord"]
    assert discord_state["connected"] is False
    assert "Discord refused DISCORD_TOKEN" in discord_state["error"]


async def test_cercle_status_shows_each_platform_of_a_running_process(tmp_path: Any) -> None:
    from adapters import health

    async def connections() -> dict[str, str | None]:
        return {"discord": "Discord refused DISCORD_TOKEN", "slack": None}

    reporter = health.HealthReporter(connections, tmp_path, "127.0.0.1", None)
    await reporter.start()
    try:
        await asyncio.sleep(0.2)
        said = "\n".join(health.status_lines(tmp_path))
    finally:
        await reporter.stop()
    assert "discord: NOT CONNECTED (Discord refused DISCORD_TOKEN)" in said
    assert "slack: connected" in said
