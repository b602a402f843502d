"""The contribution ledger and the aggregates maintained with it.

`record()` writes a batch of entries in a few statements: rows whose source key is
already in the ledger are skipped by the database itself (so a redelivered event never
counts twice, even with two processes), and only the rows really written move the
aggregates: all-time counters on `member`, week and month totals in `member_total`, and
the daily rollup `member_day_gain` the digest reads. Every aggregate update is an atomic
`x = x + delta` in SQL, never a read-modify-write in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignore, insert_or_add
from storage.digest_models import MemberDayGain
from storage.models import Contribution, Member, MemberDay, MemberTotal

MEMBER_COUNTERS = frozenset(
    {
        "points",
        "messages",
        "solutions",
        "kudos_received",
        "kudos_given",
        "ideas_submitted",
        "ideas_shipped",
        "poll_votes",
    }
)


@dataclass
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


async def existing_keys(session: AsyncSession, community_id: int, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        rows = await session.scalars(
            select(Contribution.source_key).where(
                Contribution.community_id == community_id,
                Contribution.source_key.in_(keys[start : start + 500]),
            )
        )
        found.update(rows.all())
    return found


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


async def record(session: AsyncSession, community_id: int, entries: Sequence[Entry]) -> list[Entry]:
    """Write `entries`, skipping those already in the ledger; returns the ones written."""
    if not entries:
        return []
    table = Contribution.__table__
    stmt = insert_ignore(session, table, ["community_id", "source_key"]).returning(
        table.c.id, table.c.source_key
    )
    rows = [
        {
            "community_id": community_id,
            "member_id": e.member_id,
            "kind": e.kind,
            "points": e.points,
            "source_key": e.source_key,
            "occurred_at": e.occurred_at,
            "channel_id": e.channel_id,
            "message_ref": e.message_ref,
            "actor_id": e.actor_id,
            "reason": e.reason,
            "reverses_id": e.reverses_id,
        }
        # Rows go in key order so two processes writing overlapping batches take row
        # locks in the same order (no deadlock on PostgreSQL).
        for e in sorted(entries, key=lambda e: e.source_key)
    ]
    result = await session.execute(stmt, rows)
    ids = {key: id_ for id_, key in result}
    written = []
    for entry in entries:
        if entry.source_key in ids and entry.id is None:
            entry.id = ids.pop(entry.source_key)
            written.append(entry)
    await _apply(session, community_id, written)
    return written


async def _apply(session: AsyncSession, community_id: int, written: Sequence[Entry]) -> None:
    counters: dict[tuple[int, str], int] = defaultdict(int)
    totals: dict[tuple[str, date, int], int] = defaultdict(int)
    gains: dict[tuple[date, int], list[int]] = {}
    # A scored message moves its author's last scored time forward (never back: events
    # may arrive late), in the same statement as the counters.
    latest: dict[int, datetime] = {}
    for entry in written:
        if entry.kind == "message" and entry.points > 0:
            known = latest.get(entry.member_id)
            if known is None or entry.occurred_at > known:
                latest[entry.member_id] = entry.occurred_at
        if entry.points:
            counters[(entry.member_id, "points")] += entry.points
            totals[("week", entry.week, entry.member_id)] += entry.points
            totals[("month", entry.month, entry.member_id)] += entry.points
        for member_id, counter, delta in entry.effects:
            counters[(member_id, counter)] += delta
        solutions = ROLLUP_SOLUTIONS.get(entry.kind, 0)
        kudos = ROLLUP_KUDOS.get(entry.kind, 0)
        if entry.points or solutions or kudos:
            gain = gains.setdefault((utc_day(entry.occurred_at), entry.member_id), [0, 0, 0])
            gain[0] += entry.points
            gain[1] += solutions
            gain[2] += kudos
    await add_to_counters(session, counters, latest)
    if totals:
        await session.execute(
            insert_or_add(
                session,
                MemberTotal.__table__,
                ["community_id", "period", "period_start", "member_id"],
                ["points"],
            ),
            [
                {
                    "community_id": community_id,
                    "period": period,
                    "period_start": start,
                    "member_id": member_id,
                    "points": points,
                }
                for (period, start, member_id), points in sorted(totals.items())
            ],
        )
    if gains:
        await session.execute(
            insert_or_add(
                session,
                MemberDayGain.__table__,
                ["community_id", "day", "member_id"],
                ["points", "solutions", "kudos"],
            ),
            [
                {
                    "community_id": community_id,
                    "day": day,
                    "member_id": member_id,
                    "points": points,
                    "solutions": solutions,
                    "kudos": kudos,
                }
                # Key order, as above: concurrent batches lock rows in the same order.
                for (day, member_id), (points, solutions, kudos) in sorted(gains.items())
            ],
        )


# What a ledger row adds to the rollup's solution and kudos counts, by kind (points are
# added whatever the kind).
ROLLUP_SOLUTIONS = {"solution": 1, "solution_reversed": -1}
ROLLUP_KUDOS = {"kudos": 1}


def utc_day(at: datetime) -> date:
    """The UTC day of an instant (naive datetimes are UTC, as the ledger stores them)."""
    return (at if at.tzinfo is None else at.astimezone(UTC)).date()


async def add_to_counters(
    session: AsyncSession,
    deltas: dict[tuple[int, str], int],
    latest_message: dict[int, datetime] | None = None,
) -> None:
    """Add deltas to members' all-time counters (and move `last_scored_message_at` forward
    to `latest_message`): one executemany, one row per member, whatever the batch moves
    (each row of a statement costs more than its columns)."""
    latest_message = latest_message or {}
    by_member: dict[int, dict[str, int]] = defaultdict(dict)
    for (member_id, counter), delta in deltas.items():
        if counter not in MEMBER_COUNTERS:
            raise ValueError(f"unknown member counter {counter!r}")
        if delta:
            by_member[member_id][counter] = delta
    for member_id in latest_message:
        by_member.setdefault(member_id, {})
    if not by_member:
        return
    moved = sorted({counter for changes in by_member.values() for counter in changes})
    table = Member.__table__
    values: dict[str, Any] = {c: table.c[c] + bindparam(f"d_{c}") for c in moved}
    if latest_message:
        column = table.c.last_scored_message_at
        at = bindparam("at", type_=column.type)
        values["last_scored_message_at"] = case(
            (and_(at.is_not(None), or_(column.is_(None), column < at)), at), else_=column
        )
    # In member id order, so that concurrent batches lock rows in the same order.
    params = [
        {
            "mid": member_id,
            **{f"d_{c}": changes.get(c, 0) for c in moved},
            **({"at": latest_message.get(member_id)} if latest_message else {}),
        }
        for member_id, changes in sorted(by_member.items())
    ]
    connection = await session.connection()
    await connection.execute(
        update(table).where(table.c.id == bindparam("mid")).values(values), params
    )


@dataclass(frozen=True)
class DayMark:
    member_id: int
    day: date
    messages: int


async def mark_active_days(
    session: AsyncSession, community_id: int, marks: Sequence[DayMark]
) -> list[DayMark]:
    """Record activity days; returns the marks that opened a day not seen before."""
    if not marks:
        return []
    merged: dict[tuple[int, date], int] = defaultdict(int)
    for mark in marks:
        merged[(mark.member_id, mark.day)] += mark.messages
    table = MemberDay.__table__
    new_rows = await session.execute(
        insert_ignore(session, table, ["member_id", "day"]).returning(
            table.c.member_id, table.c.day
        ),
        [
            {"member_id": m, "day": d, "community_id": community_id, "messages": 0}
            for (m, d) in merged
        ],
    )
    opened = {(m, d) for m, d in new_rows}
    counted = [{"mid": m, "d": d, "n": n} for (m, d), n in merged.items() if n]
    if counted:
        connection = await session.connection()
        await connection.execute(
            update(table)
            .where(table.c.member_id == bindparam("mid"), table.c.day == bindparam("d"))
            .values(messages=table.c.messages + bindparam("n")),
            counted,
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
