"""A burst (at least 15 scored messages of one member within an hour) is found by the
database on both backends: the same members and the same first message as sliding a window
over each member's messages one by one, a run of exactly an hour is not one, and only the
window's messages count."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from bot.events import ChannelRef, MemberRef, MessagePosted
from storage import gaming
from storage.db import Database
from storage.models import Contribution, Member
from tests.conftest import START

GENERAL = ChannelRef("c1", "general")
COUNT, WITHIN = 15, timedelta(hours=1)


def settings() -> Settings:
    return Settings.model_validate(
        {"scoring": {"message_cooldown_seconds": 0, "message_min_length": 0}}
    )


async def post(core: Cercle, who: str, times: list[datetime]) -> None:
    author = MemberRef("discord", who, who)
    await core.handle_many(
        [
            MessagePosted("discord", "g1", at, f"{who}-{k}", GENERAL, author, "an answer")
            for k, at in enumerate(times)
        ]
    )


def every(start: datetime, minutes: float, n: int) -> list[datetime]:
    return [start + timedelta(minutes=minutes * k) for k in range(n)]


async def one_by_one(db: Database, since: datetime) -> dict[str, datetime]:
    """The window slid over each member's messages in Python: the oracle."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(Member.display_name, Contribution.occurred_at)
            .join(Member, Member.id == Contribution.member_id)
            .where(
                Contribution.kind == "message",
                Contribution.occurred_at >= since,
                Contribution.points > 0,
                Contribution.reverses_id.is_(None),
            )
            .order_by(Contribution.occurred_at)
        )
        times: dict[str, list[datetime]] = {}
        for who, at in rows:
            times.setdefault(who, []).append(at)
    found = {}
    for who, moments in times.items():
        for i in range(len(moments) - COUNT + 1):
            if moments[i + COUNT - 1] - moments[i] < WITHIN:
                found[who] = moments[i]
                break
    return found


async def bursts(db: Database, since: datetime) -> dict[str, datetime]:
    async with db.transaction() as session:
        names = dict((await session.execute(select(Member.id, Member.display_name))).all())
        community_id = await session.scalar(select(Member.community_id).limit(1))
        assert community_id is not None
        found = await gaming.burst_starts(session, community_id, since, COUNT, WITHIN)
    return {names[member]: start for member, start in found}


async def test_bursts_are_the_runs_of_fifteen_within_less_than_an_hour(db: Database) -> None:
    core = Cercle(db, settings(), ManualClock(START))
    day = START + timedelta(days=3)
    await post(core, "fast", every(day, 4, 15))  # 56 minutes: a burst
    await post(core, "hour", [*every(day, 4, 14), day + WITHIN])  # exactly an hour: not one
    await post(core, "few", every(day, 1, 14))  # fourteen: not one
    # Slow at first, then fast: the first run that fits starts among the slow ones.
    await post(core, "late", every(day, 20, 5) + every(day + timedelta(minutes=85), 2, 13))
    # Fast, but a day before the window.
    await post(core, "old", every(day - timedelta(hours=30), 1, 20))
    since = day - timedelta(hours=1)

    found = await bursts(db, since)

    assert sorted(found) == ["fast", "late"]
    assert found["fast"] == day
    assert found["late"] == day + timedelta(minutes=60)  # its 4th message, 49 minutes to the 15th
    assert found == await one_by_one(db, since)
    assert sorted(await bursts(db, day - timedelta(days=2))) == ["fast", "late", "old"]


async def test_bursts_agree_with_a_window_slid_one_message_at_a_time(db: Database) -> None:
    core = Cercle(db, settings(), ManualClock(START))
    rng = random.Random(22)
    for k in range(30):
        at, times = START + timedelta(minutes=rng.randint(0, 600)), []
        for _ in range(rng.randint(5, 40)):
            at += timedelta(seconds=rng.choice([30, 90, 200, 240, 300, 1200]))
            times.append(at)
        await post(core, f"m{k}", times)
    since = START + timedelta(hours=2)

    found = await bursts(db, since)

    assert found == await one_by_one(db, since)
    assert 5 <= len(found) <= 25  # the sample has both kinds of member
