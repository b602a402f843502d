"""community activity: each community's active members, core contributors and messages per
day and per week, added up from member_day and member_week by triggers, for the digest's
chart and participation shape

Revision ID: 0030
Revises: 0029
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage import community_activity, triggers

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _counts() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(name, sa.Integer(), nullable=False) for name in ("members", "core", "messages")
    ]


def upgrade() -> None:
    op.create_table(
        "community_activity",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        *_counts(),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id", "period", "period_start"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "community_activity_move",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        *_counts(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_community_activity_move_period",
        "community_activity_move",
        ["community_id", "period", "period_start"],
    )
    triggers.build(op.get_bind(), community_activity)


def downgrade() -> None:
    triggers.drop(op.get_bind(), community_activity)
    op.drop_index("ix_community_activity_move_period", table_name="community_activity_move")
    op.drop_table("community_activity_move")
    op.drop_table("community_activity")
