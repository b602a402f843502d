"""Polls through the core: numbering, ballots and their changes, scoring the first vote,
anonymity, hidden results, and closing once (deadline job, moderator, both, concurrently)."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from bot import i18n
from bot.actions import Action, Card, PostToChannel, Reply, UpdateCard
from bot.clock import ManualClock
from bot.config import PollSettings, ScoringSettings, Settings
from bot.core import Cercle
from bot.events import ButtonPressed, ChannelRef, CommandInvoked, MemberRef
from bot.features.polls import ballots as poll_ballots
from bot.features.polls.counting import MODES, count_choices, count_points, instant_runoff
from bot.features.polls.state import outcome_of
from bot.text import render_moments
from storage import polls as store
from storage.communities import community_for_space
from storage.db import Database
from storage.members import find_member
from storage.models import Contribution, Member, ScheduledJob
from storage.models.polls import Poll, PollBallot, PollMark, PollOption

GENERAL = ChannelRef("c1", "general")
ALICE = MemberRef("discord", "alice", "alice")
BOB = MemberRef("discord", "bob", "bob")
CAROL = MemberRef("discord", "carol", "carol")
DAVE = MemberRef("discord", "dave", "dave")
MOD = MemberRef("discord", "mod", "mod", manages_space=True)
HELPER = MemberRef("discord", "helper", "helper", is_bot=True)

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DESIGN_EXAMPLE = '/poll create "What first?" options="Dark mode|Export|SSO" mode=ranked duration=2d'

_ids = itertools.count(1)


async def run(core: Cercle, who: MemberRef, text: str, space: str = "g1") -> list[Action]:
    event = CommandInvoked(
        "discord", space, core.clock.now(), f"i{next(_ids)}", GENERAL, who, text=text
    )
    return await core.handle(event)


async def click(core: Cercle, who: MemberRef, custom_id: str) -> list[Action]:
    event = ButtonPressed(
        "discord", "g1", core.clock.now(), f"b{next(_ids)}", GENERAL, who, custom_id
    )
    return await core.handle(event)


def card_text(card: Card) -> str:
    parts = [card.title, card.body, card.footer]
    parts += [f"{f.name}: {f.value}" for f in card.fields]
    parts += [f"[{b.label}]" for b in card.buttons]
    return "\n".join(parts)


def shown(actions: list[Action]) -> str:
    """Everything the actions would show anyone, as one text."""
    out = []
    for action in actions:
        text = getattr(action, "text", "")
        card = getattr(action, "card", None)
        out.append(text + ("\n" + card_text(card) if card else ""))
    return "\n".join(out)


def reply(actions: list[Action]) -> str:
    replies = [a for a in actions if isinstance(a, Reply)]
    assert replies, actions
    return replies[0].text or card_text(replies[0].card)  # type: ignore[arg-type]


async def create(core: Cercle, text: str = DESIGN_EXAMPLE, who: MemberRef = ALICE) -> PostToChannel:
    actions = await run(core, who, text)
    posts = [a for a in actions if isinstance(a, PostToChannel)]
    assert len(posts) == 1, shown(actions)
    post = posts[0]
    assert post.card_ref is not None
    # The adapter tells where it posted the card, so votes update it in place.
    await core.card_posted("discord", "g1", post.card_ref, "c1", f"m-{post.card_ref}")
    return post


async def member(core: Cercle, who: MemberRef) -> Member:
    async with core.db.transaction() as session:
        community_id = await community_for_space(session, "discord", "g1")
        assert community_id is not None
        row = await find_member(session, community_id, "discord", who.user_id)
        assert row is not None
        return row


async def rows(db: Database, table) -> list:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return list((await session.scalars(select(table))).all())


def results_posted(actions: list) -> list[PostToChannel]:  # type: ignore[type-arg]
    """The result cards among `actions` (or among `run_due`'s (community, action) pairs)."""
    flat = [a[1] if isinstance(a, tuple) else a for a in actions]
    return [
        a for a in flat if isinstance(a, PostToChannel) and a.card and a.card.kind == "poll_result"
    ]


# --------------------------------------------------------------------------- creating


async def test_the_design_example_posts_a_card_schedules_the_deadline_and_confirms(core, clock, db):
    actions = await run(core, ALICE, DESIGN_EXAMPLE)
    post = next(a for a in actions if isinstance(a, PostToChannel))
    assert post.card_ref == "poll:1"
    assert post.channel_id is None  # no polls channel configured: the default channel
    assert post.card is not None and post.card.kind == "poll"
    assert "Poll #1" in post.card.title and "What first?" in post.card.title
    assert [(b.label, b.custom_id) for b in post.card.buttons] == [
        ("Dark mode", "poll:1:opt:1"),
        ("Export", "poll:1:opt:2"),
        ("SSO", "poll:1:opt:3"),
    ]
    assert "/poll vote 1 2>1>3" in post.card.body  # how to vote by command
    confirmation = reply(actions)
    # The deadline is a moment: each platform shows it in the reader's own zone, the
    # community's zone words standing in where it cannot.
    assert "Poll #1" in confirmation
    assert "until 7 January 2026, 09:00 UTC." in render_moments(confirmation)
    assert next(a for a in actions if isinstance(a, Reply)).ephemeral
    jobs = await rows(db, ScheduledJob)
    assert [(j.kind, j.key, j.due_at, j.status) for j in jobs] == [
        (
            "poll_close",
            f"poll-close:{jobs[0].community_id}:1",
            clock.now() + timedelta(days=2),
            "pending",
        )
    ]
    (poll,) = await rows(db, Poll)
    assert (poll.mode, poll.anonymous, poll.question) == ("ranked", False, "What first?")


async def test_polls_are_numbered_per_community_and_a_number_is_never_given_twice(core, db):
    for _ in range(3):
        await create(core, '/poll create "Q?" options="a|b"')
    refused = await run(core, ALICE, '/poll create "Q?" options="a|a"')
    assert "twice" in reply(refused)
    # A poll erased later (privacy) does not give its number back.
    async with db.transaction() as session:
        three = await session.scalar(select(Poll.id).where(Poll.number == 3))
        await session.execute(delete(PollOption).where(PollOption.poll_id == three))
        await session.execute(delete(Poll).where(Poll.id == three))
    post = await create(core, '/poll create "Q?" options="a|b"')
    assert post.card_ref == "poll:4"
    other = await run(core, ALICE, '/poll create "Q?" options="a|b"', space="g2")
    assert next(a for a in other if isinstance(a, PostToChannel)).card_ref == "poll:1"


async def test_the_default_duration_and_the_configured_channel_apply(db, clock):
    settings = Settings(polls=PollSettings(channel="#polls", default_duration_hours=5))
    core = Cercle(db, settings, clock)
    post = await create(core, '/poll create "Lunch?" options="Pizza|Sushi" mode=multi')
    assert post.channel_id == "polls"
    (job,) = await rows(db, ScheduledJob)
    assert job.due_at == clock.now() + timedelta(hours=5)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('/poll create "Q?" options="only one"', "at least 2"),
        ('/poll create "Q?" options="a|b|c|d|e|f|g|h|i|j|k"', "at most 10 options (got 11)"),
        ('/poll create "Q?" options="Export|export"', "`export` is given twice"),
        ('/poll create "Q?" options="a|' + "x" * 81 + '"', "at most 80"),
        ('/poll create "Q?" options="a|b" duration=31d', "at most 30 days (got 31d)"),
        ('/poll create "Q?" options="a>b|c" mode=ranked', "can't contain `>`"),
        ('/poll create "" options="a|b"', "`question` is missing"),
        ('/poll create "' + "q" * 301 + '" options="a|b"', "at most 300"),
    ],
)
async def test_bad_polls_are_refused_and_nothing_is_created(core, db, text, needle):
    actions = await run(core, ALICE, text)
    assert needle in reply(actions)
    assert await rows(db, Poll) == []
    assert await rows(db, ScheduledJob) == []


