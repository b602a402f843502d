"""board order indexes: the leaderboards' indexes hold the boards' own order (points
descending, then the member known first), so that a page is read in order, not sorted

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MEMBER = ["community_id", "excluded", "is_bot", "hidden"]
_TOTAL = ["community_id", "period", "period_start"]


def upgrade() -> None:
    op.drop_index("ix_member_leaderboard", table_name="member")
    op.create_index("ix_member_leaderboard", "member", [*_MEMBER, sa.text("points DESC"), "id"])
    op.drop_index("ix_member_total_board", table_name="member_total")
    op.create_index(
        "ix_member_total_board",
        "member_total",
        [*_TOTAL, sa.text("points DESC"), "member_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_member_total_board", table_name="member_total")
    op.create_index("ix_member_total_board", "member_total", [*_TOTAL, "points", "member_id"])
    op.drop_index("ix_member_leaderboard", table_name="member")
    op.create_index("ix_member_leaderboard", "member", [*_MEMBER, "points"])
