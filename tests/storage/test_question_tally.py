"""The responsiveness numbers read from the question tally (`storage.question_tally`) are
the ones the questions themselves give, counted one by one: for periods that begin on the
hour, at half past or a quarter to (time zones such as India's or Nepal's), inside a single
hour, with questions still inside their target, after responses move earlier, solutions
and deleted questions, on both databases, and on PostgreSQL before and after the moves are
folded in. An upgraded database counts the questions it already held."""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from storage import migrate, question_tally, questions, response_buckets
from storage.communities import ensure_community
from storage.db import Database
from storage.metrics.responsiveness import (
    ALL,
    Responsiveness,
    in_buckets_statement,
    responsiveness,
)
from storage.models import Member
from storage.models.questions import Question, QuestionTallyMove

DAY0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
CHANNELS = [
    ("c1", "Help", True),
    ("c2", "help", True),
    ("c3", "Bugs", True),
    ("c4", "general", False),
]
# Response times around the buckets' edges, and the target's.
EDGES = [0, 1, 9, 10, 11, 59, 60, 61, 119, 120, 3599, 3600, 3601, 7199, 7200, 86400, 86401]


async def setup(db: Database) -> tuple[int, list[int]]:
    async with db.transaction() as session:
        community = await ensure_community(session, "console", "tally", "tally", DAY0)
        members = [
            Member(community_id=community.id, display_name=f"m{k}", origin=f"console:m{k}")
            for k in range(8)
        ]
        session.add_all(members)
        await session.flush()
        return int(community.id), [int(m.id) for m in members if m.id is not None]


def seconds(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(EDGES)
    if roll < 0.9:
        return rng.randrange(0, 2 * 86400)
    return rng.randrange(0, 40 * 86400)


async def ask_and_answer(db: Database, community_id: int, people: list[int], seed: int) -> None:
    """Questions over three days through the storage functions the core calls: some never
    answered, some answered and then answered earlier, some solved, some deleted."""
    rng = random.Random(seed)
    asked: list[questions.Asked] = []
    for n in range(400):
        channel_id, name, help_channel = rng.choice(CHANNELS)
        at = DAY0 + timedelta(seconds=rng.randrange(0, 3 * 86400))
        asked.append(
            questions.Asked(f"q{seed}-{n}", channel_id, name, help_channel, rng.choice(people), at)
        )
    async with db.transaction() as session:
        await questions.record(session, community_id, asked)
        await questions.record(session, community_id, asked[:50])  # redelivered: nothing
    async with db.transaction() as session:
        for question in asked:
            if rng.random() < 0.25:
                continue  # never answered
            responder = next(p for p in people if p != question.asker_id)
            wait = seconds(rng)
            at = question.asked_at + timedelta(seconds=wait)
            await questions.respond(
                session,
                community_id,
                question.message_ref,
                responder,
                at,
                wait,
                solved=rng.random() < 0.3,
            )
            if rng.random() < 0.2:  # an earlier response turns up later
                earlier = rng.randrange(0, wait + 1)
                await questions.respond(
                    session,
                    community_id,
                    question.message_ref,
                    responder,
                    question.asked_at + timedelta(seconds=earlier),
                    earlier,
                )
    async with db.transaction() as session:
        gone = [q.message_ref for q in rng.sample(asked, 30)]
        await questions.forget(session, community_id, gone)


async def counted_one_by_one(
    db: Database, community_id: int, start: datetime, end: datetime, now: datetime, target: int
) -> dict[str, Responsiveness]:
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(
                    Question.channel_name,
                    Question.in_help_channel,
                    Question.asked_at,
                    Question.response_seconds,
                    Question.solved_at,
                ).where(Question.community_id == community_id)
            )
        ).all()
    chosen: dict[str, list[tuple[datetime, int | None, bool]]] = {ALL: []}
    for name, help_channel, at, waited, solved_at in rows:
        if not start <= at < end:
            continue
        fact = (at, waited, solved_at is not None)
        chosen[ALL].append(fact)
        if help_channel:
            chosen.setdefault(name.lower(), []).append(fact)
    found = {}
    for key, facts in chosen.items():
        waits = [w for _, w, _ in facts if w is not None]
        pending = sum(1 for at, w, _ in facts if w is None and at > now - timedelta(seconds=target))
        found[key] = Responsiveness(
            asked=len(facts),
            due=len(facts) - pending,
            in_time=sum(1 for w in waits if w <= target),
            answered=len(waits),
            solved=sum(1 for _, _, s in facts if s),
            median_seconds=statistics.median(waits) if waits else None,
        )
    return found


