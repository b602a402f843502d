"""Numbers shown to members (idea #12, poll #3): one sequence per community and kind,
allocated atomically in one statement and never given twice, even across processes."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_or_add


async def next_number(session: AsyncSession, table: Table, community_id: int) -> int:
    """The community's next number in `table` (a `community_id`, `last_number` counter)."""
    number = await session.scalar(
        insert_or_add(session, table, ["community_id"], ["last_number"])
        .values(community_id=community_id, last_number=1)
        .returning(table.c.last_number)
    )
    assert number is not None
    return int(number)
