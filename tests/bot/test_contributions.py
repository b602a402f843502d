"""Ingest of activity events through the real core: messages, reactions, deletions,
redeliveries, exclusions, and the leaderboards that read the maintained totals."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import CommunityDefaults, ScoringSettings, Settings
from bot.core import Cercle
from bot.events import (
    ChannelRef,
    CommandInvoked,
    MemberJoined,
    MemberRef,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from storage import leaderboards, ledger, member_counters
from storage.communities import community_for_space
from storage.db import Database
from storage.members import find_member
from storage.models import Contribution, Member, MemberDay

BASE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
GENERAL = ChannelRef("c1", "general")
OFFTOPIC = ChannelRef("c9", "offtopic")
ALICE = MemberRef("discord", "u1", "alice")
BOB = MemberRef("discord", "u2", "bob")
CAROL = MemberRef("discord", "u3", "carol")
DAVE = MemberRef("discord", "u4", "dave")
ERIN = MemberRef("discord", "u5", "erin")
STAFF = MemberRef("discord", "u9", "sam", roles=("staff",))
HELPER = MemberRef("discord", "b1", "helper", is_bot=True)
TEXT = "a message that is long enough to score"


def at(seconds: float = 0, **delta: float) -> datetime:
    return BASE + timedelta(seconds=seconds, **delta)


def post(
    mid: str,
    author: MemberRef = ALICE,
    when: datetime = BASE,
    text: str | None = TEXT,
    channel: ChannelRef = GENERAL,
) -> MessagePosted:
    return MessagePosted("discord", "g1", when, mid, channel, author, text)


def delete(mid: str, when: datetime, channel: ChannelRef = GENERAL) -> MessageDeleted:
    return MessageDeleted("discord", "g1", when, mid, channel)


def react(
    mid: str,
    reactor: MemberRef,
    emoji: str = "+1",
    when: datetime = BASE,
    author: MemberRef | None = ALICE,
    channel: ChannelRef = GENERAL,
) -> ReactionAdded:
    return ReactionAdded("discord", "g1", when, mid, channel, reactor, emoji, author)


def unreact(
    mid: str,
    reactor: MemberRef,
    emoji: str = "+1",
    when: datetime = BASE,
    author: MemberRef | None = ALICE,
    channel: ChannelRef = GENERAL,
) -> ReactionRemoved:
    return ReactionRemoved("discord", "g1", when, mid, channel, reactor, emoji, author)


def make_core(db: Database, clock: ManualClock, **scoring: int) -> Cercle:
    return Cercle(db, Settings(scoring=ScoringSettings(**scoring)), clock)


async def community_id(core: Cercle) -> int:
    async with core.db.transaction() as s:
        found = await community_for_space(s, "discord", "g1")
    assert found is not None
    return found


async def member(core: Cercle, ref: MemberRef) -> Member:
    async with core.db.transaction() as s:
        cid = await community_for_space(s, "discord", "g1")
        assert cid is not None
        row = await find_member(s, cid, ref.platform, ref.user_id)
        assert row is not None and row.id is not None
        return (await member_counters.members_by_id(s, [row.id]))[row.id]


async def points(core: Cercle, ref: MemberRef) -> int:
    return (await member(core, ref)).points


async def rows_of(core: Cercle, ref: MemberRef) -> list[Contribution]:
    mid = (await member(core, ref)).id
    async with core.db.transaction() as s:
        result = await s.scalars(
            select(Contribution).where(Contribution.member_id == mid).order_by(Contribution.id)
        )
        return list(result.all())


async def ledger_total(core: Cercle, ref: MemberRef) -> int:
    row = await member(core, ref)
    assert row.id is not None
    async with core.db.transaction() as s:
        return await ledger.ledger_sum(s, row.community_id, row.id)


async def period_points(core: Cercle, ref: MemberRef, period: str, start: date | None) -> int:
    row = await member(core, ref)
    assert row.id is not None
    async with core.db.transaction() as s:
        return await leaderboards.points_of(s, row.community_id, row.id, period, start)


async def board(core: Cercle, period: str = "all", start: date | None = None):
    cid = await community_id(core)
    async with core.db.transaction() as s:
        return await leaderboards.top(s, cid, period, start, limit=50)


# --------------------------------------------------------------------------- messages


async def test_a_message_scores_the_configured_points(db, clock):
    core = make_core(db, clock, message_points=3)
    await core.handle(post("m1"))
    alice = await member(core, ALICE)
    assert alice.points == 3
    assert alice.messages == 1
    assert await ledger_total(core, ALICE) == 3
    assert await period_points(core, ALICE, "week", date(2026, 1, 5)) == 3
    assert await period_points(core, ALICE, "month", date(2026, 1, 1)) == 3


async def test_two_messages_30s_apart_score_once(core):
    await core.handle_many([post("m1", when=at(0)), post("m2", when=at(30))])
    alice = await member(core, ALICE)
    assert alice.points == 1
    assert alice.messages == 2


async def test_two_messages_61s_apart_both_score(core):
    await core.handle_many([post("m1", when=at(0)), post("m2", when=at(61))])
    assert await points(core, ALICE) == 2


async def test_cooldown_is_exactly_the_configured_seconds(core):
    await core.handle_many([post("m1", when=at(0)), post("m2", when=at(60))])
    assert await points(core, ALICE) == 2


async def test_cooldown_is_judged_on_event_time_not_processing_time(core, clock):
    # Delivered hours apart (processing time), written 30 s apart (event time).
    await core.handle(post("m1", when=at(0)))
    clock.advance(timedelta(hours=3))
    await core.handle(post("m2", when=at(30)))
    assert await points(core, ALICE) == 1


async def test_cooldown_across_separate_deliveries_61s_apart(core, clock):
    await core.handle(post("m1", when=at(0)))
    await core.handle(post("m2", when=at(61)))
    assert await points(core, ALICE) == 2


async def test_cooldown_30s_apart_delivered_in_reverse_order_scores_once(core):
    await core.handle(post("m2", when=at(30)))
    await core.handle(post("m1", when=at(0)))
    alice = await member(core, ALICE)
    assert alice.points == 1
    assert alice.messages == 2


async def test_an_old_event_delivered_late_does_not_reset_a_later_cooldown(core):
    await core.handle(post("m1", when=at(0)))
    await core.handle(post("old", when=at(-600)))  # written ten minutes earlier, delivered now
    await core.handle(post("m2", when=at(30)))  # 30 s after m1: still in m1's cooldown
    rows = {r.source_key: r.points for r in await rows_of(core, ALICE)}
    assert rows["discord:msg:m1"] == 1
    assert rows["discord:msg:m2"] == 0


async def test_messages_far_apart_in_event_time_both_score_whatever_the_delivery_order(core):
    # Judged on event time, two messages ten minutes apart are both outside each other's
    # cooldown; the order in which the platform delivers them must not matter.
    await core.handle(post("m1", when=at(0)))
    await core.handle(post("old", when=at(-600)))
    assert await points(core, ALICE) == 2


async def test_a_late_message_inside_an_earlier_cooldown_does_not_score(core):
    # m1 (t=0) and m3 (t=100) score; m2, written 30 s after m1, arrives last. Judged on event
    # time it falls in m1's cooldown whatever the delivery order, as it would in order.
    await core.handle(post("m1", when=at(0)))
    await core.handle(post("m3", when=at(100)))
    await core.handle(post("m2", when=at(30)))
    rows = {r.source_key: r.points for r in await rows_of(core, ALICE)}
    assert rows == {"discord:msg:m1": 1, "discord:msg:m3": 1, "discord:msg:m2": 0}


async def test_cooldown_gives_the_same_points_in_any_delivery_order(core):
    # 0, 30 and 60 s: in order, the first and the third score. Delivered 30-first, a cooldown
    # that slid from the first scored message would score only the 30 s one. Clock-aligned
    # windows give two points in every order, as two processes sharing the work would.
    times = [0, 30, 60, 95]
    results = []
    for number, order in enumerate(itertools.permutations(range(len(times)))):
        author = MemberRef("discord", f"order{number}", f"order{number}")
        for index in order:
            await core.handle(post(f"o{number}m{index}", author, at(times[index])))
        results.append(await points(core, author))
    assert results == [2] * 24


async def test_cooldown_is_per_member(core):
    await core.handle_many([post("m1", ALICE, at(0)), post("m2", BOB, at(5))])
    assert await points(core, ALICE) == 1
    assert await points(core, BOB) == 1


async def test_an_unscored_message_does_not_start_a_cooldown(core):
    # m1 is too short: it earns nothing, so m2 10 s later is not in a cooldown.
    await core.handle_many([post("m1", when=at(0), text="hi"), post("m2", when=at(10))])
    alice = await member(core, ALICE)
    assert alice.points == 1
    assert alice.messages == 2


async def test_short_message_scores_nothing_but_counts_as_activity(core):
    await core.handle(post("m1", text="too short"))  # 9 characters < 10
    alice = await member(core, ALICE)
    assert alice.points == 0
    assert alice.messages == 1
    assert alice.active_days == 1


async def test_minimum_length_ignores_surrounding_whitespace(core):
    await core.handle(post("m1", text="   short     "))
    assert await points(core, ALICE) == 0


async def test_message_at_minimum_length_scores(core):
    await core.handle(post("m1", text="x" * 10))
    assert await points(core, ALICE) == 1


async def test_no_minimum_length_when_the_text_is_unknown(core):
    await core.handle(post("m1", text=None))
    assert await points(core, ALICE) == 1


async def test_bot_messages_score_nothing_and_count_nothing(core):
    await core.handle(post("m1", author=HELPER))
    helper = await member(core, HELPER)
    assert helper.points == 0
    assert helper.messages == 0
    assert await rows_of(core, HELPER) == []


async def test_redelivered_message_scores_once(core):
    await core.handle(post("m1"))
    await core.handle(post("m1"))
    await core.handle_many([post("m1"), post("m1")])
    alice = await member(core, ALICE)
    assert alice.points == 1
    assert alice.messages == 1
    assert len(await rows_of(core, ALICE)) == 1


async def test_redelivered_message_does_not_consume_the_cooldown(core):
    await core.handle(post("m1", when=at(0)))
    await core.handle(post("m1", when=at(0)))
    await core.handle(post("m2", when=at(70)))
    assert await points(core, ALICE) == 2


# --------------------------------------------------------------------------- exclusions


def excluded_settings(**defaults: object) -> Settings:
    return Settings(defaults=CommunityDefaults(**defaults))  # type: ignore[arg-type]


async def test_excluded_channel_by_name_scores_nothing_but_counts_activity(db, clock):
    core = Cercle(db, excluded_settings(excluded_channels=["offtopic"]), clock)
    await core.handle(post("m1", channel=OFFTOPIC))
    alice = await member(core, ALICE)
    assert alice.points == 0
    assert alice.messages == 1
    assert alice.active_days == 1


async def test_excluded_channel_matches_by_id_and_ignores_case_and_hash(db, clock):
    core = Cercle(db, excluded_settings(excluded_channels=["#OffTopic", "c42"]), clock)
    await core.handle_many(
        [
            post("m1", when=at(0), channel=ChannelRef("c9", "offtopic")),
            post("m2", when=at(100), channel=ChannelRef("c42", "renamed")),
            post("m3", when=at(200), channel=GENERAL),
        ]
    )
    alice = await member(core, ALICE)
    assert alice.points == 1
    assert alice.messages == 3


async def test_message_in_excluded_channel_does_not_start_a_cooldown(db, clock):
    core = Cercle(db, excluded_settings(excluded_channels=["offtopic"]), clock)
    await core.handle_many([post("m1", when=at(0), channel=OFFTOPIC), post("m2", when=at(10))])
    assert await points(core, ALICE) == 1


async def test_reactions_in_excluded_channel_score_nothing(db, clock):
    core = Cercle(db, excluded_settings(excluded_channels=["offtopic"]), clock)
    await core.handle_many(
        [post("m1", channel=OFFTOPIC), react("m1", BOB, when=at(5), channel=OFFTOPIC)]
    )
    assert await points(core, ALICE) == 0


async def test_excluded_role_counts_activity_but_earns_nothing(db, clock):
    core = Cercle(db, excluded_settings(excluded_roles=["staff"]), clock)
    await core.handle_many(
        [
            post("m1", author=STAFF, when=at(0)),
            post("m2", author=STAFF, when=at(0, days=1)),
            react("m1", BOB, when=at(5), author=STAFF),
        ]
    )
    sam = await member(core, STAFF)
    assert sam.excluded
    assert sam.points == 0
    assert sam.messages == 2
    assert sam.active_days == 2
    assert await ledger_total(core, STAFF) == 0


async def test_excluded_role_matches_case_insensitively(db, clock):
    core = Cercle(db, excluded_settings(excluded_roles=["Staff"]), clock)
    await core.handle(post("m1", author=MemberRef("discord", "u9", "sam", roles=("STAFF",))))
    assert await points(core, STAFF) == 0


async def test_excluded_member_never_appears_on_leaderboards(db, clock):
    core = Cercle(db, excluded_settings(excluded_roles=["staff"]), clock)
    await core.handle_many([post("m1", author=STAFF), post("m2", author=BOB)])
    week = BASE.date() - timedelta(days=BASE.weekday())
    for period, start in (("all", None), ("week", week), ("month", date(2026, 1, 1))):
        names = [s.name for s in await board(core, period, start)]
        assert names == ["bob"], period


MOD = MemberRef("discord", "mod", "mo", manages_space=True)


def admin(text: str, when: datetime):
    return CommandInvoked("discord", "g1", when, f"x{when.timestamp()}", GENERAL, MOD, text=text)


async def test_admin_exclude_member_takes_them_off_the_leaderboard(core):
    await core.handle_many([post("a1", ALICE, at(0)), post("b1", BOB, at(0))])
    await core.handle(admin("/admin exclude member @u2", at(10)))
    assert [s.name for s in await board(core)] == ["alice"]
    assert [s.name for s in await board(core, "week", date(2026, 1, 5))] == ["alice"]
    await core.handle(post("b2", BOB, at(100)))
    bob = await member(core, BOB)
    assert bob.points == 1  # nothing more after the exclusion
    assert bob.messages == 2


async def test_admin_exclude_channel_stops_scoring_there(core):
    await core.handle(post("a1", ALICE, at(0), channel=OFFTOPIC))
    await core.handle(admin("/admin exclude channel #offtopic", at(10)))
    await core.handle(post("a2", ALICE, at(100), channel=OFFTOPIC))
    alice = await member(core, ALICE)
    assert alice.points == 1
    assert alice.messages == 2


async def test_member_who_gains_an_excluded_role_later_leaves_the_leaderboard(db, clock):
    core = Cercle(db, excluded_settings(excluded_roles=["staff"]), clock)
    sam = MemberRef("discord", "u9", "sam")
    await core.handle(post("m1", author=sam, when=at(0)))
    assert [s.name for s in await board(core)] == ["sam"]
    await core.handle(post("m2", author=STAFF, when=at(100)))
    assert await board(core) == []


# --------------------------------------------------------------------------- reactions


async def test_a_reaction_gives_the_author_a_point(db, clock):
    core = make_core(db, clock, reaction_points=2)
    await core.handle_many([post("m1"), react("m1", BOB, when=at(5))])
    assert await points(core, ALICE) == 1 + 2
    assert await points(core, BOB) == 0
    bob = await member(core, BOB)
    assert bob.active_days == 1  # reacting is activity


async def test_two_emojis_from_one_reactor_count_once(core):
    await core.handle_many(
        [post("m1"), react("m1", BOB, "+1", at(5)), react("m1", BOB, "heart", at(6))]
    )
    assert await points(core, ALICE) == 2


async def test_removing_one_of_two_emojis_keeps_the_point(core):
    await core.handle_many(
        [
            post("m1"),
            react("m1", BOB, "+1", at(5)),
            react("m1", BOB, "heart", at(6)),
            unreact("m1", BOB, "+1", at(7)),
        ]
    )
    assert await points(core, ALICE) == 2
    await core.handle(unreact("m1", BOB, "heart", at(8)))
    assert await points(core, ALICE) == 1


async def test_distinct_reactors_each_count(core):
    await core.handle_many(
        [post("m1"), react("m1", BOB, when=at(5)), react("m1", CAROL, when=at(6))]
    )
    assert await points(core, ALICE) == 3


async def test_self_reaction_scores_nothing(core):
    await core.handle_many([post("m1"), react("m1", ALICE, when=at(5))])
    assert await points(core, ALICE) == 1


async def test_bot_reaction_scores_nothing(core):
    await core.handle_many([post("m1"), react("m1", HELPER, when=at(5))])
    assert await points(core, ALICE) == 1


async def test_reactions_are_capped_per_message(db, clock):
    core = make_core(db, clock, reaction_cap_per_message=2)
    await core.handle_many(
        [
            post("m1"),
            react("m1", BOB, when=at(5)),
            react("m1", CAROL, when=at(6)),
            react("m1", DAVE, when=at(7)),
            react("m1", ERIN, when=at(8)),
        ]
    )
    assert await points(core, ALICE) == 1 + 2
    assert await ledger_total(core, ALICE) == 3


async def test_cap_is_per_message_not_per_author(db, clock):
    core = make_core(db, clock, reaction_cap_per_message=1)
    await core.handle_many(
        [
            post("m1", when=at(0)),
            post("m2", when=at(100)),
            react("m1", BOB, when=at(110)),
            react("m2", BOB, when=at(111)),
            react("m2", CAROL, when=at(112)),
        ]
    )
    assert await points(core, ALICE) == 2 + 2


async def test_a_slot_freed_under_the_cap_can_be_used_again(db, clock):
    core = make_core(db, clock, reaction_cap_per_message=2)
    await core.handle_many(
        [
            post("m1"),
            react("m1", BOB, when=at(5)),
            react("m1", CAROL, when=at(6)),
            react("m1", DAVE, when=at(7)),  # capped
            unreact("m1", BOB, when=at(8)),  # frees a slot
            react("m1", ERIN, when=at(9)),  # takes it
        ]
    )
    assert await points(core, ALICE) == 1 + 2
    assert await ledger_total(core, ALICE) == 3


async def test_unreact_takes_the_point_back_with_a_reversal(core):
    await core.handle_many([post("m1"), react("m1", BOB, when=at(5))])
    await core.handle(unreact("m1", BOB, when=at(9)))
    assert await points(core, ALICE) == 1
    kinds = [(r.kind, r.points) for r in await rows_of(core, ALICE)]
    assert kinds == [("message", 1), ("reaction", 1), ("reaction_reversed", -1)]
    assert await period_points(core, ALICE, "week", date(2026, 1, 5)) == 1


async def test_re_adding_after_removal_counts_once_more(core):
    await core.handle_many(
        [
            post("m1"),
            react("m1", BOB, when=at(5)),
            unreact("m1", BOB, when=at(6)),
            react("m1", BOB, when=at(7)),
        ]
    )
    assert await points(core, ALICE) == 2
    await core.handle(unreact("m1", BOB, when=at(8)))
    assert await points(core, ALICE) == 1
    await core.handle(react("m1", BOB, when=at(9)))
    assert await points(core, ALICE) == 2
    assert await ledger_total(core, ALICE) == 2


async def test_duplicate_reaction_add_counts_once(core):
    await core.handle_many([post("m1"), react("m1", BOB, when=at(5)), react("m1", BOB, when=at(5))])
    await core.handle(react("m1", BOB, when=at(5)))
    assert await points(core, ALICE) == 2


async def test_removing_a_reaction_that_was_never_counted_does_nothing(core):
    await core.handle_many([post("m1"), unreact("m1", BOB, when=at(5))])
    assert await points(core, ALICE) == 1
    # and a later add still counts
    await core.handle(react("m1", BOB, when=at(6)))
    assert await points(core, ALICE) == 2


async def test_duplicate_reaction_removal_takes_back_once(core):
    await core.handle_many(
        [post("m1"), react("m1", BOB, when=at(5)), react("m1", CAROL, when=at(5))]
    )
    await core.handle_many([unreact("m1", BOB, when=at(6)), unreact("m1", BOB, when=at(6))])
    assert await points(core, ALICE) == 2


async def test_removing_a_capped_reaction_takes_nothing_back(db, clock):
    core = make_core(db, clock, reaction_cap_per_message=1)
    await core.handle_many(
        [post("m1"), react("m1", BOB, when=at(5)), react("m1", CAROL, when=at(6))]
    )
    await core.handle(unreact("m1", CAROL, when=at(7)))
    assert await points(core, ALICE) == 2


async def test_reversal_rows_point_at_what_they_reverse(core):
    # Everything in one batch: the reaction rows are written in the same run that reverses
    # them, and each reversal must still name the row it takes back.
    await core.handle_many(
        [
            post("m1"),
            react("m1", BOB, when=at(5)),
            unreact("m1", BOB, when=at(6)),
            react("m1", BOB, when=at(7)),
            react("m1", CAROL, when=at(8)),
            delete("m1", at(9)),
        ]
    )
    rows = {r.id: r for r in await rows_of(core, ALICE)}
    reversals = [r for r in rows.values() if r.kind.endswith("_reversed")]
    assert len(reversals) == 4  # the unreact, and the message and two reactions deleted
    for reversal in reversals:
        assert reversal.reverses_id in rows, reversal.source_key
        original = rows[reversal.reverses_id]
        assert original.points == -reversal.points
        assert reversal.kind == original.kind + "_reversed"
    assert len({r.reverses_id for r in reversals}) == len(reversals)
    assert await points(core, ALICE) == 0


async def test_reaction_without_author_is_looked_up_from_the_ledger(core):
    await core.handle(post("m1"))
    await core.handle(react("m1", BOB, when=at(5), author=None))
    assert await points(core, ALICE) == 2


async def test_reaction_to_an_unknown_message_without_author_is_ignored(core):
    await core.handle(react("nope", BOB, when=at(5), author=None))
    async with core.db.transaction() as s:
        assert (await s.scalars(select(Contribution))).all() == []


# --------------------------------------------------------------------------- deletions


async def test_deletion_writes_a_reversal_and_totals_drop(core):
    await core.handle(post("m1"))
    await core.handle(delete("m1", at(50)))
    rows = await rows_of(core, ALICE)
    assert [(r.kind, r.points) for r in rows] == [("message", 1), ("message_reversed", -1)]
    assert rows[1].reverses_id == rows[0].id
    assert await points(core, ALICE) == 0
    assert await ledger_total(core, ALICE) == 0
    assert await period_points(core, ALICE, "week", date(2026, 1, 5)) == 0
    assert await period_points(core, ALICE, "month", date(2026, 1, 1)) == 0


async def test_deletion_in_a_later_week_reverses_in_the_original_week(core):
    await core.handle(post("m1", when=at(0)))
    await core.handle(delete("m1", at(0, days=10)))
    assert await period_points(core, ALICE, "week", date(2026, 1, 5)) == 0
    assert await period_points(core, ALICE, "week", date(2026, 1, 12)) == 0


async def test_deletion_takes_back_reaction_points(core):
    await core.handle_many(
        [
            post("m1"),
            react("m1", BOB, when=at(5)),
            react("m1", CAROL, when=at(6)),
            react("m1", DAVE, when=at(7)),
            unreact("m1", DAVE, when=at(8)),
        ]
    )
    assert await points(core, ALICE) == 3
    await core.handle(delete("m1", at(50)))
    assert await points(core, ALICE) == 0
    assert await ledger_total(core, ALICE) == 0


async def test_deletion_of_an_unscored_message_takes_back_its_reactions(core):
    await core.handle_many(
        [post("m1", text="short"), react("m1", BOB, when=at(5)), delete("m1", at(9))]
    )
    assert await points(core, ALICE) == 0


async def test_redelivered_deletion_reverses_once(core):
    await core.handle_many([post("m1"), react("m1", BOB, when=at(5))])
    await core.handle(delete("m1", at(50)))
    await core.handle(delete("m1", at(50)))
    await core.handle_many([delete("m1", at(50)), delete("m1", at(50))])
    assert await points(core, ALICE) == 0
    assert await ledger_total(core, ALICE) == 0
    assert len(await rows_of(core, ALICE)) == 4


async def test_reaction_removed_after_deletion_takes_nothing_more(core):
    await core.handle_many([post("m1"), react("m1", BOB, when=at(5)), delete("m1", at(50))])
    await core.handle(unreact("m1", BOB, when=at(51)))
    assert await points(core, ALICE) == 0
    assert await ledger_total(core, ALICE) == 0


async def test_redelivered_post_after_deletion_does_not_score_again(core):
    await core.handle_many([post("m1"), delete("m1", at(50))])
    await core.handle(post("m1"))
    assert await points(core, ALICE) == 0


async def test_deleting_an_unknown_message_does_nothing(core):
    await core.handle(delete("nope", at(5)))
    async with core.db.transaction() as s:
        assert (await s.scalars(select(Contribution))).all() == []


async def test_reaction_delivered_after_its_message_was_deleted_scores_nothing(core):
    # A late (retried) reaction to a message that is gone must not score, and a later
    # redelivery of the deletion must then have nothing more to reverse.
    await core.handle_many([post("m1"), delete("m1", at(50))])
    await core.handle(react("m1", BOB, when=at(40)))
    assert await points(core, ALICE) == 0
    await core.handle(delete("m1", at(50)))
    assert await points(core, ALICE) == 0
    assert await ledger_total(core, ALICE) == 0


async def test_redelivered_deletion_has_no_effect_after_a_later_reaction(core):
    # Whatever the rule for reactions after a deletion, delivering the same deletion a
    # second time must change nothing.
    await core.handle_many([post("m1"), delete("m1", at(50))])
    await core.handle(react("m1", BOB, when=at(60)))
    before = await points(core, ALICE)
    await core.handle(delete("m1", at(50)))
    assert await points(core, ALICE) == before


async def test_reaction_after_an_unscored_message_was_deleted_scores_nothing(core):
    # The message earned nothing (too short), so its deletion writes no reversal row; the
    # deletion must still be remembered for reactions delivered later.
    await core.handle(post("m1", text="short"))
    await core.handle(delete("m1", at(50)))
    await core.handle(react("m1", BOB, when=at(40)))
    assert await points(core, ALICE) == 0


async def test_redelivered_deletion_of_an_unscored_message_changes_nothing(core):
    await core.handle(post("m1", text="short"))
    await core.handle(delete("m1", at(50)))
    await core.handle(react("m1", BOB, when=at(40)))
    before = await points(core, ALICE)
    await core.handle(delete("m1", at(50)))
    assert await points(core, ALICE) == before
    assert await ledger_total(core, ALICE) == before


async def test_reaction_to_a_bot_message_scores_nothing(core):
    await core.handle_many([post("h1", author=HELPER), react("h1", BOB, when=at(5), author=HELPER)])
    assert await points(core, HELPER) == 0
    async with core.db.transaction() as s:
        assert (await s.scalars(select(Contribution))).all() == []


async def test_a_reactor_waiting_behind_the_cap_takes_a_freed_place(db, clock):
    core = make_core(db, clock, reaction_cap_per_message=1)
    await core.handle_many(
        [post("m1"), react("m1", BOB, when=at(5)), react("m1", CAROL, when=at(6))]
    )
    assert await points(core, ALICE) == 2
    await core.handle(unreact("m1", BOB, when=at(7)))
    assert await points(core, ALICE) == 2  # carol now counts
    await core.handle(unreact("m1", CAROL, when=at(8)))
    assert await points(core, ALICE) == 1
    assert await ledger_total(core, ALICE) == 1


# --------------------------------------------------------------------------- active days


async def test_active_days_and_streaks_are_counted_on_local_days(db, clock):
    core = Cercle(db, excluded_settings(timezone="America/New_York"), clock)
    # 03:00 UTC on Jan 6 is still Jan 5 in New York.
    await core.handle_many(
        [
            post("m1", when=datetime(2026, 1, 5, 15, 0, tzinfo=UTC)),
            post("m2", when=datetime(2026, 1, 6, 3, 0, tzinfo=UTC)),
            post("m3", when=datetime(2026, 1, 6, 15, 0, tzinfo=UTC)),
        ]
    )
    alice = await member(core, ALICE)
    assert alice.active_days == 2
    assert alice.streak_days == 2
    async with core.db.transaction() as s:
        days = (await s.execute(select(MemberDay.day, MemberDay.messages))).all()
    assert sorted(days) == [(date(2026, 1, 5), 2), (date(2026, 1, 6), 1)]


async def test_redelivered_message_does_not_count_activity_twice(core):
    await core.handle(post("m1"))
    await core.handle(post("m1"))
    async with core.db.transaction() as s:
        days = (await s.execute(select(MemberDay.day, MemberDay.messages))).all()
    assert days == [(date(2026, 1, 5), 1)]


# --------------------------------------------------------------------------- leaderboards


async def test_leaderboard_all_week_and_month(core):
    # Week 1 (Jan 5) and week 2 (Jan 12) of January, and February.
    await core.handle_many(
        [
            post("a1", ALICE, at(0)),
            post("a2", ALICE, at(100)),
            post("b1", BOB, at(0, days=7)),
            post("c1", CAROL, datetime(2026, 2, 2, 10, tzinfo=UTC)),
            post("c2", CAROL, datetime(2026, 2, 2, 11, tzinfo=UTC)),
            post("c3", CAROL, datetime(2026, 2, 2, 12, tzinfo=UTC)),
        ]
    )

    def summary(standings):
        return [(s.name, s.points, s.place) for s in standings]

    assert summary(await board(core)) == [("carol", 3, 1), ("alice", 2, 2), ("bob", 1, 3)]
    assert summary(await board(core, "week", date(2026, 1, 5))) == [("alice", 2, 1)]
    assert summary(await board(core, "week", date(2026, 1, 12))) == [("bob", 1, 1)]
    assert summary(await board(core, "month", date(2026, 1, 1))) == [
        ("alice", 2, 1),
        ("bob", 1, 2),
    ]
    assert summary(await board(core, "month", date(2026, 2, 1))) == [("carol", 3, 1)]


async def test_leaderboard_ties_share_a_place_in_join_order(core):
    await core.handle_many(
        [
            MemberJoined("discord", "g1", at(0), DAVE),
            MemberJoined("discord", "g1", at(1), BOB),
            MemberJoined("discord", "g1", at(2), CAROL),
            MemberJoined("discord", "g1", at(3), ALICE),
        ]
    )
    await core.handle_many(
        [
            post("a1", ALICE, at(10)),
            post("b1", BOB, at(10)),
            post("c1", CAROL, at(10)),
            post("c2", CAROL, at(100)),
            post("d1", DAVE, at(10)),
        ]
    )
    standings = [(s.name, s.points, s.place) for s in await board(core)]
    assert standings == [("carol", 2, 1), ("dave", 1, 2), ("bob", 1, 2), ("alice", 1, 2)]
    # And it is the same every time.
    assert [(s.name, s.points, s.place) for s in await board(core)] == standings


async def test_leaderboard_place_after_a_tie_skips(core):
    await core.handle_many(
        [
            post("a1", ALICE, at(0)),
            post("a2", ALICE, at(100)),
            post("a3", ALICE, at(200)),
            post("b1", BOB, at(0)),
            post("b2", BOB, at(100)),
            post("c1", CAROL, at(0)),
            post("c2", CAROL, at(100)),
            post("d1", DAVE, at(0)),
        ]
    )
    places = [(s.name, s.place) for s in await board(core)]
    assert places == [("alice", 1), ("bob", 2), ("carol", 2), ("dave", 4)]


async def test_leaderboard_ties_keep_first_seen_order_whatever_comes_later(core):
    # storage/leaderboards.py breaks ties by the order Cercle first saw members (an index
    # order), not by `joined_at`: a later MemberJoined (a re-join, or a join delivered
    # late) does not reorder a tie, and neither does activity.
    await core.handle_many(
        [
            MemberJoined("discord", "g1", at(5), ALICE),
            MemberJoined("discord", "g1", at(1), BOB),  # joined earlier, delivered later
        ]
    )
    await core.handle_many([post("b1", BOB, at(10)), post("a1", ALICE, at(20))])
    assert [(s.name, s.place) for s in await board(core)] == [("alice", 1), ("bob", 1)]
    await core.handle(MemberJoined("discord", "g1", at(30), ALICE))  # alice re-joins
    assert [(s.name, s.place) for s in await board(core)] == [("alice", 1), ("bob", 1)]


async def test_leaderboard_leaves_out_members_with_no_points_and_bots(core):
    await core.handle_many(
        [post("a1", ALICE, at(0)), post("b1", BOB, at(0), text="hi"), post("h1", HELPER, at(0))]
    )
    assert [s.name for s in await board(core)] == ["alice"]


async def test_week_boundary_is_in_the_community_timezone(db, clock):
    core = Cercle(db, excluded_settings(timezone="America/New_York"), clock)
    sunday_late = datetime(2026, 1, 12, 4, 30, tzinfo=UTC)  # Sun Jan 11, 23:30 in New York
    monday_early = datetime(2026, 1, 12, 5, 30, tzinfo=UTC)  # Mon Jan 12, 00:30 in New York
    await core.handle_many([post("s", ALICE, sunday_late), post("m", BOB, monday_early)])
    assert await period_points(core, ALICE, "week", date(2026, 1, 5)) == 1
    assert await period_points(core, ALICE, "week", date(2026, 1, 12)) == 0
    assert await period_points(core, BOB, "week", date(2026, 1, 12)) == 1
    assert [s.name for s in await board(core, "week", date(2026, 1, 5))] == ["alice"]
    assert [s.name for s in await board(core, "week", date(2026, 1, 12))] == ["bob"]


async def test_month_boundary_is_in_the_community_timezone(db, clock):
    core = Cercle(db, excluded_settings(timezone="Europe/Paris"), clock)
    # 23:30 UTC on Jan 31 is already Feb 1 in Paris.
    await core.handle(post("m", ALICE, datetime(2026, 1, 31, 23, 30, tzinfo=UTC)))
    assert await period_points(core, ALICE, "month", date(2026, 1, 1)) == 0
    assert await period_points(core, ALICE, "month", date(2026, 2, 1)) == 1


async def test_leaderboard_command_uses_the_local_week(db, clock):
    core = Cercle(db, excluded_settings(timezone="America/New_York"), clock)
    sunday_late = datetime(2026, 1, 12, 4, 30, tzinfo=UTC)  # Sun Jan 11, 23:30 in New York
    monday_early = datetime(2026, 1, 12, 5, 30, tzinfo=UTC)  # Mon Jan 12, 00:30 in New York
    await core.handle_many([post("s", ALICE, sunday_late), post("m", BOB, monday_early)])
    ask = CommandInvoked(
        "discord",
        "g1",
        monday_early + timedelta(minutes=5),
        "lb",
        GENERAL,
        CAROL,
        text="/leaderboard week",
    )
    (reply,) = await core.handle(ask)
    assert reply.card is not None
    assert "bob" in reply.card.body
    assert "alice" not in reply.card.body
    assert "12–18 January 2026" in reply.card.title
