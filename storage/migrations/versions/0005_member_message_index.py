"""index: a member's contributions by kind and time (late messages and their cooldown)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_contribution_member_kind_time",
        "contribution",
        ["community_id", "member_id", "kind", "occurred_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_contribution_member_kind_time", table_name="contribution")
