"""message total: reaction awards per message and week or month, kept with the ledger, so
the message of the period is read from an index instead of grouping the period's reactions

The ledger's earlier reactions are not counted into it (a week is a week in the
community's time zone, which the database does not know): a community whose ledger
already has reactions keeps the instant of its last one in `message_total_since`, and its
periods that did not begin after it are still counted from the ledger.

Revision ID: 0028
Revises: 0027
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_total",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("message_ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("reactions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id", "period", "period_start", "message_ref"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_message_total_top",
        "message_total",
        ["community_id", "period", "period_start", sa.text("reactions DESC"), "message_ref"],
    )
    op.create_table(
        "message_total_since",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("since", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id"),
    )
    # The last reaction each community had: a period that begins after it is all kept.
    # (`kind != 'message'` names the events' partial index, `EVENTS_ONLY`.)
    op.execute(
        "INSERT INTO message_total_since (community_id, since) "
        "SELECT community_id, max(occurred_at) FROM contribution "
        "WHERE kind != 'message' AND kind = 'reaction' GROUP BY community_id"
    )


def downgrade() -> None:
    op.drop_table("message_total_since")
    op.drop_index("ix_message_total_top", table_name="message_total")
    op.drop_table("message_total")
