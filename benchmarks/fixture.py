"""Fast fixtures written straight into a SQLite file whose schema came from `db.upgrade()`.

Nothing here goes through the core: rows are bulk-inserted with the `sqlite3` module
(`executemany` inside one transaction), and every aggregate the core maintains is computed
from the generated ledger in the same pass, so the file looks as if the core had ingested
that history: `member` counters (points, messages, solutions, kudos, active days, streak,
last scored message, rank), week and month rows of `member_total`, `member_day`, badges
already earned, and the `exclusion` rows behind excluded members. `check_consistency`
verifies totals and a sample of members against the ledger.

Values are written in the formats SQLAlchemy uses on SQLite (datetimes as naive UTC
``YYYY-MM-DD HH:MM:SS.ffffff``, dates as ``YYYY-MM-DD``, booleans as 0/1). No `ANALYZE`
is run: the core never runs it, so the planner sees what it would see in production.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

from benchmarks.workload import PLATFORM, author_weights, member_name, user_id
from bot.community import slug_for
from bot.config import Settings
from bot.features import badges, ranks
from storage.models import Member

CHUNK = 50_000
SLOTS = 1 << 12  # day / week / month indexes are packed with the member index in one int
EPOCH = datetime(1970, 1, 1)


def sql_datetime(value: datetime) -> str:
    """An aware datetime as SQLAlchemy's SQLite DateTime stores it (naive UTC)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def sql_timestamp(stamp: float) -> str:
    """A POSIX timestamp in the same format (much cheaper than going through `astimezone`)."""
    return (EPOCH + timedelta(seconds=stamp)).isoformat(" ", "microseconds")


def is_bot(index: int) -> bool:
    return index % 500 == 499


def is_excluded(index: int) -> bool:
    return index % 200 == 199


def connect(path: Path) -> sqlite3.Connection:
    """A connection tuned for one big write transaction, with nobody else on the file.

    No rollback journal while loading (a failed build is thrown away anyway); `close`
    puts the file back in WAL mode, as the core expects it.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA cache_size=-262144")  # 256 MiB
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


def close(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()


def create_community(
    conn: sqlite3.Connection, settings: Settings, space_id: str, created_at: datetime
) -> int:
    slug = slug_for(PLATFORM, space_id, settings)
    cursor = conn.execute(
        "INSERT INTO community (slug, created_at) VALUES (?, ?)", (slug, sql_datetime(created_at))
    )
    community_id = int(cursor.lastrowid or 0)
    conn.execute(
        "INSERT INTO platform_space (platform, space_id, community_id) VALUES (?, ?, ?)",
        (PLATFORM, space_id, community_id),
    )
    return community_id


@dataclass
class History:
    """What a generated ledger adds up to, per member index (0-based)."""

    members: int
    points: list[int] = field(default_factory=list)
    messages: list[int] = field(default_factory=list)
    solutions: list[int] = field(default_factory=list)
    kudos_received: list[int] = field(default_factory=list)
    kudos_given: list[int] = field(default_factory=list)
    last_scored: list[float | None] = field(default_factory=list)
    # (member index * SLOTS + day index) -> messages that day (0 for a reaction-only day).
    days: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("points", "messages", "solutions", "kudos_received", "kudos_given"):
            setattr(self, name, [0] * self.members)
        self.last_scored = [None] * self.members

    @functools.cached_property
    def activity(self) -> list[Activity]:
        """Each member's active days and streaks, as the core's day tracking leaves them.

        Read once the history is complete (the result is kept).
        """
        by_member: list[list[int]] = [[] for _ in range(self.members)]
        for key in sorted(self.days):
            by_member[key // SLOTS].append(key % SLOTS)
        result = [IDLE] * self.members
        for index, days in enumerate(by_member):
            if days:
                run = longest = 1
                for earlier, later in itertools.pairwise(days):
                    run = run + 1 if later - earlier == 1 else 1
                    longest = max(longest, run)
                result[index] = Activity(len(days), run, longest, days[-1])
        return result

    def member_view(self, index: int, activity: Activity, streak: int) -> Member:
        """The counters rank and badge rules read, for one member."""
        view = SimpleNamespace(
            points=self.points[index],
            messages=self.messages[index],
            solutions=self.solutions[index],
            kudos_received=self.kudos_received[index],
            kudos_given=self.kudos_given[index],
            active_days=activity.active_days,
            streak_days=streak,
            ideas_submitted=0,
            ideas_shipped=0,
            poll_votes=0,
        )
        return cast(Member, view)


@dataclass(frozen=True)
class Activity:
    active_days: int = 0
    streak: int = 0  # consecutive days ending on the last active day
    longest: int = 0  # the longest such run: what a streak badge was awarded on
    last_day: int | None = None  # calendar index


IDLE = Activity()


@dataclass
class Calendar:
    """The community-local days of a period, with each day's week and month."""

    starts: list[float]  # POSIX time at which each local day begins
    days: list[date]

    @classmethod
    def between(cls, tz: ZoneInfo, first: date, last: date) -> Calendar:
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return cls([datetime.combine(d, dtime(), tz).timestamp() for d in days], days)

    def index(self, stamp: float) -> int:
        return bisect.bisect_right(self.starts, stamp) - 1


