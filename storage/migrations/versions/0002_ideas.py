"""ideas

Revision ID: 0002
Revises: 0001

The tables of storage/idea_models.py: the per-community idea counter, ideas, votes,
history, volunteers and drafts waiting for confirmation.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idea_sequence",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id"),
    )
    op.create_table(
        "idea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("votes_for", sa.Integer(), nullable=False),
        sa.Column("votes_against", sa.Integer(), nullable=False),
        sa.Column("score_top", sa.Float(), nullable=False),
        sa.Column("score_controversial", sa.Float(), nullable=False),
        sa.Column("testers", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("testers_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["merged_into_id"], ["idea.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "number", name="uq_idea_number"),
    )
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.create_index("ix_idea_author", ["community_id", "author_id"], unique=False)
        batch_op.create_index("ix_idea_top", ["community_id", "status", "score_top"], unique=False)

    op.create_table(
        "idea_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("idea_draft", schema=None) as batch_op:
        batch_op.create_index("ix_idea_draft_age", ["community_id", "created_at"], unique=False)

    op.create_table(
        "idea_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("from_value", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("to_value", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("other_idea_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["other_idea_id"], ["idea.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("idea_event", schema=None) as batch_op:
        batch_op.create_index("ix_idea_event_idea", ["idea_id", "at"], unique=False)

    op.create_table(
        "idea_vote",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("choice", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("voted_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("idea_id", "member_id"),
    )
    with op.batch_alter_table("idea_vote", schema=None) as batch_op:
        batch_op.create_index("ix_idea_vote_recent", ["community_id", "voted_at"], unique=False)

    op.create_table(
        "idea_volunteer",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("volunteered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("idea_id", "member_id"),
    )


def downgrade() -> None:
    op.drop_table("idea_volunteer")
    with op.batch_alter_table("idea_vote", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_vote_recent")
    op.drop_table("idea_vote")
    with op.batch_alter_table("idea_event", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_event_idea")
    op.drop_table("idea_event")
    with op.batch_alter_table("idea_draft", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_draft_age")
    op.drop_table("idea_draft")
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_top")
        batch_op.drop_index("ix_idea_author")
    op.drop_table("idea")
    op.drop_table("idea_sequence")
