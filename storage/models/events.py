"""Tables of the events feature.

An `event` is numbered per community from its own counter row (`event_sequence`), like
ideas and polls. A member's answer is one `event_answer` row (going, maybe, no, or
waitlist when the event was full as they said they were going); `answered_at` orders the
waitlist, so the first to ask is the first to move up. Attendance is its own row
(`event_attendance`), written by a check-in with the event's code or by the host, so a
member who came without answering is counted too. The check-in code is kept with the event
and given to its host when it starts. Where a platform keeps its own copy of the event (a
Discord guild scheduled event), that copy is a `posted_card` row (`scheduled:event:3`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import utc_column


class EventSequence(SQLModel, table=True):
    """The last event number given in a community (never goes back)."""

    __tablename__ = "event_sequence"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    last_number: int = 0


class Event(SQLModel, table=True):
    """A community event: what, when, how many may come, who hosts, and its fate."""

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("community_id", "number", name="uq_event_number"),
        Index("ix_event_start", "community_id", "starts_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    number: int
    title: str = Field(max_length=100)
    description: str = Field(default="", max_length=1000)
    starts_at: datetime = Field(sa_column=utc_column())
    ends_at: datetime = Field(sa_column=utc_column())
    # None: no limit. Past it, members who say they are going join the waitlist.
    capacity: int | None = None
    # `/event show` lists counts only, never who answered.
    private: bool = False
    host_id: int = Field(foreign_key="member.id")
    # Where the card goes: the platform it was created on, and the channel named (None:
    # `events.channel`, else the community's default channel).
    platform: str = Field(max_length=16)
    channel_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=utc_column())
    cancelled_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    cancel_reason: str | None = Field(default=None, max_length=500)
    checkin_code: str = Field(max_length=16)


class EventAnswer(SQLModel, table=True):
    """A member's current answer to an event: going, maybe, no or waitlist."""

    __tablename__ = "event_answer"
    event_id: int = Field(foreign_key="event.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True)
    status: str = Field(max_length=16)
    answered_at: datetime = Field(sa_column=utc_column())


class EventAttendance(SQLModel, table=True):
    """That a member was at an event: by check-in code (`code`) or named by the host."""

    __tablename__ = "event_attendance"
    event_id: int = Field(foreign_key="event.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True)
    at: datetime = Field(sa_column=utc_column())
    how: str = Field(max_length=16)  # code | host
