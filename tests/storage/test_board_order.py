"""A board's pages come in its order (most points first, then the member Cercle knew
first), read from its index in that order: no page sorts the board (migration 0027).

At a million members the sort was most of a page's cost: on PostgreSQL the planner even
launched parallel workers to sort the month board for its first ten rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from bot.clock import ManualClock
from bot.config import Settings
from bot.core import Cercle
from bot.events import ChannelRef, MemberRef, MessagePosted
from storage import leaderboards
from storage.db import Database
from storage.models import Member, MemberTotal
from tests.conftest import START

GENERAL = ChannelRef("c1", "general")
# Message counts with ties, posted by members in an order unlike their ids' order.
POSTS = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4]
PAGE = 3


async def _scored(db: Database) -> int:
    settings = Settings.model_validate(
        {"scoring": {"message_cooldown_seconds": 0, "message_min_length": 0}}
    )
    core = Cercle(db, settings, ManualClock(START))
    events = []
    for round_ in range(max(POSTS)):
        for k, posts in enumerate(POSTS):
            if round_ < posts:
                events.append(
                    MessagePosted(
                        platform="discord",
                        space_id="g1",
                        at=START + timedelta(minutes=len(events)),
                        message_id=str(1000 + len(events)),
                        channel=GENERAL,
                        author=MemberRef("discord", f"u{k}", f"member{k}"),
                        text="a useful answer about the product",
                    )
                )
    await core.handle_many(events)
    async with db.transaction() as session:
        return int(await session.scalar(select(Member.community_id).limit(1)) or 0)


async def test_every_board_pages_through_in_its_order(db: Database) -> None:
    community_id = await _scored(db)
    async with db.transaction() as session:
        boards = [("all", None)] + [
            (period, start)
            for period, start in (
                await session.execute(
                    select(MemberTotal.period, MemberTotal.period_start).distinct()
                )
            ).all()
        ]
        assert {period for period, _ in boards} == {"all", "week", "month"}
        for period, start in boards:
            if period == "all":
                rows = select(Member.id, Member.points).where(Member.community_id == community_id)
            else:
                rows = select(MemberTotal.member_id, MemberTotal.points).where(
                    MemberTotal.period == period, MemberTotal.period_start == start
                )
            expected = sorted((-p, m) for m, p in (await session.execute(rows)).all() if p > 0)
            assert len(expected) == len(POSTS)
            paged: list[tuple[int, int]] = []
            for offset in range(0, len(expected), PAGE):
                page, total = await leaderboards.page(
                    session, community_id, period, start, offset, PAGE
                )
                assert total == len(expected)
                paged += [(-s.points, s.member_id) for s in page]
            assert paged == expected, period


async def test_no_page_sorts_its_board(db: Database) -> None:
    community_id = await _scored(db)
    async with db.transaction() as session:
        start = await session.scalar(
            select(MemberTotal.period_start).where(MemberTotal.period == "month")
        )
        if db.dialect == "postgresql":
            # On a few rows a scan and a sort are cheaper than the index; at scale they
            # are not. Only the index's order is under test here.
            await session.execute(text("SET LOCAL enable_seqscan = off"))
        for all_time in (True, False):
            statement = leaderboards._board(all_time).params(
                community_id=community_id, period="month", start=start, offset=PAGE, limit=PAGE
            )
            sql = str(
                statement.compile(
                    dialect=session.bind.dialect, compile_kwargs={"literal_binds": True}
                )
            )
            explain = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
            plan = " ".join(str(row[-1]) for row in await session.execute(text(explain + sql)))
            board = "ix_member_leaderboard" if all_time else "ix_member_total_board"
            assert board in plan, plan
            assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
