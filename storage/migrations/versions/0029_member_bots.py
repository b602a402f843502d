"""member bots: a community's members flagged as bots, found from an index of them alone
(their days are taken off a digest's counts), not from a scan of every member

Revision ID: 0029
Revises: 0028
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # With `is_bot` among its columns and the condition as queries write it (`is_bot IS
    # 1` on SQLite), SQLite's planner takes this index without statistics.
    op.create_index(
        "ix_member_bot",
        "member",
        ["community_id", "is_bot"],
        sqlite_where=sa.text("is_bot IS 1"),
        postgresql_where=sa.text("is_bot IS true"),
    )


def downgrade() -> None:
    op.drop_index("ix_member_bot", table_name="member")
