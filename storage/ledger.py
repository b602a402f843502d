"""The contribution ledger and the aggregates maintained with it.

`record()` writes a batch of entries in a few statements: rows whose source key is
already in the ledger are skipped by the database itself (so a redelivered event never
counts twice, even with two processes), and only the rows really written move the
aggregates: all-time counters on `member`, week and month totals in `member_total`, the
daily rollup `member_day_gain` the digest reads, and each message's reaction awards per
week and month in `message_total` (its message of the period). Every aggregate update is
an atomic `x = x + delta` in SQL, never a read-modify-write in Python.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.bulk import BulkInsert, BulkSelect, BulkUpdate, DriverValues, Pipeline, values_for
from storage.counters import LEDGER_COUNTERS
from storage.db import WRITE_LOCKED
from storage.models import Contribution, Member, MemberDay, MemberTotal
from storage.models.digests import MemberDayGain, MessageTotal

# The counters an entry's effects may change (active days and streaks are not summed).
ENTRY_COUNTERS = frozenset(LEDGER_COUNTERS)
# Kinds whose points count for all time only: standing brought from another bot was not
# earned this week or this month, so it moves no period total and no daily rollup.
ALL_TIME_KINDS = frozenset({"import"})


@dataclass(slots=True)
class Entry:
    """One ledger row to write, with the counter changes it brings when it is written."""

    member_id: int
    kind: str
    points: int
    source_key: str
    occurred_at: datetime
    week: date
    month: date
    channel_id: str | None = None
    message_ref: str | None = None
    actor_id: int | None = None
    reason: str | None = None
    reverses_id: int | None = None
    # (member id, counter, delta) applied only if this entry is new, e.g. kudos_given.
    effects: tuple[tuple[int, str, int], ...] = ()
    id: int | None = field(default=None, compare=False)


def _keys_in(keys: list[Any]) -> Any:
    table = Contribution.__table__
    return select(table.c.source_key).where(
        table.c.community_id == bindparam("community_id"), table.c.source_key.in_(keys)
    )


_EXISTING_KEYS = BulkSelect(_keys_in, fixed=("community_id",))


async def latest_message_at(session: AsyncSession, community_id: int) -> datetime | None:
    """The event time of the community's newest message row (one step down an index)."""
    return await session.scalar(
        select(Contribution.occurred_at)
        .where(Contribution.community_id == community_id, Contribution.kind == "message")
        .order_by(Contribution.occurred_at.desc())
        .limit(1)
    )


async def newest_messages(
    session: AsyncSession, community_id: int, since: datetime
) -> dict[str, datetime]:
    """The event time of the newest message row in each channel since `since` (a range of
    the community's time index: what a platform's history is read back from)."""
    rows = await session.execute(
        select(Contribution.channel_id, func.max(Contribution.occurred_at))
        .where(
            Contribution.community_id == community_id,
            Contribution.occurred_at >= since,
            Contribution.kind == "message",
            Contribution.channel_id.is_not(None),
        )
        .group_by(Contribution.channel_id)
    )
    return {str(channel): at for channel, at in rows.all() if at is not None}


async def existing_keys(session: AsyncSession, community_id: int, keys: Sequence[str]) -> set[str]:
    return {key for (key,) in await _EXISTING_KEYS.run(session, keys, (community_id,))}


async def entries_by_keys(
    session: AsyncSession, community_id: int, keys: Sequence[str]
) -> dict[str, Contribution]:
    found: dict[str, Contribution] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), 500):
        rows = await session.scalars(
            select(Contribution).where(
                Contribution.community_id == community_id,
                Contribution.source_key.in_(unique[start : start + 500]),
            )
        )
        found.update({row.source_key: row for row in rows})
    return found


async def find_entry(session: AsyncSession, community_id: int, key: str) -> Contribution | None:
    return await session.scalar(
        select(Contribution).where(
            Contribution.community_id == community_id, Contribution.source_key == key
        )
    )


