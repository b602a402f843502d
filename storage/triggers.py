"""What the tables kept by database triggers share (`storage.standings`,
`storage.question_tally`, `storage.member_weeks`, `storage.community_activity`): dropping
a table's triggers (and PostgreSQL's function behind them), building a table and its
triggers in a migration or a bulk load, and folding PostgreSQL's appended moves into the
counts they change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Table, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import dialect_insert


class KeptByTriggers(Protocol):
    """A module that keeps a table by triggers (`question_tally`, `member_weeks`,
    `community_activity`)."""

    TABLES: tuple[str, ...]  # the tables it keeps

    def rebuild_statements(self, dialect: str) -> list[str]: ...

    def trigger_statements(self, dialect: str) -> list[str]: ...

    def drop_trigger_statements(self, dialect: str) -> list[str]: ...


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


def build_statements(kept: KeptByTriggers, dialect: str) -> list[str]:
    """Count what is there, then keep counting: a migration's, or the end of a bulk load
    made with the triggers off."""
    return [*kept.rebuild_statements(dialect), *kept.trigger_statements(dialect)]


def build(connection: Connection, kept: KeptByTriggers) -> None:
    run(connection, build_statements(kept, connection.dialect.name))


def drop(connection: Connection, kept: KeptByTriggers) -> None:
    run(connection, kept.drop_trigger_statements(connection.dialect.name))


def run(connection: Connection, statements: Iterable[str]) -> None:
    for statement in statements:
        connection.execute(text(statement))


async def fold_moves(
    session: AsyncSession,
    moves: Table,
    into: Table,
    key: Sequence[str],
    counts: Sequence[str],
    limit: int,
) -> int:
    """Add PostgreSQL's pending `moves` into `into`, in key order; returns how many rows
    changed. Moves another fold is taking are left to it (SKIP LOCKED), and the counts are
    upserted in key order, so concurrent folds neither wait on each other's moves nor
    deadlock on the counts. Nothing to do on SQLite, whose triggers count directly."""
    if session.get_bind().dialect.name == "sqlite":
        return 0
    m = moves.c
    taken = select(m.id).order_by(m.id).limit(limit).with_for_update(skip_locked=True)
    moved = (
        delete(moves)
        .where(m.id.in_(taken.scalar_subquery()))
        .returning(*(m[name] for name in [*key, *counts]))
        .cte("moved")
    )
    keys = [moved.c[name] for name in key]
    sums = [func.sum(moved.c[name]).label(name) for name in counts]
    summed = select(*keys, *sums).group_by(*keys).order_by(*keys)
    upsert: Any = dialect_insert(session, into).from_select([*key, *counts], summed)
    upsert = upsert.on_conflict_do_update(
        index_elements=list(key),
        set_={name: into.c[name] + upsert.excluded[name] for name in counts},
    )
    return int((await session.execute(upsert)).rowcount or 0)
