"""Fast fixtures written straight into a database whose schema came from `db.upgrade()`.

Nothing here goes through the core: rows are bulk-written by a loader
(`benchmarks.loaders`: `executemany` on SQLite, `COPY` on PostgreSQL, one transaction
either way), and every aggregate the core maintains is computed from the generated ledger
in the same pass, so the database looks as if the core had ingested that history: `member`
counters (points, messages, solutions, kudos, active days, streak, last scored message,
rank), week and month rows of `member_total` and `message_total`, `member_day`, the rank
history (`rank_change`: each promotion dated in the week it happened), badges already
earned, and the `exclusion` rows behind excluded members. The same generators feed both
backends, so the two hold the same community. `benchmarks.checks.check_consistency` verifies totals
and a sample of members against the ledger.

Values are generated in the formats SQLAlchemy uses on SQLite (datetimes as naive UTC
``YYYY-MM-DD HH:MM:SS.ffffff``, dates as ``YYYY-MM-DD``, booleans as Python booleans);
PostgreSQL reads the same text in a UTC session. On SQLite no `ANALYZE` is run (the core
never runs it, so the planner sees what it would see in production); on PostgreSQL the
loader vacuums and analyzes, as autovacuum would have long before a community grew there.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import resource
import sys
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

from benchmarks.loaders import Loader, open_loader
from benchmarks.workload import PLATFORM, author_weights, member_name, user_id
from bot.community import slug_for
from bot.config import Settings
from bot.features import badges, ranks
from storage.counters import MEMBER_COUNTERS
from storage.ledger import LEDGER_COLUMNS
from storage.models import Member

CHUNK = 50_000
EPOCH = datetime(1970, 1, 1)
NO_TIME = -1.0
DAY_MARKS = (1 << 16) - 1  # `History.days` holds 16-bit marks


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


def create_community(
    loader: Loader, settings: Settings, space_id: str, created_at: datetime
) -> int:
    slug = slug_for(PLATFORM, space_id, settings)
    loader.insert("community", ("slug", "created_at"), [(slug, sql_datetime(created_at))])
    community_id = int(loader.scalar("SELECT id FROM community WHERE slug = ?", slug))
    loader.insert(
        "platform_space",
        ("platform", "space_id", "community_id"),
        [(PLATFORM, space_id, community_id)],
    )
    return community_id


# The member counters a generated ledger adds up, one list per counter in `History`.
SUMMED = ("points", "messages", "solutions", "kudos_received", "kudos_given")


def zeros(typecode: str, length: int) -> array[Any]:
    return array(typecode, bytes(array(typecode).itemsize * length))


@dataclass
class History:
    """What a generated ledger adds up to, per member index (0-based).

    Everything is kept in flat arrays of machine numbers, not dicts or lists of Python
    ints: at a million members and ten million rows, the builder stays within a few
    hundred MiB.
    """

    members: int
    day_count: int = 0  # calendar days tracked (see `days`)
    points: array[int] = field(default_factory=lambda: array("q"))
    messages: array[int] = field(default_factory=lambda: array("q"))
    solutions: array[int] = field(default_factory=lambda: array("q"))
    kudos_received: array[int] = field(default_factory=lambda: array("q"))
    kudos_given: array[int] = field(default_factory=lambda: array("q"))
    # The POSIX time of each member's last scored message, NO_TIME for none.
    last_scored: array[float] = field(default_factory=lambda: array("d"))
    # [member index * day_count + day index]: 0 for a day without activity, else 1 + the
    # messages posted that day (1 for a reaction-only day).
    days: array[int] = field(default_factory=lambda: array("H"))

    def __post_init__(self) -> None:
        for name in SUMMED:
            setattr(self, name, zeros("q", self.members))
        self.last_scored = array("d", [NO_TIME]) * self.members
        self.days = zeros("H", self.members * self.day_count)

    def active(self, index: int) -> list[int]:
        """The day indexes a member was active on, in order."""
        base = index * self.day_count
        row = self.days[base : base + self.day_count]
        return [day for day, mark in enumerate(row) if mark]

    @functools.cached_property
    def activity(self) -> list[Activity]:
        """Each member's active days and streaks, as the core's day tracking leaves them.

        Read once the history is complete (the result is kept).
        """
        result = [IDLE] * self.members
        for index in range(self.members):
            days = self.active(index)
            if days:
                run = longest = 1
                for earlier, later in itertools.pairwise(days):
                    run = run + 1 if later - earlier == 1 else 1
                    longest = max(longest, run)
                result[index] = Activity(len(days), run, longest, days[-1])
        return result

    def counters(self, index: int, activity: Activity, streak: int) -> tuple[int, ...]:
        """One member's counters, in `MEMBER_COUNTERS` order: the sums of the generated
        ledger, the active-day tracking's, and 0 for what it never holds (ideas, polls)."""
        days = {"active_days": activity.active_days, "streak_days": streak}
        return tuple(
            getattr(self, name)[index] if name in SUMMED else days.get(name, 0)
            for name in MEMBER_COUNTERS
        )

    def member_view(self, index: int, activity: Activity, streak: int) -> Member:
        """The counters rank and badge rules read, for one member."""
        return counter_view(self.counters(index, activity, streak))


