"""A community and its members written straight into the database, for the storage tests
that need a few of them and nothing of the core."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.db import Database
from storage.models import Community, Member


async def community_with_members(
    db: Database, members: int, slug: str = "rows", created_at: datetime | None = None
) -> tuple[int, list[int]]:
    """A community of `members` members: its id, and theirs in the order they were made."""
    async with db.transaction() as session:
        community = Community(slug=slug, created_at=created_at or datetime(2025, 12, 1, tzinfo=UTC))
        session.add(community)
        await session.flush()
        assert community.id is not None
        people = [
            Member(community_id=community.id, display_name=f"m{i}", origin=f"test:{i}")
            for i in range(members)
        ]
        session.add_all(people)
        await session.flush()
        return community.id, [m.id for m in people if m.id is not None]
