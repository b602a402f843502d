"""The digest's daily rollup and the message of the week, against the ledger itself.

What the ledger's write path keeps in `member_day_gain` adds up to the ledger row for row;
a period whose bounds are not UTC midnights (a community in Los Angeles, Kolkata or the
Chatham Islands) gets exactly the points of its ledger rows, whatever lies just outside its
bounds; and the message of the week's candidates count the reactors whose
reactions in the period outweigh what they took back in it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from community_rows import community_with_members
from sqlalchemy import select

from storage import ledger
from storage.db import Database
from storage.metrics import highlights as metrics_highlights
from storage.metrics import members as metrics_members
from storage.models.digests import MemberDayGain

FIRST, END = date(2026, 1, 5), date(2026, 1, 12)  # the local days of the period
ZONES = ("America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham", "UTC")
# (kind, points, solutions, kudos) the generated rows draw from.
KINDS = (
    ("message", 1, 0, 0),
    ("message", 0, 0, 0),
    ("reaction", 2, 0, 0),
    ("reaction_reversed", -2, 0, 0),
    ("kudos", 5, 0, 1),
    ("kudos", 0, 0, 1),  # an excluded member's kudos: no points, still counted
    ("solution", 10, 1, 0),
    ("solution_reversed", -10, -1, 0),
    ("adjustment", -7, 0, 0),
)


def _instants(rng: random.Random, bounds: list[datetime], count: int) -> list[datetime]:
    """Instants around every bound (minutes to hours away) and anywhere in the weeks."""
    low, high = min(bounds) - timedelta(days=2), max(bounds) + timedelta(days=2)
    result = []
    for _ in range(count):
        if rng.random() < 0.6:
            minutes = rng.choice([0, 1, 29, 30, 45, 59, 60, 61, 300, 600, 779, 780, 781])
            sign = rng.choice([-1, 1])
            result.append(rng.choice(bounds) + sign * timedelta(minutes=minutes))
        else:
            result.append(low + (high - low) * rng.random())
    return result


def _bounds() -> list[datetime]:
    return [
        datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)
        for zone in ZONES
        for day in (FIRST, END)
    ]


async def test_the_rollup_and_a_period_off_utc_midnight_add_up_to_the_ledger(
    db: Database,
) -> None:
    community_id, members = await community_with_members(db, 12, "rollup")
    rng = random.Random(7)
    rows = []
    for at in _instants(rng, _bounds(), 600):
        kind, points, solutions, kudos = rng.choice(KINDS)
        rows.append((rng.choice(members), kind, points, solutions, kudos, at))
    async with db.transaction() as session:
        # Several batches, some rows of a (member, day) in each: the rollup adds up.
        for start in range(0, len(rows), 70):
            entries = [
                ledger.Entry(
                    member_id=member,
                    kind=kind,
                    points=points,
                    source_key=f"k{start + i}",
                    occurred_at=at,
                    week=FIRST,
                    month=FIRST,
                )
                for i, (member, kind, points, _, _, at) in enumerate(rows[start : start + 70])
            ]
            assert len(await ledger.record(session, community_id, entries)) == len(entries)

    by_day: dict[tuple[date, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for member, _, points, solutions, kudos, at in rows:
        total = by_day[(at.date(), member)]
        for i, value in enumerate((points, solutions, kudos)):
            total[i] += value
    async with db.transaction() as session:
        stored = {
            (row.day, row.member_id): [row.points, row.solutions, row.kudos]
            for row in await session.scalars(select(MemberDayGain))
        }
    assert {k: v for k, v in stored.items() if any(v)} == {
        k: v for k, v in by_day.items() if any(v)
    }

    for zone in ZONES:
        tz = ZoneInfo(zone)
        start = datetime.combine(FIRST, time(), tz).astimezone(UTC)
        end = datetime.combine(END, time(), tz).astimezone(UTC)
        expected: dict[int, int] = defaultdict(int)
        for member, _, points, _, _, at in rows:
            if start <= at < end:
                expected[member] += points
        gains = metrics_members.gains_of(community_id, start, end)
        async with db.transaction() as session:
            found = {row.member_id: row.points for row in await session.execute(select(gains))}
        assert {k: v for k, v in found.items() if v} == {k: v for k, v in expected.items() if v}, (
            zone
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_message_of_the_week_candidates_count_reactors_still_reacting(
    db: Database, seed: int
) -> None:
    community_id, members = await community_with_members(db, 8, "rollup")
    rng = random.Random(seed)
    tz = ZoneInfo("Europe/Paris")
    start = datetime.combine(FIRST, time(), tz).astimezone(UTC)
    end = datetime.combine(END, time(), tz).astimezone(UTC)
    refs = [f"discord:{n}" for n in range(14)]
    rows = []
    for at in sorted(_instants(rng, [start, end], 400)):
        kind = "reaction" if rng.random() < 0.7 else "reaction_reversed"
        rows.append((rng.choice(refs), rng.choice(members), kind, at))
    async with db.transaction() as session:
        entries = [
            ledger.Entry(
                member_id=members[0],
                kind=kind,
                points=2 if kind == "reaction" else -2,
                source_key=f"r{n}",
                occurred_at=at,
                week=FIRST,
                month=FIRST,
                message_ref=ref,
                actor_id=actor,
            )
            for n, (ref, actor, kind, at) in enumerate(rows)
        ]
        await ledger.record(session, community_id, entries)
        found = await metrics_highlights.candidates(session, community_id, start, end)

    net: dict[tuple[str, int], int] = defaultdict(int)
    for ref, actor, kind, at in rows:
        if start <= at < end:
            net[(ref, actor)] += 1 if kind == "reaction" else -1
    reactors: dict[str, int] = defaultdict(int)
    for (ref, _), value in net.items():
        if value > 0:
            reactors[ref] += 1
    expected = sorted(reactors.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert found == expected
