"""`member_week`: each member's active days and messages per week, kept from `member_day`
by database triggers.

A week's participation shape (members active, core contributors among them, messages)
grouped every `member_day` row of the week by member: at a million members, three
million rows sorted, two seconds a week, and the digest reads two weeks. Added up per
week as the days are written, the same numbers are one row per active member, read from a
range of its key (and each week's counts, `storage.community_activity`, are added up from
these rows by triggers of their own). Triggers keep it whoever writes `member_day`
(scoring, a merge of two members, erasure). A member's row is written only with their own
days, so concurrent writers meet on it no more than on the days themselves: both
databases upsert it directly.

Weeks are Monday to Monday in community days, as `member_day` counts days and as the
week's board (`member_total`) does; another period is still read from `member_day`.
"""

from __future__ import annotations

from datetime import date, timedelta

from storage import triggers

TABLES = ("member_week",)
_COLUMNS = "community_id, week_start, member_id, days, messages"


def is_week(start: date, end: date) -> bool:
    """Whether [start, end) is one of the weeks `member_week` holds."""
    return start.weekday() == 0 and end - start == timedelta(days=7)


def _week(dialect: str, day: str) -> str:
    if dialect == "sqlite":
        return f"date({day}, '-6 days', 'weekday 1')"
    return f"date_trunc('week', {day}::timestamp)::date"


def _add(dialect: str, row: str, sign: int) -> str:
    return (
        f"INSERT INTO member_week ({_COLUMNS}) VALUES ({row}.community_id, "
        f"{_week(dialect, f'{row}.day')}, {row}.member_id, {sign}, {sign} * {row}.messages) "
        "ON CONFLICT (community_id, week_start, member_id) DO UPDATE SET "
        "days = member_week.days + excluded.days, "
        "messages = member_week.messages + excluded.messages;"
    )


def _more_messages(dialect: str, old: str, new: str) -> str:
    return (
        f"UPDATE member_week SET messages = messages + {new}.messages - {old}.messages "
        f"WHERE community_id = {new}.community_id AND week_start = "
        f"{_week(dialect, f'{new}.day')} AND member_id = {new}.member_id;"
    )


def trigger_statements(dialect: str) -> list[str]:
    # Scoring only ever adds messages to a day: one update of the week's row, rather than
    # taking the old day off and adding the new one (a merge or a day moved).
    same = "old.member_id = new.member_id AND old.day = new.day"
    moved = "old.member_id <> new.member_id OR old.day <> new.day"
    if dialect == "sqlite":
        return [
            "CREATE TRIGGER member_week_insert AFTER INSERT ON member_day "
            f"BEGIN {_add(dialect, 'new', 1)} END",
            "CREATE TRIGGER member_week_delete AFTER DELETE ON member_day "
            f"BEGIN {_add(dialect, 'old', -1)} END",
            "CREATE TRIGGER member_week_update AFTER UPDATE OF member_id, day, messages "
            f"ON member_day WHEN {moved} "
            f"BEGIN {_add(dialect, 'old', -1)} {_add(dialect, 'new', 1)} END",
            "CREATE TRIGGER member_week_messages AFTER UPDATE OF messages ON member_day "
            f"WHEN {same} AND old.messages <> new.messages "
            f"BEGIN {_more_messages(dialect, 'old', 'new')} END",
        ]
    return [
        f"""CREATE FUNCTION member_week_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.member_id = NEW.member_id AND OLD.day = NEW.day THEN
    {_more_messages(dialect, "OLD", "NEW")}
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    {_add(dialect, "OLD", -1)}
  END IF;
  IF TG_OP <> 'DELETE' THEN
    {_add(dialect, "NEW", 1)}
  END IF;
  RETURN NULL;
END $$""",
        "CREATE TRIGGER member_week_insert AFTER INSERT ON member_day FOR EACH ROW "
        "EXECUTE FUNCTION member_week_add()",
        "CREATE TRIGGER member_week_delete AFTER DELETE ON member_day FOR EACH ROW "
        "EXECUTE FUNCTION member_week_add()",
        "CREATE TRIGGER member_week_update AFTER UPDATE OF member_id, day, messages "
        "ON member_day FOR EACH ROW WHEN "
        "(OLD.member_id <> NEW.member_id OR OLD.day <> NEW.day OR OLD.messages <> NEW.messages) "
        "EXECUTE FUNCTION member_week_add()",
    ]


def drop_trigger_statements(dialect: str) -> list[str]:
    return triggers.drop_statements(
        dialect,
        "member_week",
        "member_day",
        "member_week_add",
        ("insert", "delete", "update", "messages"),
    )


def rebuild_statements(dialect: str) -> list[str]:
    """Add up every week afresh (migration 0026, and bulk loads made with the triggers
    off)."""
    return [
        "DELETE FROM member_week",
        f"INSERT INTO member_week ({_COLUMNS}) "
        f"SELECT community_id, {_week(dialect, 'day')}, member_id, count(*), "
        "sum(messages) FROM member_day GROUP BY 1, 2, 3",
    ]