def periods(rng: random.Random) -> list[tuple[datetime, datetime]]:
    found = [
        (DAY0, DAY0 + timedelta(days=1)),
        (DAY0 + timedelta(days=1), DAY0 + timedelta(days=3)),
        (DAY0 - timedelta(hours=5, minutes=30), DAY0 + timedelta(hours=18, minutes=30)),
        (DAY0 + timedelta(hours=18, minutes=15), DAY0 + timedelta(days=2, hours=18, minutes=15)),
        (DAY0 + timedelta(hours=7, minutes=10), DAY0 + timedelta(hours=7, minutes=50)),
        (DAY0 + timedelta(hours=7, minutes=10), DAY0 + timedelta(hours=8, minutes=5)),
        (DAY0 + timedelta(days=5), DAY0 + timedelta(days=6)),  # nothing asked
    ]
    for _ in range(6):
        start = DAY0 + timedelta(seconds=rng.randrange(-3600, 3 * 86400))
        found.append((start, start + timedelta(seconds=rng.randrange(1, 2 * 86400))))
    return found


async def agree(db: Database, community_id: int, seed: int) -> int:
    """How many periods were compared; every one agrees."""
    rng = random.Random(seed)
    compared = 0
    for start, end in periods(rng):
        for now, target in [
            (DAY0 + timedelta(days=8), 24 * 3600),
            (end + timedelta(hours=2), 3600),
            (start + timedelta(hours=30), 48 * 3600),
            (end, 720 * 3600),
        ]:
            async with db.transaction() as session:
                read = await responsiveness(session, community_id, start, end, now, target)
            expected = await counted_one_by_one(db, community_id, start, end, now, target)
            assert read == expected, (start, end, now, target)
            compared += 1
    return compared


async def test_the_tally_gives_what_the_questions_give(db: Database) -> None:
    community_id, people = await setup(db)
    await ask_and_answer(db, community_id, people, seed=1)
    assert await agree(db, community_id, seed=2) == 52
    if db.dialect != "sqlite":
        async with db.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(QuestionTallyMove))
            assert await question_tally.fold(session) > 0
        async with db.transaction() as session:
            assert not await session.scalar(select(func.count()).select_from(QuestionTallyMove))
        assert await agree(db, community_id, seed=2) == 52
    # More questions and changes after the fold are counted on top of it.
    await ask_and_answer(db, community_id, people, seed=3)
    assert await agree(db, community_id, seed=4) == 52


async def test_a_median_inside_one_bucket_is_exact(db: Database) -> None:
    """Four responses in the same ten seconds: the median is the two middle ones'
    mean, not the bucket's edge."""
    community_id, people = await setup(db)
    asked = [
        questions.Asked(f"q{k}", "c1", "Help", True, people[0], DAY0 + timedelta(minutes=k))
        for k in range(4)
    ]
    async with db.transaction() as session:
        await questions.record(session, community_id, asked)
        for question, wait in zip(asked, [21, 23, 24, 29], strict=True):
            at = question.asked_at + timedelta(seconds=wait)
            await questions.respond(
                session, community_id, question.message_ref, people[1], at, wait
            )
    async with db.transaction() as session:
        read = await responsiveness(
            session, community_id, DAY0, DAY0 + timedelta(hours=1), DAY0 + timedelta(days=2), 3600
        )
    assert read[ALL].median_seconds == 23.5
    assert read["help"] == Responsiveness(4, 4, 4, 4, 0, 23.5)


