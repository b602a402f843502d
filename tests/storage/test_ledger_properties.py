"""Property tests of the ledger: any sequence of activity, delivered with arbitrary
duplicates and in arbitrary batches, gives the same totals as the sequence delivered once,
and the maintained totals always equal the ledger's sums.

Duplicates follow DESIGN's delivery model: a redelivered MessagePosted or MessageDeleted
may arrive at any later point; a reaction event (state-based, keyed by message, reactor
and emoji) is redelivered after its original but before the next event of the same key.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import CommunityDefaults, ScoringSettings, Settings
from bot.core import Cercle
from bot.events import (
    ChannelRef,
    Event,
    MemberRef,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from storage import ledger
from storage.communities import community_for_space
from storage.db import Database
from storage.models import Contribution, Member, MemberTotal

TIMEZONE = "America/New_York"
ZONE = ZoneInfo(TIMEZONE)
# Saturday Jan 31, 2026, 22:00 in New York: the generated events cross a week and a month.
BASE = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)
GENERAL = ChannelRef("c1", "general")
OFFTOPIC = ChannelRef("c9", "offtopic")

PEOPLE = {
    "alice": MemberRef("discord", "u1", "alice"),
    "bob": MemberRef("discord", "u2", "bob"),
    "carol": MemberRef("discord", "u3", "carol"),
    "sam": MemberRef("discord", "u4", "sam", roles=("staff",)),
    "helper": MemberRef("discord", "b1", "helper", is_bot=True),
}
# Each message has one author, one channel and one text, whatever happens to it.
MESSAGES = {
    "m1": ("alice", GENERAL, "a long enough first message"),
    "m2": ("alice", GENERAL, "short"),
    "m3": ("bob", GENERAL, None),
    "m4": ("bob", OFFTOPIC, "bob chats in the off-topic channel"),
    "m5": ("sam", GENERAL, "sam from the staff says something"),
}
# Weighted towards members who may give points, so that they meet under the cap.
REACTORS = ["alice", "bob", "bob", "carol", "carol", "sam", "helper"]
EMOJIS = ["+1", "heart"]
GAPS = [0, 1, 30, 59, 60, 61, 600, 5 * 3600, 86400]

DEFAULTS = CommunityDefaults(
    timezone=TIMEZONE, excluded_channels=["offtopic"], excluded_roles=["staff"]
)
# The per-message reaction cap of an example: a small cap makes the cap matter often.
caps = st.sampled_from([1, 1, 2])


def settings_with(cap: int) -> Settings:
    return Settings(scoring=ScoringSettings(reaction_cap_per_message=cap), defaults=DEFAULTS)


# --------------------------------------------------------------------------- generation

# Every step is (kind, index, reactor, emoji, does the platform say who wrote the message).
# A post names a message by its index among all messages; a deletion or reaction names it
# by its index among the messages currently there; `undo`/`redo` take back (or put back)
# one of the reactions currently on (or taken off) a message. Kinds are weighted so that
# generated sequences are dense in coincidences (same key toggled, caps, deletions).
KINDS = ["post"] * 3 + ["delete"] + ["react"] * 4 + ["unreact", "redo"] + ["undo"] * 3
op = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, 50),
    st.sampled_from(REACTORS),
    st.sampled_from(EMOJIS),
    st.booleans(),
)
steps = st.lists(st.tuples(op, st.sampled_from(GAPS)), min_size=12, max_size=40)


def build(ops: list[tuple[tuple, int]]) -> list[Event]:
    """A realistic sequence: each message is posted once and deleted at most once, and
    reactions only come while their message is there; times increase."""
    events: list[Event] = []
    when = BASE
    live: list[str] = []
    gone: set[str] = set()
    on: list[tuple[str, str, str]] = []  # reactions now on a live message, oldest first
    off: list[tuple[str, str, str]] = []  # reactions taken back from a live message
    for (kind, index, reactor, emoji, says_author), gap in ops:
        when = when + timedelta(seconds=gap)
        if kind == "post":
            mid = sorted(MESSAGES)[index % len(MESSAGES)]
            if mid in live or mid in gone:
                continue
            live.append(mid)
            author, channel, text = MESSAGES[mid]
            events.append(MessagePosted("discord", "g1", when, mid, channel, PEOPLE[author], text))
            continue
        if not live:
            continue
        if kind == "delete":
            mid = live.pop(index % len(live))
            gone.add(mid)
            events.append(MessageDeleted("discord", "g1", when, mid, MESSAGES[mid][1]))
            continue
        if kind in ("undo", "redo"):
            pool = on if kind == "undo" else off
            pool[:] = [k for k in pool if k[0] in live]
            if not pool:
                continue
            # Half the time the oldest: the one most likely to hold a counted place.
            mid, reactor, emoji = pool[0 if index % 2 else index % len(pool)]
            kind = "unreact" if kind == "undo" else "react"
        else:
            # Mostly the oldest message there, so that reactors meet on one message.
            mid = live[0 if index % 3 else index % len(live)]
        key = (mid, reactor, emoji)
        adding = kind == "react"
        for pool in (on, off):
            if key in pool:
                pool.remove(key)
        (on if adding else off).append(key)
        author, channel, _ = MESSAGES[mid]
        cls = ReactionAdded if adding else ReactionRemoved
        events.append(
            cls(
                "discord",
                "g1",
                when,
                mid,
                channel,
                PEOPLE[reactor],
                emoji,
                PEOPLE[author] if says_author else None,
            )
        )
    return events


def reaction_key(event: Event) -> tuple[str, str, str] | None:
    if isinstance(event, ReactionAdded | ReactionRemoved):
        return (event.message_id, event.reactor.user_id, event.emoji)
    return None


def with_duplicates(events: list[Event], picks: list[tuple[int, int]]) -> list[Event]:
    """`events` with a redelivery for each (index, position) pick, placed as DESIGN allows."""
    after: dict[int, list[Event]] = defaultdict(list)
    for raw_index, raw_position in picks:
        if not events:
            break
        i = raw_index % len(events)
        key = reaction_key(events[i])
        limit = len(events)  # redelivered after position `j`, for j in [i, limit)
        if key is not None:
            limit = next(
                (k for k in range(i + 1, len(events)) if reaction_key(events[k]) == key),
                len(events),
            )
        j = i + raw_position % (limit - i)
        after[j].append(events[i])
    stream: list[Event] = []
    for index, event in enumerate(events):
        stream.append(event)
        stream += after[index]
    return stream


def describe(events: list[Event]) -> str:
    """One short line per event, for the report of a failing example."""
    lines = []
    for e in events:
        t = int((e.at - BASE).total_seconds())
        if isinstance(e, MessagePosted):
            lines.append(f"t+{t}s post {e.message_id} by {e.author.name}")
        elif isinstance(e, MessageDeleted):
            lines.append(f"t+{t}s delete {e.message_id}")
        elif isinstance(e, ReactionAdded | ReactionRemoved):
            verb = "react" if isinstance(e, ReactionAdded) else "unreact"
            says = "" if e.message_author else " (author not given)"
            lines.append(f"t+{t}s {verb} {e.message_id} {e.reactor.name} {e.emoji}{says}")
    return "\n".join(lines)


def split(stream: list[Event], cuts: list[int]) -> list[list[Event]]:
    """`stream` cut into consecutive batches (each handed to `handle_many` at once)."""
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    return [stream[a:b] for a, b in itertools.pairwise(points) if b > a]


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Totals:
    points: int
    messages: int
    active_days: int
    weeks: tuple[tuple[date, int], ...]
    months: tuple[tuple[date, int], ...]


def week_start(when: datetime) -> date:
    day = when.astimezone(ZONE).date()
    return day - timedelta(days=day.weekday())


def month_start(when: datetime) -> date:
    return when.astimezone(ZONE).date().replace(day=1)


async def play(url: str, batches: list[list[Event]], cap: int) -> dict[str, object]:
    db = Database(url)
    try:
        core = Cercle(db, settings_with(cap), ManualClock(BASE))
        for batch in batches:
            await core.handle_many(batch)
        return await check_and_read(db)
    finally:
        await db.dispose()


async def check_and_read(db: Database) -> dict[str, object]:
    """Check the aggregates against the ledger, then return every member's totals and the
    reaction points each message holds."""
    async with db.transaction() as s:
        cid = await community_for_space(s, "discord", "g1")
        if cid is None:
            return {}
        members = list((await s.scalars(select(Member).where(Member.community_id == cid))).all())
        rows = list(
            (await s.scalars(select(Contribution).where(Contribution.community_id == cid))).all()
        )
        totals = list(
            (await s.scalars(select(MemberTotal).where(MemberTotal.community_id == cid))).all()
        )
        expected: dict[tuple[str, date, int], int] = defaultdict(int)
        for row in rows:
            expected[("week", week_start(row.occurred_at), row.member_id)] += row.points
            expected[("month", month_start(row.occurred_at), row.member_id)] += row.points
        kept = {(t.period, t.period_start, t.member_id): t.points for t in totals}
        assert {k: v for k, v in kept.items() if v} == {k: v for k, v in expected.items() if v}

        result: dict[str, object] = {}
        by_message: dict[str, int] = defaultdict(int)
        for row in rows:
            if row.kind in ("reaction", "reaction_reversed") and row.message_ref:
                by_message[row.message_ref.removeprefix("discord:")] += row.points
        result["reactions by message"] = {k: v for k, v in sorted(by_message.items()) if v}
        for m in members:
            assert m.id is not None
            assert m.points == await ledger.ledger_sum(s, cid, m.id), m.display_name
            if m.excluded or m.is_bot:
                assert m.points == 0, m.display_name
            sent = sum(1 for r in rows if r.member_id == m.id and r.kind == "message")
            assert m.messages == sent, m.display_name
            weeks = sorted((k[1], v) for k, v in kept.items() if k[0] == "week" and k[2] == m.id)
            months = sorted((k[1], v) for k, v in kept.items() if k[0] == "month" and k[2] == m.id)
            result[m.display_name] = Totals(
                m.points,
                m.messages,
                m.active_days,
                tuple((d, v) for d, v in weeks if v),
                tuple((d, v) for d, v in months if v),
            )
        return result


def expected_reaction_points(events: list[Event], cap: int) -> dict[str, int]:
    """The reaction points each message should hold once `events` are in: one per distinct
    reactor with an emoji still on it (not a bot, not the author), up to the cap; nothing
    for a deleted message, an excluded author or an excluded channel."""
    on: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    deleted: set[str] = set()
    for e in events:
        if isinstance(e, MessageDeleted):
            deleted.add(e.message_id)
        elif isinstance(e, ReactionAdded):
            on[e.message_id][e.reactor.name].add(e.emoji)
        elif isinstance(e, ReactionRemoved):
            on[e.message_id][e.reactor.name].discard(e.emoji)
    each = ScoringSettings().reaction_points
    expected = {}
    for mid, reactors in on.items():
        author, channel, _ = MESSAGES[mid]
        if mid in deleted or author == "sam" or channel == OFFTOPIC:
            continue
        eligible = [r for r, emojis in reactors.items() if emojis and r not in (author, "helper")]
        if eligible:
            expected[mid] = min(cap, len(eligible)) * each
    return dict(sorted(expected.items()))


@settings(
    max_examples=30,
    deadline=None,
    # `database_url` is a factory: every call gives a new database, so sharing it between
    # examples is what we want.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(
    ops=steps,
    # For the event at each index: redelivered or not, and where (any allowed place).
    redeliver=st.lists(st.tuples(st.booleans(), st.integers(0, 1000)), min_size=40, max_size=40),
    extra=st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), max_size=5),
    cuts_a=st.lists(st.integers(0, 1000), max_size=6),
    cuts_b=st.lists(st.integers(0, 1000), max_size=6),
    cap=caps,
)
def test_duplicates_change_nothing_and_totals_equal_the_ledger(
    database_url, ops, redeliver, extra, cuts_a, cuts_b, cap
):
    events = build(ops)
    picks = [(i, where) for i, (again, where) in enumerate(redeliver[: len(events)]) if again]
    stream = with_duplicates(events, picks + extra)
    note("delivered once:\n" + describe(events))
    note("with duplicates:\n" + describe(stream))
    once = asyncio.run(play(database_url(), split(events, cuts_a), cap))
    again = asyncio.run(play(database_url(), split(stream, cuts_b), cap))
    assert again == once
    assert once.get("reactions by message", {}) == expected_reaction_points(events, cap)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=steps, cuts=st.lists(st.integers(0, 1000), max_size=6), cap=caps)
def test_batching_does_not_change_the_totals(database_url, ops, cuts, cap):
    """Handing the same events one at a time or in batches gives the same totals."""
    events = build(ops)
    note("events:\n" + describe(events))
    one_by_one = asyncio.run(play(database_url(), [[e] for e in events], cap))
    batched = asyncio.run(play(database_url(), split(events, cuts), cap))
    assert batched == one_by_one
    assert one_by_one.get("reactions by message", {}) == expected_reaction_points(events, cap)


# --------------------------------------------------------------------------- the helpers


def test_with_duplicates_keeps_reaction_redeliveries_before_the_next_same_key_event():
    alice, bob = PEOPLE["alice"], PEOPLE["bob"]
    events: list[Event] = [
        MessagePosted("discord", "g1", BASE, "m1", GENERAL, alice, "hello there all"),
        ReactionAdded("discord", "g1", BASE, "m1", GENERAL, bob, "+1", alice),
        ReactionAdded("discord", "g1", BASE, "m1", GENERAL, bob, "heart", alice),
        ReactionRemoved("discord", "g1", BASE, "m1", GENERAL, bob, "+1", alice),
    ]
    for position in range(10):
        stream = with_duplicates(events, [(1, position)])
        first_removal = stream.index(events[3])
        assert [i for i, e in enumerate(stream) if e == events[1]][1] < first_removal
    posts = {
        tuple(i for i, e in enumerate(with_duplicates(events, [(0, p)])) if e == events[0])
        for p in range(10)
    }
    assert {p[1] for p in posts} == {1, 2, 3, 4}


def test_split_covers_the_stream_in_order():
    stream = list(range(10))
    batches = split(stream, [3, 7, 3, 0, 999])  # type: ignore[arg-type]
    assert [x for batch in batches for x in batch] == stream
    assert [len(b) for b in batches] == [3, 4, 2, 1]  # 999 % 11 == 9
    assert split([], [4]) == []