# --------------------------------------------------------------------------- voting


async def test_a_changed_vote_replaces_the_previous_ballot_and_updates_the_card(core, db):
    await create(core, '/poll create "Lunch?" options="Pizza|Sushi|Salad"')
    first = await run(core, BOB, "/poll vote 1 Pizza")
    assert "Your vote in poll #1: Pizza." in reply(first)
    changed = await run(core, BOB, "/poll vote #1 3")
    assert "Your vote in poll #1: Salad." in reply(changed)
    (update,) = [a for a in changed if isinstance(a, UpdateCard)]
    assert (update.channel_id, update.message_id) == ("c1", "m-poll:1")
    text = card_text(update.card)
    assert "1. Pizza  ░░░░░░░░░░ 0 (0%)" in text
    assert "3. Salad  ██████████ 1 (100%)" in text
    assert "1 voter" in text
    assert [(m.option_index, m.weight) for m in await rows(db, PollMark)] == [(2, 1)]


async def test_the_first_vote_scores_once_whatever_the_changes(core, db):
    await create(core)
    scored = await run(core, BOB, "/poll vote 1 Export>SSO")
    assert "+1 point" in reply(scored)
    again = await click(core, BOB, "poll:1:opt:3")  # takes SSO out of the ranking
    assert "+1" not in reply(again)
    await run(core, BOB, "/poll vote 1 SSO")
    bob = await member(core, BOB)
    assert bob.points == ScoringSettings().poll_vote_points
    assert bob.poll_votes == 1
    ledger = [c for c in await rows(db, Contribution) if c.kind == "poll_vote"]
    assert len(ledger) == 1
    # A second poll scores again: once per member per poll.
    await create(core, '/poll create "Again?" options="yes|no"')
    await run(core, BOB, "/poll vote 2 yes")
    assert (await member(core, BOB)).poll_votes == 2


