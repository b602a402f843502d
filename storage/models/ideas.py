"""Tables of the ideas feature.

An `idea` is numbered per community from its own counter row (`idea_sequence`), so
numbers are allocated atomically and never given twice, even if an idea's text is erased
later. Its title and description are member text stored on purpose (the feature needs
them; erased on request). The for/against counts on the idea row are recounted from
`idea_vote` (one row per member, their current choice) after every change, together with
the scores the lists sort on, so `/idea list` is an indexed query. `idea_event` keeps the
history (status changes with their reason, calls for testers), `idea_volunteer` who
answered a call, and `idea_draft` a submission waiting for its author to confirm it after
similar ideas were shown (kept in a table so its buttons work after a restart).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import utc_column

TITLE_MAX = 100
DESCRIPTION_MAX = 2000
CATEGORY_MAX = 100
REASON_MAX = 500


class IdeaSequence(SQLModel, table=True):
    """The last idea number given in a community (never goes back)."""

    __tablename__ = "idea_sequence"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    last_number: int = 0


class Idea(SQLModel, table=True):
    """A proposal with its lifecycle status, live counts and call for testers."""

    __tablename__ = "idea"
    __table_args__ = (
        UniqueConstraint("community_id", "number", name="uq_idea_number"),
        Index("ix_idea_top", "community_id", "status", "score_top"),
        Index("ix_idea_author", "community_id", "author_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    number: int
    author_id: int = Field(foreign_key="member.id")
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    category: str | None = Field(default=None, max_length=CATEGORY_MAX)
    status: str = Field(default="new", max_length=16)
    # The reason given with the latest status change, shown on the card.
    status_reason: str | None = Field(default=None, max_length=REASON_MAX)
    merged_into_id: int | None = Field(default=None, foreign_key="idea.id")
    votes_for: int = 0
    votes_against: int = 0
    # Wilson lower bound of for/(for+against) and the controversy score, kept with the
    # counts so that the lists sort in SQL.
    score_top: float = 0.0
    score_controversial: float = 0.0
    testers: str = Field(default="none", max_length=8)  # none | open | closed
    testers_note: str | None = Field(default=None, max_length=REASON_MAX)
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class IdeaVote(SQLModel, table=True):
    """A member's current vote on an idea; changing it rewrites the row, retracting deletes it."""

    __tablename__ = "idea_vote"
    __table_args__ = (Index("ix_idea_vote_recent", "community_id", "voted_at"),)
    idea_id: int = Field(foreign_key="idea.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    choice: str = Field(max_length=8)  # for | against
    voted_at: datetime = Field(sa_column=utc_column())


class IdeaEvent(SQLModel, table=True):
    """One step of an idea's history: a status change or a call for testers, with why."""

    __tablename__ = "idea_event"
    __table_args__ = (Index("ix_idea_event_idea", "idea_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    idea_id: int = Field(foreign_key="idea.id")
    kind: str = Field(max_length=16)  # status | testers
    from_value: str | None = Field(default=None, max_length=16)
    to_value: str = Field(max_length=16)
    # The idea a duplicate was merged into.
    other_idea_id: int | None = Field(default=None, foreign_key="idea.id")
    actor_id: int = Field(foreign_key="member.id")
    reason: str | None = Field(default=None, max_length=REASON_MAX)
    at: datetime = Field(sa_column=utc_column())


class IdeaVolunteer(SQLModel, table=True):
    """A member who answered an idea's call for testers."""

    __tablename__ = "idea_volunteer"
    idea_id: int = Field(foreign_key="idea.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    volunteered_at: datetime = Field(sa_column=utc_column())


class IdeaDraft(SQLModel, table=True):
    """A submission held back because similar ideas exist, until its author confirms it."""

    __tablename__ = "idea_draft"
    __table_args__ = (Index("ix_idea_draft_age", "community_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    author_id: int = Field(foreign_key="member.id")
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    category: str | None = Field(default=None, max_length=CATEGORY_MAX)
    created_at: datetime = Field(sa_column=utc_column())
