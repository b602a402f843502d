"""Warnings on Discord at the protocol edge: the member's DM, and the ladder's timeout
step applied with PATCH /guilds/{guild}/members/{user} (or refused, with one notice)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import discord_payloads as p
import pytest
from sqlalchemy import func, select
from test_commands import EPHEMERAL, MOD, ok, said

from bot.config_sections import CommunityDefaults, CommunityRule, ModerationSettings
from storage.models import PostedCard

pytestmark = pytest.mark.backends("sqlite")

DEFAULTS = CommunityDefaults(
    moderator_channel="moderators",
    rules=[
        CommunityRule(title="Be kind", text="No insults."),
        CommunityRule(title="No spam", text="No ads or repeated links."),
    ],
)
TIMEOUT_FIRST = ModerationSettings(ladder=["timeout 1h", "ban suggested"], apply_timeouts=True)
MEMBER_PATH = rf"/guilds/{p.GUILD}/members/2002$"


def warn(rule: int = 2, user_id: str = "2002", name: str = "bob") -> dict:
    return p.command(
        ("admin", "warn"),
        {"member": user_id, "rule": rule, "reason": "posting ads"},
        types={"member": 6},
        resolved=p.user_option(user_id, name),
        permissions=MOD,
    )


async def test_timeout_step_is_applied_and_the_member_gets_a_dm(start) -> None:  # type: ignore[no-untyped-def]
    harness = await start(defaults=DEFAULTS, moderation=TIMEOUT_FIRST)
    before = datetime.now(UTC)
    answer = await harness.interact(warn())
    ok(answer)
    assert "bob" in said(answer) and "rule 2" in said(answer)
    (patch,) = await harness.fake.wait_for("PATCH", MEMBER_PATH)
    until = datetime.fromisoformat(patch.json["communication_disabled_until"])
    assert before + timedelta(minutes=55) < until < before + timedelta(minutes=65)
    await harness.fake.wait_for("POST", "/users/@me/channels")
    (dm,) = await harness.fake.wait_for("POST", r"/channels/2009/messages$")
    text = dm.json["content"]
    assert "No ads or repeated links." in text and "posting ads" in text
    assert "ban" in text  # what happens next time
    assert not harness.fake.calls("POST", rf"/channels/{p.MODS}/messages$")


async def test_timeout_refused_for_lack_of_permission_gives_one_notice(start) -> None:  # type: ignore[no-untyped-def]
    harness = await start(defaults=DEFAULTS, moderation=TIMEOUT_FIRST)
    harness.fake.fail("PATCH", MEMBER_PATH, 403, 50013, "Missing Permissions")
    ok(await harness.interact(warn()))
    await harness.fake.wait_for("PATCH", MEMBER_PATH)
    await harness.settle()
    notices = harness.fake.calls("POST", rf"/channels/{p.MODS}/messages$")
    assert len(notices) == 1, [n.json for n in notices]
    assert "Moderate Members" in notices[0].json["content"]
    assert notices[0].json["allowed_mentions"] == {"parse": []}
    listing = await harness.interact(
        p.command(
            ("admin", "warnings"),
            {"member": "2002"},
            types={"member": 6},
            resolved=p.user_option("2002", "bob"),
            permissions=MOD,
        )
    )
    assert "posting ads" in said(listing)  # the warning is recorded all the same


async def test_without_apply_timeouts_the_step_is_only_suggested(start) -> None:  # type: ignore[no-untyped-def]
    ladder = TIMEOUT_FIRST.model_copy(update={"apply_timeouts": False})
    harness = await start(defaults=DEFAULTS, moderation=ladder)
    payload = warn()
    answer = await harness.interact(payload)
    ok(answer)
    await harness.fake.wait_for("POST", "/users/@me/channels")
    assert not harness.fake.calls("PATCH", MEMBER_PATH)
    shown = "\n".join(said(c) for c in [answer, *harness.followups(payload)])
    assert "Suggested to the moderators: a 1h timeout for bob" in shown


async def test_warning_a_moderator_is_refused_and_changes_nothing(start) -> None:  # type: ignore[no-untyped-def]
    harness = await start(defaults=DEFAULTS, moderation=TIMEOUT_FIRST)
    payload = warn(user_id="2003", name="mona")
    payload["data"]["resolved"]["members"]["2003"]["permissions"] = str(p.MANAGE_GUILD)
    answer = await harness.interact(payload)
    assert "moderator" in said(answer)
    await harness.settle()
    assert not harness.fake.calls("PATCH", r"/guilds/\d+/members/\d+$")
    assert not harness.fake.calls("POST", "/users/@me/channels")


def report_menu(target: dict, user_id: str, name: str) -> dict:
    payload = p.solution_menu(target, user_id, name)
    payload["data"]["name"] = "Report message"
    return payload


async def test_report_menu_puts_one_card_in_the_moderator_channel(start) -> None:  # type: ignore[no-untyped-def]
    harness = await start(defaults=DEFAULTS)
    spam = p.message_create("2002", "bob", "buy my stuff", channel_id=p.HELP)
    await harness.send("MESSAGE_CREATE", spam)
    await harness.settle()
    thanks = await harness.interact(report_menu(spam, "2003", "carol"))
    assert thanks.json["data"]["flags"] & EPHEMERAL
    assert "Thank you" in said(thanks)
    cards = harness.fake.calls("POST", rf"/channels/{p.MODS}/messages$")
    assert len(cards) == 1
    embed = cards[0].json["embeds"][0]
    link = f"https://discord.com/channels/{p.GUILD}/{p.HELP}/{spam['id']}"
    assert link in embed["description"]
    assert {f["name"]: f["value"] for f in embed["fields"]}["Reports"] == "1"
    labels = [c["label"] for row in cards[0].json["components"] for c in row["components"]]
    assert labels == ["Warn", "Dismiss"]
    assert cards[0].json["allowed_mentions"] == {"parse": []}

    # The adapter tells the core where the card went once Discord answers the post; a
    # second report before that would have no card to update.
    for _ in range(500):
        async with harness.core.db.transaction() as session:
            if await session.scalar(select(func.count()).select_from(PostedCard)):
                break
        await asyncio.sleep(0.02)
    again = await harness.interact(report_menu(spam, "2004", "dave"))
    assert "Thank you" in said(again)
    assert len(harness.fake.calls("POST", rf"/channels/{p.MODS}/messages$")) == 1  # one card
    edits = await harness.fake.wait_for("PATCH", rf"/channels/{p.MODS}/messages/\d+$")
    fields = {f["name"]: f["value"] for f in edits[-1].json["embeds"][0]["fields"]}
    assert fields["Reports"] == "2"
    own = await harness.interact(report_menu(spam, "2002", "bob"))
    assert "your own message" in said(own)
