"""privacy: members' visibility (hidden from every list that names members) and anonymous
polls whose ballots name nobody (keyed by a voter string, a hash under the poll's own
secret while it is open, a random key once it is closed)

Revision ID: 0011
Revises: 0010
"""

import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ballot_tables() -> tuple[sa.Table, sa.Table]:
    ballot = op.create_table(
        "poll_ballot",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("voter", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("cast_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"]),
        sa.PrimaryKeyConstraint("poll_id", "voter"),
    )
    op.create_index("ix_poll_ballot_member_id", "poll_ballot", ["member_id"], unique=False)
    mark = op.create_table(
        "poll_mark",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("voter", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("option_index", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"]),
        sa.PrimaryKeyConstraint("poll_id", "voter", "option_index"),
    )
    return ballot, mark


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("visibility", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.drop_index("ix_member_leaderboard")
        batch_op.create_index(
            "ix_member_leaderboard",
            ["community_id", "excluded", "is_bot", "hidden", "points"],
            unique=False,
        )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.alter_column("hidden", server_default=None)
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("voter_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )

    # Ballots are rebuilt under their new key: read, drop the old tables, write them again.
    bind = op.get_bind()
    utc = storage.types.UTCDateTime(timezone=True)
    poll = sa.table(
        "poll",
        sa.column("id", sa.Integer()),
        sa.column("anonymous", sa.Boolean()),
        sa.column("closed_at", utc),
        sa.column("created_at", utc),
    )
    old_ballot = sa.table(
        "poll_ballot",
        sa.column("poll_id", sa.Integer()),
        sa.column("member_id", sa.Integer()),
        sa.column("cast_at", utc),
        sa.column("changed_at", utc),
    )
    polls = {row.id: row for row in bind.execute(sa.select(poll))}
    ballots = bind.execute(sa.select(old_ballot)).all()
    marks: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for poll_id, member_id, index, weight in bind.execute(
        sa.text("SELECT poll_id, member_id, option_index, weight FROM poll_mark")
    ):
        marks[(poll_id, member_id)].append((index, weight))
    op.drop_table("poll_mark")
    op.drop_table("poll_ballot")
    ballot_table, mark_table = _ballot_tables()

    keys: dict[int, str] = {}
    for row in polls.values():
        if row.anonymous and row.closed_at is None:
            keys[row.id] = secrets.token_hex(32)
            bind.execute(
                sa.text("UPDATE poll SET voter_key = :key WHERE id = :id"),
                {"key": keys[row.id], "id": row.id},
            )
    new_ballots, new_marks = [], []
    for poll_id, member_id, cast_at, changed_at in ballots:
        of = polls[poll_id]
        if not of.anonymous:
            voter, who = f"m{member_id}", member_id
        elif poll_id in keys:
            voter = hmac.new(
                bytes.fromhex(keys[poll_id]), f"ballot:{member_id}".encode(), hashlib.sha256
            ).hexdigest()
            who = None
        else:
            voter, who = secrets.token_hex(16), None
        if of.anonymous:
            cast_at = changed_at = of.created_at
        new_ballots.append(
            {
                "poll_id": poll_id,
                "voter": voter,
                "member_id": who,
                "cast_at": cast_at,
                "changed_at": changed_at,
            }
        )
        new_marks += [
            {"poll_id": poll_id, "voter": voter, "option_index": i, "weight": w}
            for i, w in marks[(poll_id, member_id)]
        ]
    if new_ballots:
        op.bulk_insert(ballot_table, new_ballots)
    if new_marks:
        op.bulk_insert(mark_table, new_marks)


def downgrade() -> None:
    raise NotImplementedError("anonymous ballots cannot be tied to their voters again")
