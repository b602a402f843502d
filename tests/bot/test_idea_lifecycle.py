"""The lifecycle of ideas through the real core: moderators move them with a reason, kept as
history, told to the author and voters, scored once; duplicates merge their votes without
counting anyone twice; calls for testers, volunteers and their notification."""

from __future__ import annotations

from datetime import timedelta

import pytest
from idea_bench import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
    EVERYONE,
    MOD,
    Bench,
    dms,
    field,
    posts,
    replies,
    reply_text,
    updates,
)
from sqlalchemy import select

from bot.config import IdeaSettings, Settings
from bot.core import Cercle
from bot.events import MemberRef
from bot.features.ideas.moderation import MAX_VOTER_DMS
from storage.models import Contribution
from storage.models.ideas import IdeaEvent


@pytest.fixture
async def bench(core: Cercle) -> Bench:
    bench = Bench(core)
    await bench.meet(*EVERYONE)
    await bench.submit(ALICE, '"Dark mode" "Easier at night"')
    return bench


async def ledger_kinds(bench: Bench, member: MemberRef) -> list[tuple[str, int]]:
    member_id = (await bench.member(member)).id
    async with bench.core.db.transaction() as session:
        rows = await session.execute(
            select(Contribution.kind, Contribution.points)
            .where(Contribution.member_id == member_id, Contribution.kind.like("idea%"))
            .order_by(Contribution.id)
        )
        return [(kind, points) for kind, points in rows]


# -- status changes ---------------------------------------------------------------------------


async def test_a_status_change_updates_the_card_and_tells_the_author_and_voters(bench):
    await bench.press(BOB, "idea:1:vote:for")
    await bench.press(CAROL, "idea:1:vote:against")
    actions = await bench.run(MOD, "/admin idea status 12 planned Scheduled for spring")
    assert "There is no idea #12 here." in reply_text(actions)
    actions = await bench.run(MOD, "/admin idea status #1 planned Scheduled for spring")
    reply = replies(actions)[0]
    assert reply.ephemeral
    assert reply.text == "#1 “Dark mode” is now Planned. Told the author and 2 voters."
    [update] = updates(actions)
    assert field(update.card, "Status") == "Planned — Scheduled for spring"
    told = {dm.user_name: dm.text for dm in dms(actions)}
    assert told["alice"] == (
        "Your idea #1 “Dark mode” is now Planned: Scheduled for spring (+5 points)"
    )
    assert (
        told["bob"]
        == told["carol"]
        == ("An idea you voted on, #1 “Dark mode”, is now Planned: Scheduled for spring")
    )
    assert all(dm.platform == "discord" for dm in dms(actions))
    assert {dm.user_id for dm in dms(actions)} == {"u1", "u2", "u3"}


async def test_voters_are_not_told_when_the_community_says_so(db, clock):
    core = Cercle(db, Settings(ideas=IdeaSettings(notify_voters=False)), clock)
    bench = Bench(core)
    await bench.meet(*EVERYONE)
    await bench.submit(ALICE, '"Dark mode"')
    await bench.press(BOB, "idea:1:vote:for")
    actions = await bench.run(MOD, "/admin idea status 1 under_review Looking at it")
    assert [dm.user_name for dm in dms(actions)] == ["alice"]
    assert reply_text(actions).endswith("Told the author.")


async def test_direct_messages_to_voters_are_bounded(bench):
    await bench.submit(BOB, '"Export to CSV"')
    voters = [MemberRef("discord", f"v{i}", f"voter{i}") for i in range(MAX_VOTER_DMS + 5)]
    await bench.meet(*voters)
    for voter in voters:
        await bench.press(voter, "idea:2:vote:for")
    actions = await bench.run(MOD, "/admin idea status 2 planned Next quarter")
    assert len(dms(actions)) == 1 + MAX_VOTER_DMS  # the author, then the first 50 voters
    assert [dm.user_name for dm in dms(actions)][1:4] == ["voter0", "voter1", "voter2"]
    assert "Told the author and 50 voters. (5 more not told" in reply_text(actions)


