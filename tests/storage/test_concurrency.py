"""Several Cercle processes on one database: overlapping and redelivered events, ingested
at the same time by two cores with their own engines and connections, give exactly the
totals one process gives."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from bot.events import ChannelRef, Event, MemberRef, MessagePosted, ReactionAdded
from storage import member_counters
from storage.db import Database
from storage.models import Contribution, Member, MemberTotal

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
GENERAL = ChannelRef("c1", "general")


def member(n: int) -> MemberRef:
    return MemberRef("discord", f"u{n}", f"member{n}")


def community_events() -> list[Event]:
    """Messages far enough apart that every one scores whoever sees it first, and
    reactions from other members."""
    events: list[Event] = []
    for i in range(240):
        author = member(i % 12)
        at = START + timedelta(minutes=5 * i)
        events.append(
            MessagePosted(
                "discord", "g1", at, f"m{i}", GENERAL, author, "a message long enough to score"
            )
        )
        if i % 3 == 0:
            events.append(
                ReactionAdded(
                    "discord",
                    "g1",
                    at + timedelta(seconds=30),
                    f"m{i}",
                    GENERAL,
                    member((i + 5) % 12),
                    "👍",
                    author,
                )
            )
    return events


async def totals(db: Database) -> dict[str, object]:
    async with db.transaction() as session:
        points = dict(
            (
                await session.execute(select(Member.origin, Member.points).order_by(Member.origin))
            ).all()
        )
        messages = dict(
            (
                await session.execute(
                    select(Member.origin, Member.messages).order_by(Member.origin)
                )
            ).all()
        )
        ledger = await session.scalar(select(func.coalesce(func.sum(Contribution.points), 0)))
        rows = await session.scalar(select(func.count()).select_from(Contribution))
        weekly = await session.scalar(
            select(func.coalesce(func.sum(MemberTotal.points), 0)).where(
                MemberTotal.period == "week"
            )
        )
        members = await session.scalar(select(func.count()).select_from(Member))
    return {
        "points": points,
        "messages": messages,
        "ledger": ledger,
        "rows": rows,
        "weekly": weekly,
        "members": members,
    }


async def ingest(core: Cercle, events: list[Event], size: int) -> None:
    for start in range(0, len(events), size):
        await core.handle_many(events[start : start + size])
        await asyncio.sleep(0)


async def test_two_processes_with_overlapping_deliveries_count_everything_once(
    database_url: Callable[..., str],
) -> None:
    events = community_events()
    alone = Database(database_url())
    first, second = Database(url := database_url()), Database(url)
    try:
        await ingest(Cercle(alone, Settings(), ManualClock(START)), events, 40)
        expected = await totals(alone)

        one = Cercle(first, Settings(), ManualClock(START))
        two = Cercle(second, Settings(), ManualClock(START))
        # The first process sees the first two thirds, the second the last two thirds, and
        # both redeliver a stretch in the middle: a third of the events arrive twice at once.
        cut = len(events) // 3
        await asyncio.gather(
            ingest(one, events[: 2 * cut], 25),
            ingest(two, events[cut:], 30),
        )
        await ingest(two, events[cut : cut + 40], 20)  # a late redelivery, once more
        assert await totals(first) == expected
        assert expected["ledger"] == expected["weekly"] == sum(expected["points"].values())
        assert expected["members"] == 12
    finally:
        for db in (alone, first, second):
            await db.dispose()


async def test_two_processes_sharing_a_members_messages_score_one_per_cooldown_window(
    database_url: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each message reaches one process only, but a member's messages of one cooldown window
    # are split between the two: whichever commits first takes the window, the other must
    # see it (SQLite included: what a transaction read must not change before it writes).
    # Reading the last scored times is made slow, so that the other process has time to
    # commit in between, as it may on a busy machine.
    read_last_scored = member_counters.last_scored_at

    async def slowly(*args: Any) -> Any:
        found = await read_last_scored(*args)
        await asyncio.sleep(0.03)
        return found

    monkeypatch.setattr(member_counters, "last_scored_at", slowly)
    events: list[Event] = []
    for window in range(30):
        for second in (5, 20, 35, 50):
            for n in range(6):
                at = START + timedelta(minutes=window, seconds=second + n)
                text = "a message long enough to score"
                message_id = f"w{window}s{second}m{n}"
                events.append(
                    MessagePosted("discord", "g1", at, message_id, GENERAL, member(n), text)
                )
    first, second = Database(url := database_url()), Database(url)
    try:
        one = Cercle(first, Settings(), ManualClock(START))
        two = Cercle(second, Settings(), ManualClock(START))
        for core in (one, two):  # both connected and knowing the members before the race
            await core.handle_many(
                [
                    MessagePosted(
                        "discord", "g1", START - timedelta(days=1), f"hello{n}", GENERAL, member(n)
                    )
                    for n in range(6)
                ]
            )
        # Slots 5 and 35 s of every window go to one process, 20 and 50 s to the other.
        halves = ([e for i, e in enumerate(events) if i // 6 % 2 == k] for k in (0, 1))
        await asyncio.gather(
            *(ingest(core, half, 4) for core, half in zip((one, two), halves, strict=True))
        )
        points = (await totals(first))["points"]
        assert points == {f"discord:u{n}": 31 for n in range(6)}  # 30 windows and hello
    finally:
        for db in (first, second):
            await db.dispose()
