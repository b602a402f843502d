"""What the digest says, checked number by number against a known week played through the
console, in English and French; and the export / customer import round trip."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from sqlalchemy import select
from transcript import Transcript

from adapters.console.session import ConsoleSession
from bot.community import load_view
from bot.config import Settings
from bot.config_sections import CommunityDefaults, DigestSettings
from bot.core import Cercle
from bot.customers import import_customers
from bot.exports import export
from bot.features.digests.cards import digest_card
from bot.features.digests.data import build, health_of
from bot.features.digests.responsiveness import question_lines
from bot.features.digests.schedule import Period
from storage.models import Community
from tests.e2e.test_digest_schedule import START

WEEK = """
nora is moderator
alice joins
bob joins
carol joins
dave joins
erin joins
alice: hello everyone, glad to be here
bob replies to 1: welcome alice, nice to meet you
carol reacts 1 :+1:
bob reacts 1 :tada:
dave reacts 1 :heart:
bob: /thanks @alice for the warm hello
alice: /idea submit "Dark mode" "Please add a dark theme to the app" feature
nora: /admin idea status 1 planned Scheduled for spring
bob: /poll create "What first?" options="Dark mode|Export|SSO" duration=2d
carol presses Dark mode
dave presses Export
erin presses Dark mode
"""


def digest_text(lines: list[str]) -> str:
    start = next(i for i, line in enumerate(lines) if "📰" in line)
    return "\n".join(lines[start:])


async def test_every_section_adds_up_for_a_known_week(console: Transcript) -> None:
    await console.play(WEEK)
    text = digest_text(await console.play("after 7d"))
    assert "📰 Community digest, 5–11 January 2026" in text.splitlines()[0]
    assert (
        "5 members took part" in text
    )  # alice, bob (posts), carol, dave (reactions), erin (a vote)
    # alice: message 1 + 3 reactions + kudos 5 + idea 3 + planned 5 = 17
    assert "1. alice — 17 points · 🏅 First idea" in text
    assert "Newcomer spotlight: Welcome alice, who earned 17 points" in text
    assert "Badges earned: alice: First idea" in text
    assert "> hello everyone, glad to be here" in text
    assert "by alice in #general, with reactions from 3 members" in text
    assert "New: 1 idea — #1 Dark mode" in text
    assert "#1 Dark mode → Planned: Scheduled for spring" in text
    assert "#1 What first? — 🏆 Dark mode (3 ballots)" in text
    lines = [line.strip() for line in text.splitlines()]
    for line in (
        # nora, the moderator, was there before: her commands are not a joining.
        "New members: 5",
        "Messages: 2",
        "Kudos: 1",
        "Accepted solutions: 0",
        "Ideas submitted: 1",
        "Ideas shipped: 0",
        "Poll ballots: 3",
    ):
        assert line in lines, line
    # The community began this week: nothing "up from none", no week before it to compare.
    assert "up from none" not in text and "compared with" not in text
    assert lines[-1] == "The community is new: there is no earlier period to compare with."
    # One definition of active: the chart, the intro, the health line and the shape agree
    # (erin only voted, she is active too).
    assert "[image] Daily activity — messages, active members: 5 January: 2, 5;" in text
    assert "📈 Health: Active members: 5" in lines
    assert "occasional 83% · readers 17% of 6 members" in text
    # The next week compares with this one.
    await console.play("alice: back again with another long message")
    text = digest_text(await console.play("after 7d"))
    assert "Messages: 1 (−1, −50%)" in text
    assert "Kudos: 0 (−1, −100%)" in text
    assert "Changes are compared with 5–11 January 2026." in text


async def test_quoting_can_be_turned_off(core: Cercle) -> None:
    core.settings = Settings(digest=DigestSettings(quote_messages=False))
    session = ConsoleSession(core, "test")
    await session.start(START)
    console = Transcript(session)
    await console.play(WEEK)
    text = digest_text(await console.play("after 7d"))
    assert "hello everyone" not in text
    assert "by alice in #general, with reactions from 3 members\n" in text + "\n"
    assert "[1]" in text  # linked instead


async def test_the_digest_in_french(core: Cercle) -> None:
    core.settings = Settings(defaults=CommunityDefaults(locale="fr"))
    session = ConsoleSession(core, "test")
    await session.start(START)
    console = Transcript(session)
    await console.play(WEEK)
    text = digest_text(await console.play("after 7d"))
    assert "📰 Le récap de la communauté, 5–11 janvier 2026" in text
    assert "🏆 Meilleurs contributeurs\u202f: " in text  # French typography on the console too
    assert "1. alice — 17 points" in text
    assert "Membres actifs\u202f: 5\n" in text and "contre aucun" not in text
    assert "La communauté est toute neuve\u202f: pas de période antérieure à comparer." in text
    text = digest_text(
        await console.play("alice: encore un long message pour la semaine\nafter 7d")
    )
    assert "Évolutions par rapport à la période du 5–11 janvier 2026." in text


async def test_a_quiet_week_in_french(core: Cercle) -> None:
    core.settings = Settings(defaults=CommunityDefaults(locale="fr"))
    session = ConsoleSession(core, "test")
    await session.start(START)
    console = Transcript(session)
    text = "\n".join(await console.play("after 7d"))
    assert "Des débuts calmes\u202f: personne n'a encore écrit, réagi ni voté." in text
    text = "\n".join(await console.play("dave joins\nerin joins\nafter 7d\nafter 7d"))
    assert "Une semaine calme" in text and "Nos 2 membres sont toujours là" in text
    assert "Participation\u202f: 0" not in text


async def test_stats_on_demand(console: Transcript) -> None:
    await console.play(WEEK)
    text = "\n".join(await console.play("nora: /admin stats week"))
    assert "Community health, last 7 days (30 December 2025 – 5 January 2026)" in text
    # Created on 5 January: its first days have no week before them to compare with.
    assert "Active members: 5\n" in text and "up from none" not in text
    assert "The community is new: there is no earlier period to compare with." in text
    # A week later the week before holds only its first day: a week against one day is
    # no comparison either ("+114%" would only say the community was young).
    text = "\n".join(await console.play("after 7d\nnora: /admin stats week"))
    text = text[text.index("Community health, last 7 days (6–12 January 2026)") :]
    assert "Active members: 0\n" in text and "New members: 0\n" in text
    assert "no change" not in text and "(−" not in text
    assert (
        "No comparison: the community began on 5 January 2026, during the period before"
        " this one." in text
    )
    assert "alice: /admin stats" not in text
    refused = "\n".join(await console.play("alice: /admin stats"))
    assert "moderators" in refused


async def test_export_and_customer_import_round_trip(console: Transcript, core: Cercle) -> None:
    await console.play(WEEK)
    done = await import_customers(
        core.db,
        "platform,user_id,email,customer_id,account\n"
        "console,alice,,C-1,Acme\n"
        "console,bob,,C-2,Acme\n"
        ",,someone@example.com,C-3,Globex\n",
        START,
    )
    assert (done.accounts, done.emails) == (2, 1)
    chunks: list[str] = []
    assert await export(core.db, "test", "members", "csv", chunks.append) == 6
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO("".join(chunks)))}
    assert rows["alice"]["customer_id"] == "C-1" and rows["alice"]["account"] == "Acme"
    assert rows["alice"]["points"] == "17"
    assert rows["carol"]["customer_id"] == ""
    chunks = []
    assert await export(core.db, "test", "contributions", "json", chunks.append) > 0
    ledger = json.loads("".join(chunks))
    assert (
        sum(r["points"] for r in ledger if r["member_id"] == int(rows["alice"]["member_id"])) == 17
    )
    chunks = []
    await export(core.db, "test", "polls", "json", chunks.append)
    assert json.loads("".join(chunks))[0]["ballots"] == 3
    text = digest_text(await console.play("after 7d"))
    assert "Customers among the active members: 2, from 1 account" in text


async def test_a_customer_imported_by_email_is_matched_when_the_platform_gives_it(
    core: Cercle,
) -> None:
    from bot.events import ChannelRef, MemberRef, MessagePosted

    await import_customers(
        core.db, "email,customer_id,account\nAda@Example.com,C-9,Initech\n", START
    )
    ada = MemberRef("console", "ada", "ada", email="ada@example.com")
    stranger = MemberRef("console", "zed", "zed", email="zed@example.com")
    for number, who in enumerate((ada, stranger), start=1):
        await core.handle(
            MessagePosted(
                platform="console",
                space_id="test",
                at=START,
                message_id=str(number),
                channel=ChannelRef("general", "general"),
                author=who,
                text="hello everyone, a long enough message",
            )
        )
    chunks: list[str] = []
    await export(core.db, "test", "members", "csv", chunks.append)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO("".join(chunks)))}
    assert (rows["ada"]["customer_id"], rows["ada"]["account"]) == ("C-9", "Initech")
    assert rows["zed"]["customer_id"] == ""


async def test_a_message_too_short_to_score_is_never_the_message_of_the_week(
    console: Transcript,
) -> None:
    await console.play(
        """