async def test_the_history_keeps_who_what_and_why(bench, clock):
    await bench.run(MOD, "/admin idea status 1 under_review Looking at it")
    clock.advance(timedelta(days=2))
    await bench.run(MOD, "/admin idea status 1 planned Scheduled for spring")
    idea = await bench.idea(1)
    async with bench.core.db.transaction() as session:
        rows = (await session.scalars(select(IdeaEvent).where(IdeaEvent.idea_id == idea.id))).all()
    assert [(e.from_value, e.to_value, e.reason) for e in rows] == [
        ("new", "under_review", "Looking at it"),
        ("under_review", "planned", "Scheduled for spring"),
    ]
    mod = await bench.member(MOD)
    assert {e.actor_id for e in rows} == {mod.id}
    assert rows[1].at - rows[0].at == timedelta(days=2)
    card = replies(await bench.run(BOB, "/idea show 1"))[0].card
    assert card is not None and card.kind == "idea_detail"
    assert field(card, "History").splitlines() == [
        "5 January 2026 · alice: submitted",
        "5 January 2026 · mod: New → Under review — Looking at it",
        "7 January 2026 · mod: Under review → Planned — Scheduled for spring",
    ]
    assert field(card, "Score") == "0.00 (Wilson lower bound, 95 %)"
    assert field(card, "Testers") == "no call yet"


@pytest.mark.parametrize(
    ("who", "line", "expected"),
    [
        (BOB, "/admin idea status 1 planned Because", "Only moderators can run"),
        (MOD, "/admin idea status 1 planned", "The option `reason` is missing."),
        (MOD, '/admin idea status 1 planned ""', "The option `reason` is missing."),
        (MOD, "/admin idea status 1 new Again", "#1 is already New."),
        (MOD, "/admin idea status 1 maybe Why not", "`status` must be one of new,"),
        (MOD, "/admin idea status 1 duplicate Same", "Say which idea #1 duplicates"),
        (MOD, "/admin idea status 1 duplicate of=1 Same", "#1 can't be a duplicate of itself."),
        (MOD, "/admin idea status 1 planned of=2 Same", "`of` goes only with the status"),
        (MOD, "/admin idea status 1 duplicate of=9 Same", "There is no idea #9 here."),
    ],
)
async def test_bad_status_changes_are_refused_and_change_nothing(bench, who, line, expected):
    actions = await bench.run(who, line)
    assert expected in reply_text(actions)
    assert not updates(actions) and not dms(actions)
    idea = await bench.idea(1)
    assert (idea.status, idea.status_reason) == ("new", None)


async def test_a_decision_stands_until_the_idea_is_reopened(bench):
    await bench.run(MOD, "/admin idea status 1 declined Out of scope")
    refused = await bench.run(MOD, "/admin idea status 1 planned After all")
    assert "reopen it with the status under_review first" in reply_text(refused)
    await bench.run(MOD, "/admin idea status 1 under_review Customers keep asking")
    await bench.run(MOD, "/admin idea status 1 planned After all")
    assert (await bench.idea(1)).status == "planned"


async def test_planned_and_shipped_score_the_author_once_each(bench):
    await bench.run(MOD, "/admin idea status 1 planned Spring")
    await bench.run(MOD, "/admin idea status 1 under_review Rethinking")
    await bench.run(MOD, "/admin idea status 1 planned Summer then")
    actions = await bench.run(MOD, "/admin idea status 1 shipped Out in 2.3")
    await bench.run(MOD, "/admin idea status 1 under_review Version two")
    await bench.run(MOD, "/admin idea status 1 shipped Out in 2.4")
    assert await ledger_kinds(bench, ALICE) == [
        ("idea_submitted", 3),
        ("idea_planned", 5),
        ("idea_shipped", 20),
    ]
    alice = await bench.member(ALICE)
    assert (alice.ideas_submitted, alice.ideas_shipped) == (1, 1)
    shipped = [p for p in posts(actions) if p.card and p.card.kind == "idea_shipped"]
    assert shipped[0].card.title == "🚀 Shipped: #1 Dark mode"
    assert any(p.card and "Shipped!" in p.card.title for p in posts(actions))  # the badge


