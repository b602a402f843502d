"""rank grace: rank_grace, members below their rank's rolling windows and since when

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rank_grace",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("rank", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("since", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_index("ix_rank_grace_community_id", "rank_grace", ["community_id"])


def downgrade() -> None:
    op.drop_index("ix_rank_grace_community_id", table_name="rank_grace")
    op.drop_table("rank_grace")
