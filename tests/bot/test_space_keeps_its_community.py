"""A platform space stays with the community that holds its history: when the config
later names it in a `[[communities]]` entry (to give it settings, or to join a Slack
workspace to it), its activity goes on counting there, not in a new empty community."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.actions import Reply
from bot.clock import ManualClock
from bot.config import CommunityEntry, Settings
from bot.core import Cercle
from bot.events import ChannelRef, CommandInvoked, MemberRef, MessagePosted
from storage.db import Database
from storage.models import Community, Member

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GENERAL = ChannelRef("1", "general")
ALICE = MemberRef("discord", "100", "alice")


def posted(n: int) -> MessagePosted:
    return MessagePosted(
        platform="discord",
        space_id="900",
        at=NOW + timedelta(minutes=n),
        message_id=str(10_000 + n),
        channel=GENERAL,
        author=ALICE,
        text="a message long enough to score",
    )


async def rank(core: Cercle) -> str:
    actions = await core.handle(
        CommandInvoked(
            platform="discord",
            space_id="900",
            at=NOW + timedelta(hours=1),
            interaction_id="i1",
            channel=GENERAL,
            invoker=ALICE,
            text="/rank",
        )
    )
    reply = next(a for a in actions if isinstance(a, Reply))
    assert reply.card is not None
    return "\n".join(f"{f.name}: {f.value}" for f in reply.card.fields)


async def test_a_space_named_later_in_the_config_keeps_its_history(
    database_url: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    db = Database(database_url())
    try:
        first = Cercle(db, Settings(), ManualClock(NOW))
        await first.handle_many([posted(0), posted(1)])
        # The operator gives the guild an entry of its own, then restarts.
        named = Settings(communities=[CommunityEntry(name="acme", spaces={"discord": "900"})])
        restarted = Cercle(db, named, ManualClock(NOW + timedelta(hours=1)))
        with caplog.at_level(logging.WARNING, logger="cercle.core"):
            await restarted.handle_many([posted(2)])
            await restarted.handle_many([posted(3)])
        assert "Points: 4" in await rank(restarted)
        async with db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(Community)) == 1
            points = await session.scalar(
                select(Member.points).where(Member.origin == "discord:100")
            )
            assert points == 4
        # Said once, with what to do about it.
        said = [r.getMessage() for r in caplog.records if "acme" in r.getMessage()]
        assert len(said) == 1, said
        assert "discord-900" in said[0]
    finally:
        await db.dispose()


async def test_a_space_no_entry_names_is_not_warned_about(
    database_url: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    """A community stored under another name (an import, a renamed entry since removed)
    is simply used: nothing in the config claims the space."""
    db = Database(database_url())
    try:
        named = Settings(communities=[CommunityEntry(name="acme", spaces={"discord": "900"})])
        await Cercle(db, named, ManualClock(NOW)).handle_many([posted(0)])
        plain = Cercle(db, Settings(), ManualClock(NOW + timedelta(hours=1)))
        with caplog.at_level(logging.WARNING, logger="cercle.core"):
            await plain.handle_many([posted(1)])
        assert "Points: 2" in await rank(plain)
        assert not [r for r in caplog.records if r.name == "cercle.core"]
    finally:
        await db.dispose()
