"""The audit trail: one row per manual or moderator action, written in the transaction of
the action it records and never edited afterwards.

An entry says when, who (`actor_id`; none for an operator at the command line), what kind
of action, about which member and what else (`target`: an idea, a poll, a channel), why
(`reason`, when one was given) and the action's own facts (`detail`, JSON). Members are
named by id only, so that the trail holds no member's name.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.types import utc_column

KIND_MAX = 32
TARGET_MAX = 200
REASON_MAX = 500
DETAIL_MAX = 1000


class AuditEntry(SQLModel, table=True):
    """One recorded action. `community_id` is empty for an installation-wide action (an
    operator's customer import), which every community's trail shows."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        # Newest first within a community, and the same per member concerned.
        Index("ix_audit_entry_community", "community_id", "id"),
        Index("ix_audit_entry_member", "community_id", "member_id", "id"),
        Index("ix_audit_entry_actor", "community_id", "actor_id", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    community_id: int | None = Field(default=None, foreign_key="community.id")
    at: datetime = Field(sa_column=utc_column())
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    kind: str = Field(max_length=KIND_MAX)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    target: str = Field(default="", max_length=TARGET_MAX)
    reason: str | None = Field(default=None, max_length=REASON_MAX)
    detail: str = Field(default="{}", max_length=DETAIL_MAX)