LEDGER_COLUMNS = (
    "community_id",
    "member_id",
    "kind",
    "points",
    "source_key",
    "occurred_at",
    "channel_id",
    "message_ref",
    "actor_id",
    "reason",
    "reverses_id",
)
_LEDGER = BulkInsert(
    Contribution.__table__,
    LEDGER_COLUMNS,
    conflict=("community_id", "source_key"),
    returning=("id", "source_key"),
)
_TOTALS = BulkInsert(
    MemberTotal.__table__,
    ("community_id", "period", "period_start", "member_id", "points"),
    conflict=("community_id", "period", "period_start", "member_id"),
    add=("points",),
)
_GAINS = BulkInsert(
    MemberDayGain.__table__,
    ("community_id", "day", "member_id", "points", "solutions", "kudos"),
    conflict=("community_id", "day", "member_id"),
    add=("points", "solutions", "kudos"),
)
_MESSAGES = BulkInsert(
    MessageTotal.__table__,
    ("community_id", "period", "period_start", "message_ref", "reactions"),
    conflict=("community_id", "period", "period_start", "message_ref"),
    add=("reactions",),
)


_NEW_LEDGER = BulkInsert(
    Contribution.__table__, LEDGER_COLUMNS, conflict=("community_id", "source_key")
)


def _ledger_row(community_id: int, time: Any, e: Entry) -> tuple[Any, ...]:
    return (
        community_id,
        e.member_id,
        e.kind,
        e.points,
        e.source_key,
        time(e.occurred_at),
        e.channel_id,
        e.message_ref,
        e.actor_id,
        e.reason,
        e.reverses_id,
    )


async def record(
    session: AsyncSession, community_id: int, entries: Sequence[Entry], checked: bool = False
) -> list[Entry]:
    """Write `entries`, skipping those already in the ledger; returns the ones written.

    `checked`: the caller found none of the keys in the ledger within this transaction
    (`existing_keys`). When the transaction also holds the database's only write lock
    (SQLite), nothing can have written them since, so every entry is written and the
    statement need not return which (the entries then get no `id`); the count the
    database reports is checked all the same."""
    if not entries:
        return []
    values = values_for(session)
    time = values.time
    # Rows go in key order so two processes writing overlapping batches take row locks in
    # the same order (no deadlock on PostgreSQL).
    ordered = sorted(entries, key=attrgetter("source_key"))
    rows = [_ledger_row(community_id, time, e) for e in ordered]
    if checked and session.info.get(WRITE_LOCKED):
        _check_written(await _NEW_LEDGER.count(session, rows), len(rows))
        await _write(session, community_id, _plan(entries), values)
        return list(entries)
    ids = {key: id_ for id_, key in await _LEDGER.run(session, rows)}
    written = []
    for entry in entries:
        if entry.id is None:
            id_ = ids.pop(entry.source_key, None)
            if id_ is not None:
                entry.id = id_
                written.append(entry)
    await _write(session, community_id, _plan(written), values)
    return written


def _check_written(written: int, expected: int) -> None:
    """Keys checked absent under the write lock are all written, or the batch fails."""
    if written != expected:
        raise RuntimeError("ledger rows were written under this transaction's lock")


