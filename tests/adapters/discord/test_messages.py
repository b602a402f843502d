"""Messages, reactions and members from the gateway become scored contributions."""

from __future__ import annotations

import discord_payloads as p
import pytest
from sqlalchemy import select

from storage.models import Member

pytestmark = pytest.mark.backends("sqlite")


async def points(harness, user_id: str) -> int:  # type: ignore[no-untyped-def]
    async with harness.core.db.transaction() as session:
        row = await session.scalar(select(Member).where(Member.origin == f"discord:{user_id}"))
        return 0 if row is None else row.points


async def test_a_message_scores_and_a_redelivered_one_counts_once(harness) -> None:  # type: ignore[no-untyped-def]
    payload = p.message_create("2001", "alice", "Here is how I fixed the build on Windows")
    await harness.send("MESSAGE_CREATE", payload)
    await harness.settle()
    assert await points(harness, "2001") == 1
    await harness.send("MESSAGE_CREATE", payload)  # the gateway may deliver it again
    await harness.settle()
    assert await points(harness, "2001") == 1


async def member_row(harness, user_id: str) -> Member | None:  # type: ignore[no-untyped-def]
    async with harness.core.db.transaction() as session:
        return await session.scalar(select(Member).where(Member.origin == f"discord:{user_id}"))


async def test_a_deleted_message_takes_its_point_back(harness) -> None:  # type: ignore[no-untyped-def]
    payload = p.message_create("2001", "alice", "Here is how I fixed the build on Windows")
    await harness.send("MESSAGE_CREATE", payload)
    await harness.settle()
    assert await points(harness, "2001") == 1
    deleted = {"id": payload["id"], "channel_id": p.GENERAL, "guild_id": p.GUILD}
    await harness.send("MESSAGE_DELETE", deleted)
    await harness.settle()
    assert await points(harness, "2001") == 0
    await harness.send("MESSAGE_DELETE", deleted)  # redelivered: nothing more to take back
    await harness.settle()
    assert await points(harness, "2001") == 0


async def test_a_reaction_scores_for_the_author_and_removing_it_takes_it_back(harness) -> None:  # type: ignore[no-untyped-def]
    message = p.message_create("2001", "alice", "Here is how I fixed the build on Windows")
    await harness.send("MESSAGE_CREATE", message)
    await harness.settle()
    added = p.reaction("add", "2002", "bob", message["id"], "2001", "👍")
    await harness.send("MESSAGE_REACTION_ADD", added)
    await harness.send("MESSAGE_REACTION_ADD", added)  # redelivered
    await harness.settle()
    assert await points(harness, "2001") == 2  # the message and one reactor
    removed = p.reaction("remove", "2002", "bob", message["id"], "2001", "👍")
    await harness.send("MESSAGE_REACTION_REMOVE", removed)
    await harness.settle()
    assert await points(harness, "2001") == 1
    own = p.reaction("add", "2001", "alice", message["id"], "2001", "🎉")
    await harness.send("MESSAGE_REACTION_ADD", own)  # reacting to yourself earns nothing
    await harness.settle()
    assert await points(harness, "2001") == 1


async def test_members_joining_and_leaving_the_server_are_recorded(harness) -> None:  # type: ignore[no-untyped-def]
    await harness.send("GUILD_MEMBER_ADD", {**p.member("2005", "erin"), "guild_id": p.GUILD})
    await harness.settle()
    joined = await member_row(harness, "2005")
    assert joined is not None and joined.joined_at is not None and joined.left_at is None
    assert joined.display_name == "erin"
    await harness.send("GUILD_MEMBER_REMOVE", {"guild_id": p.GUILD, "user": p.user("2005", "erin")})
    await harness.settle()
    left = await member_row(harness, "2005")
    assert left is not None and left.left_at is not None
