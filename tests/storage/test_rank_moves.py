"""The rank history a digest reads its rank-ups from (`storage.metrics.members.rank_moves`):
per member, the rank before their first change in the period and after their last, in
the order the changes happened (not the order they were written), with the period's end
excluded; members back at the rank they began with, members hidden or flagged as bots,
and other communities left out; and the read is a range of `ix_rank_change_time`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from community_rows import community_with_members
from sqlalchemy import insert, text, update

from storage.db import Database
from storage.metrics import members as metrics_members
from storage.models import Member, RankChange

START = datetime(2026, 1, 5, tzinfo=UTC)
END = START + timedelta(days=7)


def _change(community_id: int, member_id: int, before: str | None, after: str, at: datetime):
    return RankChange(
        community_id=community_id, member_id=member_id, from_rank=before, to_rank=after, at=at
    )


async def test_each_member_from_the_first_change_to_the_last(db: Database) -> None:
    community_id, m = await community_with_members(db, 8, "moves")
    other_id, (stranger,) = await community_with_members(db, 1, "elsewhere")
    hour = timedelta(hours=1)
    async with db.transaction() as session:
        session.add_all(
            [
                # Two steps up in the week, the later one written first.
                _change(community_id, m[0], "Regular", "Expert", START + 50 * hour),
                _change(community_id, m[0], "Newcomer", "Regular", START + 2 * hour),
                # Up, then down again: back where they began.
                _change(community_id, m[1], "Newcomer", "Regular", START + hour),
                _change(community_id, m[1], "Regular", "Newcomer", START + 3 * hour),
                # Down in the week.
                _change(community_id, m[2], "Expert", "Regular", START + 4 * hour),
                # A first recorded rank.
                _change(community_id, m[3], None, "Newcomer", START),
                # Before the week, and at its very end: not the week's.
                _change(community_id, m[4], "Newcomer", "Regular", START - hour),
                _change(community_id, m[4], "Regular", "Expert", END),
                # Hidden, and a bot.
                _change(community_id, m[5], "Newcomer", "Regular", START + hour),
                _change(community_id, m[6], "Newcomer", "Regular", START + hour),
                # The last instant of the week.
                _change(community_id, m[7], "Regular", "Expert", END - timedelta(microseconds=1)),
                _change(other_id, stranger, "Newcomer", "Regular", START + hour),
            ]
        )
        await session.execute(update(Member).where(Member.id == m[5]).values(hidden=True))
        await session.execute(update(Member).where(Member.id == m[6]).values(is_bot=True))
    async with db.transaction() as session:
        moves = await metrics_members.rank_moves(session, community_id, START, END)
    assert moves == [
        metrics_members.RankMove(m[0], "m0", "Newcomer", "Expert"),
        metrics_members.RankMove(m[2], "m2", "Expert", "Regular"),
        metrics_members.RankMove(m[3], "m3", None, "Newcomer"),
        metrics_members.RankMove(m[7], "m7", "Regular", "Expert"),
    ]


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
        statement = metrics_members.rank_moves_statement(community_id, START, END)
        compiled = statement.compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
        plan = "\n".join(str(row) for row in await session.execute(text(f"EXPLAIN {compiled}")))
        if session.get_bind().dialect.name == "sqlite":
            plan = "\n".join(
                str(row) for row in await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            )
    assert "ix_rank_change_time" in plan, plan