async def test_shipping_straight_away_also_counts_as_planned(bench):
    await bench.run(MOD, "/admin idea status 1 shipped Already done")
    assert [kind for kind, _ in await ledger_kinds(bench, ALICE)] == [
        "idea_submitted",
        "idea_planned",
        "idea_shipped",
    ]


async def test_a_declined_or_duplicate_idea_keeps_its_submission_points(bench):
    await bench.submit(BOB, '"Export to CSV"')
    await bench.run(MOD, "/admin idea status 1 declined Out of scope")
    await bench.run(MOD, "/admin idea status 2 duplicate of=1 Same")
    assert await ledger_kinds(bench, ALICE) == [("idea_submitted", 3)]
    assert await ledger_kinds(bench, BOB) == [("idea_submitted", 3)]


async def test_votes_are_closed_once_an_idea_is_decided(bench):
    await bench.press(BOB, "idea:1:vote:for")
    actions = await bench.run(MOD, "/admin idea status 1 declined Out of scope")
    assert updates(actions)[0].card.buttons == ()
    refused = await bench.press(CAROL, "idea:1:vote:for")
    assert "#1 is marked Declined: the decision is made" in reply_text(refused)
    assert await bench.votes(1) == {"bob": "for"}


# -- duplicates -------------------------------------------------------------------------------


async def test_a_duplicate_merges_its_votes_without_counting_anyone_twice(bench):
    await bench.submit(ERIN, '"Export to CSV"')
    await bench.run(BOB, "/idea vote 1 for")
    await bench.run(CAROL, "/idea vote 1 against")
    await bench.run(CAROL, "/idea vote 2 for")  # voted on both: keeps her vote on #1
    await bench.run(DAVE, "/idea vote 2 for")
    await bench.run(ALICE, "/idea vote 2 against")  # #1's author: no vote on her own idea
    actions = await bench.run(MOD, "/admin idea status 2 duplicate of=#1 Same request")
    assert await bench.votes(1) == {"bob": "for", "carol": "against", "dave": "for", "erin": "for"}
    assert await bench.votes(2) == {}
    one, two = await bench.idea(1), await bench.idea(2)
    assert (one.votes_for, one.votes_against) == (3, 1)
    assert (two.votes_for, two.votes_against, two.merged_into_id) == (0, 0, one.id)
    cards = {u.message_id: u.card for u in updates(actions)}
    assert field(cards["card1"], "Votes") == "👍 3 · 👎 1"
    assert field(cards["card2"], "Merged into") == "#1 Dark mode"
    assert cards["card2"].buttons == ()
    told = {dm.user_name: dm.text for dm in dms(actions)}
    assert told["erin"].startswith("Your idea #2 “Export to CSV” was merged into #1 “Dark mode”")
    assert set(told) == {"erin", "carol", "dave", "alice"}


async def test_voting_on_a_merged_idea_points_to_where_it_went(bench):
    await bench.submit(BOB, '"Export to CSV"')
    await bench.run(MOD, "/admin idea status 2 duplicate of=1 Same request")
    for actions in (
        await bench.run(CAROL, "/idea vote 2 for"),
        await bench.press(CAROL, "idea:2:vote:for"),
    ):
        assert "#2 was merged into #1 “Dark mode”: vote there instead" in reply_text(actions)
    assert await bench.votes(1) == {"bob": "for"}


async def test_a_duplicate_of_a_merged_idea_is_refused_and_chains_are_flattened(bench):
    await bench.submit(BOB, '"Export to CSV"')
    await bench.submit(CAROL, '"Single sign-on"')
    await bench.run(MOD, "/admin idea status 3 duplicate of=2 Same")
    await bench.run(MOD, "/admin idea status 2 duplicate of=1 Same")
    refused = await bench.run(MOD, "/admin idea status 1 duplicate of=2 Loop")
    assert "#2 was itself merged into #1: use `of=1`." in reply_text(refused)
    one, three = await bench.idea(1), await bench.idea(3)
    assert three.merged_into_id == one.id
    show = replies(await bench.run(BOB, "/idea show 1"))[0].card
    assert field(show, "Merged here") == "#2, #3"


