"""Slash commands end to end: INTERACTION_CREATE in, interaction callbacks out."""

from __future__ import annotations

from typing import Any

import discord_payloads as p
import pytest

pytestmark = pytest.mark.backends("sqlite")

EPHEMERAL = 1 << 6


def said(callback: Any) -> str:
    """Everything a callback shows: content and embed text."""
    data = callback.json.get("data") or {}
    parts = [data.get("content") or ""]
    for embed in data.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


async def test_rank_answers_only_the_caller(harness) -> None:  # type: ignore[no-untyped-def]
    callback = await harness.interact(p.command(("rank",)))
    assert callback.json["type"] == 4
    assert callback.json["data"]["flags"] & EPHEMERAL
    assert "alice" in said(callback)
    assert callback.json["data"]["allowed_mentions"] == {"parse": []}


ERRORS = (
    "must be",
    "is missing",
    "Only moderators",
    "went wrong",
    "There is no command",
    "I don't know",
    "is too long",
    "has no option",
)
MOD = p.MANAGE_GUILD


def ok(callback: Any) -> str:
    text = said(callback)
    assert callback.json["type"] in (4, 5), callback.json
    assert not any(e in text for e in ERRORS), text
    return text


def refused(callback: Any, fragment: str) -> None:
    assert callback.json["type"] == 4
    assert callback.json["data"]["flags"] & EPHEMERAL
    assert fragment in said(callback), said(callback)


BOB = p.user_option("2002", "bob")


async def test_member_commands(harness) -> None:  # type: ignore[no-untyped-def]
    await harness.send(
        "MESSAGE_CREATE", p.message_create("2002", "bob", "hello everyone, glad to be here")
    )
    await harness.settle()
    assert "bob" in ok(
        await harness.interact(
            p.command(("rank",), {"member": "2002"}, types={"member": 6}, resolved=BOB)
        )
    )
    ok(await harness.interact(p.command(("profile",))))
    assert "/rank" in ok(await harness.interact(p.command(("help",))))
    ok(await harness.interact(p.command(("leaderboard",), {"period": "month"})))
    thanks = await harness.interact(
        p.command(
            ("thanks",),
            {"member": "2002", "reason": "for the fix"},
            types={"member": 6},
            resolved=BOB,
        )
    )
    assert "bob" in ok(thanks)
    assert not thanks.json["data"].get("flags", 0) & EPHEMERAL  # everyone sees a thanks
    # bad inputs: each is an ephemeral, localised explanation
    refused(await harness.interact(p.command(("leaderboard",), {"period": "year"})), "`period`")
    refused(
        await harness.interact(
            p.command(
                ("thanks",),
                {"member": "2001", "reason": "me"},
                types={"member": 6},
                resolved=p.user_option("2001", "alice"),
            )
        ),
        "",
    )
    refused(await harness.interact(p.command(("rank",), {"nobody": 1})), "`nobody`")


async def test_idea_commands(harness) -> None:  # type: ignore[no-untyped-def]
    submit = await harness.interact(
        p.command(
            ("idea", "submit"),
            {"title": "@everyone Dark mode for the dashboard", "description": "Easier at night"},
        )
    )
    ok(submit)
    posts = harness.fake.calls("POST", r"/channels/\d+/messages$")
    assert posts, "the idea card is posted"
    card = next(
        c.json
        for c in posts
        if c.json.get("embeds") and "Dark mode" in c.json["embeds"][0]["title"]
    )
    assert card["allowed_mentions"] == {"parse": []}
    shown = card["embeds"][0]["title"] + card["embeds"][0].get("description", "")
    assert "@everyone" not in shown  # neutralised: no ping even if mentions were allowed
    assert harness.fake.calls("POST", r"/channels/\d+/messages/\d+/threads")
    for path, options in [
        (("idea", "list"), {}),
        (("idea", "show"), {"idea": 1}),
        (("idea", "vote"), {"idea": 1, "choice": "for"}),
        (("idea", "mine"), {}),
        (("idea", "volunteer"), {"idea": 1}),
    ]:
        ok(await harness.interact(p.command(path, options, user_id="2002", name="bob")))
    refused(await harness.interact(p.command(("idea", "show"), {"idea": 99})), "99")
    refused(await harness.interact(p.command(("idea", "submit"), {"title": "x" * 101})), "`title`")
    refused(
        await harness.interact(p.command(("idea", "vote"), {"idea": 1, "choice": "maybe"})),
        "`choice`",
    )


