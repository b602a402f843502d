"""What Cercle does on Discord by itself: rank roles, notices, DMs, buttons, menus."""

from __future__ import annotations

import discord_payloads as p
import pytest
from test_commands import EPHEMERAL, MOD, ok, said

from bot.config_sections import CommunityDefaults, Rank

pytestmark = pytest.mark.backends("sqlite")

LADDER = (
    Rank(name="Newcomer", min_points=0),
    Rank(name="Regular", min_points=10, discord_role="Regular"),
)
DEFAULTS = CommunityDefaults(moderator_channel="moderators")


def give(user_id: str, name: str, amount: int = 20) -> dict:
    return p.command(
        ("admin", "points", "add"),
        {"member": user_id, "amount": amount, "reason": "helped at the meetup"},
        types={"member": 6},
        resolved=p.user_option(user_id, name),
        permissions=MOD,
    )


async def test_promotion_grants_the_rank_role(start) -> None:  # type: ignore[no-untyped-def]
    harness = await start(ranks=LADDER, defaults=DEFAULTS)
    ok(await harness.interact(give("2002", "bob")))
    puts = await harness.fake.wait_for(
        "PUT", rf"/guilds/{p.GUILD}/members/2002/roles/{p.REGULAR_ROLE}"
    )
    assert len(puts) == 1
    demote = give("2002", "bob", 15)
    demote["data"]["options"][0]["options"][0]["name"] = "remove"
    ok(await harness.interact(demote))
    await harness.fake.wait_for("DELETE", rf"/guilds/{p.GUILD}/members/2002/roles/{p.REGULAR_ROLE}")
    await harness.fake.wait_for("POST", "/users/@me/channels")  # bob is told in a DM


async def test_missing_permission_gives_one_notice_and_keeps_the_rank(start) -> None:  # type: ignore[no-untyped-def]
    harness = await start(ranks=LADDER, defaults=DEFAULTS)
    harness.fake.fail("PUT", r"/roles/", 403, 50013, "Missing Permissions")
    ok(await harness.interact(give("2002", "bob")))
    ok(await harness.interact(give("2003", "carol")))
    await harness.settle()
    notices = harness.fake.calls("POST", rf"/channels/{p.MODS}/messages$")
    assert len(notices) == 1, [n.json for n in notices]
    text = notices[0].json["content"]
    assert "Regular" in text and "Manage Roles" in text
    assert notices[0].json["allowed_mentions"] == {"parse": []}
    rank = await harness.interact(p.command(("rank",), user_id="2002", name="bob"))
    assert "Regular" in said(rank)  # the rank is recorded all the same


async def test_notice_is_in_french_for_a_french_community(start) -> None:  # type: ignore[no-untyped-def]
    harness = await start(ranks=LADDER, defaults=DEFAULTS.model_copy(update={"locale": "fr"}))
    harness.fake.fail("PUT", r"/roles/", 403, 50013)
    await harness.interact(give("2002", "bob"))
    await harness.settle()
    notice = harness.fake.calls("POST", rf"/channels/{p.MODS}/messages$")[0].json["content"]
    assert "Gérer les rôles" in notice


async def test_closed_dms_fall_back_to_a_mention_in_the_channel(start) -> None:  # type: ignore[no-untyped-def]
    harness = await start(ranks=LADDER, defaults=DEFAULTS)
    harness.fake.fail(
        "POST", r"/channels/2009/messages$", 403, 50007, "Cannot send messages to this user"
    )
    await harness.interact(give("2002", "bob"))
    demote = give("2002", "bob", 15)
    demote["data"]["options"][0]["options"][0]["name"] = "remove"
    await harness.interact(demote)
    await harness.settle()
    fallback = [
        c.json
        for c in harness.fake.calls("POST", rf"/channels/{p.GENERAL}/messages$")
        if "<@2002>" in (c.json.get("content") or "")
    ]
    assert len(fallback) == 1
    assert [str(u) for u in fallback[0]["allowed_mentions"]["users"]] == ["2002"]
    assert fallback[0]["allowed_mentions"]["parse"] == []