async def test_buttons_vote_in_every_mode(core):
    await create(core, '/poll create "S?" options="a|b|c"')
    await create(core, '/poll create "M?" options="a|b|c" mode=multi')
    await create(core, '/poll create "R?" options="a|b|c" mode=ranked')
    await create(core, '/poll create "B?" options="a|b|c" mode=budget')
    assert "Your vote in poll #1: b." in reply(await click(core, BOB, "poll:1:opt:2"))
    await click(core, BOB, "poll:2:opt:1")
    assert "Your choices in poll #2: a, c." in reply(await click(core, BOB, "poll:2:opt:3"))
    await click(core, BOB, "poll:3:opt:3")
    assert "Your ranking in poll #3: c > a." in reply(await click(core, BOB, "poll:3:opt:1"))
    await click(core, BOB, "poll:4:opt:2")
    assert "Your points in poll #4: b: 2 (8 left)." in reply(await click(core, BOB, "poll:4:opt:2"))
    await click(core, CAROL, "poll:2:opt:1")
    assert "no longer have a vote" in reply(await click(core, CAROL, "poll:2:opt:1"))


async def test_a_budget_button_refuses_once_the_points_are_spent(db, clock):
    core = Cercle(db, Settings(polls=PollSettings(budget_points=2)), clock)
    await create(core, '/poll create "B?" options="a|b" mode=budget')
    await click(core, BOB, "poll:1:opt:1")
    await click(core, BOB, "poll:1:opt:2")
    refused = await click(core, BOB, "poll:1:opt:2")
    assert "spent all 2 points of poll #1" in reply(refused)
    assert "/poll vote 1 1:1|2:1" in reply(refused)


@pytest.mark.parametrize(
    ("mode", "choice", "needle"),
    [
        (
            "single",
            "Nope",
            "`Nope` is not an option of poll #1. Its options: 1. Dark mode, 2. Export",
        ),
        ("single", "4", "`4` is not an option"),
        ("single", "Export|SSO", "single choice"),
        ("multi", "Export|Export", "named twice"),
        ("ranked", "Export|SSO", "with `>`"),
        ("budget", "Export:11", "That is 11 points; you have 10 to spread."),
        ("budget", "Export:-1|SSO:2", "can't be negative"),
        ("budget", "Export", "like `1:3`"),
        ("budget", "Export:0", "at least 1 point"),
    ],
)
async def test_bad_ballots_are_refused_with_how_to_vote_and_change_nothing(
    core, db, mode, choice, needle
):
    await create(core, f'/poll create "Q?" options="Dark mode|Export|SSO" mode={mode}')
    actions = await run(core, BOB, f'/poll vote 1 "{choice}"')
    assert len(actions) == 1
    text = reply(actions)
    assert needle in text
    assert "/poll vote 1 " in text  # the how-to-vote line comes with it
    assert await rows(db, PollBallot) == []


async def test_unknown_polls_and_stale_buttons_are_refused(core):
    assert "There is no poll #7 here." in reply(await run(core, BOB, "/poll vote 7 yes"))
    assert "There is no poll #7 here." in reply(await run(core, BOB, "/poll results 7"))
    assert "There is no poll #7 here." in reply(await click(core, BOB, "poll:7:opt:1"))
    await create(core, '/poll create "Q?" options="a|b"')
    stale = (
        "poll:1:opt:3",
        "poll:1:opt:0",
        "poll:1:vote:1",
        "poll:x:opt:1",
        "poll:1",
        "poll:²:opt:1",
    )
    for bad in stale:
        assert "no longer does anything" in reply(await click(core, BOB, bad))


