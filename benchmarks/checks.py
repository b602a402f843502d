"""Checks run after each measurement, in SQL that SQLite and PostgreSQL both accept.

A figure means nothing if the work behind it was wrong: ledger rows are counted against
events, maintained aggregates are compared with the ledger, and the outcome of two
processes ingesting at once is compared with that of one process, event by event.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from benchmarks.workload import PLATFORM
from storage.db import make_engine


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[AsyncConnection]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            yield conn
    finally:
        await engine.dispose()


async def _scalar(conn: AsyncConnection, sql: str, **params: Any) -> Any:
    return (await conn.execute(text(sql), params)).scalar_one()


async def community_of(url: str, space_id: str) -> int:
    async with connected(url) as conn:
        return int(
            await _scalar(
                conn,
                "SELECT community_id FROM platform_space"
                " WHERE platform = :platform AND space_id = :space",
                platform=PLATFORM,
                space=space_id,
            )
        )


async def ledger_facts(url: str, community_id: int) -> tuple[int, float]:
    """(ledger rows, share of them that scored) of one community."""
    async with connected(url) as conn:
        rows, scored = (
            await conn.execute(
                text(
                    "SELECT count(*), coalesce(sum(CASE WHEN points > 0 THEN 1 ELSE 0 END), 0)"
                    " FROM contribution WHERE community_id = :c"
                ),
                {"c": community_id},
            )
        ).one()
    return int(rows), (int(scored) / rows if rows else 0.0)


async def check_consistency(
    url: str, community_id: int, sample: int = 200, periods: bool = True
) -> list[str]:
    """Problems found comparing maintained aggregates with the ledger (empty when none).

    Checks the community's total, its reaction awards against each message's week and
    month totals, its activity per day and per week against the members' days and weeks,
    and, for a sample of members, their points against the ledger and (with
    `periods`) against the sum of their week and of their month totals.
    """
    problems: list[str] = []
    async with connected(url) as conn:
        ledger_total = await _scalar(
            conn,
            "SELECT coalesce(sum(points), 0) FROM contribution WHERE community_id = :c",
            c=community_id,
        )
        member_total = await _scalar(
            conn,
            "SELECT coalesce(sum(points), 0) FROM member WHERE community_id = :c",
            c=community_id,
        )
        if ledger_total != member_total:
            problems.append(f"ledger sum {ledger_total} != members' points {member_total}")
        reactions = await _scalar(
            conn,
            "SELECT count(*) FROM contribution WHERE community_id = :c AND kind = 'reaction'"
            " AND kind != 'message'",  # the events' partial index (`EVENTS_ONLY`)
            c=community_id,
        )
        for period in ("week", "month"):
            counted = await _scalar(
                conn,
                "SELECT coalesce(sum(reactions), 0) FROM message_total"
                " WHERE community_id = :c AND period = :p",
                c=community_id,
                p=period,
            )
            if counted != reactions:
                problems.append(f"{reactions} reaction awards != {counted} in {period} totals")
        for period, source in (
            ("day", "SELECT count(*), sum(messages) FROM member_day WHERE community_id = :c"),
            (
                "week",
                "SELECT sum(CASE WHEN days > 0 THEN 1 ELSE 0 END), sum(messages)"
                " FROM member_week WHERE community_id = :c",
            ),
        ):
            members = (await conn.execute(text(source), {"c": community_id})).one()
            kept = (
                await conn.execute(
                    text(
                        "SELECT sum(members), sum(messages) FROM (SELECT members, messages"
                        " FROM community_activity WHERE community_id = :c AND period = :p"
                        " UNION ALL SELECT members, messages FROM community_activity_move"
                        " WHERE community_id = :c AND period = :p) AS counts"
                    ),
                    {"c": community_id, "p": period},
                )
            ).one()
            if tuple(int(n or 0) for n in members) != tuple(int(n or 0) for n in kept):
                problems.append(
                    f"{period} activity: members' rows {tuple(members)} != counts {tuple(kept)}"
                )
        ids = (
            await conn.execute(
                text("SELECT id FROM member WHERE community_id = :c ORDER BY random() LIMIT :n"),
                {"c": community_id, "n": sample},
            )
        ).scalars()
        # The period starts are listed so that the primary key (community, period, start,
        # member) finds each member's rows by key instead of scanning a whole period.
        starts = {
            period: list(
                (
                    await conn.execute(
                        text(
                            "SELECT DISTINCT period_start FROM member_total"
                            " WHERE community_id = :c AND period = :period"
                        ),
                        {"c": community_id, "period": period},
                    )
                ).scalars()
            )
            for period in ("week", "month")
        }
        period_total = text(
            "SELECT coalesce(sum(points), 0) FROM member_total WHERE community_id = :c"
            " AND period = :period AND period_start IN :starts AND member_id = :m"
        ).bindparams(bindparam("starts", expanding=True))
        for member_id in list(ids):
            stored, summed = (
                await conn.execute(
                    text(
                        "SELECT points, (SELECT coalesce(sum(points), 0) FROM contribution"
                        " WHERE member_id = :m) FROM member WHERE id = :m"
                    ),
                    {"m": member_id},
                )
            ).one()
            by_period = []
            for period in ("week", "month"):
                total = 0
                if starts[period]:
                    params = {"c": community_id, "period": period, "m": member_id}
                    total = (
                        await conn.execute(period_total, {**params, "starts": starts[period]})
                    ).scalar_one()
                by_period.append(total)
            if stored != summed or (periods and not stored == by_period[0] == by_period[1]):
                problems.append(
                    f"member {member_id}: points {stored}, ledger {summed},"
                    f" weeks {by_period[0]}, months {by_period[1]}"
                )
    return problems


async def cooldown_breaches(url: str, community_id: int, cooldown_seconds: float) -> int:
    """Scored messages in the same clock-aligned cooldown window as their author's previous
    scored message: the rule forbids them, whatever order events arrived in."""
    async with connected(url) as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT member_id, occurred_at FROM contribution WHERE community_id = :c"
                    " AND kind = 'message' AND points > 0 ORDER BY member_id, occurred_at"
                ),
                {"c": community_id},
            )
        ).all()
    # Raw SQL on SQLite gives the stored text, on PostgreSQL a datetime.
    times = [(m, _utc(datetime.fromisoformat(at) if isinstance(at, str) else at)) for m, at in rows]
    return sum(
        1
        for (member, at), (next_member, next_at) in itertools.pairwise(times)
        if member == next_member
        and cooldown_seconds
        and next_at.timestamp() // cooldown_seconds == at.timestamp() // cooldown_seconds
    )


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


MEMBER_FIELDS = (
    "points",
    "messages",
    "active_days",
    "streak_days",
    "last_active_day",
    "rank",
)


@dataclass
class Outcome:
    """What ingesting a stream left in a community, keyed by platform ids, not row ids."""

    ledger: dict[str, int]  # source key -> points
    members: dict[str, tuple[Any, ...]]  # user id -> MEMBER_FIELDS
    totals: dict[tuple[str, str, str], int]  # (period, start, user id) -> points
    days: dict[tuple[str, str], int]  # (user id, day) -> messages
    # (user id, cooldown window) -> message points. Which message of a window holds its
    # point may depend on which process saw which first; how many points it holds may not.
    windows: dict[tuple[str, int], int]


async def outcome(url: str, space_id: str, cooldown_seconds: int) -> Outcome:
    community_id = await community_of(url, space_id)
    params = {"c": community_id}
    columns = ", ".join(f"m.{name}" for name in MEMBER_FIELDS)
    async with connected(url) as conn:
        ledger = {
            key: points
            for key, points in await conn.execute(
                text("SELECT source_key, points FROM contribution WHERE community_id = :c"),
                params,
            )
        }
        members = {
            row[0]: tuple(row[1:])
            for row in await conn.execute(
                text(
                    f"SELECT i.user_id, {columns} FROM member m"
                    " JOIN identity i ON i.member_id = m.id WHERE m.community_id = :c"
                ),
                params,
            )
        }
        totals = {
            (period, str(start), user): points
            for period, start, user, points in await conn.execute(
                text(
                    "SELECT t.period, t.period_start, i.user_id, t.points FROM member_total t"
                    " JOIN identity i ON i.member_id = t.member_id WHERE t.community_id = :c"
                ),
                params,
            )
        }
        days = {
            (user, str(day)): messages
            for user, day, messages in await conn.execute(
                text(
                    "SELECT i.user_id, d.day, d.messages FROM member_day d"
                    " JOIN identity i ON i.member_id = d.member_id WHERE d.community_id = :c"
                ),
                params,
            )
        }
        windows: dict[tuple[str, int], int] = {}
        for user, at, points in await conn.execute(
            text(
                "SELECT i.user_id, c.occurred_at, c.points FROM contribution c"
                " JOIN identity i ON i.member_id = c.member_id"
                " WHERE c.community_id = :c AND c.kind = 'message'"
            ),
            params,
        ):
            stamp = _utc(datetime.fromisoformat(at) if isinstance(at, str) else at).timestamp()
            window = int(stamp // cooldown_seconds) if cooldown_seconds else int(stamp * 1e6)
            windows[(user, window)] = windows.get((user, window), 0) + points
    return Outcome(ledger, members, totals, days, windows)


def _differing(mine: dict[Any, Any], theirs: dict[Any, Any]) -> list[Any]:
    return sorted(key for key in mine.keys() | theirs.keys() if mine.get(key) != theirs.get(key))


def compare(
    got: Outcome, expected: Outcome, positions: dict[str, int], context: str = ""
) -> list[str]:
    """How `got` differs from `expected` (empty when it does not).

    `positions` maps source keys to their place in the stream, to say where the events
    that scored differently lie (`context` is added to that line).
    """
    problems: list[str] = []
    if got.ledger.keys() != expected.ledger.keys():
        problems.append(
            f"{len(got.ledger):,} ledger rows, one process wrote {len(expected.ledger):,}"
            f" ({len(got.ledger.keys() - expected.ledger.keys()):,} extra,"
            f" {len(expected.ledger.keys() - got.ledger.keys()):,} missing)"
        )
    scored = [
        key
        for key in _differing(got.ledger, expected.ledger)
        if ":msg:" not in key  # messages are compared per cooldown window, below
    ]
    windows = _differing(got.windows, expected.windows)
    if windows:
        problems.append(
            f"{len(windows):,} members' cooldown windows hold different message points"
            f" than with one process{context}"
        )
    if scored:
        places = sorted(positions.get(key, -1) for key in scored)
        problems.append(
            f"{len(scored):,} events scored differently (stream positions {places[0]:,} to"
            f" {places[-1]:,}), total points {sum(got.ledger.values()):,} vs"
            f" {sum(expected.ledger.values()):,}{context}"
        )
    for index, name in enumerate(MEMBER_FIELDS):
        count = sum(
            1
            for user in got.members.keys() | expected.members.keys()
            if (got.members.get(user) or ())[index : index + 1]
            != (expected.members.get(user) or ())[index : index + 1]
        )
        if count:
            problems.append(f"members' {name}: {count:,} member(s) differ from one process's")
    for name, mine, theirs in (
        ("week/month totals", got.totals, expected.totals),
        ("active days", got.days, expected.days),
    ):
        count = len(_differing(mine, theirs))
        if count:
            problems.append(f"{name}: {count:,} row(s) differ from one process's")
    return problems
