"""The question tally: questions counted by the hour they were asked in, their help
channel and how long their first response took, kept by database triggers.

A digest's responsiveness (and `/admin stats`) read every question of two periods, grouped
them by channel and sorted their response times for the median: at a million questions
a week, two seconds a period. From `question_tally` a period's whole hours are a few
thousand rows; only the questions of a partial hour at either end (a time zone that is
not a whole number of hours from UTC) and those in the bucket that holds a median are
read one by one (`storage.metrics.responsiveness`).

The buckets are those of `storage.response_buckets`: "answered within the target" is a
sum of buckets.

Triggers on `question` count every change, whoever writes it: a question recorded or
forgotten, a first response found (or an earlier one), a solution accepted. As for the
board counts (`storage.standings`), SQLite's triggers update the tally at once (one writer
at a time); PostgreSQL's append signed moves to `question_tally_move`, which concurrent
writers never wait on, and `fold` adds them in; readers add both.
"""

from __future__ import annotations

from sqlalchemy import Integer, bindparam, case, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage import triggers
from storage.models.questions import Question, QuestionTally, QuestionTallyMove
from storage.response_buckets import bucket_sql

TABLES = ("question_tally",)
_COLUMNS = ("community_id", "hour", "channel", "bucket", "questions", "solved")
_KEY = _COLUMNS[:4]


def response_bucket() -> ColumnElement[int]:
    """A question's bucket, written exactly as `ix_question_bucket` indexes it (a
    database uses an index on an expression only for that same expression)."""
    return literal_column(bucket_sql("response_seconds"), Integer())


def channel_of(table: type[Question] | None = None) -> ColumnElement[str]:
    """A question's channel key: its help channel's name, lower-cased, or ""."""
    q = (table or Question).__table__.c
    return case((q.in_help_channel, func.lower(q.channel_name)), else_=literal(""))


def _channel_sql(row: str) -> str:
    return f"CASE WHEN {row}.in_help_channel THEN lower({row}.channel_name) ELSE '' END"


def _hour_sql(dialect: str, asked_at: str) -> str:
    """The UTC hour `asked_at` falls in, as the column stores it."""
    if dialect == "sqlite":
        return f"strftime('%Y-%m-%d %H:00:00.000000', {asked_at})"
    return f"date_trunc('hour', {asked_at} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"


def _solved_sql(dialect: str, solved_at: str) -> str:
    """1 for a solved question, else 0."""
    solved = f"{solved_at} IS NOT NULL"
    return solved if dialect == "sqlite" else f"({solved})::int"


def _values(row: str, sign: int, dialect: str) -> str:
    return (
        f"{row}.community_id, {_hour_sql(dialect, f'{row}.asked_at')}, {_channel_sql(row)}, "
        f"{bucket_sql(f'{row}.response_seconds')}, {sign}, "
        f"{sign} * ({_solved_sql(dialect, f'{row}.solved_at')})"
    )


_WATCHED = "asked_at, in_help_channel, channel_name, response_seconds, solved_at"


def _changed(old: str, new: str) -> str:
    return " OR ".join(
        f"{old}.{column} IS NOT {new}.{column}"
        if column != "solved_at"
        else f"({old}.solved_at IS NULL) <> ({new}.solved_at IS NULL)"
        for column in _WATCHED.split(", ")
    )


def _sqlite_triggers() -> list[str]:
    def add(row: str, sign: int) -> str:
        return (
            f"INSERT INTO question_tally ({', '.join(_COLUMNS)}) "
            f"VALUES ({_values(row, sign, 'sqlite')}) "
            f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
            "questions = questions + excluded.questions, solved = solved + excluded.solved;"
        )

    return [
        f"CREATE TRIGGER question_tally_insert AFTER INSERT ON question BEGIN {add('new', 1)} END",
        f"CREATE TRIGGER question_tally_delete AFTER DELETE ON question BEGIN {add('old', -1)} END",
        f"CREATE TRIGGER question_tally_update AFTER UPDATE OF {_WATCHED} ON question "
        f"WHEN {_changed('old', 'new')} BEGIN {add('old', -1)} {add('new', 1)} END",
    ]


def _postgresql_triggers() -> list[str]:
    into = f"INSERT INTO question_tally_move ({', '.join(_COLUMNS)})"
    changed = _changed("OLD", "NEW").replace(" IS NOT ", " IS DISTINCT FROM ")
    return [
        f"""CREATE FUNCTION question_tally_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    {into} VALUES ({_values("OLD", -1, "postgresql")});
  END IF;
  IF TG_OP <> 'DELETE' THEN
    {into} VALUES ({_values("NEW", 1, "postgresql")});
  END IF;
  RETURN NULL;
END $$""",
        "CREATE TRIGGER question_tally_insert AFTER INSERT ON question FOR EACH ROW "
        "EXECUTE FUNCTION question_tally_move()",
        "CREATE TRIGGER question_tally_delete AFTER DELETE ON question FOR EACH ROW "
        "EXECUTE FUNCTION question_tally_move()",
        f"CREATE TRIGGER question_tally_update AFTER UPDATE OF {_WATCHED} ON question "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION question_tally_move()",
    ]


def trigger_statements(dialect: str) -> list[str]:
    return _sqlite_triggers() if dialect == "sqlite" else _postgresql_triggers()


def drop_trigger_statements(dialect: str) -> list[str]:
    return triggers.drop_statements(dialect, "question_tally", "question", "question_tally_move")


def rebuild_statements(dialect: str) -> list[str]:
    """Count every question afresh (migration 0025, and bulk loads made with the triggers
    off), as SQL for `dialect`."""
    return [
        "DELETE FROM question_tally_move",
        "DELETE FROM question_tally",
        f"INSERT INTO question_tally ({', '.join(_COLUMNS)}) "
        f"SELECT community_id, {_hour_sql(dialect, 'asked_at')}, {_channel_sql('question')}, "
        f"{bucket_sql('response_seconds')}, count(*), "
        f"sum({_solved_sql(dialect, 'solved_at')}) FROM question GROUP BY 1, 2, 3, 4",
    ]


async def fold(session: AsyncSession, limit: int = 100_000) -> int:
    """Add PostgreSQL's pending moves into `question_tally` (`storage.triggers.fold_moves`);
    returns how many tally rows changed."""
    return await triggers.fold_moves(
        session,
        QuestionTallyMove.__table__,
        QuestionTally.__table__,
        _KEY,
        _COLUMNS[len(_KEY) :],
        limit,
    )


def hours_statement():  # type: ignore[no-untyped-def]
    """(channel, bucket, questions, solved) of one community's hours [:first, :end), the
    moves not yet folded added."""
    parts = [
        select(
            table.channel, table.bucket, table.questions.label("q"), table.solved.label("s")
        ).where(
            table.community_id == bindparam("community_id"),
            table.hour >= bindparam("first"),
            table.hour < bindparam("end"),
        )
        for table in (QuestionTally.__table__.c, QuestionTallyMove.__table__.c)
    ]
    both = parts[0].union_all(parts[1]).subquery()
    return select(both.c.channel, both.c.bucket, func.sum(both.c.q), func.sum(both.c.s)).group_by(
        both.c.channel, both.c.bucket
    )