MEMBER_INSERT = (
    "INSERT INTO member (id, community_id, origin, display_name, is_bot, excluded, joined_at,"
    " left_at, points, messages, solutions, kudos_received, kudos_given, ideas_submitted,"
    " ideas_shipped, poll_votes, active_days, streak_days, last_active_day,"
    " last_scored_message_at, rank)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def next_member_id(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM member").fetchone()[0])


def _member_rows(
    community_id: int,
    first_id: int,
    history: History,
    calendar: Calendar | None,
    joined: datetime,
    settings: Settings,
    flags: bool,
) -> Iterator[tuple[Any, ...]]:
    joined_text = sql_datetime(joined)
    activity = history.activity
    for index, act in enumerate(activity):
        last = history.last_scored[index]
        last_day = None
        if calendar is not None and act.last_day is not None:
            last_day = calendar.days[act.last_day].isoformat()
        view = history.member_view(index, act, act.streak)
        yield (
            first_id + index,
            community_id,
            f"{PLATFORM}:{user_id(index)}",  # the account the member was first seen as
            member_name(index),
            flags and is_bot(index),
            flags and is_excluded(index),
            joined_text,
            None,
            history.points[index],
            history.messages[index],
            history.solutions[index],
            history.kudos_received[index],
            history.kudos_given[index],
            0,
            0,
            0,
            act.active_days,
            act.streak,
            last_day,
            sql_timestamp(last) if last is not None else None,
            # What the core's rank review has already written for a member it has seen.
            ranks.rank_of(view, settings.ranks).name,
        )


def _insert_members(
    conn: sqlite3.Connection,
    community_id: int,
    history: History,
    calendar: Calendar | None,
    joined: datetime,
    settings: Settings,
    flags: bool,
) -> int:
    """Members `u000000`... with their identities; returns the id of the first one.

    With `flags`, one member in 500 is a bot and one in 200 is excluded by a moderator
    (with the `exclusion` row that `/admin exclude` leaves).
    """
    first_id = next_member_id(conn)
    conn.executemany(
        MEMBER_INSERT,
        _member_rows(community_id, first_id, history, calendar, joined, settings, flags),
    )
    conn.executemany(
        "INSERT INTO identity (community_id, platform, user_id, member_id) VALUES (?, ?, ?, ?)",
        ((community_id, PLATFORM, user_id(i), first_id + i) for i in range(history.members)),
    )
    if flags:
        conn.executemany(
            "INSERT INTO exclusion (community_id, kind, value, label) VALUES (?, ?, ?, ?)",
            (
                (community_id, "member", str(first_id + i), member_name(i))
                for i in range(history.members)
                if is_excluded(i)
            ),
        )
    return first_id


def seed_members(
    path: Path, settings: Settings, space_id: str, count: int, joined: datetime
) -> int:
    """A community with `count` known members and no history yet; returns its id."""
    conn = connect(path)
    try:
        conn.execute("BEGIN")
        community_id = create_community(conn, settings, space_id, joined)
        _insert_members(conn, community_id, History(count), None, joined, settings, flags=False)
        conn.execute("COMMIT")
    finally:
        close(conn)
    return community_id


@dataclass
class ScaleFixture:
    community_id: int
    space_id: str
    now: datetime
    members: int
    ledger_rows: int
    seconds: float
    # Indexes of members with points who are not excluded (callers and /rank targets).
    ranked: list[int]
    week_board: int
    month_board: int