async def test_poll_commands(harness) -> None:  # type: ignore[no-untyped-def]
    create = p.command(
        ("poll", "create"),
        {
            "question": "What first?",
            "options": "Dark mode|Export|SSO",
            "duration": "2d",
            "mode": "single",
        },
    )
    ok(await harness.interact(create))
    card = harness.fake.calls("POST", r"/channels/\d+/messages$")[-1].json
    labels = [c["label"] for row in card["components"] for c in row["components"]]
    assert labels[:3] == ["Dark mode", "Export", "SSO"]
    ok(
        await harness.interact(
            p.command(("poll", "vote"), {"poll": 1, "choice": "Export"}, user_id="2002", name="bob")
        )
    )
    ok(await harness.interact(p.command(("poll", "results"), {"poll": 1})))
    refused(
        await harness.interact(
            p.command(("poll", "create"), {"question": "Q?", "options": "A|B", "duration": "soon"})
        ),
        "`duration`",
    )
    refused(await harness.interact(p.command(("poll", "results"), {"poll": 7})), "7")
    refused(
        await harness.interact(p.command(("admin", "poll", "close"), {"poll": 1})),
        "Only moderators",
    )
    ok(await harness.interact(p.command(("admin", "poll", "close"), {"poll": 1}, permissions=MOD)))


async def test_admin_commands(harness) -> None:  # type: ignore[no-untyped-def]
    await harness.send(
        "MESSAGE_CREATE", p.message_create("2002", "bob", "hello everyone, glad to be here")
    )
    await harness.settle()
    add = p.command(
        ("admin", "points", "add"),
        {"member": "2002", "amount": 20, "reason": "meetup talk"},
        types={"member": 6},
        resolved=BOB,
        permissions=MOD,
    )
    ok(await harness.interact(add))
    remove = p.command(
        ("admin", "points", "remove"),
        {"member": "2002", "amount": 5, "reason": "typo"},
        types={"member": 6},
        resolved=BOB,
        roles=(p.MOD_ROLE,),
    )
    # a role listed in moderator_roles is not configured here: Manage Server is needed
    refused(await harness.interact(remove), "Only moderators")
    too_many = p.command(
        ("admin", "points", "add"),
        {"member": "2002", "amount": 10**6, "reason": "x"},
        types={"member": 6},
        resolved=BOB,
        permissions=MOD,
    )
    refused(await harness.interact(too_many), "`amount`")
    channel = {"channels": {p.HELP: {"id": p.HELP, "name": "help", "type": 0, "permissions": "0"}}}
    ok(
        await harness.interact(
            p.command(
                ("admin", "exclude", "channel"),
                {"channel": p.HELP},
                types={"channel": 7},
                resolved=channel,
                permissions=MOD,
            )
        )
    )
    roles = {
        "roles": {
            p.REGULAR_ROLE: {
                "id": p.REGULAR_ROLE,
                "name": "Regular",
                "permissions": "0",
                "position": 1,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
            }
        }
    }
    ok(
        await harness.interact(
            p.command(
                ("admin", "exclude", "role"),
                {"role": p.REGULAR_ROLE},
                types={"role": 8},
                resolved=roles,
                permissions=MOD,
            )
        )
    )
    ok(
        await harness.interact(
            p.command(
                ("admin", "exclude", "member"),
                {"member": "2002", "undo": False},
                types={"member": 6},
                resolved=BOB,
                permissions=MOD,
            )
        )
    )
    ok(await harness.interact(p.command(("admin", "config"), permissions=MOD)))
    await harness.interact(p.command(("idea", "submit"), {"title": "Export to CSV"}))
    ok(
        await harness.interact(
            p.command(
                ("admin", "idea", "status"),
                {"idea": 1, "status": "planned", "reason": "Scheduled for spring"},
                permissions=MOD,
            )
        )
    )
    ok(
        await harness.interact(
            p.command(("admin", "idea", "testers"), {"idea": 1, "action": "open"}, permissions=MOD)
        )
    )
    refused(
        await harness.interact(
            p.command(
                ("admin", "idea", "status"),
                {"idea": 1, "status": "someday", "reason": "x"},
                permissions=MOD,
            )
        ),
        "`status`",
    )
    refused(await harness.interact(p.command(("admin", "config"))), "Only moderators")


async def test_a_private_refusal_follows_the_members_own_discord_language(harness) -> None:  # type: ignore[no-untyped-def]
    payload = p.command(("idea", "show"), {"idea": 99})
    payload["locale"] = "fr"  # the member's client is in French; the community is English
    callback = await harness.interact(payload)
    assert callback.json["data"]["flags"] & EPHEMERAL
    assert "Il n'y a pas d'idée n°\u00a099 ici" in said(callback)


async def test_a_reply_only_the_member_sees_follows_their_discord_language(harness) -> None:  # type: ignore[no-untyped-def]
    payload = p.command(("rank",))
    payload["locale"] = "fr"
    callback = await harness.interact(payload)
    assert callback.json["data"]["flags"] & EPHEMERAL
    assert "Rang de alice" in said(callback)
    assert "Nouveau venu" in said(callback)
    english = await harness.interact(p.command(("rank",)))  # en-US: the community's English
    assert "alice's rank" in said(english)
