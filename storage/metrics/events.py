"""The events numbers of a digest and `/admin stats`: events held in a span (started in
it, not cancelled), answers going, people who attended, and how many of those going came
(the show-up rate), each counted by the database over the `ix_event_start` range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.events import Event, EventAnswer, EventAttendance


@dataclass(frozen=True)
class EventNumbers:
    held: int = 0
    going: int = 0
    attended: int = 0
    going_attended: int = 0

    @property
    def show_up(self) -> float | None:
        """The share of members going who came (None when nobody was going)."""
        return self.going_attended / self.going if self.going else None


def _held(community_id: int, start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    return select(Event.id).where(
        Event.community_id == community_id,
        Event.starts_at >= start,
        Event.starts_at < end,
        Event.cancelled_at.is_(None),  # type: ignore[union-attr]
    )


async def event_numbers(
    session: AsyncSession, community_id: int, start: datetime, end: datetime
) -> EventNumbers:
    """What the events that started in [start, end) and were not cancelled drew."""
    held_ids = _held(community_id, start, end)
    held = await session.scalar(select(func.count()).select_from(held_ids.subquery()))
    if not held:
        return EventNumbers()
    going = await session.scalar(
        select(func.count())
        .select_from(EventAnswer)
        .where(EventAnswer.event_id.in_(held_ids), EventAnswer.status == "going")
    )
    attended = await session.scalar(
        select(func.count())
        .select_from(EventAttendance)
        .where(EventAttendance.event_id.in_(held_ids))
    )
    going_attended = await session.scalar(
        select(func.count())
        .select_from(EventAttendance)
        .join(
            EventAnswer,
            (EventAnswer.event_id == EventAttendance.event_id)
            & (EventAnswer.member_id == EventAttendance.member_id),
        )
        .where(EventAttendance.event_id.in_(held_ids), EventAnswer.status == "going")
    )
    return EventNumbers(int(held), int(going or 0), int(attended or 0), int(going_attended or 0))
