"""The scoring rules: the pure functions of `bot.features.scoring`, and the rules that live
in commands (kudos with `/thanks`, accepted solutions), exercised through the real core."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import i18n
from bot.actions import Reply
from bot.clock import ManualClock
from bot.community import CommunityView
from bot.config import CommunityDefaults, ScoringSettings, Settings
from bot.core import Cercle
from bot.events import (
    ChannelRef,
    CommandInvoked,
    MemberRef,
    MessageDeleted,
    MessagePosted,
    SolutionMarked,
)
from bot.features import scoring
from storage import ledger, member_counters
from storage.communities import community_for_space
from storage.db import Database
from storage.members import find_member
from storage.models import Contribution, Member, Solution

BASE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
GENERAL = ChannelRef("c1", "general")
ALICE = MemberRef("discord", "u1", "alice")
# Members thanked by text are named by their user id (`@bob`), as the console does.
BOB = MemberRef("discord", "bob", "bob")
CAROL = MemberRef("discord", "carol", "carol")
MOD = MemberRef("discord", "mod", "mo", manages_space=True)
HELPER = MemberRef("discord", "helper", "helper", is_bot=True)
TEXT = "a message that is long enough to score"

_ids = itertools.count(1)


def at(seconds: float = 0, **delta: float) -> datetime:
    return BASE + timedelta(seconds=seconds, **delta)


def post(mid: str, author: MemberRef, when: datetime = BASE, text: str = TEXT) -> MessagePosted:
    return MessagePosted("discord", "g1", when, mid, GENERAL, author, text)


def command(who: MemberRef, text: str, when: datetime = BASE, iid: str | None = None):
    return CommandInvoked("discord", "g1", when, iid or f"i{next(_ids)}", GENERAL, who, text=text)


def mark(
    marker: MemberRef,
    solution_id: str,
    solution_author: MemberRef,
    question_id: str = "q1",
    question_author: MemberRef | None = ALICE,
    when: datetime = BASE,
    iid: str | None = None,
) -> SolutionMarked:
    return SolutionMarked(
        "discord",
        "g1",
        when,
        iid or f"s{next(_ids)}",
        GENERAL,
        marker,
        solution_id,
        solution_author,
        question_id,
        question_author,
    )


def replies(actions) -> list[str]:
    return [a.text for a in actions if isinstance(a, Reply)]


def en(key: str, **params: object) -> str:
    return i18n.t("en", key, **params)


def pts(count: int) -> str:
    return i18n.points("en", count)


async def member(core: Cercle, ref: MemberRef) -> Member:
    async with core.db.transaction() as s:
        cid = await community_for_space(s, "discord", "g1")
        assert cid is not None
        row = await find_member(s, cid, ref.platform, ref.user_id)
        assert row is not None and row.id is not None
        return (await member_counters.members_by_id(s, [row.id]))[row.id]


async def points(core: Cercle, ref: MemberRef) -> int:
    return (await member(core, ref)).points


async def consistent(core: Cercle, *refs: MemberRef) -> None:
    for ref in refs:
        row = await member(core, ref)
        assert row.id is not None
        async with core.db.transaction() as s:
            assert await ledger.ledger_sum(s, row.community_id, row.id) == row.points, ref.name


def make_core(db: Database, clock: ManualClock, timezone: str = "UTC", **scoring_: int) -> Cercle:
    settings = Settings(
        scoring=ScoringSettings(**scoring_), defaults=CommunityDefaults(timezone=timezone)
    )
    return Cercle(db, settings, clock)


# --------------------------------------------------------------------------- pure rules


def view(**kw: object) -> CommunityView:
    values: dict[str, object] = {
        "id": 1,
        "slug": "test",
        "locale": "en",
        "timezone": ZoneInfo("UTC"),
        "default_channel": "general",
        "announce_channel": None,
        "moderator_roles": frozenset(),
        "excluded_channels": frozenset({"offtopic", "c42"}),
        "excluded_roles": frozenset(),
        "excluded_members": frozenset(),
    }
    values.update(kw)
    return CommunityView(**values)  # type: ignore[arg-type]


S = ScoringSettings()


def message(**kw: object) -> int:
    args: dict[str, object] = {
        "text": TEXT,
        "window_taken": False,
        "author_excluded": False,
        "in_excluded_channel": False,
    }
    args.update(kw)
    return scoring.message_points(S, **args)  # type: ignore[arg-type]


def reaction(**kw: object) -> int:
    args: dict[str, object] = {
        "self_reaction": False,
        "reactor_is_bot": False,
        "author_excluded": False,
        "in_excluded_channel": False,
        "already_awarded": 0,
    }
    args.update(kw)
    return scoring.reaction_points(S, **args)  # type: ignore[arg-type]


def test_message_rule_scores_by_default():
    assert message() == S.message_points


def test_message_rule_a_taken_cooldown_window_scores_nothing():
    assert message(window_taken=True) == 0


@pytest.mark.parametrize(
    ("seconds", "same_window"),
    [(0, True), (1, True), (30, True), (59.9, True), (60, False), (61, False), (-0.1, False)],
)
def test_cooldown_windows_are_aligned_on_the_clock(seconds, same_window):
    # BASE is 09:00:00: its window runs to 09:00:59.999, whoever delivers what first.
    window = scoring.cooldown_window(S, BASE)
    assert (scoring.cooldown_window(S, BASE + timedelta(seconds=seconds)) == window) is same_window


def test_cooldown_window_bounds_contain_their_instants():
    at = BASE + timedelta(seconds=75)
    window = scoring.cooldown_window(S, at)
    assert window is not None
    start, end = scoring.window_bounds(S, window)
    assert start == BASE + timedelta(seconds=60)
    assert end == BASE + timedelta(seconds=120)
    assert start <= at < end


def test_no_cooldown_means_no_window():
    assert scoring.cooldown_window(ScoringSettings(message_cooldown_seconds=0), BASE) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", 0), ("123456789", 0), ("1234567890", 1), ("  123456789  ", 0), (None, 1)],
)
def test_message_rule_minimum_length(text, expected):
    assert message(text=text) == expected


def test_message_rule_minimum_length_zero_accepts_empty_text():
    assert (
        scoring.message_points(
            ScoringSettings(message_min_length=0),
            text="",
            window_taken=False,
            author_excluded=False,
            in_excluded_channel=False,
        )
        == S.message_points
    )


def test_message_rule_excluded_author_or_channel_scores_nothing():
    assert message(author_excluded=True) == 0
    assert message(in_excluded_channel=True) == 0


def test_reaction_rule():
    assert reaction() == S.reaction_points
    assert reaction(self_reaction=True) == 0
    assert reaction(reactor_is_bot=True) == 0
    assert reaction(author_excluded=True) == 0
    assert reaction(in_excluded_channel=True) == 0
    assert reaction(already_awarded=S.reaction_cap_per_message - 1) == S.reaction_points
    assert reaction(already_awarded=S.reaction_cap_per_message) == 0


@pytest.mark.parametrize(
    ("channel", "excluded"),
    [
        (ChannelRef("c9", "offtopic"), True),
        (ChannelRef("c9", "#OffTopic"), True),
        (ChannelRef("c42", "anything"), True),
        (ChannelRef("C42", ""), True),
        (ChannelRef("c1", "general"), False),
        (ChannelRef("offtopic-2", "offtopic-2"), False),
    ],
)
def test_channel_excluded_by_name_or_id(channel, excluded):
    assert scoring.channel_excluded(view(), channel) is excluded


# --------------------------------------------------------------------------- kudos


async def test_thanks_gives_kudos_points_to_the_receiver(db, clock):
    core = make_core(db, clock, kudos_points=7)
    await core.handle(post("m0", BOB))
    actions = await core.handle(command(ALICE, "/thanks @bob for the help", at(60)))
    assert replies(actions) == [
        en("kudos.given", giver="alice", receiver="bob", reason="for the help", points=pts(7))
    ]
    assert not actions[0].ephemeral
    bob, alice = await member(core, BOB), await member(core, ALICE)
    assert bob.points == 1 + 7
    assert bob.kudos_received == 1
    assert alice.kudos_given == 1
    assert alice.points == 0
    await consistent(core, ALICE, BOB)
    async with core.db.transaction() as s:
        row = await s.scalar(select(Contribution).where(Contribution.kind == "kudos"))
    assert row is not None
    assert row.reason == "for the help"
    assert row.actor_id == alice.id


async def test_redelivered_thanks_counts_once(core):
    await core.handle(post("m0", BOB))
    await core.handle(command(ALICE, "/thanks @bob for the help", at(60), iid="same"))
    await core.handle(command(ALICE, "/thanks @bob for the help", at(60), iid="same"))
    bob = await member(core, BOB)
    assert bob.points == 1 + 5
    assert bob.kudos_received == 1
    assert (await member(core, ALICE)).kudos_given == 1


async def test_thanks_daily_limit_refuses_the_third(db, clock):
    core = make_core(db, clock, kudos_daily_limit=2)
    await core.handle_many([post("m0", BOB), post("m1", CAROL)])
    await core.handle(command(ALICE, "/thanks @bob one", at(60)))
    await core.handle(command(ALICE, "/thanks @carol two", at(120)))
    refused = await core.handle(command(ALICE, "/thanks @bob three", at(180)))
    assert replies(refused) == [en("kudos.error.daily_limit", limit=2)]
    assert refused[0].ephemeral
    bob = await member(core, BOB)
    assert bob.kudos_received == 1
    assert bob.points == 1 + 5
    assert (await member(core, ALICE)).kudos_given == 2
    # The next day it works again.
    again = await core.handle(command(ALICE, "/thanks @bob four", at(0, days=1)))
    assert replies(again)[0].startswith("🙏 alice thanked bob")
    assert (await member(core, BOB)).kudos_received == 2


async def test_thanks_daily_limit_follows_the_community_local_day(db, clock):
    # New York is UTC-5 in January: the local day Jan 5 runs 05:00 UTC Jan 5 to 05:00 Jan 6.
    core = make_core(db, clock, timezone="America/New_York", kudos_daily_limit=2)
    await core.handle(post("m0", BOB, datetime(2026, 1, 5, 14, tzinfo=UTC)))
    evening = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)  # Jan 5, 18:00 local
    await core.handle(command(ALICE, "/thanks @bob one", evening))
    await core.handle(command(ALICE, "/thanks @bob two", evening + timedelta(minutes=1)))
    # Jan 6 01:00 UTC is a new UTC day but still Jan 5 (20:00) in New York: refused.
    late = datetime(2026, 1, 6, 1, 0, tzinfo=UTC)
    refused = await core.handle(command(ALICE, "/thanks @bob three", late))
    assert replies(refused) == [en("kudos.error.daily_limit", limit=2)]
    # Jan 6 05:30 UTC is Jan 6, 00:30 local: a new day, thanks work again.
    next_day = datetime(2026, 1, 6, 5, 30, tzinfo=UTC)
    accepted = await core.handle(command(ALICE, "/thanks @bob four", next_day))
    assert replies(accepted)[0].startswith("🙏 alice thanked bob")
    assert (await member(core, BOB)).kudos_received == 3


async def test_thanks_daily_limit_is_judged_on_event_time_not_processing_time(db, clock):
    core = make_core(db, clock, kudos_daily_limit=1)
    await core.handle(post("m0", BOB))
    await core.handle(command(ALICE, "/thanks @bob one", at(60)))
    clock.advance(timedelta(days=3))  # processing happens days later
    refused = await core.handle(command(ALICE, "/thanks @bob two", at(120)))
    assert replies(refused) == [en("kudos.error.daily_limit", limit=1)]


async def test_no_self_thanks(core):
    await core.handle(post("m0", ALICE))
    actions = await core.handle(command(ALICE, "/thanks @u1 for being me", at(60)))
    assert replies(actions) == [en("kudos.error.self")]
    alice = await member(core, ALICE)
    assert alice.points == 1
    assert alice.kudos_received == 0
    assert alice.kudos_given == 0


async def test_no_thanking_bots(core):
    # The bot is seen (its message scores nothing); alice is known too.
    await core.handle_many([post("m0", HELPER), post("m1", ALICE)])
    actions = await core.handle(command(ALICE, "/thanks @helper for the reminder", at(60)))
    assert replies(actions) == [en("kudos.error.bot", member="helper")]
    assert (await member(core, HELPER)).kudos_received == 0
    assert (await member(core, ALICE)).kudos_given == 0


async def test_thanks_to_an_unknown_member_is_refused(core):
    actions = await core.handle(command(ALICE, "/thanks @nobody for nothing", at(60)))
    assert replies(actions) == [en("error.member_not_found", member="nobody")]


async def test_refused_thanks_do_not_use_up_the_daily_limit(db, clock):
    core = make_core(db, clock, kudos_daily_limit=1)
    await core.handle_many([post("m0", BOB), post("m1", ALICE)])
    await core.handle(command(ALICE, "/thanks @u1 myself", at(60)))
    accepted = await core.handle(command(ALICE, "/thanks @bob the help", at(120)))
    assert replies(accepted)[0].startswith("🙏 alice thanked bob")


async def test_thanks_reason_over_the_configured_length_is_refused(db, clock):
    core = make_core(db, clock, kudos_reason_max_length=10)
    await core.handle(post("m0", BOB))
    actions = await core.handle(command(ALICE, "/thanks @bob " + "x" * 11, at(60)))
    assert replies(actions) == [en("error.text_too_long", option="reason", max=10, length=11)]
    assert (await member(core, BOB)).kudos_received == 0


async def test_thanks_to_an_excluded_member_records_kudos_without_points(db, clock):
    settings = Settings(defaults=CommunityDefaults(excluded_roles=["staff"]))
    core = Cercle(db, settings, clock)
    staff = MemberRef("discord", "sam", "sam", roles=("staff",))
    await core.handle(post("m0", staff))
    actions = await core.handle(command(ALICE, "/thanks @sam for the fix", at(60)))
    assert replies(actions) == [
        en("kudos.given_no_points", giver="alice", receiver="sam", reason="for the fix")
    ]
    sam = await member(core, staff)
    assert sam.points == 0
    assert sam.kudos_received == 1


# --------------------------------------------------------------------------- solutions


async def asked_and_answered(core: Cercle) -> None:
    await core.handle_many(
        [post("q1", ALICE, at(0)), post("a1", BOB, at(100)), post("a2", CAROL, at(200))]
    )


async def test_solution_marked_by_the_question_author(core):
    await asked_and_answered(core)
    actions = await core.handle(mark(ALICE, "a1", BOB, when=at(300)))
    assert en("solution.marked", member="bob", points=pts(15)) in replies(actions)
    bob = await member(core, BOB)
    assert bob.points == 1 + 15
    assert bob.solutions == 1
    await consistent(core, ALICE, BOB)


async def test_solution_marked_by_another_member_is_refused(core):
    await asked_and_answered(core)
    actions = await core.handle(mark(CAROL, "a1", BOB, when=at(300)))
    assert replies(actions) == [en("solution.error.not_asker")]
    bob = await member(core, BOB)
    assert bob.points == 1
    assert bob.solutions == 0
    async with core.db.transaction() as s:
        assert (await s.scalars(select(Solution))).all() == []


async def test_solution_marked_by_a_moderator(core):
    await asked_and_answered(core)
    actions = await core.handle(mark(MOD, "a1", BOB, when=at(300)))
    assert en("solution.marked", member="bob", points=pts(15)) in replies(actions)
    assert (await member(core, BOB)).solutions == 1


async def test_solution_marked_by_a_configured_moderator_role(db, clock):
    core = Cercle(db, Settings(defaults=CommunityDefaults(moderator_roles=["Helpers"])), clock)
    await asked_and_answered(core)
    helper = MemberRef("discord", "h", "hank", roles=("helpers",))
    await core.handle(mark(helper, "a1", BOB, when=at(300)))
    assert (await member(core, BOB)).solutions == 1


async def test_solution_question_author_looked_up_from_the_ledger(core):
    await asked_and_answered(core)
    await core.handle(mark(ALICE, "a1", BOB, question_author=None, when=at(300)))
    assert (await member(core, BOB)).solutions == 1
    refused = await core.handle(mark(CAROL, "a2", CAROL, question_author=None, when=at(400)))
    assert replies(refused) == [en("solution.error.not_asker")]


async def test_moving_the_solution_reverses_the_first_authors_points(core):
    await asked_and_answered(core)
    await core.handle(mark(ALICE, "a1", BOB, when=at(300)))
    actions = await core.handle(mark(ALICE, "a2", CAROL, when=at(400)))
    assert en("solution.marked", member="carol", points=pts(15)) in replies(actions)
    bob, carol = await member(core, BOB), await member(core, CAROL)
    assert (bob.points, bob.solutions) == (1, 0)
    assert (carol.points, carol.solutions) == (1 + 15, 1)
    await consistent(core, BOB, CAROL)
    async with core.db.transaction() as s:
        kinds = (
            await s.execute(
                select(Contribution.kind, Contribution.points, Contribution.member_id)
                .where(Contribution.kind.like("solution%"))
                .order_by(Contribution.id)
            )
        ).all()
    assert kinds == [
        ("solution", 15, bob.id),
        ("solution_reversed", -15, bob.id),
        ("solution", 15, carol.id),
    ]


async def test_moving_the_solution_back_and_forth_keeps_one_award(core):
    await asked_and_answered(core)
    await core.handle(mark(ALICE, "a1", BOB, when=at(300)))
    await core.handle(mark(ALICE, "a2", CAROL, when=at(400)))
    await core.handle(mark(ALICE, "a1", BOB, when=at(500)))
    bob, carol = await member(core, BOB), await member(core, CAROL)
    assert (bob.points, bob.solutions) == (1 + 15, 1)
    assert (carol.points, carol.solutions) == (1, 0)
    await consistent(core, BOB, CAROL)


async def test_marking_the_same_solution_twice_counts_once(core):
    await asked_and_answered(core)
    await core.handle(mark(ALICE, "a1", BOB, when=at(300)))
    again = await core.handle(mark(ALICE, "a1", BOB, when=at(301)))
    assert replies(again) == [en("solution.error.already")]
    assert (await member(core, BOB)).solutions == 1


async def test_redelivered_solution_mark_counts_once(core):
    await asked_and_answered(core)
    await core.handle(mark(ALICE, "a1", BOB, when=at(300), iid="same"))
    await core.handle(mark(ALICE, "a1", BOB, when=at(300), iid="same"))
    bob = await member(core, BOB)
    assert (bob.points, bob.solutions) == (1 + 15, 1)


async def test_own_answer_cannot_be_the_solution(core):
    await core.handle_many([post("q1", ALICE, at(0)), post("a1", ALICE, at(100))])
    actions = await core.handle(mark(ALICE, "a1", ALICE, when=at(300)))
    assert replies(actions) == [en("solution.error.own_question")]
    assert (await member(core, ALICE)).solutions == 0


async def test_bot_answer_cannot_be_the_solution(core):
    await core.handle_many([post("q1", ALICE, at(0)), post("a1", HELPER, at(100))])
    actions = await core.handle(mark(ALICE, "a1", HELPER, when=at(300)))
    assert replies(actions) == [en("solution.error.bot")]


async def test_deleting_the_accepted_answer_takes_the_solution_back(core):
    await asked_and_answered(core)
    await core.handle(mark(ALICE, "a1", BOB, when=at(300)))
    await core.handle(MessageDeleted("discord", "g1", at(400), "a1", GENERAL))
    bob = await member(core, BOB)
    assert (bob.points, bob.solutions) == (0, 0)
    await consistent(core, BOB)
    async with core.db.transaction() as s:
        assert (await s.scalars(select(Solution))).all() == []
    # The question is open again: another answer can be accepted.
    await core.handle(mark(ALICE, "a2", CAROL, when=at(500)))
    carol = await member(core, CAROL)
    assert (carol.points, carol.solutions) == (1 + 15, 1)
