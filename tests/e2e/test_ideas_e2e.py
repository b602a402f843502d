"""Ideas as a community sees them on the console: the card and its buttons, votes updating
it in place, status changes told by direct message, `/idea show` and `/idea list`, a call
for testers, a button pressed after a restart, and every bad input refused privately with
nothing changed (in English and in French)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from adapters.console.session import ConsoleSession
from bot.core import Cercle

SETUP = """
    alice: hello everyone, this is alice
    bob: hello everyone, this is bob
    carol: hello everyone, this is carol
    dave: hello everyone, this is dave
    mod is moderator
    mod: hello from the moderator here
    alice: /idea submit "Dark mode" "Easier on the eyes at night" feature
"""
CARD = 6  # the idea card's number in the transcript after SETUP


def shown(out: list[str]) -> list[str]:
    """What the console printed, one line per line (a card is printed as one block)."""
    return "\n".join(out).splitlines()


async def play(stage, script: str) -> list[str]:  # type: ignore[no-untyped-def]
    return shown(await stage.play(script))


def block_after(lines: list[str], marker: str) -> list[str]:
    """The lines from the first one containing `marker` up to the next command line."""
    start = next(i for i, line in enumerate(lines) if marker in line)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("» ")), None)
    return lines[start:end]


async def test_the_idea_card_is_posted_then_updated_in_place_by_votes(console):
    out = await play(console, SETUP)
    text = "\n".join(out)
    assert f"[{CARD}] #general Cercle: 💡 Idea #1: Dark mode" in text
    card = block_after(out, f"[{CARD}] #general Cercle")
    assert [line.strip() for line in card[1:7]] == [
        "Easier on the eyes at night",
        "Status: New",
        "Votes: 👍 0 · 👎 0",
        "Category: feature",
        "Proposed by: alice",
        "[ For ] [ Against ]",
    ]
    assert "  (only you) ✅ Your idea #1 “Dark mode” is posted. Thank you! (+3 points)" in out

    out = await play(console, "bob presses For")
    assert out[0] == "  (only you) 👍 You vote for #1 “Dark mode”."
    assert out[1] == f"  (card [{CARD}] updated)"
    assert out[2] == "💡 Idea #1: Dark mode"
    assert "Votes: 👍 1 · 👎 0" in out

    out = await play(console, "carol: /idea vote #1 against")
    assert "Votes: 👍 1 · 👎 1" in out
    out = await play(console, "bob presses For")  # the same choice again takes it back
    assert "  (only you) Your vote on #1 “Dark mode” is taken back." in out
    assert "Votes: 👍 0 · 👎 1" in out
    assert console.session.errors == 0


async def test_status_changes_reach_the_author_and_voters_and_the_history(console, points):
    await play(console, SETUP)
    await play(console, "bob presses For\ncarol: /idea vote 1 against")
    out = await play(console, "mod: /admin idea status 1 planned Scheduled for spring")
    assert out[1] == "  (only you) #1 “Dark mode” is now Planned. Told the author and 2 voters."
    assert f"  (card [{CARD}] updated)" in out
    assert "Status: Planned — Scheduled for spring" in out
    planned = "#1 “Dark mode”, is now Planned: Scheduled for spring"
    assert (
        "(DM to alice) Your idea #1 “Dark mode” is now Planned: Scheduled for spring (+5 points)"
        in out
    )
    assert f"(DM to bob) An idea you voted on, {planned}" in out
    assert any(line.startswith("(DM to carol) ") for line in out)

    out = await play(console, "mod: /admin idea status 1 shipped Out in version 2.3")
    text = "\n".join(out)
    assert "Cercle: 🚀 Shipped: #1 Dark mode" in text
    assert "Proposed by alice and supported by 1 member. Thank you all!" in text
    assert "alice earned the badge Shipped!" in text
    assert "[ For ]" not in text  # the decision closes the votes
    assert await points("alice") == 1 + 3 + 5 + 20

    out = await play(console, "dave: /idea show #1")
    show = block_after(out, "Cercle: 💡 Idea #1: Dark mode")
    assert show[0].startswith("[") and "#general Cercle: 💡 Idea #1: Dark mode" in show[0]
    assert [line.strip() for line in show if "5 January 2026 ·" in line] == [
        "History: 5 January 2026 · alice: submitted",
        "5 January 2026 · mod: New → Planned — Scheduled for spring",
        "5 January 2026 · mod: Planned → Shipped — Out in version 2.3",
    ]
    # one vote for and one against: little confidence yet
    assert any("Score: 0.09 (Wilson lower bound, 95 %)" in line for line in show)


async def test_lists_sort_by_wilson_score_and_say_what_they_show(console):
    await play(console, SETUP)
    await play(
        console,
        """
        bob: /idea submit "Export to CSV" "Download my data" integration
        carol: /idea submit "Single sign-on" "SAML login for teams" integration
        bob: /idea vote 1 for
        carol: /idea vote 1 for
        dave: /idea vote 1 against
        alice: /idea vote 3 for
        dave: /idea vote 3 for
        alice: /idea vote 2 against
    """,
    )
    out = await play(console, "dave: /idea list sort=top")
    listing = block_after(out, "Cercle: 💡 Ideas — open, top rated")
    assert [line.strip().split(": ", 1)[-1] for line in listing[:4]] == [
        "💡 Ideas — open, top rated",
        "#3 Single sign-on — New — 👍 2 · 👎 0",
        "#1 Dark mode — New — 👍 2 · 👎 1",
        "#2 Export to CSV — New — 👍 0 · 👎 1",
    ]
    out = await play(console, "alice: /idea mine")
    assert "  (only you) 💡 alice's ideas" in out


async def test_a_call_for_testers_from_open_to_ready(console):
    await play(console, SETUP)
    await play(console, "bob presses For")
    out = await play(console, "mod: /admin idea testers 1 open Mac beta")
    assert "  (only you) Call for testers open on #1. Told the author and 1 supporter." in out
    assert "[ For ] [ Against ] [ Volunteer ]" in out
    assert any(
        line.startswith("(DM to bob) 🧪 #1 “Dark mode” is looking for testers") for line in out
    )

    out = await play(console, f"carol presses Volunteer on {CARD}")
    assert out[0].startswith("  (only you) 🙋 Thank you! You are on the testers list of #1")
    assert "Testers: Call open: Mac beta — 1 volunteer" in out
    out = await play(console, f"carol presses Volunteer on {CARD}")
    assert out == [
        "  (only you) You are already on the testers list of #1: you will hear when it is ready."
    ]
    await play(console, "dave: /idea volunteer 1")
    out = await play(console, "mod: /admin idea testers 1 notify Build 42 is in the beta channel")
    assert "  (only you) Told 2 volunteers that #1 is ready to try." in out
    ready = "🧪 #1 “Dark mode” is ready for you to try: Build 42 is in the beta channel"
    assert f"(DM to carol) {ready}" in out and f"(DM to dave) {ready}" in out
    out = await play(console, "mod: /admin idea testers 1 close")
    assert "Testers: Call closed — 2 volunteers" in out
    assert console.session.errors == 0


async def test_a_card_button_works_after_a_restart(console, db, settings, clock):
    await play(console, SETUP)
    await play(console, "bob presses For")
    restarted = Cercle(db, settings, clock)
    lines: list[str] = []
    later = ConsoleSession(restarted, "test", emit=lines.append)
    await later.start()
    await later.load_messages()
    await later.feed(f"carol presses For on {CARD}")
    await later.feed("dave presses Against")  # the last card, remembered from the first run
    await later.finish()
    lines = shown(lines)
    assert later.errors == 0
    assert lines[0] == "  (only you) 👍 You vote for #1 “Dark mode”."
    assert lines[1] == f"  (card [{CARD}] updated)"
    assert "Votes: 👍 2 · 👎 0" in lines
    assert "Votes: 👍 2 · 👎 1" in lines


async def test_similar_ideas_are_shown_privately_before_posting(console):
    await play(console, SETUP)
    out = await play(console, 'bob: /idea submit "Dark theme" "Please, for the dashboard"')
    assert out[1] == "  (only you) 🔎 Similar ideas already exist"
    assert any("#1 Dark mode — New — 👍 0 · 👎 0" in line for line in out)
    assert any("[ For #1 ] [ Submit anyway ] [ Cancel ]" in line for line in out)
    assert not any(line.startswith("[") for line in out)  # nothing posted


async def test_submit_anyway_on_the_private_reply_posts_the_idea(console):
    await play(console, SETUP)
    await play(console, 'bob: /idea submit "Dark theme" "Please, for the dashboard"')
    out = await play(console, "carol presses Submit anyway")  # not carol's reply
    assert any(line.startswith("!") for line in out)
    out = await play(console, "bob presses Submit anyway")
    assert any("Idea #2: Dark theme" in line for line in out)
    assert console.session.errors == 1


async def test_an_everyone_in_a_title_never_pings(console):
    await play(console, SETUP)
    out = await play(console, 'bob: /idea submit "Webhooks @everyone" "ping @here" integration')
    text = "\n".join(line for line in out if not line.startswith("» "))
    assert "@everyone" not in text and "@here" not in text
    assert "Idea #2: Webhooks @\u200beveryone" in text


# -- bad input --------------------------------------------------------------------------------

BAD_SETUP = """
    bob: /idea submit "Export to CSV" "Download my data" integration
    carol: /idea submit "Single sign-on" "SAML login for teams" integration
    mod: /admin idea status 2 duplicate of=1 Same request
