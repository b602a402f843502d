"""The question tally: questions counted by the hour they were asked in, their help
channel and how long their first response took, kept by database triggers.

A digest's responsiveness (and `/admin stats`) read every question of two periods, grouped
them by channel and sorted their response times for the median: at a million questions
a week, two seconds a period. From `question_tally` a period's whole hours are a few
thousand rows; only the questions of a partial hour at either end (a time zone that is
not a whole number of hours from UTC) and those in the bucket that holds a median are
read one by one (`storage.metrics.responsiveness`).

The buckets are whole seconds, `(low, high]`: ten seconds wide up to a minute, a minute
wide up to an hour, ten minutes wide up to a day, an hour wide up to thirty days, then one
for the rest (finer buckets make more rows per hour; wider ones more questions to read
for a median). A target of a
whole number of hours (`responsiveness.target_hours`, 1 to 720) is always the upper end of
a bucket, so "answered within the target" is a sum of buckets. -1 holds the questions with
no response yet.

Triggers on `question` count every change, whoever writes it: a question recorded or
forgotten, a first response found (or an earlier one), a solution accepted. As for the
board counts (`storage.standings`), SQLite's triggers update the tally at once (one writer
at a time); PostgreSQL's append signed moves to `question_tally_move`, which concurrent
writers never wait on, and `fold` adds them in; readers add both.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, case, delete, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage import triggers
from storage.dialect import dialect_insert
from storage.models.questions import Question, QuestionTally, QuestionTallyMove

UNANSWERED = -1
# (upper end, exclusive, of `seconds - 1` in this band; the band's bucket width)
_BANDS = ((60, 10), (3_600, 60), (86_400, 600), (30 * 86_400, 3_600))
_COLUMNS = ("community_id", "hour", "channel", "bucket", "questions", "solved")
_KEY = _COLUMNS[:4]


def bucket(seconds: int) -> int:
    """The bucket of a response `seconds` after its question."""
    value, first, start = max(seconds - 1, 0), 0, 0
    for upto, width in _BANDS:
        if value < upto:
            return first + (value - start) // width
        first, start = first + (upto - start) // width, upto
    return first


LAST_BUCKET = bucket(10**12)


def seconds_of(number: int) -> tuple[int, int | None]:
    """The response times a bucket holds: (lowest, highest), inclusive; None: no end."""
    first, start = 0, 0
    for upto, width in _BANDS:
        count = (upto - start) // width
        if number < first + count:
            low = start + (number - first) * width
            return (0 if number == 0 else low + 1, low + width)
        first, start = first + count, upto
    return start + 1, None


def bucket_sql(seconds: str) -> str:
    """`bucket` as SQL over the integer expression `seconds` (NULL: unanswered)."""
    parts = [f"WHEN {seconds} IS NULL THEN {UNANSWERED}", f"WHEN {seconds} < 1 THEN 0"]
    first, start = 0, 0
    for upto, width in _BANDS:
        parts.append(
            f"WHEN {seconds} - 1 < {upto} THEN {first} + ({seconds} - 1 - {start}) / {width}"
        )
        first, start = first + (upto - start) // width, upto
    return f"CASE {' '.join(parts)} ELSE {first} END"


def channel_of(table: type[Question] | None = None) -> ColumnElement[str]:
    """A question's channel key: its help channel's name, lower-cased, or ""."""
    q = (table or Question).__table__.c
    return case((q.in_help_channel, func.lower(q.channel_name)), else_=literal(""))


def _channel_sql(row: str) -> str:
    return f"CASE WHEN {row}.in_help_channel THEN lower({row}.channel_name) ELSE '' END"


def _values(row: str, sign: int, dialect: str) -> str:
    if dialect == "sqlite":
        hour = f"strftime('%Y-%m-%d %H:00:00.000000', {row}.asked_at)"
        solved = f"{row}.solved_at IS NOT NULL"
    else:
        hour = f"date_trunc('hour', {row}.asked_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
        solved = f"({row}.solved_at IS NOT NULL)::int"
    return (
        f"{row}.community_id, {hour}, {_channel_sql(row)}, "
        f"{bucket_sql(f'{row}.response_seconds')}, {sign}, {sign} * ({solved})"
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
    sqlite = dialect == "sqlite"
    hour = (
        "strftime('%Y-%m-%d %H:00:00.000000', asked_at)"
        if sqlite
        else "date_trunc('hour', asked_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    )
    solved = "solved_at IS NOT NULL" if sqlite else "(solved_at IS NOT NULL)::int"
    return [
        "DELETE FROM question_tally_move",
        "DELETE FROM question_tally",
        f"INSERT INTO question_tally ({', '.join(_COLUMNS)}) "
        f"SELECT community_id, {hour}, {_channel_sql('question')}, "
        f"{bucket_sql('response_seconds')}, count(*), sum({solved}) FROM question "
        "GROUP BY 1, 2, 3, 4",
    ]


def create(connection: Connection) -> None:
    """Count what is there, then keep counting (migration 0025)."""
    dialect = connection.dialect.name
    triggers.run(connection, [*rebuild_statements(dialect), *trigger_statements(dialect)])


def drop(connection: Connection) -> None:
    triggers.run(connection, drop_trigger_statements(connection.dialect.name))


async def fold(session: AsyncSession, limit: int = 100_000) -> int:
    """Add PostgreSQL's pending moves into `question_tally`, in key order (moves another
    fold is taking are left to it); returns how many tally rows changed."""
    if session.get_bind().dialect.name == "sqlite":
        return 0
    m = QuestionTallyMove.__table__.c
    taken = select(m.id).order_by(m.id).limit(limit).with_for_update(skip_locked=True)
    moved = (
        delete(QuestionTallyMove)
        .where(m.id.in_(taken.scalar_subquery()))
        .returning(*(m[name] for name in _COLUMNS))
        .cte("moved")
    )
    keys = [moved.c[name] for name in _KEY]
    summed = (
        select(*keys, func.sum(moved.c.questions).label("q"), func.sum(moved.c.solved).label("s"))
        .group_by(*keys)
        .order_by(*keys)
    )
    t = QuestionTally.__table__.c
    upsert = dialect_insert(session, QuestionTally.__table__).from_select(_COLUMNS, summed)
    upsert = upsert.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={
            "questions": t.questions + upsert.excluded.questions,
            "solved": t.solved + upsert.excluded.solved,
        },
    )
    return int((await session.execute(upsert)).rowcount or 0)


def hours_statement():  # type: ignore[no-untyped-def]
    """(channel, bucket, questions, solved) of one community's hours [:first, :end), the
    moves not yet folded added."""
    parts = [
        select(
            table.channel, table.bucket, table.questions.label("q"), table.solved.label("s")
        ).where(
            table.community_id == bindparam("community_id"),
            table.hour >= bindparam("first", type_=Question.__table__.c.asked_at.type),
            table.hour < bindparam("end", type_=Question.__table__.c.asked_at.type),
        )
        for table in (QuestionTally.__table__.c, QuestionTallyMove.__table__.c)
    ]
    both = parts[0].union_all(parts[1]).subquery()
    return select(both.c.channel, both.c.bucket, func.sum(both.c.q), func.sum(both.c.s)).group_by(
        both.c.channel, both.c.bucket
    )
