"""interaction receipts: the platform interactions already handled, by the identity of
their delivery, so that a retried or replayed button press changes nothing

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interaction_receipt",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("delivery", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "delivery"),
    )
    op.create_index("ix_interaction_receipt_time", "interaction_receipt", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_interaction_receipt_time", table_name="interaction_receipt")
    op.drop_table("interaction_receipt")
