"""Each community's activity per day and per Monday-to-Monday week: how many members were
active, how many of them on three days or more of the week (its core contributors), and
their messages, kept by database triggers from `member_day` and `member_week` (migration
0030, `storage.community_activity`). A digest's chart and participation shape then read a
few rows instead of every active member's."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.types import move_id_column


class CommunityActivity(SQLModel, table=True):
    __tablename__ = "community_activity"
    # Scoring updates a row of it per batch: on SQLite, no rowid, so no second B-tree.
    __table_args__ = ({"sqlite_with_rowid": False},)
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    period: str = Field(primary_key=True, max_length=8)  # "day" or "week"
    period_start: date = Field(primary_key=True)
    members: int = 0  # with a day of activity in the period (bots included)
    core: int = 0  # weeks only: active on `CORE_DAYS` days or more
    messages: int = 0


class CommunityActivityMove(SQLModel, table=True):
    """PostgreSQL: a signed change to `community_activity`, appended by the triggers
    (appends never wait on each other), added in by `storage.community_activity.fold`."""

    __tablename__ = "community_activity_move"
    __table_args__ = (
        Index("ix_community_activity_move_period", "community_id", "period", "period_start"),
    )
    id: int | None = Field(default=None, sa_column=move_id_column())
    community_id: int
    period: str = Field(max_length=8)
    period_start: date
    members: int
    core: int
    messages: int
