"""Counting who is ahead on a board from how many of its shown members hold each number of
points (`storage.models.standings`): the triggers that keep those counts, filling them from
the boards as they are, folding PostgreSQL's moves in, and the count itself.

A board shows members who are not excluded, not bots and not hidden; only those are
counted (migration 0024), so a member's place is read from the counts alone. When a
member's flags change, their rows of every board leave the counts or come back.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from storage import triggers
from storage.models import Member, MemberTotal
from storage.models.standings import ALL_TIME_START, BoardCount, BoardMove

# What a row of each board counts for: its community, board and start, and its points.
_BOARDS = {
    "member": ("{r}.community_id", "'all'", "DATE '1970-01-01'", "{r}.points"),
    "member_total": ("{r}.community_id", "{r}.period", "{r}.period_start", "{r}.points"),
}
_SQLITE_ALL_TIME = "'1970-01-01'"
_FLAGS = ("excluded", "is_bot", "hidden")
# The members a board shows, as a query's conditions (the triggers' SQL says it with `_FLAGS`).
SHOWN = tuple(getattr(Member, flag).is_(False) for flag in _FLAGS)


def _values(table: str, row: str, dialect: str) -> list[str]:
    values = [part.format(r=row) for part in _BOARDS[table]]
    if dialect == "sqlite" and table == "member":
        values[2] = _SQLITE_ALL_TIME
    return values


def _keys(table: str) -> list[str]:
    """The columns of `table` that say which count a row is in."""
    return ["points", "community_id"] + (["period", "period_start"] if table != "member" else [])


def _flagged(member: str) -> str:
    """SQL: the member row `member` is one no board shows."""
    return "(" + " OR ".join(f"{member}.{flag}" for flag in _FLAGS) + ")"


def _shown(table: str, row: str, everyone: bool) -> str:
    """SQL: `row` of `table` counts on its board (`everyone`: flagged members too, as
    migration 0022 counted them)."""
    if everyone:
        return "TRUE"
    if table == "member":
        return f"NOT {_flagged(row)}"
    return (
        f"NOT EXISTS (SELECT 1 FROM member AS m WHERE m.id = {row}.member_id AND {_flagged('m')})"
    )


def _watched(table: str, everyone: bool) -> list[str]:
    """The columns whose change may move a row of `table` from one count to another."""
    flags = list(_FLAGS) if table == "member" and not everyone else []
    return _keys(table) + flags


def _changed(table: str, everyone: bool) -> str:
    changed = [f"old.{k} <> new.{k}" for k in _keys(table)]
    if table == "member" and not everyone:
        changed.append(f"{_flagged('old')} <> {_flagged('new')}")
    return " OR ".join(changed)


def _sqlite_triggers(table: str, everyone: bool) -> list[str]:
    """Triggers that keep `board_count` as `table` changes (SQLite: one writer at a time)."""
    key = "community_id = {0} AND period = {1} AND period_start = {2} AND points = {3}"

    def less(row: str) -> str:
        values = _values(table, row, "sqlite")
        return (
            f"UPDATE board_count SET members = members - 1 WHERE {row}.points > 0 AND "
            f"{_shown(table, row, everyone)} AND " + key.format(*values) + ";"
        )

    def more(row: str) -> str:
        values = _values(table, row, "sqlite")
        return (
            "INSERT INTO board_count (community_id, period, period_start, points, members) "
            f"SELECT {', '.join(values)}, 1 WHERE {row}.points > 0 "
            f"AND {_shown(table, row, everyone)} "
            "ON CONFLICT (community_id, period, period_start, points) "
            "DO UPDATE SET members = members + 1;"
        )

    columns = ", ".join(_watched(table, everyone))
    return [
        f"CREATE TRIGGER board_{table}_insert AFTER INSERT ON {table} "
        f"WHEN new.points > 0 BEGIN {more('new')} END",
        f"CREATE TRIGGER board_{table}_delete AFTER DELETE ON {table} "
        f"WHEN old.points > 0 BEGIN {less('old')} END",
        f"CREATE TRIGGER board_{table}_update AFTER UPDATE OF {columns} ON {table} "
        f"WHEN {_changed(table, everyone)} BEGIN {less('old')} {more('new')} END",
    ]


def _flag_moves(sign: str) -> str:
    """SQL selecting, for the member `new` whose flags just changed, each of their week and
    month rows' count with `sign` (-1 leaving the counts, 1 coming back)."""
    return (
        f"SELECT community_id, period, period_start, points, {sign} FROM member_total "
        "WHERE member_id = new.id AND points > 0"
    )


def _sqlite_flag_trigger() -> list[str]:
    """A member hidden, excluded or flagged as a bot leaves the week and month counts (the
    all-time count is the member row's own trigger); cleared, they come back."""
    return [
        "CREATE TRIGGER board_member_flags AFTER UPDATE OF excluded, is_bot, hidden ON member "
        f"WHEN {_flagged('old')} <> {_flagged('new')} BEGIN "
        "INSERT INTO board_count (community_id, period, period_start, points, members) "
        + _flag_moves(f"CASE WHEN {_flagged('new')} THEN -1 ELSE 1 END")
        + " ON CONFLICT (community_id, period, period_start, points) "
        "DO UPDATE SET members = members + excluded.members; END"
    ]