async def test_bots_do_not_vote(core, db):
    await create(core, '/poll create "Q?" options="a|b"')
    assert "Bots don't vote" in reply(await run(core, HELPER, "/poll vote 1 a"))
    assert await rows(db, PollBallot) == []


# --------------------------------------------------------------------------- seeing results


async def test_an_anonymous_poll_never_shows_who_voted_what_to_anyone(core, clock):
    seen: list[Action] = []
    seen += await run(core, MOD, '/poll create "Salary band?" options="low|high" anonymous=yes')
    await core.card_posted("discord", "g1", "poll:1", "c1", "m1")
    seen += await run(core, ALICE, "/poll vote 1 low")
    seen += await click(core, BOB, "poll:1:opt:2")
    seen += await run(core, MOD, "/poll results 1")
    seen += await run(core, ALICE, "/poll results 1")
    clock.advance(timedelta(days=4))
    seen += [a for _, a in await core.run_due(clock.now())]
    seen += await run(core, MOD, "/poll results 1")
    text = shown(seen)
    assert "Anonymous" in text and "1 (50%)" in text
    replies_to_others = [a for a in seen if not (isinstance(a, Reply) and "Your " in a.text)]
    others = shown(replies_to_others)
    assert "alice" not in others and "bob" not in others
    assert "Who voted what" not in text


async def test_a_public_poll_lists_who_voted_what_in_its_results(core):
    await create(core, '/poll create "Q?" options="Export|SSO" mode=ranked', who=MOD)
    await run(core, BOB, "/poll vote 1 SSO>Export")
    await run(core, ALICE, "/poll vote 1 Export")
    text = reply(await run(core, CAROL, "/poll results 1"))
    assert "Who voted what: alice: Export\nbob: SSO > Export" in text


async def test_hidden_results_stay_hidden_until_the_poll_closes(db, clock):
    core = Cercle(db, Settings(polls=PollSettings(hide_results_until_close=True)), clock)
    post = await create(core, '/poll create "Q?" options="Export|SSO"')
    assert "hidden until the poll closes" in card_text(post.card)  # type: ignore[arg-type]
    voted = await run(core, BOB, "/poll vote 1 Export")
    update = next(a for a in voted if isinstance(a, UpdateCard))
    assert "%" not in card_text(update.card) and "1 voter" in card_text(update.card)
    results = reply(await run(core, CAROL, "/poll results 1"))
    assert "hidden until the poll closes" in results and "%" not in results
    assert "bob" not in results
    clock.advance(timedelta(days=3))
    await core.run_due(clock.now())
    results = reply(await run(core, CAROL, "/poll results 1"))
    assert "Export  ██████████ 1 (100%)" in results and "bob: Export" in results


async def test_ranked_results_show_every_round(core):
    await create(core)
    erin = MemberRef("discord", "erin", "erin")
    for who, ballot in (
        (ALICE, "Export"),
        (BOB, "SSO>Export"),
        (CAROL, "Dark mode>SSO"),
        (DAVE, "Export"),
        (erin, "SSO"),
    ):
        await run(core, who, f"/poll vote 1 {ballot}")
    text = reply(await run(core, ALICE, "/poll results 1"))
    assert "Round 1:" in text and "Round 2:" in text and "Round 3" not in text
    assert "Eliminated: Dark mode" in text
    assert "If the poll closed now: SSO wins with 3 of 5 votes in round 2." in text


# --------------------------------------------------------------------------- closing


async def test_the_deadline_closes_the_poll_once_and_posts_its_results(core, clock, db):
    await create(core)
    await run(core, BOB, "/poll vote 1 Export>SSO")
    clock.advance(timedelta(days=2) - timedelta(minutes=1))
    assert await core.run_due(clock.now()) == []
    clock.advance(timedelta(minutes=1))
    delivered = await core.run_due(clock.now())
    (result,) = results_posted(delivered)
    assert result.card is not None and "Results of poll #1: What first?" in result.card.title
    assert result.platform == "discord" and result.channel_id is None
    assert "Turnout: 1 voter" in card_text(result.card)
    (update,) = [a for _, a in delivered if isinstance(a, UpdateCard)]
    assert update.card.buttons == () and "(closed)" in update.card.title
    assert await core.run_due(clock.now() + timedelta(days=1)) == []
    (poll,) = await rows(db, Poll)
    assert poll.closed_at == poll.closes_at and poll.closed_by is None
    (job,) = [j for j in await rows(db, ScheduledJob) if j.kind == "poll_close"]
    assert job.status == "done"


