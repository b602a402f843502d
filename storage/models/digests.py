"""Tables of digests and community metrics.

`digest_state` says, per community, where the digest chain stands: the first local day
the next digest covers (what is due itself is a `scheduled_job`). `digest_run` is the
exactly-once record of a digest: one row per (community, period start, destination),
inserted before anything is posted, so a restart, a takeover or a second process finds it
and never posts that period there again. `customer` and `customer_email` come from
`cercle import-customers`: which platform accounts belong to a customer of the company
(an email row waits until a member is seen with that email, then becomes an account row).
The partial ledger index `ix_contribution_events` serves the period counts.

`member_day_gain` is the daily rollup of the ledger the digest reads instead of scanning a
period's contributions: per member and UTC day, the points, accepted solutions and kudos
received. `storage.ledger.record` keeps it up to date in the same transaction as the rows
it writes (UTC days need no time zone, so a migration can fill it from the ledger); a
period that starts or ends off UTC midnight reads its few edge hours from the ledger.

`message_total` counts each message's reaction awards per week and month (the periods of
`member_total`, in the same transaction as the ledger rows): the message of such a period
is read from its index, most reactions first.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.models import Contribution, Member, MemberBadge, RankChange
from storage.types import utc_column

# Every ledger row that is not a message (reactions, kudos, solutions, reversals...): a
# small partial index, so a period's counts and its message of the week are read without
# scanning the messages, which are most of the ledger, and from the index alone (who
# acted and for whom included). Queries name the same condition literally (`EVENTS_ONLY`),
# which is how SQLite knows the index applies.
EVENTS_ONLY = "kind != 'message'"
Index(
    "ix_contribution_events",
    Contribution.community_id,
    Contribution.kind,
    Contribution.occurred_at,
    Contribution.message_ref,
    Contribution.actor_id,
    Contribution.member_id,
    sqlite_where=text(EVENTS_ONLY),
    postgresql_where=text(EVENTS_ONLY),
)

# What a digest of a large community reads by key on tables defined elsewhere (migration
# 0023): the members who joined in a period and those whose rank changed since its start
# (with a period's leaders, the only ones whose gains can matter), the members who left
# (with who joined, the members present at a period's end, counted from indexes alone),
# the badges awarded in a period, and members by their last active day (the regulars who
# went quiet).
Index("ix_member_joined", Member.community_id, Member.joined_at, Member.is_bot)
Index("ix_member_left", Member.community_id, Member.left_at, Member.joined_at, Member.is_bot)
Index("ix_member_last_active", Member.community_id, Member.last_active_day)
Index("ix_rank_change_at", RankChange.community_id, RankChange.at)
Index("ix_member_badge_awarded", MemberBadge.community_id, MemberBadge.awarded_at)
# A community's few bots, whose days are taken off a digest's counts (migration 0029):
# from an index of them alone, not a scan of every member. Its condition is the one
# queries write (`Member.is_bot.is_(True)`), which is how SQLite knows it applies.
Index(
    "ix_member_bot",
    Member.community_id,
    Member.is_bot,
    sqlite_where=Member.is_bot.is_(True),  # type: ignore[attr-defined]
    postgresql_where=Member.is_bot.is_(True),  # type: ignore[attr-defined]
)


class MemberDayGain(SQLModel, table=True):
    """What a member received on one UTC day: points, net accepted solutions, kudos."""

    __tablename__ = "member_day_gain"
    # Clustered by day on SQLite (no rowid): a period is one range of the primary key, read
    # in place, and today's rows are appended at its end.
    __table_args__ = {"sqlite_with_rowid": False}
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    day: date = Field(primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    points: int = 0
    solutions: int = 0
    kudos: int = 0


class MessageTotal(SQLModel, table=True):
    """How many reaction awards a message received in one week or month (the periods of
    `member_total`): what ranks the message of the period, without grouping the period's
    reactions. An award counts in the period it was made in; a reaction taken back leaves
    its award counted (see `storage.metrics.highlights`)."""

    __tablename__ = "message_total"
    __table_args__ = {"sqlite_with_rowid": False}
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    period: str = Field(primary_key=True, max_length=8)
    period_start: date = Field(primary_key=True)
    message_ref: str = Field(primary_key=True, max_length=100)
    reactions: int = 0


class MessageTotalSince(SQLModel, table=True):
    """The last reaction award of a community whose ledger already had reactions when
    `message_total` was added (migration 0028): its periods that begin after it are all
    kept there, the others are counted from the ledger. A community without a row had
    `message_total` from its beginning."""

    __tablename__ = "message_total_since"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    since: datetime = Field(sa_column=utc_column())


# The most reacted-to messages of a period first, read from the index in order.
Index(
    "ix_message_total_top",
    MessageTotal.community_id,
    MessageTotal.period,
    MessageTotal.period_start,
    MessageTotal.reactions.desc(),  # type: ignore[attr-defined]
    MessageTotal.message_ref,
)


class DigestState(SQLModel, table=True):
    """Where a community's digest chain stands: the next period starts on `next_start`."""

    __tablename__ = "digest_state"
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    next_start: date
    updated_at: datetime = Field(sa_column=utc_column())


class DigestRun(SQLModel, table=True):
    """A digest claimed for one destination (a platform); posted at most once."""

    __tablename__ = "digest_run"
    __table_args__ = (
        UniqueConstraint(
            "community_id", "period_start", "destination", name="uq_digest_run_period"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    period_start: date
    period_end: date  # exclusive: the period is [start, end) in community-local days
    destination: str = Field(max_length=32)
    # The idempotency key adapters look for before posting (message nonce, metadata).
    marker: str = Field(max_length=200)
    status: str = Field(default="claimed", max_length=16)  # claimed | posted
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime = Field(sa_column=utc_column())
    posted_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Customer(SQLModel, table=True):
    """A platform account that belongs to a customer (company CRM id and account name)."""

    platform: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(primary_key=True, max_length=64)
    customer_id: str = Field(max_length=100)
    account: str = Field(default="", max_length=200)
    imported_at: datetime = Field(sa_column=utc_column())


class CustomerEmail(SQLModel, table=True):
    """A customer known by email only, matched when a platform gives a member's email."""

    __tablename__ = "customer_email"
    email: str = Field(primary_key=True, max_length=254)
    customer_id: str = Field(max_length=100)
    account: str = Field(default="", max_length=200)
    imported_at: datetime = Field(sa_column=utc_column())
