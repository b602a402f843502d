"""The questions members ask and when each one got its first response.

A `question` row is written once per question message (keyed by its platform message ref,
so a redelivery writes nothing) with the channel it was asked in, whether that is a help
channel, who asked and when. The first response, by another member who is not a bot, is
kept as the earliest one seen (`first_response_at`, its delay in whole seconds and who gave
it); an accepted solution closes the question (`solved_at`). Message text is never stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.types import utc_column


class Question(SQLModel, table=True):
    __tablename__ = "question"
    __table_args__ = (
        # A span's numbers (per help channel: answered, in time, solved, the median delay)
        # are read from this index alone, never from the table's rows.
        Index(
            "ix_question_asked",
            "community_id",
            "asked_at",
            "in_help_channel",
            "channel_name",
            "response_seconds",
            "solved_at",
        ),
        Index("ix_question_open", "community_id", "first_response_at", "asked_at"),
    )
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    message_ref: str = Field(primary_key=True, max_length=100)
    channel_id: str = Field(max_length=64)
    channel_name: str = Field(default="", max_length=100)
    in_help_channel: bool = False
    asker_id: int = Field(foreign_key="member.id", index=True)
    asked_at: datetime = Field(sa_column=utc_column())
    first_response_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # Seconds from the question to its first response: never negative (a response dated
    # before its question is not one).
    response_seconds: int | None = None
    responder_id: int | None = Field(default=None, foreign_key="member.id")
    solved_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
