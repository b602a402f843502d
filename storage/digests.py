"""Digest bookkeeping: each community's chain, the runs claimed before posting, and their
scheduled jobs.

Every change here is a conditional statement that only one caller can win, whatever the
process: a chain moves on only from the start it was read at, and a run is claimed by
inserting its unique (community, period start, destination) row.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import jobs as job_store
from storage.dialect import insert_ignore
from storage.models import Community, Contribution, PlatformSpace, PostedCard, ScheduledJob
from storage.models.digests import DigestRun, DigestState

DIGEST_JOB = "digest"
CHECK_JOB = "digest_check"


def job_key(community_id: int, start: date) -> str:
    return f"digest:{community_id}:{start.isoformat()}"


def marker(community_id: int, start: date, destination: str) -> str:
    """The idempotency marker a digest post carries (and adapters look for)."""
    return f"cercle-digest:{community_id}:{start.isoformat()}:{destination}"


def card_ref(start: date) -> str:
    """What a posted digest is known as: the adapter's `card_posted` confirms the post."""
    return f"digest:{start.isoformat()}"


async def unplanned(session: AsyncSession) -> list[tuple[int, datetime]]:
    """Communities with a platform space and no digest chain yet, with when they began:
    created, or first active when their history is older (an imported or replayed one)."""
    first = (
        select(func.min(Contribution.occurred_at))
        .where(Contribution.community_id == Community.id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Community.id, Community.created_at, first.label("first"))
        .outerjoin(DigestState, DigestState.community_id == Community.id)
        .where(
            DigestState.community_id.is_(None),
            Community.id.in_(select(PlatformSpace.community_id)),
        )
    )
    return [
        (int(i), created if begun is None else min(created, _aware(begun)))
        for i, created, begun in rows
        if i is not None
    ]


def _aware(value: datetime) -> datetime:
    # A bare aggregate loses the column's type: SQLite gives back naive UTC text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def start_chain(
    session: AsyncSession, community_id: int, start: date, due_at: datetime, now: datetime
) -> bool:
    """Begin a community's chain with its first period (once, whoever asks first)."""
    result = await session.execute(
        insert_ignore(session, DigestState.__table__, ["community_id"]).values(
            community_id=community_id, next_start=start, updated_at=now
        )
    )
    if not result.rowcount:
        return False
    await schedule(session, community_id, start, due_at)
    return True


async def state(session: AsyncSession, community_id: int) -> DigestState | None:
    return await session.get(DigestState, community_id, populate_existing=True)


async def advance(
    session: AsyncSession, community_id: int, start: date, end: date, now: datetime
) -> bool:
    """Move the chain from `start` to `end`; False when someone else already moved it."""
    result = await session.execute(
        update(DigestState)
        .where(DigestState.community_id == community_id, DigestState.next_start == start)
        .values(next_start=end, updated_at=now)
    )
    return result.rowcount == 1


async def schedule(session: AsyncSession, community_id: int, start: date, due_at: datetime) -> bool:
    return await job_store.schedule(
        session,
        community_id,
        DIGEST_JOB,
        job_key(community_id, start),
        due_at,
        json.dumps({"start": start.isoformat()}),
    )


async def reschedule(session: AsyncSession, community_id: int, due_at: datetime) -> bool:
    """Move the community's pending digest job to a new time (the schedule changed)."""
    session.info["scheduled"] = True
    result = await session.execute(
        update(ScheduledJob)
        .where(
            ScheduledJob.community_id == community_id,
            ScheduledJob.kind == DIGEST_JOB,
            ScheduledJob.status == "pending",
        )
        .values(due_at=due_at)
    )
    return bool(result.rowcount)


async def drop_pending(session: AsyncSession, community_id: int) -> None:
    """Forget the community's pending digest job (its period was closed early)."""
    await session.execute(
        delete(ScheduledJob).where(
            ScheduledJob.community_id == community_id,
            ScheduledJob.kind == DIGEST_JOB,
            ScheduledJob.status == "pending",
        )
    )


async def pending_due(session: AsyncSession, community_id: int) -> datetime | None:
    return await session.scalar(
        select(ScheduledJob.due_at).where(
            ScheduledJob.community_id == community_id,
            ScheduledJob.kind == DIGEST_JOB,
            ScheduledJob.status == "pending",
        )
    )


async def platforms(session: AsyncSession, community_id: int) -> list[str]:
    """The platforms a community is on: each is a destination of its digest."""
    rows = await session.scalars(
        select(PlatformSpace.platform)
        .where(PlatformSpace.community_id == community_id)
        .distinct()
        .order_by(PlatformSpace.platform)
    )
    return list(rows)


async def claim(
    session: AsyncSession,
    community_id: int,
    start: date,
    end: date,
    destination: str,
    owner: str,
    now: datetime,
) -> DigestRun | None:
    """Record the run before anything is posted; None when the period already has one there."""
    table = DigestRun.__table__
    result = await session.execute(
        insert_ignore(session, table, ["community_id", "period_start", "destination"])
        .values(
            community_id=community_id,
            period_start=start,
            period_end=end,
            destination=destination,
            marker=marker(community_id, start, destination),
            status="claimed",
            claimed_by=owner,
            claimed_at=now,
        )
        .returning(table.c.id)
    )
    run_id = result.scalar()
    if run_id is None:
        return None
    return await session.get(DigestRun, run_id)


async def run(session: AsyncSession, run_id: int) -> DigestRun | None:
    return await session.get(DigestRun, run_id, populate_existing=True)


async def confirmed(session: AsyncSession, found: DigestRun) -> bool:
    """Whether the adapter reported the post (`card_posted`); marks the run posted if so."""
    if found.status == "posted":
        return True
    posted = await session.scalar(
        select(PostedCard.message_id).where(
            PostedCard.community_id == found.community_id,
            PostedCard.card_ref == card_ref(found.period_start),
            PostedCard.platform == found.destination,
        )
    )
    if posted is None:
        return False
    found.status = "posted"
    return True


async def mark_posted(session: AsyncSession, found: DigestRun, at: datetime) -> None:
    found.status, found.posted_at = "posted", at


async def history(session: AsyncSession, community_id: int, limit: int) -> list[DigestRun]:
    """The community's latest digest runs (one per period and destination), newest first."""
    rows = await session.scalars(
        select(DigestRun)
        .where(DigestRun.community_id == community_id)
        .order_by(DigestRun.period_start.desc(), DigestRun.destination)
        .limit(limit)
    )
    return list(rows)