async def test_a_button_works_after_a_restart(start) -> None:  # type: ignore[no-untyped-def]
    first = await start()
    await first.interact(p.command(("idea", "submit"), {"title": "Offline mode"}))
    card = next(
        c for c in first.fake.calls("POST", r"/channels/\d+/messages$") if c.json.get("components")
    )
    button = next(
        b["custom_id"]
        for row in card.json["components"]
        for b in row["components"]
        if "for" in b["custom_id"]
    )
    posted = first.fake.messages[p.GENERAL][-1]["id"] if p.GENERAL in first.fake.messages else None
    message_id = next(
        m["id"] for ms in first.fake.messages.values() for m in ms if m.get("components")
    )
    await first.adapter.stop()
    second = await start()  # a new process: new adapter, new core, same database
    callback = await second.interact(p.button(button, message_id))
    assert callback.json["type"] in (4, 6, 7)
    assert "no longer" not in said(callback)
    edits = await second.fake.wait_for("PATCH", rf"/channels/\d+/messages/{message_id}")
    assert edits[-1].json["embeds"], "the card shows the new count"
    assert posted is None or posted


async def test_mark_as_solution_from_the_context_menu(harness) -> None:  # type: ignore[no-untyped-def]
    question = p.message_create("2001", "alice", "How do I rotate my API key?", channel_id=p.HELP)
    answer = p.message_create(
        "2002", "bob", "Settings > API > Rotate", channel_id=p.HELP, reply_to=question["id"]
    )
    for payload in (question, answer):
        await harness.send("MESSAGE_CREATE", payload)
    await harness.settle()
    callback = await harness.interact(p.solution_menu(answer, "2001", "alice", referenced=question))
    assert "bob" in ok(callback)
    lonely = p.message_create("2002", "bob", "unrelated", channel_id=p.HELP)
    refused = await harness.interact(p.solution_menu(lonely, "2001", "alice"))
    assert refused.json["data"]["flags"] & EPHEMERAL
    assert "answers nothing" in said(refused)


async def test_thanks_emoji_thanks_the_author(harness) -> None:  # type: ignore[no-untyped-def]
    message = p.message_create("2002", "bob", "Try restarting the agent first")
    await harness.send("MESSAGE_CREATE", message)
    await harness.settle()
    reaction = p.reaction("add", "2001", "alice", message["id"], "2002", "🙏")
    await harness.send("MESSAGE_REACTION_ADD", reaction)
    await harness.send("MESSAGE_REACTION_ADD", reaction)  # redelivered
    await harness.settle()
    thanked = [
        c
        for c in harness.fake.calls("POST", rf"/channels/{p.GENERAL}/messages$")
        if "bob" in (c.json.get("content") or "")
    ]
    assert len(thanked) == 1, [(c.path, c.json) for c in harness.fake.requests[5:]]
    assert "@" not in thanked[0].json["content"] and thanked[0].json["allowed_mentions"] == {
        "parse": []
    }
    profile = said(await harness.interact(p.command(("rank",), user_id="2002", name="bob")))
    assert "bob" in profile


async def test_autocomplete_offers_ideas_and_durations(harness) -> None:  # type: ignore[no-untyped-def]
    await harness.interact(p.command(("idea", "submit"), {"title": "Keyboard shortcuts"}))
    callback = await harness.interact(p.autocomplete(("idea", "show"), "idea", "1"))
    assert callback.json["type"] == 8
    choices = callback.json["data"]["choices"]
    assert choices[0]["value"] == 1 and "Keyboard" in choices[0]["name"]
    callback = await harness.interact(p.autocomplete(("poll", "create"), "duration", "2"))
    assert [c["value"] for c in callback.json["data"]["choices"]][:2] == ["2h", "2d"]


async def test_thanks_emoji_answers_a_french_community_in_french(start) -> None:  # type: ignore[no-untyped-def]
    harness = await start(defaults=DEFAULTS.model_copy(update={"locale": "fr"}))
    message = p.message_create("2002", "bob", "Essayez de redémarrer l'agent")
    await harness.send("MESSAGE_CREATE", message)
    await harness.settle()
    await harness.send(
        "MESSAGE_REACTION_ADD", p.reaction("add", "2001", "alice", message["id"], "2002", "🙏")
    )
    await harness.settle()
    thanked = [
        c.json.get("content") or ""
        for c in harness.fake.calls("POST", rf"/channels/{p.GENERAL}/messages$")
        if "bob" in (c.json.get("content") or "")
    ]
    assert len(thanked) == 1, thanked
    assert "a remercié" in thanked[0] and "remercié·e avec 🙏" in thanked[0], thanked[0]
    assert "thanked" not in thanked[0]
