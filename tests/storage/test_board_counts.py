"""Places on the boards are counted by points value (`board_count`, kept by triggers):
whatever happens to points (scoring, deletions, a member erased, a member hidden or
excluded), every member's place is the one counting members one by one gives, on both
databases, and on PostgreSQL concurrent writers neither wait on each other's counts nor
deadlock."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from bot.events import ChannelRef, MemberRef, MessageDeleted, MessagePosted
from bot.scheduler import Timekeeper
from storage import leaderboards, migrate, privacy, standings
from storage.db import Database
from storage.models import Member, MemberTotal
from storage.models.standings import ALL_TIME_START, BoardCount, BoardMove
from tests.conftest import START

GENERAL = ChannelRef("c1", "general")
PEOPLE = [MemberRef("discord", f"u{k}", f"member{k}") for k in range(24)]


def settings() -> Settings:
    return Settings.model_validate(
        {"scoring": {"message_cooldown_seconds": 0, "message_min_length": 0}}
    )


async def counts(db: Database) -> dict[tuple[str, str, int], int]:
    """What the counts say, pending moves included, rows at zero left out."""
    found: dict[tuple[str, str, int], int] = {}
    async with db.transaction() as session:
        for table in (BoardCount, BoardMove):
            rows = await session.execute(
                select(
                    table.period, table.period_start, table.points, func.sum(table.members)
                ).group_by(table.period, table.period_start, table.points)
            )
            for period, start, points, members in rows:
                key = (period, str(start), points)
                found[key] = found.get(key, 0) + int(members)
    return {key: n for key, n in found.items() if n}


SHOWN = (Member.excluded.is_(False), Member.is_bot.is_(False), Member.hidden.is_(False))


async def recounted(db: Database) -> dict[tuple[str, str, int], int]:
    """The same, counted from the boards themselves: the members each board shows."""
    found: dict[tuple[str, str, int], int] = {}
    async with db.transaction() as session:
        for points, n in await session.execute(
            select(Member.points, func.count())
            .where(Member.points > 0, *SHOWN)
            .group_by(Member.points)
        ):
            found[("all", str(ALL_TIME_START), points)] = n
        for period, start, points, n in await session.execute(
            select(MemberTotal.period, MemberTotal.period_start, MemberTotal.points, func.count())
            .join(Member, Member.id == MemberTotal.member_id)
            .where(MemberTotal.points > 0, *SHOWN)
            .group_by(MemberTotal.period, MemberTotal.period_start, MemberTotal.points)
        ):
            found[(period, str(start), points)] = n
    return found


async def rows_of(db: Database, ids: list[int]) -> int:
    """How many rows with points the members `ids` hold on all boards together."""
    async with db.transaction() as session:
        all_time = await session.scalar(
            select(func.count()).where(Member.id.in_(ids), Member.points > 0)
        )
        periods = await session.scalar(
            select(func.count()).where(MemberTotal.member_id.in_(ids), MemberTotal.points > 0)
        )
    return int(all_time or 0) + int(periods or 0)


async def places_agree(db: Database, core: Cercle) -> int:
    """Every member's place on every board against a count of those shown ahead of them;
    returns how many places were compared."""
    compared = 0
    async with db.transaction() as session:
        members = list(await session.scalars(select(Member)))
        community_id = members[0].community_id
        boards = [("all", None)] + [
            (period, start)
            for period, start in await session.execute(
                select(MemberTotal.period, MemberTotal.period_start).distinct()
            )
        ]
        shown = {m.id for m in members if not (m.excluded or m.is_bot or m.hidden)}
        for period, start in boards:
            if period == "all":
                points = {m.id: m.points for m in members}
            else:
                rows = await session.execute(
                    select(MemberTotal.member_id, MemberTotal.points).where(
                        MemberTotal.period == period, MemberTotal.period_start == start
                    )
                )
                points = dict(rows.all())
            for member in members:
                mine = points.get(member.id, 0)
                place = await leaderboards.place_of(session, community_id, member.id, period, start)
                if member.id not in shown or mine <= 0:
                    assert place is None
                    continue
                ahead = sum(1 for m, p in points.items() if m in shown and p > mine)
                assert place is not None and place.place == ahead + 1, (period, member.id)
                compared += 1
    return compared


async def test_places_follow_every_change_of_points(db: Database) -> None:
    clock = ManualClock(START)
    core = Cercle(db, settings(), clock)
    rng = random.Random(7)
    posted: list[str] = []

    async def burst(n: int) -> None:
        events = []
        for _ in range(n):
            clock.advance(timedelta(minutes=rng.randint(1, 400)))
            mid = f"m{len(posted)}"
            posted.append(mid)
            author = PEOPLE[min(rng.randrange(len(PEOPLE)), rng.randrange(len(PEOPLE)))]
            events.append(
                MessagePosted("discord", "g1", clock.now(), mid, GENERAL, author, "an answer")
            )
        await core.handle_many(events)

    await burst(150)  # across weeks and a month's end
    assert await counts(db) == await recounted(db)
    assert await places_agree(db, core) > 40

    # Deleted messages take their points back (reversals).
    for mid in rng.sample(posted, 30):
        await core.handle(MessageDeleted("discord", "g1", clock.now(), mid, GENERAL))
    # Hidden, excluded and bot members leave the counts with every board's row of theirs.
    async with db.transaction() as session:
        ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
        before = await counts(db)
        await session.execute(update(Member).where(Member.id == ids[1]).values(hidden=True))
        await session.execute(update(Member).where(Member.id == ids[2]).values(excluded=True))
        await session.execute(update(Member).where(Member.id == ids[3]).values(is_bot=True))
        # Flagged twice over, then cleared: back in every count.
        await session.execute(
            update(Member).where(Member.id == ids[4]).values(hidden=True, excluded=True)
        )
        await session.execute(
            update(Member).where(Member.id == ids[4]).values(hidden=False, excluded=False)
        )
    assert await counts(db) == await recounted(db)
    assert sum(before.values()) - sum((await counts(db)).values()) == await rows_of(db, ids[1:4])
    assert await places_agree(db, core) > 40
    # An erased member's points leave every board.
    async with db.transaction() as session:
        await privacy.forget(session, ids[0])
    await burst(60)

    assert await counts(db) == await recounted(db)
    assert await places_agree(db, core) > 40
    async with db.transaction() as session:
        await standings.fold(session)
    async with db.transaction() as session:
        pending = await session.scalar(select(func.count()).select_from(BoardMove))
    assert pending == 0  # folded (SQLite never has any)
    assert await counts(db) == await recounted(db)
    assert await places_agree(db, core) > 40


async def test_concurrent_writers_never_deadlock_on_counts(db: Database) -> None:
    """Four writers move the same members' points up and down at once (PostgreSQL: row
    triggers, every transaction touching the same few counts in its own order) while
    folds run: no error, and the counts stay exact."""
    core = Cercle(db, settings(), ManualClock(START))
    await core.handle_many(
        [
            MessagePosted("discord", "g1", START, f"seed{k}", GENERAL, person, "hello")
            for k, person in enumerate(PEOPLE)
        ]
    )
    async with db.transaction() as session:
        ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
    others = [Database(db.url) for _ in range(4)]

    async def writer(k: int, other: Database) -> None:
        rng = random.Random(k)
        for _ in range(15):
            # Members in id order, as Cercle writes them: what is left to collide on is
            # the counts, touched in whatever order the members' points fall.
            chosen = sorted(rng.sample(ids, 8))
            async with other.transaction() as session:
                for member_id in chosen:
                    await session.execute(
                        update(Member)
                        .where(Member.id == member_id)
                        .values(points=Member.points + rng.choice((1, 2, 3, -1)))
                    )

    async def folder() -> None:
        for _ in range(10):
            async with db.transaction() as session:
                await standings.fold(session, limit=50)
            await asyncio.sleep(0)

    try:
        await asyncio.gather(*(writer(k, other) for k, other in enumerate(others)), folder())
    finally:
        for other in others:
            await other.dispose()
    assert await counts(db) == await recounted(db)


async def test_the_running_bot_folds_pending_moves(db: Database) -> None:
    """On PostgreSQL `cercle run`'s scheduler folds the moves every second, so a place is
    read from a few rows; on SQLite there is nothing to fold."""
    core = Cercle(db, settings(), ManualClock(START))
    await core.handle_many(
        [
            MessagePosted("discord", "g1", START, f"m{k}", GENERAL, person, "hello")
            for k, person in enumerate(PEOPLE)
        ]
    )

    async def deliver(community_id: int, action: object) -> None:
        return None

    keeper = Timekeeper(core, deliver)
    await keeper.start()
    try:
        fold = keeper.scheduler.get_job("cercle-board-fold")
        assert (fold is None) == (db.dialect == "sqlite")
        for _ in range(50):
            async with db.transaction() as session:
                pending = await session.scalar(select(func.count()).select_from(BoardMove))
            if not pending:
                break
            await asyncio.sleep(0.1)
        assert pending == 0
    finally:
        keeper.shutdown()
    assert await counts(db) == await recounted(db)


async def test_upgrading_takes_flagged_members_out_of_the_counts(
    database_url: Callable[..., str],
) -> None:
    """A database whose counts held flagged members too (before migration 0024) counts
    only the shown ones once upgraded, and keeps doing so as flags change."""
    db = Database(database_url(migrated=False))
    try:
        await migrate.upgrade(db.engine, "0023")
        core = Cercle(db, settings(), ManualClock(START))
        await core.handle_many(
            [
                MessagePosted("discord", "g1", START, f"m{k}", GENERAL, person, "hello")
                for k, person in enumerate(PEOPLE[:6])
            ]
        )
        async with db.transaction() as session:
            ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
            await session.execute(update(Member).where(Member.id == ids[0]).values(hidden=True))
        assert sum((await counts(db)).values()) == 3 * 6  # all time, week, month: everyone

        await db.upgrade()
        assert sum((await counts(db)).values()) == 3 * 5
        assert await counts(db) == await recounted(db)
        async with db.transaction() as session:
            await session.execute(update(Member).where(Member.id == ids[0]).values(hidden=False))
        assert sum((await counts(db)).values()) == 3 * 6
        assert await places_agree(db, core) == 3 * 6
    finally:
        await db.dispose()
