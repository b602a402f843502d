"""`community_activity`: each community's active members, core contributors and messages
per day and per week, kept by database triggers from `member_day` and `member_week`.

A digest's chart counted each day's `member_day` rows and its participation shape each
week's `member_week` rows: at a million members, three million and two million index
entries, a second of the digest's time. Added up as the days and weeks are written, they
are a row per day and per week. Triggers keep them whoever writes the days (scoring, a
merge of two members, erasure), and the weeks follow the days (`storage.member_weeks`).

A day's row counts the members with a `member_day` row that day; a week's, those with
`member_week.days` > 0, the core among them (`CORE_DAYS` days or more) and their messages.
Bots are counted as the days count them: readers take their few days off
(`storage.metrics.shape`).

As for the board counts (`storage.standings`), SQLite's triggers update the counts at once
(one writer at a time). On PostgreSQL every batch of every process would update the same
row of today and of this week, holding it until it commits: the triggers append signed
moves to `community_activity_move` instead, which concurrent writers never wait on, and
`fold` adds them in; readers add both.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import triggers
from storage.models.activity import CommunityActivity, CommunityActivityMove

# A week's core contributors are active on this many days or more.
CORE_DAYS = 3
TABLES = ("community_activity",)
_COLUMNS = ("community_id", "period", "period_start", "members", "core", "messages")
_KEY = _COLUMNS[:3]
_COUNTS = _COLUMNS[3:]


def _int(dialect: str, condition: str) -> str:
    return f"({condition})" if dialect == "sqlite" else f"({condition})::int"


def _day(row: str, sign: str, dialect: str) -> str:
    return f"{row}.community_id, 'day', {row}.day, {sign}, 0, {sign} * {row}.messages"


def _week(row: str, sign: str, dialect: str) -> str:
    return (
        f"{row}.community_id, 'week', {row}.week_start, "
        f"{sign} * {_int(dialect, f'{row}.days > 0')}, "
        f"{sign} * {_int(dialect, f'{row}.days >= {CORE_DAYS}')}, {sign} * {row}.messages"
    )


def _week_change(old: str, new: str, dialect: str) -> str:
    """A week's row changed in place: the difference it makes, in one move."""
    return (
        f"{new}.community_id, 'week', {new}.week_start, "
        f"{_int(dialect, f'{new}.days > 0')} - {_int(dialect, f'{old}.days > 0')}, "
        f"{_int(dialect, f'{new}.days >= {CORE_DAYS}')} - "
        f"{_int(dialect, f'{old}.days >= {CORE_DAYS}')}, {new}.messages - {old}.messages"
    )


def _day_change(old: str, new: str, dialect: str) -> str:
    return f"{new}.community_id, 'day', {new}.day, 0, 0, {new}.messages - {old}.messages"


# (source table, its key columns besides the community, what a row adds, what a change in
# place adds, the columns whose change matters)
_SOURCES = (
    ("member_day", ("day",), _day, _day_change, ("community_id", "day", "messages")),
    (
        "member_week",
        ("week_start",),
        _week,
        _week_change,
        ("community_id", "week_start", "days", "messages"),
    ),
)


def _same(key: tuple[str, ...], old: str, new: str) -> str:
    return " AND ".join(f"{old}.{k} = {new}.{k}" for k in ("community_id", *key))


def _changed(watched: tuple[str, ...], old: str, new: str) -> str:
    return " OR ".join(f"{old}.{k} <> {new}.{k}" for k in watched)


def _sqlite_triggers() -> list[str]:
    def add(values: str) -> str:
        return (
            f"INSERT INTO community_activity ({', '.join(_COLUMNS)}) VALUES ({values}) "
            f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
            + ", ".join(f"{c} = {c} + excluded.{c}" for c in _COUNTS)
            + ";"
        )

    statements = []
    for table, key, row, change, watched in _SOURCES:
        name = f"community_{table}"
        same = _same(key, "old", "new")
        statements += [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} "
            f"BEGIN {add(row('new', '1', 'sqlite'))} END",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} "
            f"BEGIN {add(row('old', '-1', 'sqlite'))} END",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(watched)} ON {table} "
            f"WHEN NOT ({same}) "
            f"BEGIN {add(row('old', '-1', 'sqlite'))} {add(row('new', '1', 'sqlite'))} END",
            # Scoring only ever changes a row in place: one upsert of its difference.
            f"CREATE TRIGGER {name}_change AFTER UPDATE OF {', '.join(watched)} ON {table} "
            f"WHEN {same} AND ({_changed(watched, 'old', 'new')}) "
            f"BEGIN {add(change('old', 'new', 'sqlite'))} END",
        ]
    return statements


