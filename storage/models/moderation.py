"""Moderation's tables: warnings against a community's rules, reports of messages and who
made them, the members last seen moderating (for `/team`), and the welcome checklist of
members who joined.

A warning names the rule by its number and keeps the moderator's reason; withdrawing it
(`undo=true`) marks it, never deletes it, so the trail stays whole. A report is one row
per reported message while its card is open (`open_key` is set only then, and is unique),
with one row per member who reported it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import utc_column

REASON_MAX = 300


class MemberWarning(SQLModel, table=True):
    """A moderator's warning to a member for breaking a rule; `step` is the ladder step
    (1-based) it reached when given."""

    __tablename__ = "member_warning"
    __table_args__ = (Index("ix_member_warning_member", "community_id", "member_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    member_id: int = Field(foreign_key="member.id")
    rule: int
    reason: str = Field(default="", max_length=REASON_MAX)
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    at: datetime = Field(sa_column=utc_column())
    step: int = 1
    withdrawn_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class MessageReport(SQLModel, table=True):
    """A reported message and the state of its card in the moderator channel."""

    __tablename__ = "message_report"
    __table_args__ = (UniqueConstraint("community_id", "open_key", name="uq_message_report_open"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    channel_id: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    # `platform:message id` while the card is open, NULL once handled: one open card each.
    open_key: str | None = Field(default=None, max_length=100)
    author_id: int | None = Field(default=None, foreign_key="member.id")
    link: str = Field(default="", max_length=300)
    status: str = Field(default="open", max_length=16)  # open | dismissed | warned
    opened_at: datetime = Field(sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    closed_by: int | None = Field(default=None, foreign_key="member.id")


class ReportVoice(SQLModel, table=True):
    """One member's report of a message (counted on its card, never shown to the author)."""

    __tablename__ = "report_voice"
    report_id: int = Field(foreign_key="message_report.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    reason: str = Field(default="", max_length=REASON_MAX)
    at: datetime = Field(sa_column=utc_column())


class SeenModerator(SQLModel, table=True):
    """A member the platform last showed as a moderator (they ran a command as one)."""

    __tablename__ = "seen_moderator"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    at: datetime = Field(sa_column=utc_column())


class WelcomeStep(SQLModel, table=True):
    """One step of a welcomed member's checklist; `done_at` is set when they complete it."""

    __tablename__ = "welcome_step"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    step: str = Field(primary_key=True, max_length=50)
    done_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class GamingFlag(SQLModel, table=True):
    """A pattern that games the points (a thanks ring, reaction farming, a burst of
    messages), noticed once (`key` names the pattern) and open until a moderator acts."""

    __tablename__ = "gaming_flag"
    __table_args__ = (UniqueConstraint("community_id", "key", name="uq_gaming_flag_key"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    kind: str = Field(max_length=16)  # ring | farming | burst
    key: str = Field(max_length=100)
    # The member who gained (a ring's first member); `others` are the ids of the rest.
    member_id: int = Field(foreign_key="member.id")
    others: str = Field(default="", max_length=200)
    evidence: str = Field(default="{}", max_length=1000)
    status: str = Field(default="open", max_length=16)  # open | dismissed | adjusted
    opened_at: datetime = Field(sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    closed_by: int | None = Field(default=None, foreign_key="member.id")
