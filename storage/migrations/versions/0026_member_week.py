"""member week: each member's active days and messages per Monday-to-Monday week, added
up from member_day by triggers, for a week's participation shape

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage import member_weeks, triggers

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_week",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("community_id", "week_start", "member_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_member_week_member", "member_week", ["member_id"])
    triggers.build(op.get_bind(), member_weeks)


def downgrade() -> None:
    triggers.drop(op.get_bind(), member_weeks)
    op.drop_index("ix_member_week_member", table_name="member_week")
    op.drop_table("member_week")