async def test_a_reopened_duplicate_starts_again_from_no_votes(bench):
    await bench.submit(BOB, '"Export to CSV"')
    await bench.run(CAROL, "/idea vote 2 for")
    await bench.run(MOD, "/admin idea status 2 duplicate of=1 Same")
    await bench.run(MOD, "/admin idea status 2 under_review Not the same after all")
    two = await bench.idea(2)
    assert (two.status, two.merged_into_id, two.votes_for) == ("under_review", None, 0)
    await bench.run(CAROL, "/idea vote 2 for")
    assert await bench.votes(2) == {"carol": "for"}


# -- testers ----------------------------------------------------------------------------------


async def test_a_call_for_testers_takes_volunteers_and_tells_them_when_ready(bench):
    await bench.press(BOB, "idea:1:vote:for")
    actions = await bench.run(MOD, "/admin idea testers 1 open Mac beta")
    assert reply_text(actions) == "Call for testers open on #1. Told the author and 1 supporter."
    card = updates(actions)[0].card
    assert field(card, "Testers") == "Call open: Mac beta — 0 volunteers"
    assert card.buttons[-1].custom_id == "idea:1:volunteer"
    assert {dm.user_name for dm in dms(actions)} == {"alice", "bob"}

    actions = await bench.press(CAROL, "idea:1:volunteer")
    assert "You are on the testers list of #1" in reply_text(actions)
    assert field(updates(actions)[0].card, "Testers") == "Call open: Mac beta — 1 volunteer"
    again = await bench.press(CAROL, "idea:1:volunteer")
    assert "You are already on the testers list of #1" in reply_text(again)
    await bench.run(DAVE, "/idea volunteer #1")

    actions = await bench.run(MOD, "/admin idea testers 1 notify Build 42 is in #beta")
    assert reply_text(actions) == "Told 2 volunteers that #1 is ready to try."
    assert {dm.user_name: dm.text for dm in dms(actions)} == {
        name: "🧪 #1 “Dark mode” is ready for you to try: Build 42 is in #beta"
        for name in ("carol", "dave")
    }

    actions = await bench.run(MOD, "/admin idea testers 1 close")
    card = updates(actions)[0].card
    assert field(card, "Testers") == "Call closed — 2 volunteers"
    assert all(b.custom_id != "idea:1:volunteer" for b in card.buttons)
    late = await bench.run(ERIN, "/idea volunteer 1")
    assert "There is no open call for testers on #1." in reply_text(late)


@pytest.mark.parametrize(
    ("who", "line", "expected"),
    [
        (BOB, "/admin idea testers 1 open", "Only moderators can run"),
        (MOD, "/admin idea testers 1 close", "There is no open call for testers on #1 to close."),
        (MOD, "/admin idea testers 1 notify", "Nobody has volunteered to test #1 yet."),
        (MOD, "/admin idea testers 1 shout", "`action` must be one of open, close, notify"),
        (BOB, "/idea volunteer 1", "There is no open call for testers on #1."),
    ],
)
async def test_bad_testers_commands_are_refused(bench, who, line, expected):
    actions = await bench.run(who, line)
    assert expected in reply_text(actions)
    assert not updates(actions) and not dms(actions)
    assert (await bench.idea(1)).testers == "none"


async def test_no_call_for_testers_on_a_declined_idea(bench):
    await bench.run(MOD, "/admin idea status 1 declined Out of scope")
    actions = await bench.run(MOD, "/admin idea testers 1 open")
    assert "#1 is marked Declined: there is nothing to test." in reply_text(actions)


async def test_a_call_can_run_on_a_shipped_idea(bench):
    await bench.run(MOD, "/admin idea status 1 shipped Out in 2.3")
    actions = await bench.run(MOD, "/admin idea testers 1 open Feedback on the final version")
    card = updates(actions)[0].card
    assert [b.custom_id for b in card.buttons] == ["idea:1:volunteer"]
