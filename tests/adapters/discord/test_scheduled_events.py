"""Community events on Discord: a guild scheduled event made, edited and cancelled with
Cercle's event (asserting the REST calls discord.py makes), and members "Interested" in it
(GUILD_SCHEDULED_EVENT_USER_ADD / REMOVE from the gateway) counted as Maybe on the card."""

from __future__ import annotations

from typing import Any

import discord_payloads as p
import pytest
from test_commands import MOD, ok

pytestmark = pytest.mark.backends("sqlite")

EVENTS = r"/guilds/\d+/scheduled-events"


def create(options: dict[str, Any]) -> dict[str, Any]:
    return p.command(("event", "create"), options, user_id="2009", name="mod", permissions=MOD)


def admin(path: tuple[str, ...], options: dict[str, Any]) -> dict[str, Any]:
    return p.command(
        ("admin", "event", *path), options, user_id="2009", name="mod", permissions=MOD
    )


def card_fields(fake, message_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    stored = next(m for m in fake.messages[p.GENERAL] if m["id"] == message_id)
    return {f["name"]: f["value"] for f in stored["embeds"][0]["fields"]}


async def test_the_guild_event_follows_create_edit_and_cancel(harness) -> None:  # type: ignore[no-untyped-def]
    ok(
        await harness.interact(
            create(
                {
                    "title": "Office hours",
                    "when": "2031-01-20 18:00",
                    "duration": "2h",
                    "description": "Ask us anything",
                }
            )
        )
    )
    (made,) = await harness.fake.wait_for("POST", EVENTS + "$")
    assert made.json == {
        "name": "Office hours",
        "description": "Ask us anything",
        "privacy_level": 2,
        "entity_type": 3,
        "entity_metadata": {
            "location": "Cercle event #1: answer on its card, check in with /event checkin"
        },
        "scheduled_start_time": "2031-01-20T18:00:00+00:00",
        "scheduled_end_time": "2031-01-20T20:00:00+00:00",
    }
    (event_id,) = harness.fake.scheduled_events

    ok(await harness.interact(admin(("edit",), {"event": 1, "when": "2031-01-21 18:00"})))
    (edited,) = await harness.fake.wait_for("PATCH", rf"{EVENTS}/{event_id}$")
    assert edited.json["scheduled_start_time"] == "2031-01-21T18:00:00+00:00"
    assert edited.json["scheduled_end_time"] == "2031-01-21T20:00:00+00:00"

    ok(await harness.interact(admin(("cancel",), {"event": 1, "reason": "speaker is ill"})))
    patches = await harness.fake.wait_for("PATCH", rf"{EVENTS}/{event_id}$", count=2)
    assert patches[-1].json == {"status": 4}
    assert len(harness.fake.calls("POST", EVENTS + "$")) == 1  # never made twice


async def test_interested_members_count_as_maybe(harness) -> None:  # type: ignore[no-untyped-def]
    ok(await harness.interact(create({"title": "Beta session", "when": "in 2d"})))
    await harness.fake.wait_for("POST", EVENTS + "$")
    (event_id,) = harness.fake.scheduled_events
    card = next(m for m in harness.fake.messages[p.GENERAL] if m.get("embeds"))
    interest = {"guild_scheduled_event_id": event_id, "user_id": "2002", "guild_id": p.GUILD}

    await harness.send("GUILD_SCHEDULED_EVENT_USER_ADD", interest)
    await harness.fake.wait_for("PATCH", rf"/channels/{p.GENERAL}/messages/{card['id']}$")
    await harness.settle()
    assert card_fields(harness.fake, card["id"])["Maybe"] == "1"

    await harness.send("GUILD_SCHEDULED_EVENT_USER_REMOVE", interest)
    await harness.fake.wait_for("PATCH", rf"/channels/{p.GENERAL}/messages/{card['id']}$", count=2)
    await harness.settle()
    assert card_fields(harness.fake, card["id"])["Maybe"] == "0"

    # An answer given on the card stands: Interested does not turn Going into Maybe.
    ok(await harness.interact(p.button("event:1:going", card["id"])))
    await harness.send("GUILD_SCHEDULED_EVENT_USER_ADD", interest)
    await harness.settle()
    fields = card_fields(harness.fake, card["id"])
    assert fields["Going"] == "1" and fields["Maybe"] == "0"
