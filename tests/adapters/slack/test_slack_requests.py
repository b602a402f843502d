"""Slack's request path: signatures, url_verification, events scored once."""

from __future__ import annotations

import json
import time

import pytest
from slack_fakes import SIGNING_SECRET, TEAM, FakeSlackApi, SlackApp, ts
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from storage.db import Database
from storage.models import Contribution, Member

pytestmark = pytest.mark.backends("sqlite")


async def total_points(core: Cercle) -> int:
    async with core.db.transaction() as session:
        return int(await session.scalar(select(func.coalesce(func.sum(Contribution.points), 0))))


async def test_url_verification_answers_the_challenge(slack: SlackApp) -> None:
    body = json.dumps(
        {
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    status, text = await slack.post(body, "application/json")
    assert status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text


async def test_a_bad_signature_is_refused_and_changes_nothing(
    slack: SlackApp, core: Cercle
) -> None:
    event = {
        "type": "message",
        "channel": "CGENERAL1",
        "user": "UALICE",
        "text": "a long enough message",
        "ts": ts(1),
        "channel_type": "channel",
    }
    body = json.dumps(
        {"team_id": TEAM, "event": event, "type": "event_callback", "event_id": "Ev1"}
    )
    status, _ = await slack.post(body, "application/json", secret="not-the-secret")
    assert status == 401
    assert await total_points(core) == 0
    assert slack.api.named("users.info") == []


async def test_a_stale_timestamp_is_refused(slack: SlackApp, core: Cercle) -> None:
    status, _ = await slack.command("/rank", "", at=int(time.time()) - 10 * 60)
    assert status == 401
    assert slack.api.responses == []
    assert SIGNING_SECRET  # signed with the right secret: only the time is wrong


async def test_a_message_scores_and_a_retried_delivery_scores_once(
    slack: SlackApp, core: Cercle
) -> None:
    event = {
        "type": "message",
        "channel": "CGENERAL1",
        "user": "UALICE",
        "text": "Here is how I fixed the login loop",
        "ts": ts(5),
        "event_ts": ts(5),
        "channel_type": "channel",
    }
    assert await slack.event(event, event_id="Ev0001") == 200
    assert await total_points(core) == 1
    # Slack did not see the answer in time and sends it again, twice.
    assert await slack.event(event, event_id="Ev0001", retry=1) == 200
    assert await slack.event(event, event_id="Ev0001", retry=2) == 200
    assert await total_points(core) == 1


async def test_bot_messages_and_join_notices_are_not_scored(slack: SlackApp, core: Cercle) -> None:
    await slack.message(
        "UBOB", "an automated deployment notice here", 1, bot_id="B999", subtype="bot_message"
    )
    await slack.message(
        "UBOB", "<@UBOB> has joined the channel, welcome", 2, subtype="channel_join"
    )
    assert await total_points(core) == 0
    await slack.message("UBOB", "a real message from bob, long enough", 3)
    assert await total_points(core) == 1


async def test_a_thread_reply_edit_and_deletion(slack: SlackApp, core: Cercle) -> None:
    root = await slack.message("UALICE", "How do I export my data to CSV?", 1)
    reply = await slack.message("UBOB", "Settings, then Export, then CSV", 120, thread_ts=root)
    assert await total_points(core) == 2
    await slack.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "CGENERAL1",
            "channel_type": "channel",
            "hidden": True,
            "message": {
                "type": "message",
                "user": "UBOB",
                "text": "Settings > Export > CSV",
                "ts": reply,
                "edited": {"user": "UBOB", "ts": ts(200)},
            },
            "previous_message": {
                "type": "message",
                "user": "UBOB",
                "text": "Settings, then Export, then CSV",
                "ts": reply,
            },
            "event_ts": ts(200),
            "ts": ts(200),
        }
    )
    assert await total_points(core) == 2
    await slack.event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": "CGENERAL1",
            "channel_type": "channel",
            "hidden": True,
            "deleted_ts": reply,
            "previous_message": {"type": "message", "user": "UBOB", "text": "x", "ts": reply},
            "event_ts": ts(300),
            "ts": ts(300),
        }
    )
    assert await total_points(core) == 1


async def test_reactions_score_and_the_thanks_reaction_thanks(
    slack: SlackApp, core: Cercle
) -> None:
    message = await slack.message("UALICE", "You can pin the tab from the menu", 1)
    reaction = {
        "type": "reaction_added",
        "user": "UBOB",
        "reaction": "pray",
        "item_user": "UALICE",
        "item": {"type": "message", "channel": "CGENERAL1", "ts": message},
        "event_ts": ts(30),
    }
    await slack.event(reaction)
    await slack.event(reaction, retry=1)
    # 1 for the message, 1 for the reaction, 5 for the thanks: each once.
    assert await total_points(core) == 7
    posted = slack.api.named("chat.postMessage")
    assert any("alice" in p["text"] for p in posted)
    assert posted[-1]["thread_ts"] == message
    await slack.event({**reaction, "type": "reaction_removed", "event_ts": ts(40)})
    assert await total_points(core) == 6  # the reaction is taken back; the thanks stays


async def test_joining_the_workspace_makes_a_member_and_messages_read_back(
    slack: SlackApp, core: Cercle
) -> None:
    await slack.event(
        {"type": "team_join", "user": {"id": "UNEW", "name": "nora"}, "event_ts": ts(1)}
    )
    await slack.event(
        {
            "type": "member_joined_channel",
            "user": "UDAN",
            "channel": "CGENERAL1",
            "channel_type": "C",
            "team": TEAM,
            "event_ts": ts(2),
        }
    )
    await slack.event(
        {
            "type": "member_joined_channel",
            "user": "UEVE",
            "channel": "CHELP0001",
            "channel_type": "C",
            "team": TEAM,
            "event_ts": ts(3),
        }
    )
    async with core.db.transaction() as session:
        joined = set(
            await session.scalars(select(Member.display_name).where(Member.joined_at.is_not(None)))
        )
    assert joined == {"nora", "udan"}  # joining #general is joining; #help is just a channel
    slack.api.history["CGENERAL1"] = [{"ts": ts(5), "user": "UALICE", "text": "the answer is 42"}]
    reader = core.readers["slack"]
    assert await reader.message_text(TEAM, "CGENERAL1", f"CGENERAL1:{ts(5)}") == "the answer is 42"


async def test_the_thanks_reaction_answers_a_french_community_in_french(
    db: Database, settings: Settings, clock: ManualClock, slack_api: FakeSlackApi
) -> None:
    french = settings.model_copy(
        update={"defaults": settings.defaults.model_copy(update={"locale": "fr"})}
    )
    async with SlackApp(Cercle(db, french, clock), french, slack_api) as slack:
        message = await slack.message("UALICE", "Vous pouvez épingler l'onglet depuis le menu", 1)
        await slack.event(
            {
                "type": "reaction_added",
                "user": "UBOB",
                "reaction": "pray",
                "item_user": "UALICE",
                "item": {"type": "message", "channel": "CGENERAL1", "ts": message},
                "event_ts": ts(30),
            }
        )
        thanked = [p["text"] for p in slack.api.named("chat.postMessage") if "alice" in p["text"]]
    assert len(thanked) == 1, thanked
    assert "a remercié" in thanked[0] and "remercié·e avec :pray:" in thanked[0], thanked[0]
    assert "thanked" not in thanked[0]
