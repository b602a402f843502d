"""rank change time: the rank changes of a community in time order, so that a digest
reads its period's rank-ups as a range

Revision ID: 0029
Revises: 0028
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_rank_change_time", "rank_change", ["community_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_rank_change_time", table_name="rank_change")
