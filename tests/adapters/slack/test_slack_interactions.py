"""Modals, buttons, the App Home tab, the solution shortcut and what Cercle posts."""

from __future__ import annotations

import json

import pytest
from slack_fakes import Seen, SlackApp, texts_of, ts

from adapters.slack.manifest import manifest, manifest_yaml
from bot.actions import Card, Image, PostToChannel
from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from storage.db import Database

pytestmark = pytest.mark.backends("sqlite")


async def open_modal(slack: SlackApp, command: str, text: str) -> dict:
    await slack.command(command, text)
    opened = slack.api.named("views.open")
    assert opened, "no modal was opened"
    return opened[-1]["view"]


async def test_idea_submit_without_arguments_opens_a_modal_that_submits(slack: SlackApp) -> None:
    view = await open_modal(slack, "/idea", "submit")
    assert [b["block_id"] for b in view["blocks"]] == ["title", "description", "category"]
    assert view["blocks"][0]["element"]["max_length"] == 100
    seen = Seen(slack.api)
    seen.new()
    status, body = await slack.submit(view, {"title": "Offline mode", "description": "For trains"})
    assert status == 200 and body == ""  # the modal closes
    assert "Offline mode" in seen.text()


async def test_a_modal_field_with_a_bad_value_shows_the_error_on_that_field(
    slack: SlackApp,
) -> None:
    view = await open_modal(slack, "/cercle", "poll create")
    assert [b["block_id"] for b in view["blocks"]] == [
        "question",
        "options",
        "duration",
        "mode",
        "anonymous",
    ]
    seen = Seen(slack.api)
    seen.new()
    status, body = await slack.submit(
        view,
        {
            "question": "What first?",
            "options": "Dark mode\nExport",
            "duration": "soon",
            "mode": "ranked",
        },
    )
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["duration"]
    assert "30m, 2h, 3d or 1w" in answer["errors"]["duration"]
    assert seen.new() == []  # nothing posted, nothing created
    status, body = await slack.submit(
        view,
        {
            "question": "What first?",
            "options": "Dark mode\nExport",
            "duration": "2d",
            "mode": "ranked",
        },
    )
    assert body == ""
    assert "What first?" in seen.text()


async def test_a_button_works_after_a_restart(
    core: Cercle, settings: Settings, db: Database, slack_api, clock: ManualClock
) -> None:
    async with SlackApp(core, settings, slack_api) as first:
        await first.command("/idea", 'submit "Keyboard shortcuts"')
        card = next(p for p in slack_api.named("chat.postMessage") if "Keyboard" in p["text"])
        buttons = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
        # The discussion opens as the first reply of the card's thread.
        thread = next(p for p in slack_api.named("chat.postMessage") if "thread_ts" in p)
        assert thread["text"] == "Idea #1: Keyboard shortcuts"
        assert thread["thread_ts"] == slack_api.history[card["channel"]][0]["ts"]
        vote_for = next(b for b in buttons if b["value"].endswith(":vote:for"))
        assert len(vote_for["action_id"]) <= 255
    # A new process: a new core and a new app on the same database.
    restarted = Cercle(db, settings, clock)
    async with SlackApp(restarted, settings, slack_api) as second:
        updates = len(slack_api.named("chat.update"))
        status, _ = await second.press(
            vote_for["value"], "UBOB", card["channel"], slack_api.history[card["channel"]][0]["ts"]
        )
        assert status == 200
        updated = slack_api.named("chat.update")[updates:]
        assert updated and "1" in texts_of(updated[-1])
        assert updated[-1]["ts"] == slack_api.history[card["channel"]][0]["ts"]


async def test_member_text_cannot_ping_the_channel(slack: SlackApp) -> None:
    await slack.command(
        "/thanks", "<@UBOB|bob> for <!channel> &lt;!here&gt; and <https://evil.example|a link>"
    )
    posted = slack_api_text = slack.api.named("chat.postMessage")[-1]
    raw = json.dumps(posted)
    assert "<!channel>" not in raw and "<!here>" not in raw
    assert "<https://evil.example" not in raw
    assert "&lt;" in posted["text"]
    assert slack_api_text


