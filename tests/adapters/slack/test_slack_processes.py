"""Slack HTTP mode with two Cercle processes behind one URL: Slack may send an event to
one and its retry to the other (or both at once); it is scored once. Runs on PostgreSQL
too: the subject is several processes on one database."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable

import pytest
from aiohttp import ClientSession
from slack_fakes import SIGNING_SECRET, TEAM, FakeSlackApi, SlackApp, signed, ts
from sqlalchemy import func, select

from adapters.slack.adapter import SlackAdapter
from bot.clock import ManualClock
from bot.config import Secrets, Settings, SlackSettings
from bot.core import Cercle
from storage.db import Database
from storage.models import Contribution


async def totals(db: Database) -> tuple[int, int]:
    async with db.transaction() as session:
        points = await session.scalar(select(func.coalesce(func.sum(Contribution.points), 0)))
        rows = await session.scalar(select(func.count()).select_from(Contribution))
    return int(points or 0), int(rows or 0)


async def test_two_processes_score_an_event_and_its_retries_once(
    database_url: Callable[..., str],
    settings: Settings,
    slack_api: FakeSlackApi,
    clock: ManualClock,
) -> None:
    url = database_url()
    first_db, second_db = Database(url), Database(url)
    try:
        first, second = Cercle(first_db, settings, clock), Cercle(second_db, settings, clock)
        async with (
            SlackApp(first, settings, slack_api) as one,
            SlackApp(second, settings, slack_api) as two,
        ):
            events = []
            for n in range(6):
                events.append(
                    {
                        "type": "message",
                        "channel": "CGENERAL1",
                        "user": ["UALICE", "UBOB", "UCAROL"][n % 3],
                        "text": f"message number {n} with enough words",
                        "ts": ts(n * 100),
                        "event_ts": ts(n * 100),
                        "channel_type": "channel",
                    }
                )
            reaction = {
                "type": "reaction_added",
                "user": "UBOB",
                "reaction": "tada",
                "item_user": "UALICE",
                "item": {"type": "message", "channel": "CGENERAL1", "ts": ts(0)},
                "event_ts": ts(700),
            }
            # Each event reaches both processes at once, then a retry reaches each again.
            for event_id, event in enumerate([*events, reaction]):
                key = f"Ev{event_id:06d}"
                await asyncio.gather(one.event(event, event_id=key), two.event(event, event_id=key))
                await asyncio.gather(
                    two.event(event, event_id=key, retry=1), one.event(event, event_id=key, retry=2)
                )
            await one.settle()
            await two.settle()
        points, rows = await totals(first_db)
        assert (points, rows) == (7, 7)  # six messages and one reaction, each once
    finally:
        await first_db.dispose()
        await second_db.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.backends("sqlite")
async def test_http_mode_serves_slack_events_on_the_configured_port(
    core: Cercle, settings: Settings, slack_api: FakeSlackApi
) -> None:
    port = free_port()
    served = settings.model_copy(
        update={
            "slack": SlackSettings(
                api_base_url=slack_api.url, http_host="127.0.0.1", http_port=port
            )
        }
    )
    adapter = SlackAdapter(
        served, Secrets(slack_bot_token="xoxb-t", slack_signing_secret=SIGNING_SECRET)
    )
    await adapter.start(core)
    try:
        assert core.readers["slack"].message_link(
            TEAM, "CGENERAL1", "CGENERAL1:1767603600.000100"
        ) == ("https://cercle-test.slack.com/archives/CGENERAL1/p1767603600000100")
        body = json.dumps({"type": "url_verification", "challenge": "c-42", "token": "x"})
        async with ClientSession() as http:
            answer = await http.post(
                f"http://127.0.0.1:{port}/slack/events",
                data=body,
                headers={"Content-Type": "application/json", **signed(body)},
            )
            assert answer.status == 200 and "c-42" in await answer.text()
            refused = await http.post(
                f"http://127.0.0.1:{port}/slack/events",
                data=body,
                headers={"Content-Type": "application/json", **signed(body, secret="wrong")},
            )
            assert refused.status == 401
    finally:
        await adapter.stop()
