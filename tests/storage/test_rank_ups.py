"""The rank-ups a digest tells (`storage.metrics.members.rank_ups`), from the rank history:
per member, the rank before their first change in the period against the rank after their
last, placed on the ladder; members back at the rank they began with, demoted, promoted at
the period's very end or before it, hidden or flagged as bots, or from another community
left out, and a rank the ladder no longer names too; the first few ordered by rank then
name, all counted, and those of the members asked about; the period is read as a range
of `ix_rank_change_at`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from community_rows import community_with_members
from sqlalchemy import insert, text, update

from storage.db import Database
from storage.metrics import members as metrics_members
from storage.models import Member, RankChange

START = datetime(2026, 1, 5, tzinfo=UTC)
END = START + timedelta(days=7)
LADDER = ["Newcomer", "Regular", "Expert", "Champion"]


def _change(community_id: int, member_id: int, before: str | None, after: str, at: datetime):
    return RankChange(
        community_id=community_id, member_id=member_id, from_rank=before, to_rank=after, at=at
    )


async def test_each_member_from_the_first_change_to_the_last(db: Database) -> None:
    community_id, m = await community_with_members(db, 12, "ups")
    other_id, (stranger,) = await community_with_members(db, 1, "elsewhere")
    hour = timedelta(hours=1)
    changes = [
        # Two steps up in the week (recorded in the order they came).
        (m[0], "Newcomer", "Regular", START + 2 * hour),
        (m[0], "Regular", "Champion", START + 50 * hour),
        # Up, then down again: back where they began.
        (m[1], "Newcomer", "Regular", START + hour),
        (m[1], "Regular", "Newcomer", START + 3 * hour),
        # Down in the week.
        (m[2], "Expert", "Regular", START + 4 * hour),
        # A first recorded rank: from the bottom of the ladder.
        (m[3], None, "Newcomer", START),
        (m[8], None, "Regular", START + hour),
        # Before the week, and at its very end: not the week's.
        (m[4], "Newcomer", "Regular", START - hour),
        (m[4], "Regular", "Expert", END),
        # Hidden, and a bot.
        (m[5], "Newcomer", "Regular", START + hour),
        (m[6], "Newcomer", "Regular", START + hour),
        # The last instant of the week.
        (m[7], "Regular", "Expert", END - timedelta(microseconds=1)),
        # From a rank the ladder no longer names.
        (m[9], "Guru", "Expert", START + hour),
        (m[10], "Newcomer", "Expert", START + 5 * hour),
    ]
    async with db.transaction() as session:
        session.add_all([_change(community_id, *change) for change in changes])
        session.add(_change(other_id, stranger, "Newcomer", "Regular", START + hour))
        await session.execute(update(Member).where(Member.id == m[5]).values(hidden=True))
        await session.execute(update(Member).where(Member.id == m[6]).values(is_bot=True))
    async with db.transaction() as session:
        ups = await metrics_members.rank_ups(
            session, community_id, START, END, LADDER, 3, [m[0], m[1], m[8], stranger]
        )
        everyone = await metrics_members.rank_ups(session, community_id, START, END, LADDER, 10)
    # Expert: "m10" before "m7", by name.
    assert ups.first == [(m[0], "m0", "Champion"), (m[10], "m10", "Expert"), (m[7], "m7", "Expert")]
    assert ups.total == 4
    assert ups.of_members == {m[0]: "Champion", m[8]: "Regular"}
    assert everyone.first == [*ups.first, (m[8], "m8", "Regular")]
    assert everyone.total == 4 and everyone.of_members == {}


async def test_the_period_is_read_from_the_time_index(db: Database) -> None:
    # A year of history before the week: the week is a small range of it.
    community_id, m = await community_with_members(db, 50, "plan")
    async with db.transaction() as session:
        await session.execute(
            insert(RankChange),
            [
                {
                    "community_id": community_id,
                    "member_id": m[n % 50],
                    "from_rank": "Newcomer",
                    "to_rank": "Regular",
                    "at": START - timedelta(hours=n + 1),
                }
                for n in range(5000)
            ],
        )
    async with db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("ANALYZE rank_change"))
            await session.execute(text("SET LOCAL enable_seqscan = off"))
        statement = metrics_members.rank_ups_statement(community_id, START, END, LADDER, 10)
        compiled = statement.compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
        plan = "\n".join(str(row) for row in await session.execute(text(f"EXPLAIN {compiled}")))
        if session.get_bind().dialect.name == "sqlite":
            plan = "\n".join(
                str(row) for row in await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            )
    assert "ix_rank_change_at" in plan, plan