async def test_the_app_home_shows_points_rank_leaderboard_and_ideas(slack: SlackApp) -> None:
    await slack.message("UALICE", "alice writes a long enough message", 1)
    await slack.command("/idea", 'submit "Export to PDF"')
    await slack.event(
        {
            "type": "app_home_opened",
            "user": "UALICE",
            "channel": "DHOME",
            "tab": "home",
            "event_ts": ts(5),
        }
    )
    home = slack.api.named("views.publish")[-1]
    assert home["user_id"] == "UALICE"
    shown = texts_of(home["view"])
    assert "alice" in shown and "Export to PDF" in shown
    assert len(home["view"]["blocks"]) <= 100
    buttons = [
        e["value"] for b in home["view"]["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "idea:1:vote:for" in buttons
    # Voting from the Home tab republishes it with the answer on top.
    await slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": "UBOB", "team_id": "T0CERCLE"},
            "trigger_id": "home.1",
            "container": {"type": "view", "view_id": "V1"},
            "view": {"id": "V1", "type": "home"},
            "actions": [
                {
                    "type": "button",
                    "action_id": "idea:1:vote:for",
                    "value": "idea:1:vote:for",
                    "block_id": "h",
                    "action_ts": "1",
                }
            ],
        }
    )
    republished = slack.api.named("views.publish")[-1]
    assert republished["user_id"] == "UBOB"
    assert "👍 1" in texts_of(republished["view"])


async def test_mark_as_solution_shortcut(slack: SlackApp) -> None:
    question = await slack.message("UALICE", "How do I reset my password please?", 1)
    answer = await slack.message(
        "UBOB", "Use the link on the sign-in page", 120, thread_ts=question
    )
    slack.api.history["CGENERAL1"] = [
        {"ts": question, "user": "UALICE", "text": "How do I reset my password please?"}
    ]
    seen = Seen(slack.api)
    seen.new()
    await slack.interaction(
        {
            "type": "message_action",
            "callback_id": "mark_solution",
            "trigger_id": "shortcut.1",
            "response_url": slack.api.response_url("shortcut"),
            "user": {"id": "UALICE"},
            "channel": {"id": "CGENERAL1", "name": "general"},
            "message_ts": answer,
            "message": {
                "type": "message",
                "user": "UBOB",
                "ts": answer,
                "thread_ts": question,
                "text": "Use the link",
            },
            "action_ts": "1",
        }
    )
    said = seen.text()
    assert "bob" in said
    # On a message that is not a reply, the shortcut explains itself.
    await slack.interaction(
        {
            "type": "message_action",
            "callback_id": "mark_solution",
            "trigger_id": "shortcut.2",
            "response_url": slack.api.response_url("shortcut2"),
            "user": {"id": "UALICE"},
            "channel": {"id": "CGENERAL1", "name": "general"},
            "message_ts": question,
            "message": {"type": "message", "user": "UALICE", "ts": question, "text": "How"},
            "action_ts": "2",
        }
    )
    assert "works on a reply to a question" in seen.text()


async def test_a_marked_post_is_not_posted_twice(slack: SlackApp) -> None:
    post = PostToChannel(
        "slack", "#general", text="Weekly digest", marker="digest:1:2026-01-05:general"
    )
    await slack.adapter.deliver("T0CERCLE", post)
    await slack.adapter.deliver("T0CERCLE", post)  # a claimed run delivered again after a crash
    posted = slack.api.named("chat.postMessage")
    assert len(posted) == 1
    assert posted[0]["channel"] == "CGENERAL1"
    assert posted[0]["metadata"]["event_payload"]["marker"] == "digest:1:2026-01-05:general"


async def test_a_card_picture_is_uploaded_in_the_posts_thread(slack: SlackApp) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"chart" * 10
    card = Card("digest", "Week of 5 January", image=Image(png, "activity.png", "Daily activity"))
    await slack.adapter.deliver("T0CERCLE", PostToChannel("slack", "#general", card=card))
    posted = slack.api.named("chat.postMessage")[-1]
    assert "Daily activity" in texts_of(posted)  # the alt text stays on the card
    completed = slack.api.named("files.completeUploadExternal")
    assert len(completed) == 1
    assert completed[0]["channel_id"] == "CGENERAL1"
    assert completed[0]["thread_ts"] == slack.api.history["CGENERAL1"][-1]["ts"]
    assert list(slack.api.uploads.values()) == [png]