class _Ledger:
    """Generates ledger rows in time order while adding them up into a `History`."""

    def __init__(
        self,
        settings: Settings,
        history: History,
        calendar: Calendar,
        community_id: int,
        first_id: int,
        begin: float,
        span: float,
        rows: int,
        seed: int,
    ) -> None:
        self.scoring = settings.scoring
        self.history = history
        self.calendar = calendar
        self.community_id = community_id
        self.first_id = first_id
        self.begin, self.span, self.rows = begin, span, rows
        self.rng = random.Random(seed)
        self.eligible = [i for i in range(history.members) if not is_bot(i)]
        self.rng.shuffle(self.eligible)  # busy members are spread over the id range
        self.cumulative = list(itertools.accumulate(author_weights(len(self.eligible))))
        weeks = [d - timedelta(days=d.weekday()) for d in calendar.days]
        months = [d.replace(day=1) for d in calendar.days]
        self.week_list = sorted(set(weeks))
        self.month_list = sorted(set(months))
        self.week_of = [self.week_list.index(w) for w in weeks]
        self.month_of = [self.month_list.index(m) for m in months]
        # (member index * SLOTS + week or month index) -> points
        self.weeks: dict[int, int] = {}
        self.months: dict[int, int] = {}
        self.last_message = 0

    def chunk(self, start: int, stop: int) -> Iterator[tuple[Any, ...]]:
        h, s, rng, prefix = self.history, self.scoring, self.rng, PLATFORM
        authors = rng.choices(self.eligible, cum_weights=self.cumulative, k=stop - start)
        actors = rng.choices(self.eligible, cum_weights=self.cumulative, k=stop - start)
        step = self.span / self.rows
        for offset, index in enumerate(authors):
            n = start + offset
            stamp = self.begin + (n + rng.random()) * step
            day = self.calendar.index(stamp)
            roll = rng.random()
            actor: int | None = None
            if roll < 0.80:
                kind = "message"
                self.last_message = n
                last = h.last_scored[index]
                cooled = last is None or stamp - last >= s.message_cooldown_seconds
                points = s.message_points if cooled and not is_excluded(index) else 0
                h.messages[index] += 1
                if points:
                    h.last_scored[index] = stamp
                h.days[index * SLOTS + day] = h.days.get(index * SLOTS + day, 0) + 1
                key = f"{prefix}:msg:m{n:08d}"
                ref = f"{prefix}:m{n:08d}"
            else:
                actor = actors[offset]
                if actor == index:
                    actor = self.eligible[(offset * 7919) % len(self.eligible)]
                ref = f"{prefix}:m{self.last_message:08d}"
                if roll < 0.95:
                    kind, points = "reaction", s.reaction_points
                    key = f"{prefix}:react:m{self.last_message:08d}:{actor}:{n}"
                    h.days.setdefault(actor * SLOTS + day, 0)
                elif roll < 0.99:
                    kind, points = "kudos", s.kudos_points
                    key = f"{prefix}:kudos:i{n:08d}"
                    h.kudos_received[index] += 1
                    h.kudos_given[actor] += 1
                else:
                    kind, points = "solution", s.solution_points
                    key = f"{prefix}:solution:i{n:08d}"
                    h.solutions[index] += 1
                if is_excluded(index):
                    points = 0
            if points:
                h.points[index] += points
                week = index * SLOTS + self.week_of[day]
                self.weeks[week] = self.weeks.get(week, 0) + points
                month = index * SLOTS + self.month_of[day]
                self.months[month] = self.months.get(month, 0) + points
            yield (
                n + 1,
                self.community_id,
                self.first_id + index,
                kind,
                points,
                key,
                sql_timestamp(stamp),
                f"c{n % 3}",
                ref,
                None if actor is None else self.first_id + actor,
                None,
                None,
            )

    def totals(self) -> Iterator[tuple[Any, ...]]:
        for period, starts, totals in (
            ("week", self.week_list, self.weeks),
            ("month", self.month_list, self.months),
        ):
            # In primary-key order: appending to a B-tree beats inserting at random places.
            for key in sorted(totals, key=lambda k: (k % SLOTS, k)):
                index, slot = divmod(key, SLOTS)
                points = totals[key]
                yield (
                    self.community_id,
                    period,
                    starts[slot].isoformat(),
                    self.first_id + index,
                    points,
                )


