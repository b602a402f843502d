"""Property tests of first responses: whatever replies arrive (the asker's own, a bot's,
other members', some dated before the question by a platform's clock), in whatever
batches and with whatever redeliveries, a question's first response is never negative,
never the asker's own reply, and is the earliest reply by someone else — the same as when
each message is delivered once.

Delivery follows DESIGN's model: messages arrive in the order they were posted, and a
redelivered one may arrive again at any later point.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import CommunityDefaults, Settings
from bot.core import Cercle
from bot.events import ChannelRef, Event, MemberRef, MessagePosted
from storage.communities import community_for_space
from storage.db import Database
from storage.models import Identity
from storage.models.questions import Question

BASE = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
HELP = ChannelRef("c1", "help")
GENERAL = ChannelRef("c2", "general")
PEOPLE = {
    "alice": MemberRef("discord", "u1", "alice"),
    "bob": MemberRef("discord", "u2", "bob"),
    "carol": MemberRef("discord", "u3", "carol"),
    "helper": MemberRef("discord", "b1", "helper", is_bot=True),
}
# (asker, channel, text): a help-channel question, and one that ends with "?" elsewhere.
QUESTIONS = {
    "q1": ("alice", HELP, "my export fails with a timeout"),
    "q2": ("bob", GENERAL, "how do I rotate the API key?"),
}
# Seconds from the question to a reply; a negative one is a platform clock out of step.
GAPS = [-120, 0, 1, 59, 3600, 7200, 86400, 3 * 86400]
SETTINGS = Settings(defaults=CommunityDefaults(help_channels=["help"]))

replies = st.lists(
    st.tuples(
        st.sampled_from(sorted(PEOPLE)),
        st.sampled_from(sorted(QUESTIONS)),
        st.sampled_from(GAPS),
        st.booleans(),  # in the question's thread (else a reply to it)
    ),
    max_size=8,
)


def build(steps: list[tuple[str, str, int, bool]]) -> list[Event]:
    events: list[Event] = []
    for qid, (asker, channel, text) in QUESTIONS.items():
        events.append(post(qid, asker, channel, text, BASE))
    for index, (who, qid, gap, threaded) in enumerate(steps):
        channel = QUESTIONS[qid][1]
        at = BASE + timedelta(seconds=gap)
        events.append(
            post(
                f"r{index}",
                who,
                channel,
                "a reply long enough to count",
                at,
                thread_id=qid if threaded else None,
                reply_to=None if threaded else qid,
            )
        )
    return events


def post(
    mid: str,
    who: str,
    channel: ChannelRef,
    text: str,
    at: datetime,
    *,
    thread_id: str | None = None,
    reply_to: str | None = None,
) -> MessagePosted:
    return MessagePosted(
        platform="discord",
        space_id="g1",
        at=at,
        message_id=mid,
        channel=channel,
        author=PEOPLE[who],
        text=text,
        reply_to=reply_to,
        thread_id=thread_id,
    )


def expected(steps: list[tuple[str, str, int, bool]]) -> dict[str, int | None]:
    """The model: the delay of the earliest reply by a member who is neither the asker nor
    a bot, not dated before the question."""
    found: dict[str, int | None] = dict.fromkeys(QUESTIONS)
    for who, qid, gap, _ in steps:
        if who == QUESTIONS[qid][0] or PEOPLE[who].is_bot or gap < 0:
            continue
        current = found[qid]
        found[qid] = gap if current is None else min(current, gap)
    return found


async def play(url: str, batches: list[list[Event]]) -> dict[str, tuple[int, str] | None]:
    db = Database(url)
    try:
        core = Cercle(db, SETTINGS, ManualClock(BASE + timedelta(days=5)))
        for batch in batches:
            await core.handle_many(batch)
        async with db.transaction() as s:
            cid = await community_for_space(s, "discord", "g1")
            names = {
                member_id: user_id
                for member_id, user_id in await s.execute(
                    select(Identity.member_id, Identity.user_id)
                )
            }
            by_id = {ref.user_id: name for name, ref in PEOPLE.items()}
            rows = (await s.scalars(select(Question).where(Question.community_id == cid))).all()
            result: dict[str, tuple[int, str] | None] = {}
            for row in rows:
                qid = row.message_ref.split(":", 1)[1]
                assert row.asked_at == BASE
                if row.response_seconds is None:
                    assert row.first_response_at is None and row.responder_id is None
                    result[qid] = None
                    continue
                assert row.response_seconds >= 0
                assert row.first_response_at == BASE + timedelta(seconds=row.response_seconds)
                assert row.responder_id != row.asker_id
                result[qid] = (row.response_seconds, by_id[names[row.responder_id]])
            return result
    finally:
        await db.dispose()


def split(events: list[Event], cuts: list[int]) -> list[list[Event]]:
    points = sorted({c % (len(events) + 1) for c in cuts} | {0, len(events)})
    return [events[a:b] for a, b in itertools.pairwise(points) if b > a]


def with_duplicates(events: list[Event], picks: list[tuple[int, int]]) -> list[Event]:
    """Each picked event delivered once more at some later point."""
    stream = list(events)
    for index, where in picks:
        original = events[index % len(events)]
        first = stream.index(original)
        stream.insert(first + 1 + where % (len(stream) - first), original)
    return stream


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(
    steps=replies,
    picks=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), max_size=6),
    cuts_a=st.lists(st.integers(0, 100), max_size=4),
    cuts_b=st.lists(st.integers(0, 100), max_size=4),
)
def test_first_responses_are_never_negative_never_the_askers_and_never_counted_twice(
    database_url, steps, picks, cuts_a, cuts_b
):
    events = build(steps)
    stream = with_duplicates(events, picks)
    note(f"replies: {steps}")
    once = asyncio.run(play(database_url(), split(events, cuts_a)))
    again = asyncio.run(play(database_url(), split(stream, cuts_b)))
    model = expected(steps)
    # Two members replying in the same second: either is the first; the delay is the same.
    assert {q: None if v is None else v[0] for q, v in once.items()} == model
    assert again == once