class LedgerWriter:
    """A run of entries whose keys the caller checked absent (`record(checked=True)`),
    written as they are made: on SQLite, under the write lock, each full chunk of rows is
    handed to the database (`storage.bulk.Pipeline`) while the next entries are still
    being made, and the aggregates are worked out while the last chunks are written.
    Elsewhere the entries are kept and `record` writes them at the end."""

    def __init__(self, session: AsyncSession, community_id: int, pipeline: Pipeline | None):
        self.session = session
        self.community_id = community_id
        self.pipeline = pipeline
        self.values = values_for(session)
        self.dialect = session.get_bind().dialect
        self.entries: list[Entry] = []
        self._rows: list[tuple[Any, ...]] = []
        self._counts: list[asyncio.Future[int]] = []

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)
        if self.pipeline is not None:
            self._rows.append(_ledger_row(self.community_id, self.values.time, entry))
            if len(self._rows) >= _NEW_LEDGER.per_statement:
                self._send()

    def _send(self) -> None:
        assert self.pipeline is not None
        self._counts += _NEW_LEDGER.submit(self.pipeline, self.dialect, self._rows)
        self._rows = []

    async def finish(self) -> list[Entry]:
        """Everything written; returns the entries written."""
        if self.pipeline is None:
            return await record(self.session, self.community_id, self.entries, checked=True)
        try:
            if self._rows:
                self._send()
            await _write(
                self.session, self.community_id, _plan(self.entries), self.values, self.pipeline
            )
            await self.pipeline.drain()
        finally:
            await self.discard()
        _check_written(sum(count.result() for count in self._counts), len(self.entries))
        return list(self.entries)

    async def discard(self) -> None:
        """After an error: wait for what was handed over (the transaction then rolls
        back), so that nothing is left running."""
        if self.pipeline is not None:
            with contextlib.suppress(Exception):
                await self.pipeline.drain()


async def writer(session: AsyncSession, community_id: int) -> LedgerWriter:
    """A `LedgerWriter` for entries whose keys the caller checked absent."""
    locked = session.info.get(WRITE_LOCKED)
    return LedgerWriter(session, community_id, await Pipeline.open(session) if locked else None)


@dataclass
class _Plan:
    """What a run of written entries adds to the aggregates."""

    counters: dict[tuple[int, str], int]
    latest: dict[int, datetime]
    totals: dict[tuple[str, date, int], int]
    gains: dict[tuple[date, int], list[int]]
    # (period, start, message ref): reaction awards the message received.
    reactions: dict[tuple[str, date, str], int]


def _plan(written: Sequence[Entry]) -> _Plan:
    # Entries alike (a member's messages of one day, most of a burst) are added up first:
    # one pass over thousands of entries, then the aggregates from a few groups.
    groups: dict[tuple[Any, ...], list[Any]] = {}
    reactions: dict[tuple[str, date, str], int] = defaultdict(int)
    for entry in written:
        at = entry.occurred_at
        if entry.kind == "reaction" and entry.message_ref is not None:
            reactions[("week", entry.week, entry.message_ref)] += 1
            reactions[("month", entry.month, entry.message_ref)] += 1
        key = (
            entry.member_id,
            entry.kind,
            entry.week,
            entry.month,
            utc_day(at),
            entry.effects,
        )
        group = groups.get(key)
        if group is None:
            groups[key] = [entry.points, 1, at if entry.points > 0 else None]
        else:
            group[0] += entry.points
            group[1] += 1
            if entry.points > 0 and (group[2] is None or at > group[2]):
                group[2] = at
    plan = _Plan(defaultdict(int), {}, defaultdict(int), {}, reactions)
    counters, latest, totals, gains = plan.counters, plan.latest, plan.totals, plan.gains
    for (member_id, kind, week, month, day, effects), (points, count, last) in groups.items():
        # A scored message moves its author's last scored time forward (never back: events
        # may arrive late), in the same statement as the counters.
        if kind == "message" and last is not None:
            known = latest.get(member_id)
            if known is None or last > known:
                latest[member_id] = last
        if points and kind in ALL_TIME_KINDS:
            counters[(member_id, "points")] += points
            continue
        if points:
            counters[(member_id, "points")] += points
            totals[("week", week, member_id)] += points
            totals[("month", month, member_id)] += points
        for effect_member, counter, delta in effects:
            counters[(effect_member, counter)] += delta * count
        solutions = ROLLUP_SOLUTIONS.get(kind, 0) * count
        kudos = ROLLUP_KUDOS.get(kind, 0) * count
        if points or solutions or kudos:
            gain = gains.get((day, member_id))
            if gain is None:
                gain = gains[(day, member_id)] = [0, 0, 0]
            gain[0] += points
            gain[1] += solutions
            gain[2] += kudos
    return plan