def _postgresql_triggers() -> list[str]:
    into = f"INSERT INTO community_activity_move ({', '.join(_COLUMNS)})"
    statements = []
    for table, key, row, change, watched in _SOURCES:
        name = f"community_{table}"
        statements += [
            f"""CREATE FUNCTION {name}_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND {_same(key, "OLD", "NEW")} THEN
    {into} VALUES ({change("OLD", "NEW", "postgresql")});
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    {into} VALUES ({row("OLD", "-1", "postgresql")});
  END IF;
  IF TG_OP <> 'DELETE' THEN
    {into} VALUES ({row("NEW", "1", "postgresql")});
  END IF;
  RETURN NULL;
END $$""",
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {name}_move()",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {name}_move()",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(watched)} ON {table} "
            f"FOR EACH ROW WHEN ({_changed(watched, 'OLD', 'NEW')}) "
            f"EXECUTE FUNCTION {name}_move()",
        ]
    return statements


def trigger_statements(dialect: str) -> list[str]:
    return _sqlite_triggers() if dialect == "sqlite" else _postgresql_triggers()


def drop_trigger_statements(dialect: str) -> list[str]:
    statements = []
    for table, *_ in _SOURCES:
        name = f"community_{table}"
        events = ("insert", "delete", "update") + (("change",) if dialect == "sqlite" else ())
        statements += triggers.drop_statements(dialect, name, table, f"{name}_move", events)
    return statements


def rebuild_statements(dialect: str) -> list[str]:
    """Count every day and week afresh (migration 0030, and bulk loads made with the
    triggers off, after `member_week`'s own rebuild), as SQL for `dialect`."""
    columns = ", ".join(_COLUMNS)
    return [
        "DELETE FROM community_activity_move",
        "DELETE FROM community_activity",
        f"INSERT INTO community_activity ({columns}) "
        "SELECT community_id, 'day', day, count(*), 0, sum(messages) FROM member_day "
        "GROUP BY community_id, day",
        f"INSERT INTO community_activity ({columns}) "
        f"SELECT community_id, 'week', week_start, sum({_int(dialect, 'days > 0')}), "
        f"sum({_int(dialect, f'days >= {CORE_DAYS}')}), sum(messages) FROM member_week "
        "GROUP BY community_id, week_start",
    ]


async def fold(session: AsyncSession, limit: int = 100_000) -> int:
    """Add PostgreSQL's pending moves into `community_activity`
    (`storage.triggers.fold_moves`); returns how many counts changed."""
    return await triggers.fold_moves(
        session,
        CommunityActivityMove.__table__,
        CommunityActivity.__table__,
        _KEY,
        _COUNTS,
        limit,
    )


def _statement() -> Any:
    parts = [
        select(table.period_start, table.members, table.core, table.messages).where(
            table.community_id == bindparam("community_id"),
            table.period == bindparam("period"),
            table.period_start >= bindparam("first"),
            table.period_start < bindparam("end"),
        )
        for table in (CommunityActivity.__table__.c, CommunityActivityMove.__table__.c)
    ]
    both = parts[0].union_all(parts[1]).subquery()
    return select(
        both.c.period_start,
        func.sum(both.c.members),
        func.sum(both.c.core),
        func.sum(both.c.messages),
    ).group_by(both.c.period_start)


_READ = _statement()


async def counts(
    session: AsyncSession, community_id: int, period: str, first: date, end: date
) -> dict[date, tuple[int, int, int]]:
    """(members, core, messages) of each day ("day") or week ("week", by its Monday) that
    starts in [first, end) and had any, the moves not yet folded added."""
    rows = await session.execute(
        _READ, {"community_id": community_id, "period": period, "first": first, "end": end}
    )
    return {
        start: (int(members or 0), int(core or 0), int(messages or 0))
        for start, members, core, messages in rows
    }