def _postgresql_triggers(table: str, everyone: bool) -> list[str]:
    """Triggers that append `table`'s changes to `board_move` (PostgreSQL: appends from
    concurrent writers never wait for each other)."""
    old, new = _values(table, "OLD", "postgresql"), _values(table, "NEW", "postgresql")
    columns = ", ".join(_watched(table, everyone))
    into = "INSERT INTO board_move (community_id, period, period_start, points, members)"
    return [
        f"""CREATE FUNCTION board_{table}_move() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was BOOLEAN := FALSE;
  now_counted BOOLEAN := FALSE;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    was := OLD.points > 0 AND {_shown(table, "OLD", everyone)};
  END IF;
  IF TG_OP <> 'DELETE' THEN
    now_counted := NEW.points > 0 AND {_shown(table, "NEW", everyone)};
  END IF;
  IF was THEN
    {into} VALUES ({", ".join(old)}, -1);
  END IF;
  IF now_counted THEN
    {into} VALUES ({", ".join(new)}, 1);
  END IF;
  RETURN NULL;
END $$""",
        f"CREATE TRIGGER board_{table}_insert AFTER INSERT ON {table} FOR EACH ROW "
        f"WHEN (NEW.points > 0) EXECUTE FUNCTION board_{table}_move()",
        f"CREATE TRIGGER board_{table}_delete AFTER DELETE ON {table} FOR EACH ROW "
        f"WHEN (OLD.points > 0) EXECUTE FUNCTION board_{table}_move()",
        f"CREATE TRIGGER board_{table}_update AFTER UPDATE OF {columns} ON {table} "
        f"FOR EACH ROW WHEN ({_changed(table, everyone)}) "
        f"EXECUTE FUNCTION board_{table}_move()",
    ]


def _postgresql_flag_trigger() -> list[str]:
    return [
        f"""CREATE FUNCTION board_member_flags_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO board_move (community_id, period, period_start, points, members)
  {_flag_moves(f"CASE WHEN {_flagged('NEW')} THEN -1 ELSE 1 END")};
  RETURN NULL;
END $$""",
        "CREATE TRIGGER board_member_flags AFTER UPDATE OF excluded, is_bot, hidden ON member "
        f"FOR EACH ROW WHEN ({_flagged('OLD')} <> {_flagged('NEW')}) "
        "EXECUTE FUNCTION board_member_flags_move()",
    ]


def trigger_statements(dialect: str, everyone: bool = False) -> list[str]:
    """The SQL that creates both boards' triggers on a database of `dialect`; `everyone`:
    counting flagged members too (migration 0022's counts)."""
    sqlite = dialect == "sqlite"
    make = _sqlite_triggers if sqlite else _postgresql_triggers
    statements = [statement for table in _BOARDS for statement in make(table, everyone)]
    if not everyone:
        statements += _sqlite_flag_trigger() if sqlite else _postgresql_flag_trigger()
    return statements


def drop_trigger_statements(dialect: str) -> list[str]:
    statements = [
        statement
        for table in _BOARDS
        for statement in triggers.drop_statements(
            dialect, f"board_{table}", table, f"board_{table}_move"
        )
    ]
    return statements + triggers.drop_statements(
        dialect, "board_member", "member", "board_member_flags_move", ("flags",)
    )


def create_triggers(connection: Connection, everyone: bool = False) -> None:
    """The triggers of both boards, for the connection's database (migrations 0022, 0024)."""
    triggers.run(connection, trigger_statements(connection.dialect.name, everyone))


def drop_triggers(connection: Connection) -> None:
    triggers.run(connection, drop_trigger_statements(connection.dialect.name))


def _counted(everyone: bool = False) -> list:  # type: ignore[type-arg]
    """Every board's counts of the members it shows (`everyone`: all), as they are now."""
    shown: Any = and_(*SHOWN) if not everyone else literal(True)
    all_time = select(
        Member.community_id,
        literal("all").label("period"),
        literal(ALL_TIME_START).label("period_start"),
        Member.points,
        func.count().label("members"),
    ).where(Member.points > 0, shown)
    periods = select(
        MemberTotal.community_id,
        MemberTotal.period,
        MemberTotal.period_start,
        MemberTotal.points,
        func.count().label("members"),
    ).where(MemberTotal.points > 0)
    if not everyone:
        periods = periods.join(Member, and_(Member.id == MemberTotal.member_id, shown))
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


def _rebuild(everyone: bool = False) -> list[Executable]:
    return [
        delete(BoardMove),
        delete(BoardCount),
        *(insert(BoardCount).from_select(_COLUMNS, query) for query in _counted(everyone)),
    ]


def rebuild(connection: Connection, everyone: bool = False) -> None:
    """Count every board afresh (the migrations)."""
    for statement in _rebuild(everyone):
        connection.execute(statement)


def rebuild_statements(dialect: Dialect) -> list[str]:
    """The same as SQL for `dialect`, for bulk loads made with the triggers off."""
    return [
        str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        for statement in _rebuild()
    ]


async def fold(session: AsyncSession, limit: int = 100_000) -> int:
    """Add PostgreSQL's pending moves into `board_count` (`storage.triggers.fold_moves`);
    returns how many counts were changed."""
    return await triggers.fold_moves(
        session, BoardMove.__table__, BoardCount.__table__, _COLUMNS[:4], _COLUMNS[4:], limit
    )


@functools.cache
def _ahead() -> Select[Any]:
    parts = [
        select(table.members).where(
            table.community_id == bindparam("community_id"),
            table.period == bindparam("period"),
            table.period_start == bindparam("start"),
            table.points > bindparam("points"),
        )
        for table in (BoardCount, BoardMove)
    ]
    rows = union_all(*parts).subquery()
    return select(func.coalesce(func.sum(rows.c.members), 0))


async def ahead(
    session: AsyncSession, community_id: int, period: str, start: date | None, points: int
) -> int:
    """How many members shown on the board have more than `points`: one row per distinct
    points value above `points` (and the moves not folded yet). The statement is built
    once: building it cost more than reading it."""
    bound = {
        "community_id": community_id,
        "period": period,
        "start": start if start is not None else ALL_TIME_START,
        "points": points,
    }
    return int(await session.scalar(_ahead(), bound) or 0)
