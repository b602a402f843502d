"""The queries behind gaming flags: who thanked whom, whose reaction points come from whom,
and who scored many messages in a short time, within a window of the ledger; and the flags
themselves, each noticed once (unique by the pattern's key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignore
from storage.models import Community, Contribution
from storage.models.moderation import GamingFlag


def _window(community_id: int, kind: str, since: datetime) -> list:  # type: ignore[type-arg]
    return [
        Contribution.community_id == community_id,
        Contribution.kind == kind,
        Contribution.occurred_at >= since,
        Contribution.reverses_id.is_(None),
        Contribution.points > 0,
        Contribution.actor_id.is_not(None),
    ]


async def given_between(
    session: AsyncSession, community_id: int, kind: str, since: datetime
) -> list[tuple[int, int, int]]:
    """(actor, member, count): how often each actor gave the member a `kind` row since."""
    rows = await session.execute(
        select(Contribution.actor_id, Contribution.member_id, func.count())
        .where(*_window(community_id, kind, since))
        .group_by(Contribution.actor_id, Contribution.member_id)
    )
    return [(int(a), int(m), int(n)) for a, m, n in rows.all()]


async def message_times(
    session: AsyncSession, community_id: int, since: datetime
) -> list[tuple[int, datetime]]:
    """(member, time) of every scored message since, oldest first (a day's worth)."""
    rows = await session.execute(
        select(Contribution.member_id, Contribution.occurred_at)
        .where(
            Contribution.community_id == community_id,
            Contribution.kind == "message",
            Contribution.occurred_at >= since,
            Contribution.reverses_id.is_(None),
            Contribution.points > 0,
        )
        .order_by(Contribution.occurred_at)
    )
    return [(int(m), at) for m, at in rows.all()]


async def add_flag(session: AsyncSession, flag: GamingFlag) -> bool:
    """Record a flag unless its pattern (`key`) was flagged before; True if new."""
    values = {c.name: getattr(flag, c.name) for c in GamingFlag.__table__.columns if c.name != "id"}
    result = await session.execute(
        insert_ignore(session, GamingFlag.__table__, ("community_id", "key")).values(**values)
    )
    return bool(result.rowcount)


async def open_flags(session: AsyncSession, community_id: int) -> list[GamingFlag]:
    rows = await session.scalars(
        select(GamingFlag)
        .where(GamingFlag.community_id == community_id, GamingFlag.status == "open")
        .order_by(GamingFlag.id)
    )
    return list(rows.all())


async def flag_by_key(session: AsyncSession, community_id: int, key: str) -> GamingFlag | None:
    return await session.scalar(
        select(GamingFlag).where(GamingFlag.community_id == community_id, GamingFlag.key == key)
    )


async def flag(session: AsyncSession, community_id: int, flag_id: int) -> GamingFlag | None:
    found = await session.get(GamingFlag, flag_id)
    return found if found is not None and found.community_id == community_id else None


async def close_flag(
    session: AsyncSession, flag: GamingFlag, status: str, by: int, at: datetime
) -> None:
    flag.status, flag.closed_by, flag.closed_at = status, by, at
    session.add(flag)
    await session.flush()


async def community_ids(session: AsyncSession) -> list[int]:
    rows = await session.scalars(select(Community.id))
    return [int(i) for i in rows.all()]
