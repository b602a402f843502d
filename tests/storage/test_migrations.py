"""The alembic history builds exactly the schema the models describe, on every backend."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Index
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from adapters.platforms import declare_tables
from storage.db import Database
from storage.migrate import current_revision, head_revision


def not_an_expression_index(item: object, name: str | None, kind: str, *_: object) -> bool:
    """Indexes on an expression are left out of the comparison: PostgreSQL gives their
    expression back in its own words (casts, parentheses), SQLite not at all. Their plan
    tests show them created and used (`ix_question_bucket`: `test_question_tally`)."""
    if kind != "index" or not isinstance(item, Index):
        return True
    return all(isinstance(e, Column) for e in item.expressions)


# What the comparison says of the expression indexes it leaves out.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
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
            opts = {"compare_type": True, "include_object": not_an_expression_index}
            context = MigrationContext.configure(connection, opts=opts)
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