"""


@dataclass(frozen=True)
class Case:
    line: str
    english: str
    french: str
    french_line: str | None = None  # when the French console types it differently


CASES = {
    "empty title": Case(
        'alice: /idea submit ""',
        "The option `title` is missing.",
        "L'option `title` manque.",
    ),
    "title too long": Case(
        "alice: /idea submit " + "x" * 101,
        "`title` is too long: 101 characters, at most 100.",
        "`title` est trop long\u202f: 101 caractères, 100 au plus.",
    ),
    "unknown category": Case(
        'alice: /idea submit "Webhooks" "For tickets" snacks',
        "`snacks` is not a category here; choose one of: feature, improvement,",
        "`snacks` n'est pas une catégorie ici\u202f; choisissez parmi\u202f: "
        "fonctionnalité, amélioration,",
    ),
    "unknown idea": Case(
        "bob: /idea vote #99 for",
        "There is no idea #99 here.",
        "Il n'y a pas d'idée n°\u00a099 ici.",
    ),
    "voting on one's own idea": Case(
        "alice: /idea vote 1 for",
        "#1 is your own idea",
        "L'idée n°\u00a01 est la vôtre",
    ),
    "voting on a merged idea": Case(
        "carol: /idea vote 2 for",
        "#2 was merged into #1 “Dark mode”: vote there instead, with `/idea vote 1 for`.",
        "L'idée n°\u00a02 a été fusionnée dans l'idée n°\u00a01 «\u202fDark mode\u202f»",
    ),
    "pressing For on one's own idea": Case(
        f"alice presses For on {CARD}",
        "#1 is your own idea",
        "L'idée n°\u00a01 est la vôtre",
        french_line=f"alice presses Pour on {CARD}",
    ),
    "status change without a reason": Case(
        "mod: /admin idea status 1 planned",
        "The option `reason` is missing.",
        "L'option `reason` manque.",
    ),
    "status change by a member": Case(
        "bob: /admin idea status 1 planned Because I said so",
        "Only moderators can run `/admin idea status`.",
        "Seuls les modérateurs peuvent lancer `/admin idea status`.",
    ),
    "the same status again": Case(
        "mod: /admin idea status 1 new Still new",
        "#1 is already New.",
        "L'idée n°\u00a01 est déjà\u202f: Nouvelle.",
    ),
    "duplicate without of": Case(
        "mod: /admin idea status 3 duplicate Same request",
        "Say which idea #3 duplicates, with `of=<number>`.",
        "Précisez de quelle idée l'idée n°\u00a03 est le doublon",
    ),
    "duplicate of itself": Case(
        "mod: /admin idea status 3 duplicate of=3 Same request",
        "#3 can't be a duplicate of itself.",
        "L'idée n°\u00a03 ne peut pas être un doublon d'elle-même.",
    ),
    "duplicate of a merged idea": Case(
        "mod: /admin idea status 3 duplicate of=2 Same request",
        "#2 was itself merged into #1: use `of=1`.",
        "L'idée n°\u00a02 a elle-même été fusionnée dans l'idée n°\u00a01\u202f: utilisez `of=1`.",
    ),
    "volunteering with no call open": Case(
        "bob: /idea volunteer 1",
        "There is no open call for testers on #1.",
        "Il n'y a pas d'appel à testeurs ouvert sur l'idée n°\u00a01.",
    ),
    "testers by a member": Case(
        "bob: /admin idea testers 1 open",
        "Only moderators can run `/admin idea testers`.",
        "Seuls les modérateurs peuvent lancer `/admin idea testers`.",
    ),
}


async def check_refused(stage, db, snapshot, line: str, expected: str) -> None:
    await play(stage, SETUP)
    await play(stage, BAD_SETUP)
    assert stage.session.errors == 0
    before = await snapshot(db)
    out = await play(stage, line)
    after = await snapshot(db)
    replies = [line for line in out if not line.startswith("» ")]
    assert replies and replies[0].startswith(("  (only you) ", "  (vous seul) ")), out
    assert not any(line.startswith("[") for line in out), out
    assert expected in "\n".join(replies)
    assert "went wrong" not in "\n".join(replies)
    assert stage.session.errors == 0
    changed = sorted(table for table in before if before[table] != after.get(table))
    assert changed == [], f"{line!r} changed {changed}"


@pytest.mark.parametrize("name", list(CASES))
async def test_bad_input_is_refused_privately_and_changes_nothing(name, console, db, snapshot):
    case = CASES[name]
    await check_refused(console, db, snapshot, case.line, case.english)


@pytest.mark.parametrize("name", list(CASES))
async def test_bad_input_is_refused_in_french(name, french, db, snapshot):
    case = CASES[name]
    await check_refused(french, db, snapshot, case.french_line or case.line, case.french)


async def test_a_french_community_reads_french_dates_and_decimals(french):
    await french.play(SETUP)
    out = "\n".join(await french.play("bob presses Pour\ndave: /idea show 1"))
    assert "5 janvier 2026 · alice" in out
    score = next(line for line in out.splitlines() if "Wilson" in line)
    assert "0,2" in score and "0.2" not in score


async def test_a_french_member_reads_rank_and_category_in_french(french):
    await french.play(SETUP.replace(" feature", " fonctionnalité"))
    out = "\n".join(await french.play("bob: /rank\ndave: /idea show 1"))
    assert "Rang\u202f: Nouveau venu" in out
    assert "Place\u202f: n°\u00a0" in out
    assert "Catégorie\u202f: fonctionnalité" in out
    assert french.session.errors == 0


async def test_only_decided_ideas_is_not_an_empty_community(console):
    await play(console, SETUP)
    await play(console, "mod: /admin idea status 1 declined Not for us")
    out = "\n".join(await play(console, "bob: /idea list"))
    assert "No open ideas: every idea has been decided." in out
    assert "No ideas here yet" not in out
