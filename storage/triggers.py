"""What the tables kept by database triggers share (`storage.question_tally`,
`storage.member_weeks`): dropping a table's three triggers (and PostgreSQL's function
behind them), and running a list of statements in a migration's connection."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text


def drop_statements(
    dialect: str,
    prefix: str,
    table: str,
    function: str,
    events: tuple[str, ...] = ("insert", "delete", "update"),
) -> list[str]:
    """The SQL that drops triggers `<prefix>_<event>` on `table` (`_insert`, `_delete`,
    `_update`), and on PostgreSQL the trigger `function` they call."""
    on = "" if dialect == "sqlite" else f" ON {table}"
    statements = [f"DROP TRIGGER IF EXISTS {prefix}_{event}{on}" for event in events]
    if dialect != "sqlite":
        statements.append(f"DROP FUNCTION IF EXISTS {function}()")
    return statements


def run(connection: Connection, statements: Iterable[str]) -> None:
    for statement in statements:
        connection.execute(text(statement))
