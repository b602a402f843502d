"""shown board counts: the board counts hold only the members a board shows (not excluded,
not bots, not hidden), so a place is read from them alone; a member whose flags change
leaves the counts or comes back with every row of theirs

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

from alembic import op

from storage import standings

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    standings.drop_triggers(connection)
    standings.rebuild(connection)
    standings.create_triggers(connection)


def downgrade() -> None:
    connection = op.get_bind()
    standings.drop_triggers(connection)
    standings.rebuild(connection, everyone=True)
    standings.create_triggers(connection, everyone=True)
