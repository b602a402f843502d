"""Tables of linked identities: one person's Discord and Slack accounts as one member.

`link_code` holds the one-time codes `/link` gives (only their SHA-256, never the code),
each valid until `expires_at`. When a code is used on the other platform, the account
that used it joins the member who asked for it: `member_link` remembers the member row it
came from (kept, emptied, so that `/link remove` can give it back), with a snapshot of
what that member had earned (counters, period totals, active days, badges), and
`linked_row` the ledger rows that moved with it, so that splitting again returns exactly
those.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from storage.types import utc_column


class LinkCode(SQLModel, table=True):
    __tablename__ = "link_code"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    code_hash: str = Field(primary_key=True, max_length=64)
    member_id: int = Field(foreign_key="member.id", index=True)
    platform: str = Field(max_length=16)
    expires_at: datetime = Field(sa_column=utc_column())


class MemberLink(SQLModel, table=True):
    """An account joined to another member: `member_id` is the row it had of its own."""

    __tablename__ = "member_link"
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    into_id: int = Field(foreign_key="member.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    linked_at: datetime = Field(sa_column=utc_column())
    # What the joined member had when linked (JSON), given back by `/link remove`.
    snapshot: str = Field(sa_column=Column(Text(), nullable=False))


class LinkedRow(SQLModel, table=True):
    """A ledger row that moved to another member with a link (`role`: member or actor)."""

    __tablename__ = "linked_row"
    __table_args__ = (Index("ix_linked_row_member", "member_id"),)
    contribution_id: int = Field(foreign_key="contribution.id", primary_key=True)
    role: str = Field(primary_key=True, max_length=8)
    member_id: int = Field(foreign_key="member.id")
