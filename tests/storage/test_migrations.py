"""The alembic history builds exactly the schema the models describe, on every backend."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from adapters.platforms import declare_tables
from storage.db import Database
from storage.migrate import current_revision, head_revision


async def test_empty_database_upgrades_to_head_matching_the_models(
    database_url: Callable[..., str],
) -> None:
    declare_tables()  # the platforms' own tables (Slack's OAuth installations) too
    db = Database(database_url(migrated=False))
    try:
        assert await current_revision(db.engine) is None
        await db.upgrade()
        assert await current_revision(db.engine) == head_revision()

        def differences(connection):  # type: ignore[no-untyped-def]
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, SQLModel.metadata)

        async with db.engine.connect() as connection:
            diff = await connection.run_sync(differences)
        assert diff == []
    finally:
        await db.dispose()


async def test_upgrading_twice_changes_nothing(database_url: Callable[..., str]) -> None:
    db = Database(database_url(migrated=False))
    try:
        await db.upgrade()
        await db.upgrade()
        assert await current_revision(db.engine) == head_revision()
    finally:
        await db.dispose()