alice joins
bob joins
carol joins
dave joins
alice: +1
bob: here is how I fixed the sync job, step by step
carol reacts 1 :+1:
dave reacts 1 :heart:
bob reacts 1 :tada:
carol reacts 2 :+1:
dave reacts 2 :tada:
"""
    )
    text = digest_text(await console.play("after 7d"))
    # "+1" drew three reactions, the answer two: the answer is worth quoting.
    assert "> here is how I fixed the sync job, step by step" in text
    assert "by bob in #general, with reactions from 2 members" in text
    assert "> +1" not in text


async def test_a_member_who_ranked_up_in_the_week_is_listed_once(console: Transcript) -> None:
    # Points and three active days make alice Regular on Wednesday; bob stays a newcomer.
    await console.play("""
        mod is moderator
        alice: hello everyone here on day one
        bob: hello everyone, bob here on day one
        after 1d
        alice: hello everyone here on day two
        after 1d
        alice: hello everyone here on day three
        mod: /admin points add @alice 60 for the great answers
        mod: /admin points add @bob 60 for the great answers
    """)
    text = digest_text(await console.play("after 7d"))
    assert "alice is now Regular" in text
    assert "bob is now" not in text
    # The week after, alice is still Regular: no rank-up to tell.
    await console.play("alice: back again this week with more")
    later = digest_text(await console.play("after 7d"))
    assert "is now Regular" not in later


async def test_a_regular_who_went_quiet_is_named_to_moderators(console: Transcript) -> None:
    # alice is active on four days, bob on one; then three silent weeks.
    await console.play("""
        nora is moderator
        alice: hello everyone here on day one
        bob: hello everyone, bob here on day one
        after 1d
        alice: hello everyone here on day two
        after 1d
        alice: hello everyone here on day three
        after 1d
        alice: hello everyone here on day four
        after 21d
    """)
    text = "\n".join(await console.play("nora: /admin digest preview"))
    quiet = text[text.index("Regulars who went quiet") :]
    assert "alice" in quiet and "bob" not in quiet


async def test_read_at_once_or_in_turn_the_digest_says_the_same(
    console: Transcript, core: Cercle
) -> None:
    """The scheduled digest reads its groups of numbers at once, each on a connection of
    its own; read one after the other in one transaction, every line is the same."""
    await console.play(WEEK)
    await console.play("""
        after 7d
        carol: does anyone know how to rotate the API key?
        dave replies to 1: welcome aboard alice, good to see you
        erin: what a lovely day in the community today
        after 2h
        alice replies to 9: settings, then keys, then rotate
        erin reacts 9 :+1:
        bob reacts 9 :eyes:
        nora: /thanks @alice for the key answer
        after 1d
    """)
    async with core.db.transaction() as session:
        community_id, slug = (await session.execute(select(Community.id, Community.slug))).one()
        view = await load_view(session, community_id, slug, core.settings)
        cards_read = []
        for concurrent in (False, True):
            week = Period(date(2026, 1, 12), date(2026, 1, 19), view.timezone)
            data = await build(core, session, view, week, quiet=True, concurrent=concurrent)
            asked = question_lines(view, data, core.settings.responsiveness.target_hours)
            cards_read.append(digest_card(view, core.settings, data, questions=asked))
    in_turn, at_once = cards_read
    said = "\n".join(f"{field.name}: {field.value}" for field in in_turn.fields)
    assert "1. alice — 6 points" in said  # the answer's two reactions, the kudos
    assert "Messages: 4 (+2, +100%)" in said
    assert "> does anyone know how to rotate the API key?" in said
    assert "Questions asked: 1" in said
    assert at_once == in_turn


async def test_stats_read_at_once_or_in_turn_say_the_same(
    console: Transcript, core: Cercle
) -> None:
    """`/admin stats` reads its health numbers and its questions side by side; read one
    after the other in one transaction, every number is the same."""
    await console.play(WEEK)
    await console.play("""
        after 1d
        carol: does anyone know how to rotate the API key?
        after 2h
        alice replies to 7: settings, then keys, then rotate
        nora: /thanks @alice for the key answer
    """)
    async with core.db.transaction() as session:
        community_id, slug = (await session.execute(select(Community.id, Community.slug))).one()
        view = await load_view(session, community_id, slug, core.settings)
        days = Period(date(2026, 1, 1), date(2026, 1, 8), view.timezone)
        in_turn = await health_of(core, session, view, days)
        at_once = await health_of(core, session, view, days, concurrent=True)
    assert in_turn.health["active"] == (6, 0) and in_turn.health["kudos"] == (2, 0)
    assert in_turn.questions[0][""].asked == 1 and in_turn.questions[0][""].answered == 1
    assert at_once == in_turn