async def _write(
    session: AsyncSession,
    community_id: int,
    plan: _Plan,
    values: DriverValues,
    pipeline: Pipeline | None = None,
) -> None:
    """The plan's counter, total and rollup changes: run, or queued on `pipeline`."""
    day_value = values.day
    totals = [
        (community_id, period, day_value(start), member_id, points)
        for (period, start, member_id), points in sorted(plan.totals.items())
    ]
    gains = [
        (community_id, day_value(day), member_id, points, solutions, kudos)
        # Key order, as above: concurrent batches lock rows in the same order.
        for (day, member_id), (points, solutions, kudos) in sorted(plan.gains.items())
    ]
    messages = [
        (community_id, period, day_value(start), ref, count)
        for (period, start, ref), count in sorted(plan.reactions.items())
    ]
    counters = _counter_rows(plan.counters, plan.latest, values)
    if pipeline is None:
        if counters is not None:
            await counters[0].run(session, counters[1])
        await _TOTALS.run(session, totals)
        await _GAINS.run(session, gains)
        await _MESSAGES.run(session, messages)
        return
    dialect = session.get_bind().dialect
    if counters is not None:
        counters[0].submit(pipeline, dialect, counters[1])
    _TOTALS.submit(pipeline, dialect, totals)
    _GAINS.submit(pipeline, dialect, gains)
    _MESSAGES.submit(pipeline, dialect, messages)


# What a ledger row adds to the rollup's solution and kudos counts, by kind (points are
# added whatever the kind).
ROLLUP_SOLUTIONS = {"solution": 1, "solution_reversed": -1}
ROLLUP_KUDOS = {"kudos": 1}


def utc_day(at: datetime) -> date:
    """The UTC day of an instant (naive datetimes are UTC, as the ledger stores them)."""
    if at.tzinfo is None or at.tzinfo is UTC:
        return at.date()
    return at.astimezone(UTC).date()


def _counter_rows(
    deltas: dict[tuple[int, str], int], latest_message: dict[int, datetime], values: DriverValues
) -> tuple[BulkUpdate, list[tuple[Any, ...]]] | None:
    by_member: dict[int, dict[str, int]] = defaultdict(dict)
    for (member_id, counter), delta in deltas.items():
        if counter not in ENTRY_COUNTERS:
            raise ValueError(f"unknown member counter {counter!r}")
        if delta:
            by_member[member_id][counter] = delta
    for member_id in latest_message:
        by_member.setdefault(member_id, {})
    if not by_member:
        return None
    moved = tuple(sorted({counter for changes in by_member.values() for counter in changes}))
    time = values.time
    # In member id order, so that concurrent batches lock rows in the same order.
    rows: list[tuple[Any, ...]] = []
    for member_id, changes in sorted(by_member.items()):
        get = changes.get
        row = [get(c, 0) for c in moved]
        if latest_message:
            row.append(time(latest_message.get(member_id)))
        row.append(member_id)
        rows.append(tuple(row))
    return _counter_update(moved, bool(latest_message)), rows


_COUNTER_UPDATES: dict[tuple[tuple[str, ...], bool], BulkUpdate] = {}


def _counter_update(moved: tuple[str, ...], with_latest: bool) -> BulkUpdate:
    """The counter UPDATE for this set of counters; its rows are the deltas in `moved`
    order, then the latest scored time when `with_latest`, then the member id."""
    key = (moved, with_latest)
    found = _COUNTER_UPDATES.get(key)
    if found is None:
        table = Member.__table__

        def build() -> Any:
            values: dict[str, Any] = {c: table.c[c] + bindparam(f"d_{c}") for c in moved}
            if with_latest:
                column = table.c.last_scored_message_at
                at = bindparam("at", type_=column.type)
                values["last_scored_message_at"] = case(
                    (and_(at.is_not(None), or_(column.is_(None), column < at)), at),
                    else_=column,
                )
            return update(table).where(table.c.id == bindparam("mid")).values(values)

        names = [f"d_{c}" for c in moved] + (["at"] if with_latest else []) + ["mid"]
        found = _COUNTER_UPDATES[key] = BulkUpdate(build, names)
    return found


