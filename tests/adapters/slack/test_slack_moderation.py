"""Reports on Slack at the protocol edge: the "Report message" message shortcut puts one
card in the moderator channel (Block Kit, with Warn and Dismiss), updated as more members
report the same message, and thanks the reporter where only they see it."""

from __future__ import annotations

import pytest
from slack_fakes import FakeSlackApi, Seen, SlackApp, texts_of

from adapters.slack.manifest import manifest
from bot.config import CommunityDefaults, CommunityRule, ModerationSettings, Settings
from bot.config_process import SlackSettings

pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture
def settings(slack_api: FakeSlackApi) -> Settings:
    rules = [
        CommunityRule(title="Be kind", text="No insults."),
        CommunityRule(title="No spam", text="No ads or repeated links."),
    ]
    return Settings(
        slack=SlackSettings(api_base_url=slack_api.url),
        defaults=CommunityDefaults(moderator_channel="mods", rules=rules),
        # Slack has no timeouts: the step is suggested even when applying is on.
        moderation=ModerationSettings(ladder=["timeout 1h", "ban suggested"], apply_timeouts=True),
    )


async def test_warn_sends_the_member_a_dm_and_suggests_the_timeout(slack: SlackApp) -> None:
    await slack.message("UBOB", "buy my stuff at example dot com", 1)
    seen = Seen(slack.api)
    seen.new()
    await slack.command("/cercle", "admin warn <@UBOB|bob> 2 posting ads", user="UMONA")
    shown = seen.new()
    answer = "\n".join(text for kind, text in shown if kind == "ephemeral")
    assert "bob is warned for rule 2 (No spam)" in answer
    assert "Suggested to the moderators: a 1h timeout for bob" in answer
    dms = [c.args for c in slack.api.calls if c.method == "chat.postMessage"]
    dm = next(a for a in dms if a["channel"] == "DUBOB")
    text = texts_of(dm)
    assert "No ads or repeated links." in text and "posting ads" in text
    assert "Next time: a ban (moderators decide)" in text
    refused = Seen(slack.api)
    refused.new()
    await slack.command("/cercle", "admin warn <@UMONA|mona> 1 rude", user="UELISE")
    assert "mona est modérateur" in refused.text()  # in the language of her own Slack


def shortcut(reporter: str, ts: str, n: int, author: str = "UBOB") -> dict:
    return {
        "type": "message_action",
        "callback_id": "report_message",
        "trigger_id": f"report.{n}",
        "response_url": f"RESPONSE-{n}",
        "user": {"id": reporter},
        "channel": {"id": "CGENERAL1", "name": "general"},
        "message_ts": ts,
        "message": {"type": "message", "user": author, "ts": ts, "text": "buy my stuff"},
        "action_ts": str(n),
    }


async def test_report_shortcut_posts_one_card_for_the_moderators(slack: SlackApp) -> None:
    spam = await slack.message("UBOB", "buy my stuff at example dot com", 1)
    seen = Seen(slack.api)
    seen.new()
    first = shortcut("UCAROL", spam, 1)
    first["response_url"] = slack.api.response_url("report1")
    await slack.interaction(first)
    shown = seen.new()
    posts = [c for c in slack.api.calls if c.method == "chat.postMessage"]
    cards = [c.args for c in posts if c.args.get("channel") == "CMODS0001"]
    assert len(cards) == 1, [c.args for c in posts]
    card_text = texts_of(cards[0])
    assert "A message is reported" in card_text and "Reports" in card_text
    assert f"/archives/CGENERAL1/p{spam.replace('.', '')}" in card_text
    buttons = [
        e["text"]["text"]
        for b in cards[0]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert buttons == ["Warn", "Dismiss"]
    thanks = [text for kind, text in shown if kind == "ephemeral"]
    assert any("Thank you" in text for text in thanks), shown
    second = shortcut("UDAVE", spam, 2)
    second["response_url"] = slack.api.response_url("report2")
    await slack.interaction(second)
    posts = [c for c in slack.api.calls if c.method == "chat.postMessage"]
    assert len([c for c in posts if c.args.get("channel") == "CMODS0001"]) == 1  # one card
    updates = slack.api.named("chat.update")
    assert updates and "2" in texts_of(updates[-1])


async def test_reporting_your_own_message_is_refused(slack: SlackApp) -> None:
    mine = await slack.message("UBOB", "my own words here", 1)
    seen = Seen(slack.api)
    seen.new()
    own = shortcut("UBOB", mine, 3)
    own["response_url"] = slack.api.response_url("own")
    await slack.interaction(own)
    assert "your own message" in seen.text()
    assert not [c for c in slack.api.calls if c.args.get("channel") == "CMODS0001"]


def test_manifest_declares_the_report_shortcut() -> None:
    from bot.features.registry import COMMANDS

    shortcuts = manifest(COMMANDS, "https://cercle.example")["features"]["shortcuts"]
    assert {"report_message", "mark_solution"} == {s["callback_id"] for s in shortcuts}
