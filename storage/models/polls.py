"""Tables of the polls feature.

A `poll` is numbered per community from its own counter row (`poll_sequence`), so numbers
are allocated atomically and never given twice, even if a poll is erased later. Its options
are rows of `poll_option` (0-based `option_index`, shown to members as 1, 2, ...). A
member's current ballot is a `poll_ballot` header plus one `poll_mark` per option it
names, whose `weight` is 1 (single, multi), the preference rank (ranked: 1 is first) or the
points given (budget). Ballots are keyed by a `voter` string so a member can change their
own vote: for a public poll it names the member (`m12`, with `member_id`); for an anonymous
poll it is a keyed hash of the member under the poll's own `voter_key`, with no member id,
and when the poll closes the key is destroyed and every ballot gets a random voter of its
own, so nothing in the database ties a person to an anonymous ballot any more.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import utc_column


class PollSequence(SQLModel, table=True):
    """The last poll number given in a community (never goes back)."""

    __tablename__ = "poll_sequence"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    last_number: int = 0


class Poll(SQLModel, table=True):
    """A poll: its question, mode and deadline, and when (and by whom) it was closed."""

    __tablename__ = "poll"
    __table_args__ = (UniqueConstraint("community_id", "number", name="uq_poll_number"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    number: int
    question: str = Field(max_length=300)
    mode: str = Field(max_length=16)  # single | multi | ranked | budget
    anonymous: bool = False
    # Fixed when the poll opens, so a config change never changes the rules mid-vote.
    budget_points: int = 0
    hide_results: bool = False
    creator_id: int = Field(foreign_key="member.id")
    # Where the card and the result card go: the platform the poll was created on, and
    # the configured channel (None: the community's default channel).
    platform: str = Field(max_length=16)
    channel_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=utc_column())
    closes_at: datetime = Field(sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # The moderator who closed it early; None with `closed_at` set means the deadline did.
    closed_by: int | None = Field(default=None, foreign_key="member.id")
    # An anonymous poll's secret while it is open (hex): ballots and the vote's ledger row
    # are keyed by hashes under it. Erased at close, which unlinks them from their voters.
    voter_key: str | None = Field(default=None, max_length=64)


class PollOption(SQLModel, table=True):
    __tablename__ = "poll_option"
    poll_id: int = Field(foreign_key="poll.id", primary_key=True)
    option_index: int = Field(primary_key=True)
    label: str = Field(max_length=80)


class PollBallot(SQLModel, table=True):
    """That a voter currently has a ballot in a poll (its choices are `poll_mark` rows)."""

    __tablename__ = "poll_ballot"
    poll_id: int = Field(foreign_key="poll.id", primary_key=True)
    voter: str = Field(primary_key=True, max_length=64)
    # The member, for a public poll only (an anonymous poll's ballots name nobody).
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    cast_at: datetime = Field(sa_column=utc_column())
    changed_at: datetime = Field(sa_column=utc_column())


class PollMark(SQLModel, table=True):
    """One option on a voter's ballot, with its weight (1, a rank, or points)."""

    __tablename__ = "poll_mark"
    poll_id: int = Field(foreign_key="poll.id", primary_key=True)
    voter: str = Field(primary_key=True, max_length=64)
    option_index: int = Field(primary_key=True)
    weight: int
