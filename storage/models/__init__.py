"""Cercle's tables, as sqlmodel classes.

Communities and their platform spaces; members, their platform identities and roles; the
contribution ledger and the aggregates maintained from it (all-time counters on the
member row, week and month totals in `member_total`, active days in `member_day`);
reaction state; badges; accepted solutions; exclusions and runtime settings; what is due
(`scheduled_job`); and the console adapter's own state. Message text is never stored here.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import utc_column


class Community(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(index=True, unique=True, max_length=64)
    created_at: datetime = Field(sa_column=utc_column())


class PlatformSpace(SQLModel, table=True):
    """A Discord guild, Slack workspace or console community that belongs to a community."""

    __tablename__ = "platform_space"
    platform: str = Field(primary_key=True, max_length=16)
    space_id: str = Field(primary_key=True, max_length=64)
    community_id: int = Field(foreign_key="community.id", index=True)


class Member(SQLModel, table=True):
    """A person in a community, with the all-time counters kept up to date by the ledger."""

    __table_args__ = (UniqueConstraint("community_id", "origin", name="uq_member_origin"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    display_name: str = Field(max_length=100)
    # The platform account the member was first seen as (`discord:1234`): it makes
    # creating members idempotent, whichever process sees them first.
    origin: str = Field(max_length=100)
    is_bot: bool = False
    excluded: bool = False
    # Off every list that names members (boards, digests, voter lists): the member's choice
    # (`visibility`: public | hidden), else the community's `privacy.default_visibility`;
    # a forgotten member (`visibility` = forgotten, no name, no identity) stays hidden.
    hidden: bool = False
    visibility: str | None = Field(default=None, max_length=16)
    joined_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    left_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    points: int = 0
    messages: int = 0
    solutions: int = 0
    kudos_received: int = 0
    kudos_given: int = 0
    ideas_submitted: int = 0
    ideas_shipped: int = 0
    poll_votes: int = 0
    events_attended: int = 0
    active_days: int = 0
    streak_days: int = 0
    last_active_day: date | None = None
    last_scored_message_at: datetime | None = Field(
        default=None, sa_column=utc_column(nullable=True)
    )
    rank: str | None = Field(default=None, max_length=50)
    # A rank kept from another bot (`cercle import --ranks keep`): the member holds at
    # least this one, whatever the ladder's other requirements say.
    rank_floor: str | None = Field(default=None, max_length=50)


class Identity(SQLModel, table=True):
    """One platform account of a member; two accounts may point at one member (linking)."""

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    platform: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(primary_key=True, max_length=64)
    member_id: int = Field(foreign_key="member.id", index=True)


class MemberRole(SQLModel, table=True):
    __tablename__ = "member_role"
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    role: str = Field(primary_key=True, max_length=100)


class Contribution(SQLModel, table=True):
    """The ledger: one row per scored event, never edited; reversals are rows of their own."""

    __table_args__ = (
        UniqueConstraint("community_id", "source_key", name="uq_contribution_source"),
        Index("ix_contribution_message", "community_id", "message_ref"),
        Index("ix_contribution_actor_kind_time", "community_id", "actor_id", "kind", "occurred_at"),
        Index("ix_contribution_time", "community_id", "occurred_at"),
        # A late message is judged against its author's nearest scored message.
        Index(
            "ix_contribution_member_kind_time", "community_id", "member_id", "kind", "occurred_at"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=32)
    points: int
    source_key: str = Field(max_length=200)
    occurred_at: datetime = Field(sa_column=utc_column())
    channel_id: str | None = Field(default=None, max_length=64)
    message_ref: str | None = Field(default=None, max_length=100)
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    reason: str | None = Field(default=None, max_length=500)
    reverses_id: int | None = Field(default=None, foreign_key="contribution.id")


class MemberTotal(SQLModel, table=True):
    """Points per member per week or month, maintained incrementally with the ledger."""

    __tablename__ = "member_total"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    period: str = Field(primary_key=True, max_length=8)
    period_start: date = Field(primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    points: int = 0


# A board's order (most points first, then the member Cercle knew first), so that a page of
# it is read from the index in order, without sorting the board; with member_id, counting
# who is ahead reads the index alone. The all-time board is the member rows' own.
Index(
    "ix_member_leaderboard",
    Member.community_id,
    Member.excluded,
    Member.is_bot,
    Member.hidden,
    Member.points.desc(),  # type: ignore[attr-defined]
    Member.id,
)
Index(
    "ix_member_total_board",
    MemberTotal.community_id,
    MemberTotal.period,
    MemberTotal.period_start,
    MemberTotal.points.desc(),  # type: ignore[attr-defined]
    MemberTotal.member_id,
)


class MemberDay(SQLModel, table=True):
    """A day (community time) on which a member was active, with that day's message count."""

    __tablename__ = "member_day"
    # Covering: a period's active members, their days and messages are read from the index
    # alone (the digest and `/admin stats`), never from the table's rows.
    __table_args__ = (Index("ix_member_day_span", "community_id", "day", "member_id", "messages"),)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    day: date = Field(primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    messages: int = 0


class MemberWeek(SQLModel, table=True):
    """A member's active days and messages in one week (Monday to Monday, community days),
    added up from `member_day` by database triggers (migration 0026,
    `storage.member_weeks`): a week's participation shape is then one row per active
    member instead of a grouping of every day of theirs. Keyed by community and week
    first, and on SQLite stored in that order (no rowid), so a week is read in one range
    and the rows that scoring updates carry no second index to rewrite."""

    __tablename__ = "member_week"
    __table_args__ = (
        Index("ix_member_week_member", "member_id"),
        {"sqlite_with_rowid": False},
    )
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    week_start: date = Field(primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    days: int = 0
    messages: int = 0


class ReactionState(SQLModel, table=True):
    """Whether a reactor's emoji is currently on a message (state-based reaction scoring)."""

    __tablename__ = "reaction_state"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    message_ref: str = Field(primary_key=True, max_length=100)
    reactor_id: int = Field(foreign_key="member.id", primary_key=True)
    emoji: str = Field(primary_key=True, max_length=100)
    active: bool = True


class ReactionAward(SQLModel, table=True):
    """The points one reactor currently gives one message, whatever the number of emojis."""

    __tablename__ = "reaction_award"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    message_ref: str = Field(primary_key=True, max_length=100)
    reactor_id: int = Field(foreign_key="member.id", primary_key=True)
    active_emojis: int = 0
    generation: int = 0
    points: int = 0
    # Who the current award goes to and when it was given (a reversal lands in that period).
    author_id: int | None = Field(default=None, foreign_key="member.id")
    awarded_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    contribution_id: int | None = Field(default=None, foreign_key="contribution.id")


class MemberBadge(SQLModel, table=True):
    __tablename__ = "member_badge"
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    badge: str = Field(primary_key=True, max_length=50)
    community_id: int = Field(foreign_key="community.id", index=True)
    awarded_at: datetime = Field(sa_column=utc_column())


class RankChange(SQLModel, table=True):
    """A member's rank as it changed: from what, to what, when (their rank history, for
    their own export; it names nobody, so a forgotten member's stays in the numbers)."""

    __tablename__ = "rank_change"
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    member_id: int = Field(foreign_key="member.id")
    from_rank: str | None = Field(default=None, max_length=50)
    to_rank: str = Field(max_length=50)
    at: datetime = Field(sa_column=utc_column())

    __table_args__ = (Index("ix_rank_change_member", "member_id", "id"),)


class Solution(SQLModel, table=True):
    """The accepted answer of a question (one per question)."""

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    question_ref: str = Field(primary_key=True, max_length=100)
    solution_ref: str = Field(max_length=100)
    author_id: int = Field(foreign_key="member.id")
    marked_by: int = Field(foreign_key="member.id")
    contribution_id: int | None = Field(default=None, foreign_key="contribution.id")
    marked_at: datetime = Field(sa_column=utc_column())


class Exclusion(SQLModel, table=True):
    """A channel, role or member that scores nothing, set by a moderator at runtime."""

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    kind: str = Field(primary_key=True, max_length=16)
    value: str = Field(primary_key=True, max_length=100)
    label: str = Field(default="", max_length=100)


class CommunitySetting(SQLModel, table=True):
    """A setting changed by a moderator at runtime; it wins over the config file."""

    __tablename__ = "community_setting"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=2000)
    updated_by: int | None = Field(default=None, foreign_key="member.id")
    updated_at: datetime = Field(sa_column=utc_column())


class ScheduledJob(SQLModel, table=True):
    """Something that falls due (a digest run, a poll deadline); `run_due` claims it once."""

    __tablename__ = "scheduled_job"
    __table_args__ = (Index("ix_scheduled_job_due", "status", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    kind: str = Field(max_length=32)
    key: str = Field(unique=True, max_length=200)
    due_at: datetime = Field(sa_column=utc_column())
    status: str = Field(default="pending", max_length=16)
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    payload: str = Field(default="{}", max_length=4000)
    error: str | None = Field(default=None, max_length=1000)


class PostedCard(SQLModel, table=True):
    """Where a card (an idea, a poll) was posted on a platform, to update it in place."""

    __tablename__ = "posted_card"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    card_ref: str = Field(primary_key=True, max_length=100)
    platform: str = Field(primary_key=True, max_length=16)
    channel_id: str = Field(max_length=64)
    message_id: str = Field(max_length=64)


# Feature tables live in modules of their own; importing them here registers them with
# the metadata that migrations and the schema check compare against. A platform's own
# tables (Slack's OAuth installations) live in its adapter package and are registered by
# the platform registry (adapters.platforms.declare_tables); storage never imports them.
from storage.models import (  # noqa: E402, F401
    activity,
    audit,
    digests,
    events,
    ideas,
    ladder,
    links,
    moderation,
    polls,
    questions,
    runtime,
    standings,
)
