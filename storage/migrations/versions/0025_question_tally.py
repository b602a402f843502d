"""question tally: questions counted by the hour they were asked in, their help channel and
their first response's bucket of seconds, kept by triggers, for the responsiveness numbers

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage import question_tally, triggers
from storage.types import UTCDateTime

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def counted() -> list[sa.Column]:  # type: ignore[type-arg]
    """The columns the tally and its moves share."""
    return [
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("hour", UTCDateTime(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("solved", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "question_tally",
        *counted(),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id", "hour", "channel", "bucket"),
    )
    op.create_table(
        "question_tally_move",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        *counted(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_question_tally_move_hour", "question_tally_move", ["community_id", "hour"])
    triggers.build(op.get_bind(), question_tally)


def downgrade() -> None:
    triggers.drop(op.get_bind(), question_tally)
    op.drop_index("ix_question_tally_move_hour", table_name="question_tally_move")
    op.drop_table("question_tally_move")
    op.drop_table("question_tally")
