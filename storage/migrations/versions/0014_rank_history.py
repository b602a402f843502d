"""rank history and kept ranks: rank_change, one row each time a member's rank changes;
member.rank_floor, a rank kept from another bot by an import

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rank_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("from_rank", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("to_rank", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rank_change_member", "rank_change", ["member_id", "id"])
    op.add_column(
        "member",
        sa.Column("rank_floor", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    )
    # Where a member already stands, their history starts with that rank (its date unknown:
    # the day they joined is the best there is).
    op.execute(
        "INSERT INTO rank_change (community_id, member_id, from_rank, to_rank, at) "
        "SELECT community_id, id, NULL, rank, joined_at FROM member WHERE rank IS NOT NULL AND joined_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.drop_column("rank_floor")
    op.drop_index("ix_rank_change_member", table_name="rank_change")
    op.drop_table("rank_change")
