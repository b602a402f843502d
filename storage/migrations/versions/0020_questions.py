"""questions: question, one row per question asked, with its first response

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "question",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("message_ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("channel_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("in_help_channel", sa.Boolean(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", UTC, nullable=False),
        sa.Column("first_response_at", UTC, nullable=True),
        sa.Column("response_seconds", sa.Integer(), nullable=True),
        sa.Column("responder_id", sa.Integer(), nullable=True),
        sa.Column("solved_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["asker_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["responder_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("community_id", "message_ref"),
    )
    op.create_index("ix_question_asked", "question", ["community_id", "asked_at"])
    op.create_index(
        "ix_question_open", "question", ["community_id", "first_response_at", "asked_at"]
    )
    op.create_index("ix_question_asker_id", "question", ["asker_id"])


def downgrade() -> None:
    op.drop_index("ix_question_asker_id", table_name="question")
    op.drop_index("ix_question_open", table_name="question")
    op.drop_index("ix_question_asked", table_name="question")
    op.drop_table("question")
