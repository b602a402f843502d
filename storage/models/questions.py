"""The questions members ask and when each one got its first response.

A `question` row is written once per question message (keyed by its platform message ref,
so a redelivery writes nothing) with the channel it was asked in, whether that is a help
channel, who asked and when. The first response, by another member who is not a bot, is
kept as the earliest one seen (`first_response_at`, its delay in whole seconds and who gave
it); an accepted solution closes the question (`solved_at`). Message text is never stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, text
from sqlmodel import Field, SQLModel

from storage.response_buckets import bucket_sql
from storage.types import UTCDateTime, move_id_column, utc_column


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
        # The questions of a median's response bucket in a period, read from it alone.
        Index(
            "ix_question_bucket",
            "community_id",
            text(f"({bucket_sql('response_seconds')})"),
            "asked_at",
            "in_help_channel",
            "channel_name",
            "response_seconds",
        ),
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


class QuestionTally(SQLModel, table=True):
    """How many questions asked in one UTC hour, in one help channel (lower-cased) or
    elsewhere (""), got their first response within one bucket of seconds (-1: none yet),
    and how many of them are solved: kept by triggers on `question` (migration 0025), read
    by `storage.metrics.responsiveness` instead of the questions themselves."""

    __tablename__ = "question_tally"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    hour: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    channel: str = Field(primary_key=True, max_length=100)
    bucket: int = Field(primary_key=True)
    questions: int = 0
    solved: int = 0


class QuestionTallyMove(SQLModel, table=True):
    """PostgreSQL: a signed change to `question_tally`, appended by the triggers (appends
    never wait on each other), added in by `storage.question_tally.fold`."""

    __tablename__ = "question_tally_move"
    __table_args__ = (Index("ix_question_tally_move_hour", "community_id", "hour"),)
    id: int | None = Field(default=None, sa_column=move_id_column())
    community_id: int
    hour: datetime = Field(sa_column=utc_column())
    channel: str = Field(max_length=100)
    bucket: int
    questions: int
    solved: int
