"""Ideas through the real core: submitting (numbering, limits, categories, similar ideas and
drafts), voting (buttons and command, one vote per member, scoring once), the cards kept up
to date, and the lists with their orders (Wilson, controversial, trending)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from idea_bench import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    EVERYONE,
    MOD,
    Bench,
    field,
    posts,
    replies,
    reply_text,
    updates,
)
from sqlalchemy import delete

from bot import i18n
from bot.config import IdeaSettings, Settings
from bot.core import Cercle
from bot.features.ideas import rules
from storage import ideas as store
from storage import ledger
from storage.models.ideas import Idea, IdeaDraft, IdeaSequence


@pytest.fixture
async def bench(core: Cercle) -> Bench:
    bench = Bench(core)
    await bench.meet(*EVERYONE)
    return bench


# -- submitting -------------------------------------------------------------------------------


async def test_a_submitted_idea_is_posted_with_vote_buttons_and_scores_its_author(bench):
    actions = await bench.run(ALICE, '/idea submit "Dark mode" "Easier at night" feature')
    post, badge = posts(actions)
    assert post.channel_id is None  # no ideas channel configured: the default channel
    assert post.card_ref == "idea:1"
    card = post.card
    assert card is not None and card.kind == "idea"
    assert card.title == "💡 Idea #1: Dark mode"
    assert card.body == "Easier at night"
    assert field(card, "Status") == "New"
    assert field(card, "Votes") == "👍 0 · 👎 0"
    assert field(card, "Category") == "feature"
    assert field(card, "Proposed by") == "alice"
    assert [b.custom_id for b in card.buttons] == ["idea:1:vote:for", "idea:1:vote:against"]
    [reply] = [r for r in replies(actions) if r.text]
    assert reply.ephemeral and "#1" in reply.text and "+3 points" in reply.text
    alice = await bench.member(ALICE)
    assert alice.ideas_submitted == 1
    assert alice.points == 1 + 3  # her hello, then the idea
    # the first idea earns the badge that counts them
    assert badge.card is not None and "First idea" in badge.card.title


async def test_the_card_goes_to_the_configured_ideas_channel(db, clock):
    core = Cercle(db, Settings(ideas=IdeaSettings(channel="#ideas")), clock)
    bench = Bench(core)
    await bench.meet(ALICE)
    [post, *_] = posts(await bench.run(ALICE, '/idea submit "Dark mode"'))
    assert post.channel_id == "ideas"


async def test_ideas_are_numbered_in_order_per_community(bench):
    assert await bench.submit(ALICE, '"Dark mode"') == 1
    assert await bench.submit(BOB, '"Export to CSV"') == 2
    assert await bench.submit(CAROL, '"Single sign-on"') == 3
    other = Bench(bench.core, space="g2")
    await other.meet(ALICE)
    assert await other.submit(ALICE, '"Dark mode"') == 1  # another community counts alone
    assert await bench.submit(DAVE, '"Keyboard shortcuts"') == 4


async def test_a_refused_or_failed_submission_takes_no_number(bench, monkeypatch):
    assert await bench.submit(ALICE, '"Dark mode"') == 1
    refused = await bench.run(BOB, '/idea submit "Export to CSV" "" snacks')
    assert not posts(refused)

    async def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ledger, "record", broken)
    failed = await bench.run(BOB, '/idea submit "Export to CSV"')
    assert "went wrong" in reply_text(failed) and not posts(failed)
    monkeypatch.undo()
    # neither a gap nor a number given twice
    assert await bench.submit(BOB, '"Export to CSV"') == 2


async def test_a_number_is_never_given_again_even_after_its_idea_is_gone(bench):
    assert await bench.submit(ALICE, '"Dark mode"') == 1
    assert await bench.submit(BOB, '"Export to CSV"') == 2
    async with bench.core.db.transaction() as session:
        await session.execute(delete(Idea).where(Idea.number == 2))
    assert await bench.submit(CAROL, '"Single sign-on"') == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x" * 101, "`title` is too long: 101 characters, at most 100."),
        ('""', "The option `title` is missing."),
        ('"Dark mode" "" snacks', "`snacks` is not a category here; choose one of: feature,"),
        ('"Dark mode" "x" ' + "y" * 101, "`category` is too long"),
    ],
)
async def test_bad_submissions_are_refused_and_change_nothing(bench, text, expected):
    actions = await bench.run(ALICE, "/idea submit " + text)
    assert expected in reply_text(actions)
    assert replies(actions)[0].ephemeral and not posts(actions)
    assert (await bench.member(ALICE)).ideas_submitted == 0


async def test_a_category_is_matched_whatever_its_case(bench):
    number = await bench.submit(ALICE, '"Dark mode" "" FEATURE')
    assert (await bench.idea(number)).category == "feature"


async def test_a_long_description_is_kept_whole_and_cut_on_the_card(bench):
    text = "word " * 390  # 1950 characters
    actions = await bench.run(ALICE, f'/idea submit "Dark mode" "{text.strip()}"')
    card = posts(actions)[0].card
    assert card is not None and len(card.body) <= 1500 and card.body.endswith("…")
    assert len((await bench.idea(1)).description) == len(text.strip())


async def test_mass_mentions_in_member_text_never_ping(bench):
    actions = await bench.run(ALICE, '/idea submit "Dark mode @everyone" "ask @here"')
    card = posts(actions)[0].card
    assert card is not None
    shown = card.title + card.body + reply_text(actions)
    assert "@everyone" not in shown and "@here" not in shown
    assert "@\u200beveryone" in card.title
    assert (await bench.idea(1)).title == "Dark mode @everyone"  # kept as written


# -- similar ideas and drafts ----------------------------------------------------------------


async def test_similar_ideas_are_shown_first_and_nothing_is_posted(bench):
    await bench.submit(ALICE, '"Dark mode" "A dark theme for the dashboard"')
    actions = await bench.run(BOB, '/idea submit "Add a dark theme"')
    assert not posts(actions)
    [reply] = replies(actions)
    assert reply.ephemeral and reply.card is not None
    assert reply.card.kind == "idea_similar"
    assert "#1 Dark mode — New — 👍 0 · 👎 0" in reply.card.body
    ids = [b.custom_id for b in reply.card.buttons]
    assert ids[0] == "idea:1:support"
    assert ids[1].startswith("idea:draft:") and ids[1].endswith(":confirm")
    assert ids[2].endswith(":cancel")
    assert (await bench.member(BOB)).ideas_submitted == 0


async def test_supporting_a_similar_idea_instead_never_takes_a_vote_back(bench):
    await bench.submit(ALICE, '"Dark mode" "A dark theme for the dashboard"')
    await bench.press(BOB, "idea:1:vote:for")
    card = replies(await bench.run(BOB, '/idea submit "Add a dark theme"'))[0].card
    actions = await bench.press(BOB, card.buttons[0].custom_id)
    assert "You already vote for #1." in reply_text(actions)
    actions = await bench.press(CAROL, "idea:1:support")
    assert "You vote for #1" in reply_text(actions)
    assert await bench.votes(1) == {"bob": "for", "carol": "for"}


async def test_an_unrelated_idea_is_saved_at_once(bench):
    await bench.submit(ALICE, '"Dark mode" "A dark theme for the dashboard"')
    assert await bench.submit(BOB, '"Export invoices to PDF"') == 2


async def draft_buttons(bench: Bench) -> tuple[str, str]:
    await bench.submit(ALICE, '"Dark mode"')
    actions = await bench.run(BOB, '/idea submit "Dark theme" "Please" improvement')
    card = replies(actions)[0].card
    assert card is not None
    return card.buttons[-2].custom_id, card.buttons[-1].custom_id


async def test_submit_anyway_posts_the_draft_as_a_new_idea(bench):
    confirm, _ = await draft_buttons(bench)
    actions = await bench.press(BOB, confirm)
    [post] = [p for p in posts(actions) if p.card_ref]
    assert post.card_ref == "idea:2"
    idea = await bench.idea(2)
    assert (idea.title, idea.description, idea.category) == ("Dark theme", "Please", "improvement")
    assert (await bench.member(BOB)).ideas_submitted == 1
    again = await bench.press(BOB, confirm)
    assert "This draft is gone" in reply_text(again)


async def test_cancel_drops_the_draft(bench):
    confirm, cancel = await draft_buttons(bench)
    assert "Cancelled" in reply_text(await bench.press(BOB, cancel))
    assert "This draft is gone" in reply_text(await bench.press(BOB, confirm))
    assert (await bench.member(BOB)).ideas_submitted == 0


async def test_only_the_author_can_confirm_a_draft(bench):
    confirm, _ = await draft_buttons(bench)
    actions = await bench.press(CAROL, confirm)
    assert "Only the member who wrote this idea" in reply_text(actions)
    assert not posts(actions)


async def test_a_draft_survives_a_restart(bench, db, settings, clock):
    confirm, _ = await draft_buttons(bench)
    restarted = Bench(Cercle(db, settings, clock))
    restarted.count = 100
    actions = await restarted.press(BOB, confirm)
    assert [p.card_ref for p in posts(actions) if p.card_ref] == ["idea:2"]


async def test_a_draft_left_for_more_than_a_day_is_gone(bench, clock):
    confirm, _ = await draft_buttons(bench)
    clock.advance(timedelta(days=1, minutes=1))
    assert "This draft is gone" in reply_text(await bench.press(BOB, confirm))
    # and the next draft cleans it away
    await bench.run(CAROL, '/idea submit "Dark colours"')
    async with bench.core.db.transaction() as session:
        drafts = (await session.execute(IdeaDraft.__table__.select())).all()
    assert len(drafts) == 1


async def test_a_member_who_asks_to_be_forgotten_leaves_numbers_and_votes_but_no_text(bench):
    await bench.submit(ALICE, '"Dark mode" "Easier at night"')
    await bench.press(BOB, "idea:1:vote:for")
    alice = await bench.member(ALICE)
    async with bench.core.db.transaction() as session:
        await store.erase_member_text(session, alice.community_id, alice.id)
    idea = await bench.idea(1)
    assert (idea.number, idea.title, idea.description, idea.votes_for) == (1, "—", "", 1)


# -- voting -----------------------------------------------------------------------------------


async def test_a_button_votes_and_pressing_it_again_takes_the_vote_back(bench):
    await bench.submit(ALICE, '"Dark mode"')
    actions = await bench.press(BOB, "idea:1:vote:for")
    assert "You vote for #1" in reply_text(actions)
    [update] = updates(actions)
    assert (update.channel_id, update.message_id) == ("c1", "card1")
    assert field(update.card, "Votes") == "👍 1 · 👎 0"
    actions = await bench.press(BOB, "idea:1:vote:for")
    assert "taken back" in reply_text(actions)
    assert field(updates(actions)[0].card, "Votes") == "👍 0 · 👎 0"
    assert await bench.votes(1) == {}


async def test_a_vote_can_be_changed_and_withdrawn_by_command(bench):
    await bench.submit(ALICE, '"Dark mode"')
    await bench.press(BOB, "idea:1:vote:for")
    actions = await bench.run(BOB, "/idea vote #1 against")
    assert "You now vote against #1" in reply_text(actions)
    assert await bench.votes(1) == {"bob": "against"}
    idea = await bench.idea(1)
    assert (idea.votes_for, idea.votes_against) == (0, 1)
    await bench.run(BOB, "/idea vote 1 none")
    assert await bench.votes(1) == {}


async def test_one_vote_per_member(bench):
    await bench.submit(ALICE, '"Dark mode"')
    for member in (BOB, CAROL, DAVE):
        await bench.press(member, "idea:1:vote:for")
    await bench.press(BOB, "idea:1:vote:against")
    idea = await bench.idea(1)
    assert (idea.votes_for, idea.votes_against) == (2, 1)


@pytest.mark.parametrize(
    ("who", "text", "expected"),
    [
        (ALICE, "/idea vote 1 for", "#1 is your own idea"),
        (BOB, "/idea vote 1 none", "You have no vote on #1 to take back."),
        (BOB, "/idea vote 7 for", "There is no idea #7 here."),
        (BOB, "/idea vote 1 maybe", "`choice` must be one of for, against, none"),
    ],
)
async def test_votes_that_cannot_count_are_refused(bench, who, text, expected):
    await bench.submit(ALICE, '"Dark mode"')
    actions = await bench.run(who, text)
    assert expected in reply_text(actions)
    assert not updates(actions) and await bench.votes(1) == {}


async def test_the_author_cannot_vote_with_the_button_either(bench):
    await bench.submit(ALICE, '"Dark mode"')
    assert "your own idea" in reply_text(await bench.press(ALICE, "idea:1:vote:against"))


async def test_voting_the_same_way_twice_by_command_says_so(bench):
    await bench.submit(ALICE, '"Dark mode"')
    await bench.run(BOB, "/idea vote 1 for")
    assert "You already vote for #1." in reply_text(await bench.run(BOB, "/idea vote 1 for"))
    assert await bench.votes(1) == {"bob": "for"}


async def test_a_first_vote_scores_once_and_flipping_earns_nothing(bench):
    await bench.submit(ALICE, '"Dark mode"')
    before = (await bench.member(BOB)).points
    await bench.press(BOB, "idea:1:vote:for")
    assert (await bench.member(BOB)).points == before + 1
    await bench.press(BOB, "idea:1:vote:against")
    await bench.press(BOB, "idea:1:vote:against")  # taken back: not reversed
    await bench.press(BOB, "idea:1:vote:for")
    assert (await bench.member(BOB)).points == before + 1


async def test_an_unknown_button_is_answered(bench):
    for custom_id in ("idea:x:vote:for", "idea:1:vote:maybe", "idea:draft:abc:confirm", "idea"):
        assert "This button no longer does anything." in reply_text(
            await bench.press(BOB, custom_id)
        )


# -- lists ------------------------------------------------------------------------------------


def test_wilson_ranks_confidence_not_raw_difference():
    assert rules.wilson_lower_bound(10, 0) > rules.wilson_lower_bound(60, 40)
    assert rules.wilson_lower_bound(1, 0) < rules.wilson_lower_bound(50, 5)
    assert rules.wilson_lower_bound(0, 0) == 0.0
    assert rules.wilson_lower_bound(10, 0) == pytest.approx(0.7225, abs=1e-4)


def list_numbers(actions) -> list[int]:
    card = replies(actions)[0].card
    assert card is not None
    return [int(line.split()[0][1:]) for line in card.body.splitlines() if line.startswith("#")]


async def test_top_sorts_by_the_wilson_lower_bound(bench):
    sixty_forty = await bench.seed("Sixty forty", 60, 40)
    ten_zero = await bench.seed("Ten zero", 10, 0)
    one_zero = await bench.seed("One zero", 1, 0)
    fifty_five = await bench.seed("Fifty five", 50, 5)
    actions = await bench.run(BOB, "/idea list sort=top")
    assert list_numbers(actions) == [fifty_five, ten_zero, sixty_forty, one_zero]
    card = replies(actions)[0].card
    assert card.kind == "idea_list" and card.title == "💡 Ideas — open, top rated"
    assert not replies(actions)[0].ephemeral


async def test_controversial_puts_close_splits_of_many_votes_first(bench):
    lopsided = await bench.seed("Lopsided", 30, 2)
    small_tie = await bench.seed("Small tie", 2, 2)
    big_split = await bench.seed("Big split", 10, 10)
    same_score_more_votes = await bench.seed("Nine three", 9, 3)  # 12 * 3/9 = 4, like 2/2
    actions = await bench.run(BOB, "/idea list open controversial")
    assert list_numbers(actions) == [big_split, same_score_more_votes, small_tie, lopsided]


async def test_trending_weighs_recent_votes_more(bench, clock):
    old_favourite = await bench.seed("Old favourite", 8, 0, at=bench.now - timedelta(days=12))
    fresh = await bench.seed("Fresh", 3, 0)
    booed = await bench.seed("Booed", 0, 3)
    quiet = await bench.seed("Quiet", 0, 0)
    actions = await bench.run(BOB, "/idea list sort=trending")
    # 8 votes 12 days old weigh 8/16 = 0.5 < 3 fresh ones; votes against take away
    assert list_numbers(actions) == [fresh, old_favourite, quiet, booed]
    clock.advance(timedelta(days=40))
    later = await bench.run(BOB, "/idea list sort=trending")
    assert list_numbers(later) == [quiet, booed, fresh, old_favourite]  # all quiet: newest first


def test_trending_halves_a_vote_every_three_days():
    now = datetime(2026, 1, 5, tzinfo=UTC)
    weights = rules.trending([(1, "for", now - timedelta(days=3)), (2, "against", now)], now)
    assert weights[1] == pytest.approx((0.5, 0.5))
    assert weights[2] == pytest.approx((-1.0, 1.0))


async def test_list_filters_by_status_and_says_when_empty(bench):
    await bench.submit(ALICE, '"Dark mode"')
    await bench.submit(BOB, '"Export to CSV"')
    await bench.run(MOD, "/admin idea status 2 shipped Out in 2.3")
    assert list_numbers(await bench.run(CAROL, "/idea list")) == [1]
    assert list_numbers(await bench.run(CAROL, "/idea list shipped")) == [2]
    assert sorted(list_numbers(await bench.run(CAROL, "/idea list all new"))) == [1, 2]
    empty = await bench.run(CAROL, "/idea list declined")
    assert "No ideas here yet" in replies(empty)[0].card.body


async def test_list_shows_at_most_ten(bench):
    for index in range(12):
        await bench.seed(f"Idea {index}", index, 0)
    actions = await bench.run(BOB, "/idea list")
    assert len(list_numbers(actions)) == 10
    assert replies(actions)[0].card.footer.startswith("10 of 12")


async def test_mine_lists_the_callers_ideas_with_their_status(bench):
    await bench.submit(ALICE, '"Dark mode"')
    await bench.submit(BOB, '"Export to CSV"')
    await bench.submit(ALICE, '"Single sign-on"')
    await bench.run(MOD, "/admin idea status 1 planned Spring")
    [reply] = replies(await bench.run(ALICE, "/idea mine"))
    assert reply.ephemeral and reply.card is not None and reply.card.kind == "idea_mine"
    assert reply.card.body.splitlines() == [
        "#3 Single sign-on — New — 👍 0 · 👎 0",
        "#1 Dark mode — Planned — 👍 0 · 👎 0",
    ]
    nothing = replies(await bench.run(CAROL, "/idea mine"))[0].card
    assert "You haven't proposed an idea yet" in nothing.body


# -- the catalog --------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_every_key_built_at_run_time_exists(locale):
    strings = i18n.catalog(locale)
    keys = [f"idea.status.{s}" for s in rules.STATUSES]
    keys += [f"idea.sort.{s}" for s in rules.SORTS] + ["idea.filter.open", "idea.filter.all"]
    keys += [f"idea.vote.{k}_{c}" for k in ("cast", "changed") for c in ("for", "against")]
    keys += [f"idea.error.already_{c}" for c in ("for", "against")]
    keys += [f"idea.dm.{who}{m}" for who in ("author", "voter") for m in ("", "_merged")]
    keys += [
        f"idea.history.testers_{event}{plain}"
        for event in ("open", "closed", "notify")
        for plain in ("", "_plain")
    ]
    keys += [
        f"idea.unit.{u}.{n}"
        for u in ("voters", "supporters", "members", "volunteers")
        for n in ("one", "other")
    ]
    assert [key for key in keys if key not in strings] == []


async def test_an_idea_is_compared_with_every_idea_however_many_and_off_the_loop(
    bench, monkeypatch
):
    first = await bench.submit(ALICE, '"Dark mode" "A dark theme for the dashboard"')
    alice = await bench.member(ALICE)
    community_id = await bench.community_id()
    # 2,100 newer ideas on other subjects: the first one is past any cap of the newest 2,000.
    async with bench.core.db.transaction() as session:
        session.add_all(
            Idea(
                community_id=community_id,
                number=first + n,
                author_id=alice.id,
                title=f"Webhook number {n} for the billing export",
                description="Send invoices elsewhere",
                created_at=bench.now,
                updated_at=bench.now,
            )
            for n in range(1, 2101)
        )
        sequence = await session.get(IdeaSequence, community_id)
        assert sequence is not None
        sequence.last_number = first + 2100
    import threading

    threads: list[threading.Thread] = []
    compare = rules.most_similar

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return compare(*args, **kwargs)

    monkeypatch.setattr(rules, "most_similar", watched)
    actions = await bench.run(BOB, '/idea submit "Add a dark theme"')
    [reply] = replies(actions)
    assert reply.card is not None and reply.card.kind == "idea_similar"
    assert "#1 Dark mode" in reply.card.body
    assert threads and threads[0] is not threading.main_thread()  # the loop stayed free
