"""Alembic environment: runs on the connection Cercle hands over (see storage/migrate.py)."""

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)

config = context.config
# Cercle's tables. A platform's own tables (adapters/slack/tables.py) join it only once the
# caller has imported them (adapters.platforms.declare_tables()), which storage never does:
# upgrading needs none of it, as each revision carries its own table definitions; to
# autogenerate a revision, declare them first or it will propose dropping them.
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through storage.migrate (cercle db upgrade)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