async def test_an_upgraded_database_counts_the_questions_it_held(
    database_url: Callable[..., str],
) -> None:
    db = Database(database_url(migrated=False))
    try:
        await migrate.upgrade(db.engine, "0024")
        community_id, people = await setup(db)
        await ask_and_answer(db, community_id, people, seed=5)
        await db.upgrade()
        assert await agree(db, community_id, seed=6) == 52
    finally:
        await db.dispose()


async def test_buckets_cover_every_time_once_and_end_on_every_target(db: Database) -> None:
    """Every response time falls in exactly one bucket, the database's and Python's
    alike, and every target `responsiveness.target_hours` allows (1 to 720 hours) is a
    bucket's upper end: "answered in time" is a sum of whole buckets."""
    rng = random.Random(7)
    times = [*range(0, 4000), *EDGES, *(rng.randrange(0, 4 * 10**6) for _ in range(3000))]
    for seconds_after in times:
        low, high = response_buckets.seconds_of(response_buckets.bucket(seconds_after))
        assert low <= seconds_after and (high is None or seconds_after <= high)
    for number in range(response_buckets.LAST_BUCKET):
        low, high = response_buckets.seconds_of(number)
        assert high is not None
        assert response_buckets.bucket(low) == response_buckets.bucket(high) == number
        assert response_buckets.bucket(high + 1) == number + 1
    for hours in range(1, 721):
        target = hours * 3600
        assert response_buckets.seconds_of(response_buckets.bucket(target))[1] == target
    sample = [None, *rng.sample(times, 400)]
    async with db.transaction() as session:
        for seconds_after in sample:
            found = await session.scalar(
                text("SELECT " + response_buckets.bucket_sql("CAST(:s AS INTEGER)")),
                {"s": seconds_after},
            )
            expected = response_buckets.UNANSWERED
            if seconds_after is not None:
                expected = response_buckets.bucket(seconds_after)
            assert found == expected, seconds_after


async def test_a_median_reads_only_its_buckets_questions(db: Database) -> None:
    """The median's questions are looked up by bucket (`ix_question_bucket`), not read
    from the whole period: its expression is the one the index was created with."""
    community_id, people = await setup(db)
    rng = random.Random(8)
    asked = [
        questions.Asked(
            f"b{k}", "c1", "Help", True, people[0], DAY0 + timedelta(seconds=rng.randrange(86400))
        )
        for k in range(2000)
    ]
    async with db.transaction() as session:
        await questions.record(session, community_id, asked)
        for question in asked:
            wait = rng.randrange(1, 86400)
            await questions.respond(
                session,
                community_id,
                question.message_ref,
                people[1],
                question.asked_at + timedelta(seconds=wait),
                wait,
            )
    start, end = DAY0, DAY0 + timedelta(days=1)
    middle = response_buckets.bucket(43200)
    async with db.transaction() as session:
        dialect = session.get_bind().dialect
        if dialect.name == "postgresql":
            await session.execute(text("ANALYZE question"))
        statement = in_buckets_statement(community_id, start, end, [middle, middle + 1])
        compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN" if dialect.name == "sqlite" else "EXPLAIN"
        plan = "\n".join(str(row) for row in await session.execute(text(f"{explain} {compiled}")))
        found = (await session.execute(statement)).all()
    assert "ix_question_bucket" in plan, plan
    low, high = response_buckets.seconds_of(middle)[0], response_buckets.seconds_of(middle + 1)[1]
    assert high is not None
    assert sorted(seconds for _, seconds in found) == sorted(
        s for s in (await waits(db, community_id)) if low <= s <= high
    )


async def waits(db: Database, community_id: int) -> list[int]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(Question.response_seconds).where(
                Question.community_id == community_id, Question.response_seconds.is_not(None)
            )
        )
        return [int(s) for s in rows if s is not None]
