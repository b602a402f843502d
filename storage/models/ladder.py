"""The grace a member is in after falling short of their rank's rolling windows.

One `rank_grace` row per member below the rolling windows of the rank they hold, since the
weekly review that first found them short (and told them): a later review that finds them
short still after `ladder.grace_days` demotes them and drops the row; one that finds them
back above drops it too.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.types import utc_column


class RankGrace(SQLModel, table=True):
    __tablename__ = "rank_grace"
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    rank: str = Field(max_length=50)
    since: datetime = Field(sa_column=utc_column())
