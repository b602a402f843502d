"""Thanks rings and reaction farming are found by the database on both backends: the same
pairs, members, counts and reactors as counting every row of the window in Python, and
only those come back (a large community's window holds hundreds of thousands of pairs)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from storage import gaming
from storage.db import Database
from storage.models import Community, Contribution, Member
from tests.conftest import START

RING_MIN, FARMING_MIN, SHARE = 3, 10, 0.8
SINCE = START


async def ledger(db: Database, gifts: list[tuple[str, int, int, datetime]]) -> int:
    """A community of members 1..40 and one row per (kind, actor, member, when)."""
    async with db.transaction() as session:
        community = Community(slug="club", created_at=START)
        session.add(community)
        await session.flush()
        assert community.id is not None
        members = [
            Member(community_id=community.id, display_name=f"m{k}", origin=f"discord:{k}")
            for k in range(1, 41)
        ]
        session.add_all(members)
        await session.flush()
        ids = [m.id for m in members]
        session.add_all(
            Contribution(
                community_id=community.id,
                member_id=ids[member - 1],
                actor_id=ids[actor - 1],
                kind=kind,
                points=1,
                source_key=f"{kind}:{k}",
                occurred_at=at,
            )
            for k, (kind, actor, member, at) in enumerate(gifts)
        )
        return community.id


async def counted(db: Database, community_id: int, kind: str) -> dict[tuple[int, int], int]:
    """(actor, member) -> rows of `kind` in the window, counted one row at a time."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(Contribution.actor_id, Contribution.member_id).where(
                Contribution.community_id == community_id,
                Contribution.kind == kind,
                Contribution.occurred_at >= SINCE,
            )
        )
        pairs: dict[tuple[int, int], int] = {}
        for actor, member in rows:
            pairs[(actor, member)] = pairs.get((actor, member), 0) + 1
    return pairs


def rings_by_hand(thanks: dict[tuple[int, int], int]) -> list[tuple[int, int, int, int]]:
    return [
        (giver, receiver, n, thanks.get((receiver, giver), 0))
        for (giver, receiver), n in sorted(thanks.items())
        if giver < receiver and n >= RING_MIN and thanks.get((receiver, giver), 0) >= RING_MIN
    ]


def farms_by_hand(
    reactions: dict[tuple[int, int], int],
) -> list[tuple[int, int, int, list[int]]]:
    by_member: dict[int, list[tuple[int, int]]] = {}
    for (reactor, member), n in reactions.items():
        by_member.setdefault(member, []).append((n, reactor))
    found = []
    for member, sources in sorted(by_member.items()):
        total = sum(n for n, _ in sources)
        top = sorted(sources, reverse=True)[:2]
        share = sum(n for n, _ in top)
        if total >= FARMING_MIN and share >= SHARE * total:
            found.append((member, total, share, [r for _, r in top]))
    return found


async def found(db: Database, community_id: int) -> tuple[list, list]:  # type: ignore[type-arg]
    async with db.transaction() as session:
        rings = await gaming.thanks_rings(session, community_id, SINCE, RING_MIN)
        farms = await gaming.reaction_farms(session, community_id, SINCE, FARMING_MIN, SHARE)
    return rings, farms


async def test_rings_and_farms_are_the_pairs_and_members_past_the_thresholds(db: Database):
    day = START + timedelta(days=1)
    gifts = [
        *[("kudos", 1, 2, day)] * 3 + [("kudos", 2, 1, day)] * 4,  # a ring, 3 and 4
        *[("kudos", 3, 4, day)] * 5 + [("kudos", 4, 3, day)] * 2,  # 2 back: not one
        *[("kudos", 5, 6, day)] * 9,  # one way only
        *[("kudos", 7, 8, START - timedelta(hours=1))] * 3 + [("kudos", 8, 7, day)] * 3,
        *[("reaction", 9, 10, day)] * 8 + [("reaction", 11, 10, day)] * 2,  # 10 of 10
        *[("reaction", 9, 12, day)] * 7 + [("reaction", k, 12, day) for k in (13, 14, 15, 23)],
        *[("reaction", 16, 17, day)] * 9,  # nine: under the minimum
        # Two reactors alike below the top one: the higher id is the second.
        *[("reaction", 18, 20, day)] * 8 + [("reaction", k, 20, day) for k in (19, 21)],
    ]
    community_id = await ledger(db, gifts)
    async with db.transaction() as session:
        first = await session.scalar(select(Member.id).where(Member.display_name == "m1"))
    assert first is not None
    m = lambda k: first + k - 1  # noqa: E731

    rings, farms = await found(db, community_id)

    assert rings == [(m(1), m(2), 3, 4)]
    assert farms == [(m(10), 10, 10, [m(9), m(11)]), (m(20), 10, 9, [m(18), m(21)])]
    # m12: 8 of 11 from the top two (7 + 1), under 80 %.
    assert rings == rings_by_hand(await counted(db, community_id, "kudos"))
    assert farms == farms_by_hand(await counted(db, community_id, "reaction"))


async def test_rings_and_farms_agree_with_counting_every_row(db: Database):
    rng = random.Random(7)
    day = START + timedelta(hours=5)
    gifts = []
    for _ in range(1500):
        kind = rng.choice(["kudos", "reaction"])
        actor, member = rng.sample(range(1, 41) if rng.random() < 0.3 else range(1, 9), 2)
        at = day + timedelta(minutes=rng.randint(-600, 600))
        gifts.append((kind, actor, member, at))
    gifts += [("reaction", 31, 30, day)] * 12 + [("reaction", 32, 30, day)] * 2
    community_id = await ledger(db, gifts)

    rings, farms = await found(db, community_id)

    assert rings == rings_by_hand(await counted(db, community_id, "kudos"))
    assert farms == farms_by_hand(await counted(db, community_id, "reaction"))
    assert rings and farms  # the sample has both
