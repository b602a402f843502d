"""board counts: how many members hold each number of points, per board, kept by triggers

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage import standings

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board_count",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id", "period", "period_start", "points"),
    )
    op.create_table(
        "board_move",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_board_move_board",
        "board_move",
        ["community_id", "period", "period_start", "points"],
    )
    connection = op.get_bind()
    # Flagged members were counted too until 0024.
    standings.rebuild(connection, everyone=True)
    standings.create_triggers(connection, everyone=True)


def downgrade() -> None:
    standings.drop_triggers(op.get_bind())
    op.drop_index("ix_board_move_board", table_name="board_move")
    op.drop_table("board_move")
    op.drop_table("board_count")