async def test_votes_after_the_deadline_are_refused_even_before_the_job_runs(core, clock, db):
    await create(core)
    clock.advance(timedelta(days=2))
    assert "Poll #1 is closed" in reply(await run(core, BOB, "/poll vote 1 Export"))
    assert "Poll #1 is closed" in reply(await click(core, BOB, "poll:1:opt:1"))
    assert await rows(db, PollBallot) == []


async def test_a_moderator_closes_early_and_the_deadline_then_does_nothing(core, clock, db):
    await create(core)
    await run(core, BOB, "/poll vote 1 SSO")
    clock.advance(timedelta(hours=1))
    closed = await run(core, MOD, "/admin poll close 1")
    assert len(results_posted(closed)) == 1
    assert "Poll #1 is closed; its results are posted." in shown(closed)
    assert "Closed early by a moderator" in shown(closed)
    assert "Poll #1 is already closed." in reply(await run(core, MOD, "/admin poll close #1"))
    assert "Poll #1 is closed" in reply(await run(core, BOB, "/poll vote 1 Export"))
    clock.advance(timedelta(days=3))
    assert await core.run_due(clock.now()) == []
    (poll,) = await rows(db, Poll)
    assert poll.closed_by == (await member(core, MOD)).id


async def test_closing_is_for_moderators(core, db):
    await create(core)
    assert "Only moderators can run `/admin poll close`." in reply(
        await run(core, ALICE, "/admin poll close 1")
    )
    assert "There is no poll #9 here." in reply(await run(core, MOD, "/admin poll close 9"))
    (poll,) = await rows(db, Poll)
    assert poll.closed_at is None


async def test_two_processes_running_due_jobs_at_once_post_the_results_once(core, db, clock):
    await create(core)
    other = Cercle(db, core.settings, ManualClock(clock.now()))
    clock.advance(timedelta(days=2))
    first, second = await asyncio.gather(core.run_due(clock.now()), other.run_due(clock.now()))
    assert len(results_posted(first)) + len(results_posted(second)) == 1


async def test_a_poll_nobody_voted_in_closes_with_no_winner(core, clock):
    await create(core, '/poll create "Q?" options="a|b" duration=1h')
    clock.advance(timedelta(hours=1))
    (result,) = results_posted(await core.run_due(clock.now()))
    assert "No votes were cast." in card_text(result.card)  # type: ignore[arg-type]
    assert "0 voters" in card_text(result.card)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- catalog


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_every_key_built_at_run_time_exists(locale):
    strings = i18n.catalog(locale)
    keys = [f"poll.{family}.{mode}" for family in ("how", "mode", "vote") for mode in MODES]
    keys += [f"poll.unit.{unit}.{n}" for unit in ("voters", "days") for n in ("one", "other")]
    assert [k for k in keys if k not in strings] == []


# --------------------------------------------------------------------------- storage


@pytest.mark.parametrize("mode", MODES)
async def test_counts_summed_by_the_database_match_the_pure_counting(core, db, mode):
    """Random ballots written through storage count the same as the pure functions."""
    await create(core, f'/poll create "Q?" options="a|b|c|d|e" mode={mode}')
    rng = random.Random(6)
    voters = [MemberRef("discord", f"v{i}", f"v{i}") for i in range(40)]
    for voter in voters:  # members exist before their ballots are written directly
        await run(core, voter, "/poll results 1")
    ballots = {}
    for voter in voters:
        picked = rng.sample(range(5), rng.randint(1, 5))
        if mode == "single":
            marks = ((picked[0], 1),)
        elif mode == "budget":
            marks = tuple(sorted((i, rng.randint(1, 2)) for i in picked))
        else:
            marks = tuple(sorted((i, rank) for rank, i in enumerate(picked, start=1)))
        ballots[voter.user_id] = marks
    async with db.transaction() as session:
        (poll,) = (await session.scalars(select(Poll))).all()
        for voter in voters:
            row = await member(core, voter)
            await store.save_ballot(session, poll, row.id, ballots[voter.user_id], START)
        outcome = await outcome_of(session, poll, 5)
        card_counts = (await outcome_of(session, poll, 5, rounds=False)).counts
    marks = list(ballots.values())
    if mode == "ranked":
        expected = instant_runoff(5, [poll_ballots.ranking_of(m) for m in marks])
        assert outcome.runoff == expected
        assert card_counts.totals == expected.first_preferences
    elif mode == "budget":
        assert outcome.counts == count_points(5, [dict(m) for m in marks])
    else:
        assert outcome.counts == count_choices(5, [{i for i, _ in m} for m in marks])
    assert outcome.voters == card_counts.voters == len(voters)
