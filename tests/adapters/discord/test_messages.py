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
