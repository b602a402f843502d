"""Button presses are never lost and never applied twice: a press acknowledged just
before a crash is recorded, and the same delivery replayed (Slack's signed body sent
again, Discord's interaction redelivered) changes nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import discord_payloads as p
from aiohttp import ClientSession
from discord_setup import FAKE_READY, SECRETS, discord_settings
from processes import CercleProcess, free_port
from slack_fakes import SIGNING_SECRET, TEAM, FakeSlackApi, SlackApp, signed
from sqlalchemy import select

from adapters.discord.adapter import DiscordAdapter
from benchmarks.discord_fake import FakeDiscord, FakeGuild
from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from storage.db import Database
from storage.models import Member
from storage.models.ideas import Idea, IdeaVote

FORM = "application/x-www-form-urlencoded"


def press_body(custom_id: str, user: str, trigger: str, message_ts: str) -> str:
    """A Slack block_actions request body, as Slack signs and sends it."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "cercle-test"},
        "api_app_id": "ACERCLE",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
        "trigger_id": trigger,
        "container": {"type": "message", "message_ts": message_ts, "channel_id": "CGENERAL1"},
        "channel": {"id": "CGENERAL1", "name": "general"},
        "message": {"type": "message", "ts": message_ts, "user": "UBOT", "text": ""},
        "actions": [
            {
                "type": "button",
                "action_id": custom_id,
                "block_id": "b1",
                "value": custom_id,
                "action_ts": "1767603700.200300",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


async def votes(db: Database) -> list[tuple[str, int, str]]:
    """Every vote as (member's account, idea number, choice)."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(Member.origin, Idea.number, IdeaVote.choice)
            .join(IdeaVote, IdeaVote.member_id == Member.id)
            .join(Idea, Idea.id == IdeaVote.idea_id)
        )
        return sorted(tuple(row) for row in rows.all())  # type: ignore[misc]


async def test_a_replayed_slack_button_press_changes_nothing(
    core: Cercle, db: Database, slack_settings: Settings, slack_api: FakeSlackApi
) -> None:
    async with SlackApp(core, slack_settings, slack_api) as slack:
        await slack.command("/idea", 'submit "Dark mode"')
        card = slack_api.history["CGENERAL1"][0]["ts"]
        body = press_body("idea:1:vote:for", "UBOB", "press.42.abc", card)
        # The same signed request three times (a retry, a replay within five minutes).
        for _ in range(3):
            status, _ = await slack.post(body, FORM)
            assert status == 200
            assert await votes(db) == [("slack:UBOB", 1, "for")]
        # A new press (a new trigger) is a new delivery: pressing For again takes it back.
        status, _ = await slack.post(press_body("idea:1:vote:for", "UBOB", "press.43", card), FORM)
        assert status == 200
        assert await votes(db) == []


async def test_a_redelivered_discord_button_press_changes_nothing(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    guild = FakeGuild(id=p.GUILD, name="Acme", channels={"general": p.GENERAL})
    fake = await FakeDiscord([guild]).start()
    configured = discord_settings(settings, fake)
    core = Cercle(db, configured, clock)
    adapter = DiscordAdapter(configured, SECRETS, guild_ready_timeout=FAKE_READY)
    try:
        await adapter.start(core)
        await adapter.wait_ready(within=15)
        submit = p.command(("idea", "submit"), {"title": "Dark mode"})
        await fake.dispatch("INTERACTION_CREATE", submit, p.GUILD)
        await fake.wait_for("POST", f"/interactions/{submit['id']}/")
        press = p.button("idea:1:vote:for", "1400000000000000099")
        for count in (1, 2, 3):  # the gateway delivers the same interaction again
            await fake.dispatch("INTERACTION_CREATE", press, p.GUILD)
            await fake.wait_for("POST", f"/interactions/{press['id']}/", count=count)
            await adapter.idle()
            assert await votes(db) == [("discord:2002", 1, "for")]
    finally:
        await adapter.stop()
        await fake.stop()


async def test_a_press_acknowledged_just_before_a_crash_is_recorded(
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
    events = f"http://127.0.0.1:{port}/slack/events"
    process = await CercleProcess(env, tmp_path).start()
    db = Database(url)
    try:
        await process.wait_port(port)
        async with ClientSession() as http:
            command = urlencode(
                {
                    "team_id": TEAM,
                    "channel_id": "CGENERAL1",
                    "user_id": "UALICE",
                    "command": "/idea",
                    "text": 'submit "Dark mode"',
                    "trigger_id": "cmd.1",
                    "response_url": slack_api.response_url("cmd1"),
                }
            )
            async with http.post(
                events, data=command, headers={"Content-Type": FORM, **signed(command)}
            ) as answer:
                assert answer.status == 200
            for _ in range(600):
                if slack_api.history.get("CGENERAL1"):
                    break
                await asyncio.sleep(0.05)
            posted = slack_api.history.get("CGENERAL1")
            assert posted, f"no idea card within 30 s; the process said:\n{process.output()}"
            card = slack_api.history["CGENERAL1"][0]["ts"]
            # Bob is new to Cercle: his profile is looked up on Slack (slowly) first.
            slack_api.delays["users.info"] = 0.5
            press = press_body("idea:1:vote:for", "UBOB", "press.1", card)
            async with http.post(
                events, data=press, headers={"Content-Type": FORM, **signed(press)}
            ) as answer:
                status = answer.status
            process.kill()  # right after Slack got its 200
            assert status == 200
        await process.stop()
        assert await votes(db) == [("slack:UBOB", 1, "for")]
    finally:
        process.kill()
        await process.stop()
        await db.dispose()