async def test_a_refused_upload_still_leaves_the_card(slack: SlackApp) -> None:
    slack.api.failures["files.getUploadURLExternal"] = "missing_scope"
    card = Card("digest", "Week", image=Image(b"png", "activity.png", "Daily activity"))
    await slack.adapter.deliver("T0CERCLE", PostToChannel("slack", "#general", card=card))
    assert len(slack.api.named("chat.postMessage")) == 1
    assert slack.api.uploads == {}


async def test_a_user_group_failure_reaches_the_moderators_once(
    slack: SlackApp, core: Cercle
) -> None:
    from bot.actions import GrantRole

    slack.api.groups.append(
        {"id": "SREG001", "handle": "regulars", "name": "Regulars", "users": ["UCAROL"]}
    )
    await slack.adapter.deliver("T0CERCLE", GrantRole("slack", "UALICE", "alice", "regulars"))
    assert slack.api.named("usergroups.users.update")[-1] == {
        "usergroup": "SREG001",
        "users": "UCAROL,UALICE",
    }
    slack.api.failures["usergroups.users.update"] = "paid_teams_only"
    await slack.adapter.deliver("T0CERCLE", GrantRole("slack", "UBOB", "bob", "regulars"))
    await slack.adapter.deliver("T0CERCLE", GrantRole("slack", "UCAROL", "carol", "regulars"))
    to_mods = [p for p in slack.api.named("chat.postMessage") if p["channel"] == "CMODS0001"]
    assert len(to_mods) == 1
    assert "Regulars" in to_mods[0]["text"] or "regulars" in to_mods[0]["text"]
    assert "paid_teams_only" in to_mods[0]["text"]


def test_the_manifest_reaches_every_command_the_registry_declares() -> None:
    from bot.commands import REGISTRY

    found = manifest(REGISTRY, "https://cercle.example.com")
    commands = {c["command"]: c for c in found["features"]["slash_commands"]}
    main = commands["/cercle"]
    for spec in REGISTRY.all():
        top = spec.path[0]
        assert f"/{top}" in commands or top in main["usage_hint"].split(" | "), spec.path
    for entry in commands.values():
        assert entry["url"] == "https://cercle.example.com/slack/events"
        assert entry["should_escape"] is True
    assert {"message.channels", "reaction_added", "app_home_opened", "team_join"} <= set(
        found["settings"]["event_subscriptions"]["bot_events"]
    )
    assert found["settings"]["interactivity"]["is_enabled"] is True
    assert "usergroups:write" in found["oauth_config"]["scopes"]["bot"]
    socket = manifest_yaml(REGISTRY)
    assert "socket_mode_enabled: true" in socket and "url:" not in socket


def test_cercle_slack_manifest_prints_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    from adapters.cli import main

    assert main(["slack", "manifest", "--url", "https://cercle.example.com"]) == 0
    out = capsys.readouterr().out
    assert (
        'command: "/cercle"' in out
        and 'request_url: "https://cercle.example.com/slack/events"' in out
    )


async def test_a_rate_limited_post_dm_or_group_sync_is_sent_once_slack_allows(
    slack: SlackApp,
) -> None:
    from bot.actions import DirectMessage, GrantRole

    slack.api.groups.append(
        {"id": "SREG001", "handle": "regulars", "name": "Regulars", "users": ["UCAROL"]}
    )
    for method in ("chat.postMessage", "conversations.open", "usergroups.users.update"):
        slack.api.rate_limited[method] = 1
    await slack.adapter.deliver("T0CERCLE", PostToChannel("slack", "#general", text="Digest"))
    await slack.adapter.deliver("T0CERCLE", DirectMessage("slack", "UBOB", "bob", "Your idea"))
    await slack.adapter.deliver("T0CERCLE", GrantRole("slack", "UALICE", "alice", "regulars"))
    # Each method was refused once with 429, then called again: nothing was dropped.
    assert [p["text"] for p in slack.api.named("chat.postMessage")] == [
        "Digest",  # refused
        "Digest",
        "Your idea",  # after conversations.open was refused once, then answered
    ]
    assert len(slack.api.named("conversations.open")) == 2
    assert slack.api.named("usergroups.users.update")[-1]["users"] == "UCAROL,UALICE"
    assert slack.api.rate_limited == {
        "chat.postMessage": 0,
        "conversations.open": 0,
        "usergroups.users.update": 0,
    }
