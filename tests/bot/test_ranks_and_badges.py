"""Ranks and badges: the pure ladder and badge rules, and what the core announces and
grants (or revokes) when scoring moves a member across a threshold."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import i18n
from bot.actions import Card, DirectMessage, GrantRole, PostToChannel, Reply, RevokeRole
from bot.clock import ManualClock
from bot.community import CommunityView
from bot.config import Badge, CommunityDefaults, Rank, ScoringSettings, Settings
from bot.core import Cercle
from bot.events import (
    ChannelRef,
    CommandInvoked,
    MemberRef,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    SolutionMarked,
)
from bot.features import badges, ranks
from storage import member_counters
from storage.communities import community_for_space
from storage.db import Database
from storage.members import find_member
from storage.models import Member, MemberBadge

BASE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
GENERAL = ChannelRef("c1", "general")
ALICE = MemberRef("discord", "u1", "alice")
BOB = MemberRef("discord", "bob", "bob")
CAROL = MemberRef("discord", "carol", "carol")
MOD = MemberRef("discord", "mod", "mo", manages_space=True)
TEXT = "a message that is long enough to score"

RANKS = [
    Rank(name="Newcomer", min_points=0),
    Rank(name="Regular", min_points=4, min_active_days=2, discord_role="regulars"),
    Rank(name="Expert", min_points=20, min_solutions=1, discord_role="experts"),
    Rank(name="Champion", min_points=100, min_kudos=2),
]

BADGES = [
    Badge(key="thanked", name="Thanked", name_fr="Remercié", metric="kudos_received", threshold=2),
    Badge(key="chatty", name="Chatty", metric="messages", threshold=2),
    Badge(key="streak_2", name="Two days", metric="streak_days", threshold=2),
    Badge(key="first_solution", name="First solution", metric="solutions", threshold=1),
    Badge(key="rich", name="Rich", metric="points", threshold=30),
]

_ids = itertools.count(1)


def at(seconds: float = 0, **delta: float) -> datetime:
    return BASE + timedelta(seconds=seconds, **delta)


def post(mid: str, author: MemberRef = ALICE, when: datetime = BASE) -> MessagePosted:
    return MessagePosted("discord", "g1", when, mid, GENERAL, author, TEXT)


def delete(mid: str, when: datetime) -> MessageDeleted:
    return MessageDeleted("discord", "g1", when, mid, GENERAL)


def react(mid: str, reactor: MemberRef, when: datetime, author: MemberRef = ALICE):
    return ReactionAdded("discord", "g1", when, mid, GENERAL, reactor, "+1", author)


def unreact(mid: str, reactor: MemberRef, when: datetime, author: MemberRef = ALICE):
    return ReactionRemoved("discord", "g1", when, mid, GENERAL, reactor, "+1", author)


def command(who: MemberRef, text: str, when: datetime = BASE) -> CommandInvoked:
    return CommandInvoked("discord", "g1", when, f"i{next(_ids)}", GENERAL, who, text=text)


def solution(marker: MemberRef, answer: str, author: MemberRef, when: datetime):
    return SolutionMarked(
        "discord", "g1", when, f"s{next(_ids)}", GENERAL, marker, answer, author, "q1", ALICE
    )


def en(key: str, **params: object) -> str:
    return i18n.t("en", key, **params)


def cards(actions, kind: str) -> list[Card]:
    return [
        a.card
        for a in actions
        if isinstance(a, PostToChannel) and a.card is not None and a.card.kind == kind
    ]


def of_type(actions, cls):
    return [a for a in actions if isinstance(a, cls)]


def make_core(
    db: Database,
    clock: ManualClock,
    *,
    ladder: list[Rank] = RANKS,
    badge_list: list[Badge] = BADGES,
    locale: str = "en",
    **scoring: int,
) -> Cercle:
    settings = Settings(
        ranks=ladder,
        badges=badge_list,
        scoring=ScoringSettings(**scoring),
        defaults=CommunityDefaults(locale=locale),  # type: ignore[arg-type]
    )
    return Cercle(db, settings, clock)


async def member(core: Cercle, ref: MemberRef) -> Member:
    async with core.db.transaction() as s:
        cid = await community_for_space(s, "discord", "g1")
        assert cid is not None
        row = await find_member(s, cid, ref.platform, ref.user_id)
        assert row is not None and row.id is not None
        return (await member_counters.members_by_id(s, [row.id]))[row.id]


async def badge_rows(core: Cercle) -> list[tuple[str, str]]:
    async with core.db.transaction() as s:
        rows = await s.execute(
            select(Member.display_name, MemberBadge.badge).join(
                Member, Member.id == MemberBadge.member_id
            )
        )
        return sorted(rows.all())


# --------------------------------------------------------------------------- pure ladder


def fake(**counters: int) -> Member:
    values = {"points": 0, "active_days": 0, "solutions": 0, "kudos_received": 0}
    values.update(counters)
    return Member(community_id=1, display_name="x", **values)


def test_rank_of_needs_every_requirement():
    assert ranks.rank_of(fake(), RANKS).name == "Newcomer"
    assert ranks.rank_of(fake(points=4, active_days=1), RANKS).name == "Newcomer"
    assert ranks.rank_of(fake(points=3, active_days=9), RANKS).name == "Newcomer"
    assert ranks.rank_of(fake(points=4, active_days=2), RANKS).name == "Regular"
    assert ranks.rank_of(fake(points=25, active_days=2), RANKS).name == "Regular"
    assert ranks.rank_of(fake(points=25, active_days=2, solutions=1), RANKS).name == "Expert"
    assert ranks.rank_of(fake(points=25, solutions=1), RANKS).name == "Expert"
    assert ranks.rank_of(fake(points=100, kudos_received=2), RANKS).name == "Champion"
    assert ranks.rank_of(fake(points=100, kudos_received=1, solutions=1), RANKS).name == "Expert"


def test_progress_lists_what_is_missing_for_the_next_rank():
    step = ranks.progress(fake(points=4, active_days=1), RANKS)
    assert step.rank.name == "Newcomer"
    assert step.next_rank is not None and step.next_rank.name == "Regular"
    assert step.missing == (("active_days", 1, 2),)
    step = ranks.progress(fake(points=1), RANKS)
    assert step.missing == (("points", 1, 4), ("active_days", 0, 2))
    top = ranks.progress(fake(points=100, kudos_received=2), RANKS)
    assert top.next_rank is None
    assert top.missing == ()


def view(announce: str | None = None) -> CommunityView:
    return CommunityView(
        id=1,
        slug="t",
        locale="en",
        timezone=ZoneInfo("UTC"),
        default_channel="general",
        announce_channel=announce,
        moderator_roles=frozenset(),
        excluded_channels=frozenset(),
        excluded_roles=frozenset(),
        excluded_members=frozenset(),
    )


def test_rank_change_actions_promotion_and_demotion():
    m = fake(points=25, active_days=2, solutions=1)
    m.display_name = "alice"
    up = ranks.rank_change_actions(view("news"), RANKS, m, "Regular", RANKS[2], "discord", "u1")
    assert isinstance(up[0], PostToChannel)
    assert up[0].channel_id == "news"
    assert up[0].card is not None and up[0].card.kind == "promotion"
    assert RevokeRole("discord", "u1", "alice", "regulars") in up
    assert GrantRole("discord", "u1", "alice", "experts") in up
    down = ranks.rank_change_actions(view(), RANKS, m, "Expert", RANKS[0], "discord", "u1")
    assert of_type(down, PostToChannel) == []
    assert of_type(down, GrantRole) == []
    assert of_type(down, RevokeRole) == [RevokeRole("discord", "u1", "alice", "experts")]
    assert of_type(down, DirectMessage)[0].text == en("rank.demoted", rank="Newcomer", old="Expert")


def test_role_for_each_platform():
    rank = Rank(name="Regular", min_points=1, discord_role="r-d", slack_usergroup="r-s")
    assert ranks.role_for(rank, "discord") == "r-d"
    assert ranks.role_for(rank, "slack") == "r-s"
    assert ranks.role_for(rank, "console") == "Regular"


def test_earned_badges_skip_those_already_held():
    m = fake(points=40, kudos_received=2)
    assert [b.key for b in badges.earned(m, BADGES, set())] == ["thanked", "rich"]
    assert [b.key for b in badges.earned(m, BADGES, {"thanked"})] == ["rich"]
    assert badges.badge_name(BADGES[0], "fr") == "Remercié"
    assert badges.badge_name(BADGES[1], "fr") == "Chatty"


# --------------------------------------------------------------------------- ranks via core


async def test_promotion_needs_points_and_active_days(db, clock):
    core = make_core(db, clock, message_points=2)
    first_day = await core.handle_many([post("a1", when=at(0)), post("a2", when=at(100))])
    alice = await member(core, ALICE)
    assert (alice.points, alice.active_days) == (4, 1)
    assert alice.rank == "Newcomer"  # enough points, too few active days
    assert cards(first_day, "promotion") == []
    assert of_type(first_day, GrantRole) == []

    second_day = await core.handle(post("a3", when=at(0, days=1)))
    promoted = cards(second_day, "promotion")
    assert [c.title for c in promoted] == [
        en("rank.promoted.title", member="alice", rank="Regular")
    ]
    assert promoted[0].body == en(
        "rank.promoted.body", member="alice", rank="Regular", points=i18n.points("en", 6)
    )
    assert of_type(second_day, GrantRole) == [GrantRole("discord", "u1", "alice", "regulars")]
    assert (await member(core, ALICE)).rank == "Regular"


async def test_no_second_announcement_while_the_rank_holds(db, clock):
    core = make_core(db, clock, message_points=2)
    await core.handle_many([post("a1", when=at(0)), post("a2", when=at(0, days=1))])
    later = await core.handle(post("a3", when=at(0, days=2)))
    assert cards(later, "promotion") == []
    assert of_type(later, GrantRole) == []


async def test_a_new_member_at_the_first_rank_is_not_announced(core):
    actions = await core.handle(post("a1"))
    assert cards(actions, "promotion") == []
    assert of_type(actions, GrantRole) == []


async def test_enough_points_but_too_few_active_days_is_not_promoted(db, clock):
    core = make_core(db, clock)
    await core.handle(post("b1", BOB))
    actions = await core.handle(command(MOD, "/admin points add @bob 25 great talk", at(60)))
    assert cards(actions, "promotion") == []
    bob = await member(core, BOB)
    assert bob.points == 26
    assert bob.rank == "Newcomer"


async def test_promotion_can_skip_a_rank_whose_requirements_are_not_met(db, clock):
    core = make_core(db, clock)
    await core.handle_many([post("q1", ALICE, at(0)), post("b1", BOB, at(10))])
    await core.handle(command(MOD, "/admin points add @bob 10 bonus", at(60)))
    actions = await core.handle(solution(ALICE, "b1", BOB, at(120)))
    assert [c.title for c in cards(actions, "promotion")] == [
        en("rank.promoted.title", member="bob", rank="Expert")
    ]
    assert of_type(actions, GrantRole) == [GrantRole("discord", "bob", "bob", "experts")]
    assert (await member(core, BOB)).rank == "Expert"


async def test_admin_points_remove_below_a_threshold_demotes_and_revokes(db, clock):
    core = make_core(db, clock, message_points=2)
    await core.handle_many([post("a1", when=at(0)), post("a2", when=at(0, days=1))])
    assert (await member(core, ALICE)).rank == "Regular"
    actions = await core.handle(
        command(MOD, "/admin points remove @u1 1 correction", at(0, days=2))
    )
    assert of_type(actions, RevokeRole) == [RevokeRole("discord", "u1", "alice", "regulars")]
    assert of_type(actions, GrantRole) == []
    assert cards(actions, "promotion") == []
    assert [d.text for d in of_type(actions, DirectMessage)] == [
        en("rank.demoted", rank="Newcomer", old="Regular")
    ]
    assert (await member(core, ALICE)).rank == "Newcomer"


async def test_deletion_that_drops_below_a_threshold_demotes_and_revokes(db, clock):
    core = make_core(db, clock, message_points=2)
    await core.handle_many([post("a1", when=at(0)), post("a2", when=at(0, days=1))])
    assert (await member(core, ALICE)).rank == "Regular"
    actions = await core.handle(delete("a2", at(0, days=1, hours=1)))
    alice = await member(core, ALICE)
    assert alice.points == 2
    assert of_type(actions, RevokeRole) == [RevokeRole("discord", "u1", "alice", "regulars")]
    assert alice.rank == "Newcomer"


async def test_unreaction_that_drops_below_a_threshold_demotes(db, clock):
    ladder = [
        Rank(name="Newcomer", min_points=0),
        Rank(name="Liked", min_points=3, discord_role="l"),
    ]
    core = make_core(db, clock, ladder=ladder)
    await core.handle_many([post("a1"), react("a1", BOB, at(5))])
    promoted = await core.handle(react("a1", CAROL, at(6)))
    assert of_type(promoted, GrantRole) == [GrantRole("discord", "u1", "alice", "l")]
    demoted = await core.handle(unreact("a1", CAROL, at(7)))
    assert of_type(demoted, RevokeRole) == [RevokeRole("discord", "u1", "alice", "l")]
    assert (await member(core, ALICE)).rank == "Newcomer"


async def test_moving_the_solution_away_demotes_the_first_author(db, clock):
    core = make_core(db, clock)
    await core.handle_many(
        [post("q1", ALICE, at(0)), post("b1", BOB, at(10)), post("c1", CAROL, at(20))]
    )
    await core.handle(command(MOD, "/admin points add @bob 10 bonus", at(60)))
    await core.handle(solution(ALICE, "b1", BOB, at(120)))
    assert (await member(core, BOB)).rank == "Expert"
    actions = await core.handle(solution(ALICE, "c1", CAROL, at(180)))
    assert RevokeRole("discord", "bob", "bob", "experts") in of_type(actions, RevokeRole)
    assert (await member(core, BOB)).rank == "Newcomer"


async def test_rank_without_a_role_is_announced_without_a_grant(db, clock):
    ladder = [Rank(name="Newcomer", min_points=0), Rank(name="Known", min_points=2)]
    core = make_core(db, clock, ladder=ladder)
    actions = await core.handle_many([post("a1"), react("a1", BOB, at(5))])
    assert [c.title for c in cards(actions, "promotion")] == [
        en("rank.promoted.title", member="alice", rank="Known")
    ]
    assert of_type(actions, GrantRole) == []


async def test_kudos_can_promote_the_receiver(db, clock):
    ladder = [Rank(name="Newcomer", min_points=0), Rank(name="Thanked", min_points=5, min_kudos=1)]
    core = make_core(db, clock, ladder=ladder)
    await core.handle(post("b1", BOB))
    actions = await core.handle(command(ALICE, "/thanks @bob for the help", at(60)))
    assert [c.title for c in cards(actions, "promotion")] == [
        en("rank.promoted.title", member="bob", rank="Thanked")
    ]


def field_value(reply: Reply, name: str) -> str:
    assert reply.card is not None
    return next(f.value for f in reply.card.fields if f.name == name)


async def test_rank_command_shows_points_rank_and_progress(db, clock):
    core = make_core(db, clock, message_points=2)
    await core.handle_many([post("a1", when=at(0)), post("a2", when=at(100))])
    (reply,) = await core.handle(command(ALICE, "/rank", at(200)))
    assert isinstance(reply, Reply)
    assert field_value(reply, en("rank.field.points")) == "4 points"
    assert field_value(reply, en("rank.field.rank")) == "Newcomer"
    assert field_value(reply, en("rank.field.next")) == en(
        "rank.next", rank="Regular", needs=en("rank.need.active_days", have=1, need=2)
    )


async def test_rank_progress_lists_every_missing_requirement(db, clock):
    core = make_core(db, clock)
    await core.handle(post("a1"))
    (reply,) = await core.handle(command(ALICE, "/rank", at(200)))
    assert field_value(reply, en("rank.field.next")) == (
        "Next: Regular — 1/4 points, 1/2 active days"
    )


async def test_rank_progress_at_the_top_rank(db, clock):
    ladder = [Rank(name="Newcomer", min_points=0), Rank(name="Top", min_points=1)]
    core = make_core(db, clock, ladder=ladder)
    await core.handle(post("a1"))
    (reply,) = await core.handle(command(ALICE, "/rank", at(200)))
    assert field_value(reply, en("rank.field.rank")) == "Top"
    assert field_value(reply, en("rank.field.next")) == en("rank.top")


# --------------------------------------------------------------------------- badges


async def test_kudos_received_badge_is_awarded_once_and_announced(db, clock):
    core = make_core(db, clock)
    await core.handle_many([post("b1", BOB), post("c1", CAROL)])
    first = await core.handle(command(ALICE, "/thanks @bob one", at(60)))
    assert cards(first, "badge") == []
    second = await core.handle(command(ALICE, "/thanks @bob two", at(120)))
    (card,) = cards(second, "badge")
    assert card.title == en("badge.earned.title", member="bob", badge="Thanked")
    assert card.body == "2 thanks received"
    third = await core.handle(command(CAROL, "/thanks @bob three", at(180)))
    assert cards(third, "badge") == []
    assert [row for row in await badge_rows(core) if row[1] == "thanked"] == [("bob", "thanked")]


async def test_messages_badge_counts_unscored_messages_and_is_given_once(db, clock):
    core = make_core(db, clock)
    first = await core.handle(post("a1", when=at(0)))
    assert cards(first, "badge") == []
    second = await core.handle(post("a2", when=at(10)))  # in the cooldown: 0 points
    assert [c.title for c in cards(second, "badge")] == [
        en("badge.earned.title", member="alice", badge="Chatty")
    ]
    again = await core.handle_many([post("a2", when=at(10)), post("a3", when=at(500))])
    assert cards(again, "badge") == []
    assert await badge_rows(core) == [("alice", "chatty")]


async def test_streak_badge_on_the_second_consecutive_day(db, clock):
    core = make_core(db, clock, badge_list=[BADGES[2]])
    await core.handle(post("a1", when=at(0)))
    actions = await core.handle(post("a2", when=at(0, days=1)))
    assert [c.title for c in cards(actions, "badge")] == [
        en("badge.earned.title", member="alice", badge="Two days")
    ]


async def test_first_solution_badge(db, clock):
    core = make_core(db, clock)
    await core.handle_many([post("q1", ALICE, at(0)), post("b1", BOB, at(10))])
    actions = await core.handle(solution(ALICE, "b1", BOB, at(60)))
    assert [c.title for c in cards(actions, "badge")] == [
        en("badge.earned.title", member="bob", badge="First solution")
    ]


async def test_points_badge_is_not_given_again_after_dropping_and_recrossing(db, clock):
    core = make_core(db, clock)
    await core.handle(post("b1", BOB))
    first = await core.handle(command(MOD, "/admin points add @bob 29 talk", at(60)))
    assert [c.title for c in cards(first, "badge")] == [
        en("badge.earned.title", member="bob", badge="Rich")
    ]
    await core.handle(command(MOD, "/admin points remove @bob 10 oops", at(120)))
    again = await core.handle(command(MOD, "/admin points add @bob 10 fixed", at(180)))
    assert cards(again, "badge") == []
    assert [row for row in await badge_rows(core) if row[1] == "rich"] == [("bob", "rich")]


async def test_badge_for_thanks_given_goes_to_the_giver(db, clock):
    generous = Badge(key="generous", name="Generous", metric="kudos_given", threshold=1)
    core = make_core(db, clock, badge_list=[generous])
    await core.handle_many([post("a1", ALICE), post("b1", BOB)])
    actions = await core.handle(command(ALICE, "/thanks @bob for the help", at(60)))
    assert [c.title for c in cards(actions, "badge")] == [
        en("badge.earned.title", member="alice", badge="Generous")
    ]
    assert await badge_rows(core) == [("alice", "generous")]


async def test_badge_announcement_uses_the_community_locale(db, clock):
    core = make_core(db, clock, locale="fr")
    await core.handle(post("b1", BOB))
    await core.handle(command(ALICE, "/thanks @bob un", at(60)))
    actions = await core.handle(command(ALICE, "/thanks @bob deux", at(120)))
    (card,) = cards(actions, "badge")
    assert card.title == i18n.t("fr", "badge.earned.title", member="bob", badge="Remercié")


async def test_rank_shows_badges_held(db, clock):
    core = make_core(db, clock)
    await core.handle_many([post("a1", when=at(0)), post("a2", when=at(100))])
    (reply,) = await core.handle(command(ALICE, "/rank", at(200)))
    assert field_value(reply, en("rank.field.badges")) == "Chatty"