def counter_view(counters: tuple[int, ...]) -> Member:
    """A stand-in for a member row holding only its counters (`MEMBER_COUNTERS` order)."""
    return cast(Member, SimpleNamespace(**dict(zip(MEMBER_COUNTERS, counters, strict=True))))


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


MEMBER_COLUMNS = (
    "id",
    "community_id",
    "origin",
    "display_name",
    "is_bot",
    "excluded",
    "hidden",
    "visibility",
    "joined_at",
    "left_at",
    *MEMBER_COUNTERS,
    "last_active_day",
    "last_scored_message_at",
    "rank",
    "rank_floor",
)
CONTRIBUTION_COLUMNS = ("id", *LEDGER_COLUMNS)


def next_member_id(loader: Loader) -> int:
    return int(loader.scalar("SELECT coalesce(max(id), 0) + 1 FROM member"))


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
        counters = history.counters(index, act, act.streak)
        yield (
            first_id + index,
            community_id,
            f"{PLATFORM}:{user_id(index)}",  # the account the member was first seen as
            member_name(index),
            flags and is_bot(index),
            flags and is_excluded(index),
            False,  # every member is on the boards (no one chose to be hidden)
            None,
            joined_text,
            None,
            *counters,
            last_day,
            sql_timestamp(last) if last != NO_TIME else None,
            # What the core's rank review has already written for a member it has seen.
            ranks.rank_of(counter_view(counters), settings.ranks).name,
            None,  # no rank kept from another bot
        )


