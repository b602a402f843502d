"""digest keys: indexes that let a digest of a large community read its few candidates by
key: members who joined in a period or left (the members present, counted from indexes),
rank changes since a period's start, badges awarded in a period, and members by their last
active day (the regulars who went quiet); and
ix_question_asked covering every column a span's responsiveness numbers read

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_member_joined", "member", ["community_id", "joined_at", "is_bot"]),
    ("ix_member_left", "member", ["community_id", "left_at", "joined_at", "is_bot"]),
    ("ix_member_last_active", "member", ["community_id", "last_active_day"]),
    ("ix_rank_change_at", "rank_change", ["community_id", "at"]),
    ("ix_member_badge_awarded", "member_badge", ["community_id", "awarded_at"]),
)


QUESTION_SPAN = ["community_id", "asked_at"]
QUESTION_COVERING = [
    *QUESTION_SPAN,
    "in_help_channel",
    "channel_name",
    "response_seconds",
    "solved_at",
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.drop_index("ix_question_asked", table_name="question")
    op.create_index("ix_question_asked", "question", QUESTION_COVERING, unique=False)


def downgrade() -> None:
    op.drop_index("ix_question_asked", table_name="question")
    op.create_index("ix_question_asked", "question", QUESTION_SPAN, unique=False)
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
