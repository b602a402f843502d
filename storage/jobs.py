"""What falls due, as rows: scheduling, claiming (atomically, once), finishing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignore
from storage.models import ScheduledJob

# A claimed job whose process died is claimable again after this long.
STALE_CLAIM = timedelta(minutes=10)


async def schedule(
    session: AsyncSession,
    community_id: int,
    kind: str,
    key: str,
    due_at: datetime,
    payload: str = "{}",
) -> bool:
    """Schedule a job under a unique key; False when that key was already scheduled."""
    session.info["scheduled"] = True  # the core tells the live scheduler after commit
    result = await session.execute(
        insert_ignore(session, ScheduledJob.__table__, ["key"]).values(
            community_id=community_id,
            kind=kind,
            key=key,
            due_at=due_at,
            status="pending",
            payload=payload,
        )
    )
    return bool(result.rowcount)


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return and_(
        ScheduledJob.due_at <= now,
        or_(
            ScheduledJob.status == "pending",
            and_(ScheduledJob.status == "running", ScheduledJob.claimed_at < now - STALE_CLAIM),
        ),
    )


async def due_ids(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    rows = await session.scalars(
        select(ScheduledJob.id).where(_claimable(now)).order_by(ScheduledJob.due_at).limit(limit)
    )
    return [i for i in rows.all() if i is not None]


async def claim(session: AsyncSession, job_id: int, owner: str, now: datetime) -> bool:
    """Take a due job for this process; exactly one caller wins, whatever the processes."""
    result = await session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.id == job_id, _claimable(now))
        .values(status="running", claimed_by=owner, claimed_at=now)
    )
    return result.rowcount == 1


async def finish(
    session: AsyncSession, job_id: int, now: datetime, error: str | None = None
) -> None:
    await session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.id == job_id)
        .values(status="failed" if error else "done", finished_at=now, error=error)
    )


async def next_due(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(func.min(ScheduledJob.due_at)).where(ScheduledJob.status == "pending")
    )


async def upcoming(session: AsyncSession, limit: int = 5) -> list[ScheduledJob]:
    rows = await session.scalars(
        select(ScheduledJob)
        .where(ScheduledJob.status == "pending")
        .order_by(ScheduledJob.due_at)
        .limit(limit)
    )
    return list(rows)


async def get(session: AsyncSession, job_id: int) -> ScheduledJob | None:
    return await session.get(ScheduledJob, job_id)
