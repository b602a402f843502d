"""digest rollup: member_day_gain (points, solutions, kudos per member and UTC day, filled
from the ledger), a covering index on member_day for a period's activity, and the member
in the ledger's partial index of non-message rows

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rollup of the ledger as `storage.ledger` maintains it: UTC days need no community
# time zone, so what is already in the ledger is summed here in one statement.
BACKFILL = """
INSERT INTO member_day_gain (community_id, day, member_id, points, solutions, kudos)
SELECT community_id, {day}, member_id,
       sum(points),
       sum(CASE kind WHEN 'solution' THEN 1 WHEN 'solution_reversed' THEN -1 ELSE 0 END),
       sum(CASE kind WHEN 'kudos' THEN 1 ELSE 0 END)
FROM contribution
WHERE points != 0 OR kind IN ('solution', 'solution_reversed', 'kudos')
GROUP BY community_id, {day}, member_id
"""
UTC_DAY = {
    "sqlite": "date(occurred_at)",
    "postgresql": "CAST((occurred_at AT TIME ZONE 'UTC') AS DATE)",
}


def upgrade() -> None:
    op.create_table(
        "member_day_gain",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("solutions", sa.Integer(), nullable=False),
        sa.Column("kudos", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("community_id", "day", "member_id"),
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL.format(day=UTC_DAY[dialect]))
    with op.batch_alter_table("member_day", schema=None) as batch_op:
        batch_op.create_index(
            "ix_member_day_span", ["community_id", "day", "member_id", "messages"], unique=False
        )
        batch_op.drop_index("ix_member_day_community")
    _events_index(["community_id", "kind", "occurred_at", "message_ref", "actor_id", "member_id"])


def _events_index(columns: list[str]) -> None:
    op.drop_index("ix_contribution_events", table_name="contribution")
    op.create_index(
        "ix_contribution_events",
        "contribution",
        columns,
        unique=False,
        sqlite_where=sa.text("kind != 'message'"),
        postgresql_where=sa.text("kind != 'message'"),
    )


def downgrade() -> None:
    _events_index(["community_id", "kind", "occurred_at", "message_ref", "actor_id"])
    with op.batch_alter_table("member_day", schema=None) as batch_op:
        batch_op.create_index("ix_member_day_community", ["community_id", "day"], unique=False)
        batch_op.drop_index("ix_member_day_span")
    op.drop_table("member_day_gain")
