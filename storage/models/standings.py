"""How many members hold each number of points, per board: what a member's place is
counted from.

A member's place is one more than the number of members ahead of them. Counting those
members one by one reads as many index entries as there are (hundreds of thousands in a
large community, for a member with few points); counting them by points value reads one
row per distinct value above theirs, a few hundred or thousand whatever the size.

`board_count` holds, for a board (the all-time points on `member`, or a week's or month's
`member_total`), how many of the members it shows (not excluded, not bots, not hidden)
have exactly `points` (> 0). Database triggers keep it (migrations 0022, 0024), so every
way points or flags change (scoring, reversals, imports, merges, erasure, a member hidden
or excluded) is counted, whoever writes. On SQLite they update `board_count` at once (one
writer at a time). On PostgreSQL concurrent writers would lock the same few rows in
differing orders (a deadlock), so the triggers append signed moves to `board_move`
instead, which never conflict, and `storage.standings.fold` adds them into
`board_count` in key order from time to time; readers add both.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.types import move_id_column

# The all-time board has no period: its rows carry this start.
ALL_TIME_START = date(1970, 1, 1)


class BoardCount(SQLModel, table=True):
    __tablename__ = "board_count"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    period: str = Field(primary_key=True, max_length=8)
    period_start: date = Field(primary_key=True)
    points: int = Field(primary_key=True)
    members: int = 0


class BoardMove(SQLModel, table=True):
    __tablename__ = "board_move"
    __table_args__ = (
        Index("ix_board_move_board", "community_id", "period", "period_start", "points"),
    )
    id: int | None = Field(default=None, sa_column=move_id_column())
    community_id: int
    period: str = Field(max_length=8)
    period_start: date
    points: int
    members: int