def build_scale(
    path: Path,
    settings: Settings,
    *,
    space_id: str,
    members: int,
    ledger_rows: int,
    now: datetime,
    days: int,
    seed: int,
) -> ScaleFixture:
    """A community of `members` members with `ledger_rows` ledger rows over `days` days."""
    started = time.perf_counter()
    tz = ZoneInfo(settings.defaults.timezone)
    begin = now - timedelta(days=days)
    calendar = Calendar.between(
        tz, begin.astimezone(tz).date() - timedelta(days=1), now.astimezone(tz).date()
    )
    history = History(members)
    conn = connect(path)
    conn.execute("BEGIN")
    community_id = create_community(conn, settings, space_id, begin - timedelta(days=30))
    first_id = next_member_id(conn)  # ledger rows are written before the members
    # Secondary indexes are dropped during the load and rebuilt afterwards (one sort is
    # much faster than a million random index insertions); their SQL comes from the schema.
    indexes = list(
        conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('contribution', 'member', 'member_total', 'member_day')"
        )
    )
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')

    ledger = _Ledger(
        settings,
        history,
        calendar,
        community_id,
        first_id,
        begin.timestamp(),
        (now - begin).total_seconds(),
        ledger_rows,
        seed,
    )
    for start in range(0, ledger_rows, CHUNK):
        conn.executemany(
            "INSERT INTO contribution (id, community_id, member_id, kind, points, source_key,"
            " occurred_at, channel_id, message_ref, actor_id, reason, reverses_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ledger.chunk(start, min(ledger_rows, start + CHUNK)),
        )
    joined = begin - timedelta(days=30)
    inserted = _insert_members(conn, community_id, history, calendar, joined, settings, True)
    assert inserted == first_id
    conn.executemany(
        "INSERT INTO member_total (community_id, period, period_start, member_id, points)"
        " VALUES (?, ?, ?, ?, ?)",
        ledger.totals(),
    )
    day_text = [d.isoformat() for d in calendar.days]
    conn.executemany(
        "INSERT INTO member_day (member_id, day, community_id, messages) VALUES (?, ?, ?, ?)",
        (
            (first_id + key // SLOTS, day_text[key % SLOTS], community_id, history.days[key])
            for key in sorted(history.days)
        ),
    )
    # Badges are never taken back: each one the history earned at some point is held.
    awarded = sql_datetime(now)
    conn.executemany(
        "INSERT INTO member_badge (member_id, badge, community_id, awarded_at) VALUES (?, ?, ?, ?)",
        (
            (first_id + index, badge.key, community_id, awarded)
            for index, act in enumerate(history.activity)
            for badge in badges.earned(
                history.member_view(index, act, act.longest), settings.badges, set()
            )
        ),
    )
    for _name, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    close(conn)

    local = now.astimezone(tz).date()
    week_slot = ledger.week_list.index(local - timedelta(days=local.weekday()))
    month_slot = ledger.month_list.index(local.replace(day=1))
    return ScaleFixture(
        community_id=community_id,
        space_id=space_id,
        now=now,
        members=members,
        ledger_rows=ledger_rows,
        seconds=time.perf_counter() - started,
        ranked=[i for i in range(members) if history.points[i] > 0 and not is_excluded(i)],
        week_board=sum(1 for key in ledger.weeks if key % SLOTS == week_slot),
        month_board=sum(1 for key in ledger.months if key % SLOTS == month_slot),
    )


def check_consistency(
    path: Path, community_id: int, sample: int = 200, periods: bool = True
) -> list[str]:
    """Problems found comparing maintained aggregates with the ledger (empty when none).

    Checks the community's total and, for a sample of members, their points against the
    ledger and (with `periods`) against the sum of their week and of their month totals.
    """
    conn = sqlite3.connect(path)
    problems: list[str] = []
    try:
        ledger_total, member_total = conn.execute(
            "SELECT (SELECT coalesce(sum(points), 0) FROM contribution WHERE community_id = ?),"
            " (SELECT coalesce(sum(points), 0) FROM member WHERE community_id = ?)",
            (community_id, community_id),
        ).fetchone()
        if ledger_total != member_total:
            problems.append(f"ledger sum {ledger_total} != members' points {member_total}")
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM member WHERE community_id = ? ORDER BY random() LIMIT ?",
                (community_id, sample),
            )
        ]
        starts = {
            period: [
                row[0]
                for row in conn.execute(
                    "SELECT DISTINCT period_start FROM member_total"
                    " WHERE community_id = ? AND period = ?",
                    (community_id, period),
                )
            ]
            for period in ("week", "month")
        }
        for member_id in ids:
            stored, summed = conn.execute(
                "SELECT points, (SELECT coalesce(sum(points), 0) FROM contribution"
                " WHERE member_id = ?) FROM member WHERE id = ?",
                (member_id, member_id),
            ).fetchone()
            by_period = []
            for period, period_starts in starts.items():
                marks = ", ".join("?" * len(period_starts)) or "NULL"
                (total,) = conn.execute(
                    "SELECT coalesce(sum(points), 0) FROM member_total WHERE community_id = ?"
                    f" AND period = ? AND period_start IN ({marks}) AND member_id = ?",
                    (community_id, period, *period_starts, member_id),
                ).fetchone()
                by_period.append(total)
            if stored != summed or (periods and not stored == by_period[0] == by_period[1]):
                problems.append(
                    f"member {member_id}: points {stored}, ledger {summed},"
                    f" weeks {by_period[0]}, months {by_period[1]}"
                )
    finally:
        conn.close()
    return problems
