"""Community events on Slack: the event card as Block Kit, with its times as Slack date
tokens, and its Going / Maybe / Can't go buttons still answering after a restart."""

from __future__ import annotations

import pytest
from slack_fakes import SlackApp, texts_of

from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from storage.db import Database

pytestmark = pytest.mark.backends("sqlite")


async def test_the_event_card_and_its_buttons_work_after_a_restart(
    core: Cercle, settings: Settings, db: Database, slack_api, clock: ManualClock
) -> None:
    async with SlackApp(core, settings, slack_api) as first:
        status, _ = await first.command(
            "/cercle", 'event create "Office hours" "2026-01-06 18:00" 2h 1', user="UMONA"
        )
        assert status == 200
        card = next(p for p in slack_api.named("chat.postMessage") if "Office hours" in p["text"])
        shown = texts_of(card)
        # Each reader sees the start in their own time zone: Slack's date token.
        assert "<!date^1767722400^" in shown
        assert "Going" in shown and "0 / 1" in shown
        buttons = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert [b["text"]["text"] for b in buttons] == ["Going", "Maybe", "Can't go"]
        assert [b["value"] for b in buttons] == ["event:1:going", "event:1:maybe", "event:1:no"]
        # `/event` is a short alias of `/cercle event`.
        assert (await first.command("/event", "show 1"))[0] == 200
    # A new process: a new core and a new app on the same database.
    restarted = Cercle(db, settings, clock)
    message_ts = slack_api.history[card["channel"]][0]["ts"]
    async with SlackApp(restarted, settings, slack_api) as second:
        updates = len(slack_api.named("chat.update"))
        status, _ = await second.press("event:1:going", "UBOB", card["channel"], message_ts)
        assert status == 200
        status, _ = await second.press("event:1:going", "UALICE", card["channel"], message_ts)
        assert status == 200
        updated = slack_api.named("chat.update")[updates:]
        assert updated and updated[-1]["ts"] == message_ts
        last = texts_of(updated[-1])
        assert "1 / 1" in last and "Waitlist" in last