@dataclass(frozen=True)
class DayMark:
    member_id: int
    day: date
    messages: int


_DAYS = BulkInsert(
    MemberDay.__table__,
    ("member_id", "day", "community_id", "messages"),
    conflict=("member_id", "day"),
    returning=("member_id", "day"),
)


def _day_messages_update() -> Any:
    table = MemberDay.__table__
    return (
        update(table)
        .where(table.c.member_id == bindparam("mid"), table.c.day == bindparam("d"))
        .values(messages=table.c.messages + bindparam("n"))
    )


_DAY_MESSAGES = BulkUpdate(_day_messages_update, ("n", "mid", "d"))


async def mark_active_days(
    session: AsyncSession, community_id: int, marks: Sequence[DayMark]
) -> list[DayMark]:
    """Record activity days; returns the marks that opened a day not seen before."""
    if not marks:
        return []
    merged: dict[tuple[int, date], int] = defaultdict(int)
    for mark in marks:
        merged[(mark.member_id, mark.day)] += mark.messages
    values = values_for(session)
    as_value = {d: values.day(d) for d in {d for _, d in merged}}
    as_day = {v: d for d, v in as_value.items()}
    new_rows = await _DAYS.run(
        session, [(m, as_value[d], community_id, 0) for (m, d) in sorted(merged)]
    )
    opened = {(m, as_day.get(d) or values.read_day(d)) for m, d in new_rows}
    await _DAY_MESSAGES.run(
        session, [(n, m, as_value[d]) for (m, d), n in sorted(merged.items()) if n]
    )
    return [DayMark(m, d, merged[(m, d)]) for (m, d) in sorted(opened)]


async def scored_message_between(
    session: AsyncSession, community_id: int, member_id: int, start: datetime, end: datetime
) -> bool:
    """Whether the member has a message that scored with an event time in [start, end)."""
    found = await session.scalar(
        select(Contribution.id)
        .where(
            Contribution.community_id == community_id,
            Contribution.member_id == member_id,
            Contribution.kind == "message",
            Contribution.points > 0,
            Contribution.occurred_at >= start,
            Contribution.occurred_at < end,
        )
        .limit(1)
    )
    return found is not None


async def link_reversals(session: AsyncSession, links: dict[int, int]) -> None:
    """Set `reverses_id` on reversal rows written in the same run as what they reverse."""
    if links:
        table = Contribution.__table__
        connection = await session.connection()
        await connection.execute(
            update(table)
            .where(table.c.id == bindparam("rid"))
            .values(reverses_id=bindparam("oid")),
            [{"rid": reversal, "oid": original} for reversal, original in links.items()],
        )


async def kudos_given_between(
    session: AsyncSession, community_id: int, giver_id: int, start: datetime, end: datetime
) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Contribution)
        .where(
            Contribution.community_id == community_id,
            Contribution.actor_id == giver_id,
            Contribution.kind == "kudos",
            Contribution.occurred_at >= start,
            Contribution.occurred_at < end,
        )
    )
    return int(count or 0)


async def ledger_sum(session: AsyncSession, community_id: int, member_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(Contribution.points), 0)).where(
            Contribution.community_id == community_id, Contribution.member_id == member_id
        )
    )
    return int(total or 0)


async def points_under(session: AsyncSession, community_id: int, prefix: str) -> dict[str, int]:
    """The points of every ledger row whose source key starts with `prefix`, by key."""
    rows = await session.execute(
        select(Contribution.source_key, Contribution.points).where(
            Contribution.community_id == community_id,
            Contribution.source_key.startswith(prefix, autoescape=True),
        )
    )
    return {key: points for key, points in rows}
