"""Counting who is ahead on a board from how many members hold each number of points
(`storage.models.standings`): the triggers that keep those counts, filling them from the
boards as they are, folding PostgreSQL's moves in, and the count itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, text, union_all
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from storage.dialect import dialect_insert
from storage.models import Member, MemberTotal
from storage.models.standings import ALL_TIME_START, BoardCount, BoardMove

# What a row of each board counts for: its community, board and start, and its points.
_BOARDS = {
    "member": ("{r}.community_id", "'all'", "DATE '1970-01-01'", "{r}.points"),
    "member_total": ("{r}.community_id", "{r}.period", "{r}.period_start", "{r}.points"),
}
_SQLITE_ALL_TIME = "'1970-01-01'"


def _values(table: str, row: str, dialect: str) -> list[str]:
    values = [part.format(r=row) for part in _BOARDS[table]]
    if dialect == "sqlite" and table == "member":
        values[2] = _SQLITE_ALL_TIME
    return values


def _keys(table: str) -> list[str]:
    """The columns of `table` that say which count a row is in."""
    return ["points", "community_id"] + (["period", "period_start"] if table != "member" else [])


def _changed(table: str) -> str:
    return " OR ".join(f"old.{k} <> new.{k}" for k in _keys(table))


def _sqlite_triggers(table: str) -> list[str]:
    """Triggers that keep `board_count` as `table` changes (SQLite: one writer at a time)."""
    key = "community_id = {0} AND period = {1} AND period_start = {2} AND points = {3}"

    def less(row: str) -> str:
        values = _values(table, row, "sqlite")
        return (
            f"UPDATE board_count SET members = members - 1 WHERE {row}.points > 0 AND "
            + key.format(*values)
            + ";"
        )

    def more(row: str) -> str:
        values = _values(table, row, "sqlite")
        return (
            "INSERT INTO board_count (community_id, period, period_start, points, members) "
            f"SELECT {', '.join(values)}, 1 WHERE {row}.points > 0 "
            "ON CONFLICT (community_id, period, period_start, points) "
            "DO UPDATE SET members = members + 1;"
        )

    columns = ", ".join(_keys(table))
    return [
        f"CREATE TRIGGER board_{table}_insert AFTER INSERT ON {table} "
        f"WHEN new.points > 0 BEGIN {more('new')} END",
        f"CREATE TRIGGER board_{table}_delete AFTER DELETE ON {table} "
        f"WHEN old.points > 0 BEGIN {less('old')} END",
        f"CREATE TRIGGER board_{table}_update AFTER UPDATE OF {columns} ON {table} "
        f"WHEN {_changed(table)} BEGIN {less('old')} {more('new')} END",
    ]


def _postgresql_triggers(table: str) -> list[str]:
    """Triggers that append `table`'s changes to `board_move` (PostgreSQL: appends from
    concurrent writers never wait for each other)."""
    old, new = _values(table, "OLD", "postgresql"), _values(table, "NEW", "postgresql")
    columns = ", ".join(_keys(table))
    into = "INSERT INTO board_move (community_id, period, period_start, points, members)"
    return [
        f"""CREATE FUNCTION board_{table}_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.points > 0 AND NEW.points > 0 THEN
    {into} VALUES ({", ".join(old)}, -1), ({", ".join(new)}, 1);
  ELSE
    IF TG_OP <> 'INSERT' AND OLD.points > 0 THEN
      {into} VALUES ({", ".join(old)}, -1);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.points > 0 THEN
      {into} VALUES ({", ".join(new)}, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$""",
        f"CREATE TRIGGER board_{table}_insert AFTER INSERT ON {table} FOR EACH ROW "
        f"WHEN (NEW.points > 0) EXECUTE FUNCTION board_{table}_move()",
        f"CREATE TRIGGER board_{table}_delete AFTER DELETE ON {table} FOR EACH ROW "
        f"WHEN (OLD.points > 0) EXECUTE FUNCTION board_{table}_move()",
        f"CREATE TRIGGER board_{table}_update AFTER UPDATE OF {columns} ON {table} "
        f"FOR EACH ROW WHEN ({_changed(table)}) "
        f"EXECUTE FUNCTION board_{table}_move()",
    ]


def trigger_statements(dialect: str) -> list[str]:
    """The SQL that creates both boards' triggers on a database of `dialect`."""
    make = _sqlite_triggers if dialect == "sqlite" else _postgresql_triggers
    return [statement for table in _BOARDS for statement in make(table)]


def drop_trigger_statements(dialect: str) -> list[str]:
    statements = []
    for table in _BOARDS:
        for event in ("insert", "delete", "update"):
            on = "" if dialect == "sqlite" else f" ON {table}"
            statements.append(f"DROP TRIGGER IF EXISTS board_{table}_{event}{on}")
        if dialect != "sqlite":
            statements.append(f"DROP FUNCTION IF EXISTS board_{table}_move()")
    return statements


def create_triggers(connection: Connection) -> None:
    """The triggers of both boards, for the connection's database (migration 0022)."""
    for statement in trigger_statements(connection.dialect.name):
        connection.execute(text(statement))


def drop_triggers(connection: Connection) -> None:
    for statement in drop_trigger_statements(connection.dialect.name):
        connection.execute(text(statement))


def _counted() -> list:  # type: ignore[type-arg]
    """Every board's counts, as the boards hold them now."""
    all_time = select(
        Member.community_id,
        literal("all").label("period"),
        literal(ALL_TIME_START).label("period_start"),
        Member.points,
        func.count().label("members"),
    ).where(Member.points > 0)
    periods = select(
        MemberTotal.community_id,
        MemberTotal.period,
        MemberTotal.period_start,
        MemberTotal.points,
        func.count().label("members"),
    ).where(MemberTotal.points > 0)
    return [
        all_time.group_by(Member.community_id, Member.points),
        periods.group_by(
            MemberTotal.community_id,
            MemberTotal.period,
            MemberTotal.period_start,
            MemberTotal.points,
        ),
    ]


_COLUMNS = ("community_id", "period", "period_start", "points", "members")


def _rebuild() -> list[Executable]:
    return [
        delete(BoardMove),
        delete(BoardCount),
        *(insert(BoardCount).from_select(_COLUMNS, query) for query in _counted()),
    ]


def rebuild(connection: Connection) -> None:
    """Count every board afresh (the migration)."""
    for statement in _rebuild():
        connection.execute(statement)


def rebuild_statements(dialect: Dialect) -> list[str]:
    """The same as SQL for `dialect`, for bulk loads made with the triggers off."""
    return [
        str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        for statement in _rebuild()
    ]


async def fold(session: AsyncSession, limit: int = 100_000) -> int:
    """Add PostgreSQL's pending moves into `board_count`, in key order; returns how many
    counts were changed. Moves another fold is taking are left to it (SKIP LOCKED), and the
    counts are upserted in key order, so concurrent folds neither wait on each other's
    moves nor deadlock on the counts."""
    if session.get_bind().dialect.name == "sqlite":
        return 0
    taken = (
        select(BoardMove.id).order_by(BoardMove.id).limit(limit).with_for_update(skip_locked=True)
    )
    moved = (
        delete(BoardMove)
        .where(BoardMove.id.in_(taken.scalar_subquery()))
        .returning(*(BoardMove.__table__.c[name] for name in _COLUMNS))
        .cte("moved")
    )
    keys = (moved.c.community_id, moved.c.period, moved.c.period_start, moved.c.points)
    summed = (
        select(*keys, func.sum(moved.c.members).label("members")).group_by(*keys).order_by(*keys)
    )
    upsert = dialect_insert(session, BoardCount.__table__).from_select(_COLUMNS, summed)
    upsert = upsert.on_conflict_do_update(
        index_elements=list(_COLUMNS[:4]),
        set_={"members": BoardCount.__table__.c.members + upsert.excluded.members},
    )
    return int((await session.execute(upsert)).rowcount or 0)


def ahead_count(community_id: int, period: str, start: date | None, points: int) -> Any:
    """How many members (flagged ones included: the caller takes them off) have more than
    `points` on the board, as a scalar subquery the caller reads with its other numbers
    in one statement."""
    begins = start if start is not None else ALL_TIME_START
    parts = []
    for table in (BoardCount, BoardMove):
        parts.append(
            select(table.members).where(
                table.community_id == community_id,
                table.period == period,
                table.period_start == begins,
                table.points > points,
            )
        )
    rows = union_all(*parts).subquery()
    return select(func.coalesce(func.sum(rows.c.members), 0)).scalar_subquery()
