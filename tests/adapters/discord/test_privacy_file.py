"""`/privacy export` on Discord: the JSON file goes to the member's DM as an attachment,
uploaded by discord.py's own `File` path (multipart) to the fake REST API."""

from __future__ import annotations

import discord_payloads as p
import pytest
from test_commands import EPHEMERAL, said

pytestmark = pytest.mark.backends("sqlite")


async def test_the_export_is_a_file_in_the_members_dm(harness) -> None:  # type: ignore[no-untyped-def]
    callback = await harness.interact(p.command(("privacy",), {"action": "export"}))
    assert callback.json["data"]["flags"] & EPHEMERAL
    assert "direct message" in said(callback)
    await harness.fake.wait_for("POST", "/users/@me/channels")
    dm = str(2001 + 7)  # the fake's DM channel for alice (2001)
    (sent,) = await harness.fake.wait_for("POST", rf"/channels/{dm}/messages")
    assert sent.json["files"] == ["cercle-discord-" + p.GUILD + "-alice.json"]