def _insert_members(
    loader: Loader,
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
    first_id = next_member_id(loader)
    loader.insert(
        "member",
        MEMBER_COLUMNS,
        _member_rows(community_id, first_id, history, calendar, joined, settings, flags),
    )
    loader.insert(
        "identity",
        ("community_id", "platform", "user_id", "member_id"),
        ((community_id, PLATFORM, user_id(i), first_id + i) for i in range(history.members)),
    )
    if flags:
        loader.insert(
            "exclusion",
            ("community_id", "kind", "value", "label"),
            (
                (community_id, "member", str(first_id + i), member_name(i))
                for i in range(history.members)
                if is_excluded(i)
            ),
        )
    return first_id


def seed_members(url: str, settings: Settings, space_id: str, count: int, joined: datetime) -> int:
    """A community with `count` known members and no history yet; returns its id."""
    with open_loader(url) as loader:
        community_id = create_community(loader, settings, space_id, joined)
        _insert_members(loader, community_id, History(count), None, joined, settings, flags=False)
        loader.commit()
    return community_id


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@dataclass
class ScaleFixture:
    community_id: int
    space_id: str
    now: datetime
    members: int
    ledger_rows: int
    seconds: float
    # Indexes of members with points who are not excluded (callers and /rank targets), as
    # machine ints: at 1M members a list of Python ints would weigh on the core's memory.
    ranked: array[int]
    week_board: int
    month_board: int
    peak_rss_mib: float = 0.0  # of the process that built it


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
        # [member index * weeks (months) + week (month) index] -> points, and per week the
        # kudos received and accepted solutions.
        members, week_count = history.members, len(self.week_list)
        self.weeks = zeros("i", members * week_count)
        self.months = zeros("i", members * len(self.month_list))
        self.week_kudos = zeros("I", members * week_count)
        self.week_solutions = zeros("I", members * week_count)
        self.last_message = 0
        # Reaction awards in runs of one message, week and month (reactions go to the last
        # message, so its runs follow each other): `message_total`'s rows, in machine ints.
        self.run_refs = array("q")
        self.run_weeks = array("H")
        self.run_months = array("H")
        self.run_counts = array("I")
        self._run: tuple[int, int, int] | None = None

    def chunk(self, start: int, stop: int) -> Iterator[tuple[Any, ...]]:
        h, s, rng, prefix = self.history, self.scoring, self.rng, PLATFORM
        authors = rng.choices(self.eligible, cum_weights=self.cumulative, k=stop - start)
        actors = rng.choices(self.eligible, cum_weights=self.cumulative, k=stop - start)
        step = self.span / self.rows
        day_count, week_count, month_count = h.day_count, len(self.week_list), len(self.month_list)
        days = h.days
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
                cooldown = s.message_cooldown_seconds
                # One scored message per clock-aligned cooldown window, as the core counts.
                cooled = last == NO_TIME or not cooldown or stamp // cooldown != last // cooldown
                points = s.message_points if cooled and not is_excluded(index) else 0
                h.messages[index] += 1
                if points:
                    h.last_scored[index] = stamp
                mark = index * day_count + day
                days[mark] = (days[mark] or 1) + 1  # an OverflowError past DAY_MARKS
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
                    self._count_reaction(self.week_of[day], self.month_of[day])
                    mark = actor * day_count + day
                    days[mark] = days[mark] or 1
                elif roll < 0.99:
                    kind, points = "kudos", s.kudos_points
                    key = f"{prefix}:kudos:i{n:08d}"
                    h.kudos_received[index] += 1
                    self.week_kudos[index * week_count + self.week_of[day]] += 1
                    h.kudos_given[actor] += 1
                else:
                    kind, points = "solution", s.solution_points
                    key = f"{prefix}:solution:i{n:08d}"
                    h.solutions[index] += 1
                    self.week_solutions[index * week_count + self.week_of[day]] += 1
                if is_excluded(index):
                    points = 0
            if points:
                h.points[index] += points
                self.weeks[index * week_count + self.week_of[day]] += points
                self.months[index * month_count + self.month_of[day]] += points
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

    def _count_reaction(self, week: int, month: int) -> None:
        run = (self.last_message, week, month)
        if run == self._run:
            self.run_counts[-1] += 1
            return
        self._run = run
        self.run_refs.append(run[0])
        self.run_weeks.append(week)
        self.run_months.append(month)
        self.run_counts.append(1)

    def message_totals(self) -> Iterator[tuple[Any, ...]]:
        """`message_total`'s rows: each message's reaction awards per week and month, as
        the ledger adds them up."""
        for period, slots, starts in (
            ("week", self.run_weeks, self.week_list),
            ("month", self.run_months, self.month_list),
        ):
            texts = [start.isoformat() for start in starts]
            refs, counts = self.run_refs, self.run_counts
            i, runs = 0, len(refs)
            while i < runs:
                ref, slot, total = refs[i], slots[i], counts[i]
                i += 1
                while i < runs and refs[i] == ref and slots[i] == slot:
                    total += counts[i]
                    i += 1
                yield (self.community_id, period, texts[slot], f"{PLATFORM}:m{ref:08d}", total)

    def rank_changes(
        self, settings: Settings, tz: ZoneInfo, now: datetime
    ) -> Iterator[tuple[Any, ...]]:
        """The rank history the core's immediate promotions leave: for each member who
        ended above the first rank, their rank at the start of each week (their counters
        then: what they gained from that week on taken off) and, where the next one is
        higher, the change, dated in the middle of the week it happened in (at `now` at
        the latest). Reversals are never generated, so ranks only rise."""
        h, ladder = self.history, settings.ranks
        above = ranks.steps(ladder)
        names = [rank.name for rank in ladder]
        view = SimpleNamespace(points=0, active_days=0, solutions=0, kudos_received=0)
        starts = [datetime.combine(w, dtime(), tz).timestamp() for w in self.week_list]
        ends = [*starts[1:], now.timestamp()]
        slots = len(self.week_list)
        for index, activity in enumerate(h.activity):
            base = index * slots
            view.points, view.active_days = h.points[index], activity.active_days
            view.solutions, view.kudos_received = h.solutions[index], h.kudos_received[index]
            later = ranks.rank_of(cast(Member, view), ladder, above).name
            if later == names[0]:
                continue
            week_days = [0] * slots
            for day in h.active(index):
                week_days[self.week_of[day]] += 1
            for slot in range(slots - 1, -1, -1):
                view.points -= self.weeks[base + slot]
                view.active_days -= week_days[slot]
                view.solutions -= self.week_solutions[base + slot]
                view.kudos_received -= self.week_kudos[base + slot]
                before = ranks.rank_of(cast(Member, view), ladder, above).name
                if before != later:
                    middle = min((starts[slot] + ends[slot]) / 2, ends[slot] - 1)
                    yield (
                        self.community_id,
                        self.first_id + index,
                        before,
                        later,
                        sql_timestamp(middle),
                    )
                later = before
                if before == names[0]:
                    break

    def totals(self) -> Iterator[tuple[Any, ...]]:
        members = self.history.members
        for period, starts, totals in (
            ("week", self.week_list, self.weeks),
            ("month", self.month_list, self.months),
        ):
            # In primary-key order (period, then member): appending to a B-tree beats
            # inserting at random places.
            for slot, start in enumerate(starts):
                text = start.isoformat()
                for index in range(members):
                    points = totals[index * len(starts) + slot]
                    if points:
                        yield (self.community_id, period, text, self.first_id + index, points)

    def board(self, period: str, slot: int) -> int:
        """How many members have points in one week or month (slot)."""
        totals, count = (
            (self.weeks, len(self.week_list))
            if period == "week"
            else (self.months, len(self.month_list))
        )
        return sum(1 for points in totals[slot::count] if points)


def build_scale(
    url: str,
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
    history = History(members, len(calendar.days))
    with open_loader(url) as loader:
        community_id = create_community(loader, settings, space_id, begin - timedelta(days=30))
        first_id = next_member_id(loader)  # ledger rows are written before the members
        indexes = loader.drop_indexes(
            ("contribution", "member", "member_total", "member_day", "message_total")
        )
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
            loader.insert(
                "contribution",
                CONTRIBUTION_COLUMNS,
                ledger.chunk(start, min(ledger_rows, start + CHUNK)),
            )
        joined = begin - timedelta(days=30)
        inserted = _insert_members(loader, community_id, history, calendar, joined, settings, True)
        assert inserted == first_id
        loader.insert(
            "member_total",
            ("community_id", "period", "period_start", "member_id", "points"),
            ledger.totals(),
        )
        loader.insert(
            "message_total",
            ("community_id", "period", "period_start", "message_ref", "reactions"),
            ledger.message_totals(),
        )
        loader.insert(
            "rank_change",
            ("community_id", "member_id", "from_rank", "to_rank", "at"),
            ledger.rank_changes(settings, tz, now),
        )
        day_text = [d.isoformat() for d in calendar.days]
        loader.insert(
            "member_day",
            ("member_id", "day", "community_id", "messages"),
            (
                (first_id + index, day_text[day], community_id, history.days[base + day] - 1)
                for index in range(members)
                for base in (index * history.day_count,)
                for day in history.active(index)
            ),
        )
        # Badges are never taken back: each one the history earned at some point is held.
        awarded = sql_datetime(now)
        loader.insert(
            "member_badge",
            ("member_id", "badge", "community_id", "awarded_at"),
            (
                (first_id + index, badge.key, community_id, awarded)
                for index, act in enumerate(history.activity)
                for badge in badges.earned(
                    history.member_view(index, act, act.longest), settings.badges, set()
                )
            ),
        )
        for sql in indexes:
            loader.execute(sql)
        loader.commit()

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
        ranked=array(
            "i", (i for i in range(members) if history.points[i] > 0 and not is_excluded(i))
        ),
        week_board=ledger.board("week", week_slot),
        month_board=ledger.board("month", month_slot),
        peak_rss_mib=peak_rss_mib(),
    )
