"""Queries about community events: numbering, answers (with the waitlist), attendance,
and cancelling (the numbers the digest shows are in `storage.metrics.events`).

What must happen once is one statement the database arbitrates: the next number is an
atomic `last_number + 1`, cancelling is `UPDATE ... WHERE cancelled_at IS NULL`, and an
attendance is an insert that does nothing when the row is there already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import sequences
from storage.dialect import insert_ignore
from storage.models import Member
from storage.models.events import Event, EventAnswer, EventAttendance, EventSequence

STATUSES = ("going", "maybe", "no", "waitlist")


@dataclass(frozen=True)
class Answerer:
    member_id: int
    name: str
    hidden: bool
    status: str


async def next_number(session: AsyncSession, community_id: int) -> int:
    """Allocate the community's next event number (atomic; never given twice)."""
    return await sequences.next_number(session, EventSequence.__table__, community_id)


async def create(session: AsyncSession, event: Event) -> Event:
    session.add(event)
    await session.flush()
    return event


async def find(
    session: AsyncSession, community_id: int, number: int, *, lock: bool = False
) -> Event | None:
    """The event `number` of a community; `lock` holds it while answers change."""
    query = select(Event).where(Event.community_id == community_id, Event.number == number)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def upcoming(
    session: AsyncSession, community_id: int, now: datetime, limit: int = 10
) -> list[Event]:
    """Events not over yet and not cancelled, soonest first."""
    rows = await session.scalars(
        select(Event)
        .where(
            Event.community_id == community_id,
            Event.ends_at > now,
            Event.cancelled_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Event.starts_at, Event.number)
        .limit(limit)
    )
    return list(rows.all())


async def answer_of(session: AsyncSession, event_id: int, member_id: int) -> str | None:
    return await session.scalar(
        select(EventAnswer.status).where(
            EventAnswer.event_id == event_id, EventAnswer.member_id == member_id
        )
    )


async def set_answer(
    session: AsyncSession, event_id: int, member_id: int, status: str, at: datetime
) -> None:
    """Record a member's answer; its time orders the waitlist (first asked, first in)."""
    row = await session.get(EventAnswer, (event_id, member_id))
    if row is None:
        session.add(
            EventAnswer(event_id=event_id, member_id=member_id, status=status, answered_at=at)
        )
    else:
        row.status = status
        row.answered_at = at
    await session.flush()


async def clear_answer(session: AsyncSession, event_id: int, member_id: int) -> None:
    await session.execute(
        delete(EventAnswer).where(
            EventAnswer.event_id == event_id, EventAnswer.member_id == member_id
        )
    )


async def counts(session: AsyncSession, event_id: int) -> dict[str, int]:
    """How many answered each way (every status present, 0 when nobody)."""
    rows = await session.execute(
        select(EventAnswer.status, func.count())
        .where(EventAnswer.event_id == event_id)
        .group_by(EventAnswer.status)
    )
    found = {status: 0 for status in STATUSES}
    found.update({status: int(n) for status, n in rows})
    return found


async def waitlisted(session: AsyncSession, event_id: int, limit: int) -> list[int]:
    """The first `limit` members on the waitlist, in the order they asked."""
    if limit <= 0:
        return []
    rows = await session.scalars(
        select(EventAnswer.member_id)
        .where(EventAnswer.event_id == event_id, EventAnswer.status == "waitlist")
        .order_by(EventAnswer.answered_at, EventAnswer.member_id)
        .limit(limit)
    )
    return list(rows.all())


async def promote(session: AsyncSession, event_id: int, member_ids: Sequence[int]) -> None:
    if member_ids:
        await session.execute(
            update(EventAnswer)
            .where(EventAnswer.event_id == event_id, EventAnswer.member_id.in_(member_ids))
            .values(status="going")
        )


async def answerers(
    session: AsyncSession, event_id: int, statuses: Sequence[str] = STATUSES
) -> list[Answerer]:
    """Who answered one of `statuses`, in the order they answered."""
    rows = await session.execute(
        select(EventAnswer.member_id, Member.display_name, Member.hidden, EventAnswer.status)
        .join(Member, Member.id == EventAnswer.member_id)
        .where(EventAnswer.event_id == event_id, EventAnswer.status.in_(statuses))
        .order_by(EventAnswer.answered_at, EventAnswer.member_id)
    )
    return [Answerer(m, name or "", bool(hidden), status) for m, name, hidden, status in rows]


async def attend(
    session: AsyncSession, event_id: int, member_id: int, at: datetime, how: str
) -> bool:
    """Mark a member as there; False when they already were."""
    result = await session.execute(
        insert_ignore(session, EventAttendance.__table__, ["event_id", "member_id"]).values(
            event_id=event_id, member_id=member_id, at=at, how=how
        )
    )
    return bool(result.rowcount)


async def attendance_count(session: AsyncSession, event_id: int) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(EventAttendance)
        .where(EventAttendance.event_id == event_id)
    )
    return int(found or 0)


async def cancel(session: AsyncSession, event_id: int, at: datetime, reason: str) -> bool:
    """Cancel the event unless it already is (True: this call cancelled it)."""
    result = await session.execute(
        update(Event)
        .where(Event.id == event_id, Event.cancelled_at.is_(None))  # type: ignore[union-attr]
        .values(cancelled_at=at, cancel_reason=reason)
    )
    return bool(result.rowcount)


async def in_span(
    session: AsyncSession, community_id: int, start: datetime | None, end: datetime | None
) -> list[Event]:
    """Every event (cancelled ones too) starting in [start, end), oldest first."""
    query = select(Event).where(Event.community_id == community_id)
    if start is not None:
        query = query.where(Event.starts_at >= start)
    if end is not None:
        query = query.where(Event.starts_at < end)
    return list((await session.scalars(query.order_by(Event.starts_at, Event.number))).all())


async def attendees(session: AsyncSession, event_id: int) -> list[tuple[int, str, bool, str]]:
    """Who attended: member id, name, hidden, and how (code | host), in check-in order."""
    rows = await session.execute(
        select(EventAttendance.member_id, Member.display_name, Member.hidden, EventAttendance.how)
        .join(Member, Member.id == EventAttendance.member_id)
        .where(EventAttendance.event_id == event_id)
        .order_by(EventAttendance.at, EventAttendance.member_id)
    )
    return [(m, name or "", bool(hidden), how) for m, name, hidden, how in rows]
