"""index: the ledger's non-message rows by kind and time (digest and stats counts)

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_contribution_events",
        "contribution",
        ["community_id", "kind", "occurred_at", "message_ref", "actor_id"],
        unique=False,
        sqlite_where=sa.text("kind != 'message'"),
        postgresql_where=sa.text("kind != 'message'"),
    )


def downgrade() -> None:
    op.drop_index("ix_contribution_events", table_name="contribution")
