"""Polls end to end through the console: the DESIGN example, buttons pressed on the card,
the deadline reached with `after`, a moderator closing early, a restart before the
deadline, French, and every bad input refused privately with the database unchanged."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from transcript import Transcript

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.config import CommunityDefaults, Settings
from bot.core import Cercle
from storage.db import Database

SETUP = """
    alice: hello everyone, this is alice
    bob: hello everyone, this is bob
    carol: hello everyone, this is carol
    mod is moderator
    mod: hello from the moderator here
"""

DESIGN_EXAMPLE = '/poll create "What first?" options="Dark mode|Export|SSO" mode=ranked duration=2d'


def only_replies(out: list[str]) -> list[str]:
    return [line for line in out if not line.startswith("» ")]


def result_posts(out: list[str]) -> list[str]:
    return [line for line in out if re.match(r"^\[\d+\] #\S+ Cercle: 🏁", line)]


async def test_the_design_example_then_buttons_then_the_deadline(console):
    await console.play(SETUP)
    out = await console.play(f"""
        alice: {DESIGN_EXAMPLE}
        bob presses Export
        bob presses SSO
        carol: /poll vote 1 SSO
        mod: /poll vote #1 Dark mode>3
        alice: /poll vote 1 2
    """)
    text = "\n".join(out)
    assert "[5] #general Cercle: 📊 Poll #1: What first?" in text
    assert "[ Dark mode ] [ Export ] [ SSO ]" in text
    assert "  (only you) Poll #1 is open until 7 January 2026, 09:00 UTC." in text
    assert "  (only you) Your ranking in poll #1: Export > SSO." in text
    assert "(card [5] updated)" in text
    assert "2. Export     █████░░░░░ 2 (50%)" in text  # first choices, live
    assert "Turnout: 4 voters" in text
    assert console.session.errors == 0

    out = await console.play("after 1d")
    assert result_posts(out) == []
    out = await console.play("after 1d")
    text = "\n".join(out)
    (result,) = result_posts(out)
    assert result.startswith("[6] #general Cercle: 🏁 Results of poll #1: What first?")
    # Round 1: Dark mode 1, Export 2, SSO 1; no majority; Dark mode and SSO level, SSO is
    # listed last and goes; carol ranked nothing else, so her ballot is exhausted.
    assert "Round 1:" in text and "Eliminated: SSO" in text and "Exhausted ballots: 1" in text
    assert "Outcome: Export wins with 2 of 3 votes in round 2." in text
    assert "Turnout: 4 voters" in text
    assert "📊 Poll #1 (closed): What first?" in text  # the card, updated, without buttons
    assert "Closed at its deadline, 7 January 2026, 09:00 UTC" in text

    out = await console.play("""
        after 3d
        bob: /poll vote 1 Export
        bob presses Export on 5
    """)
    assert result_posts(out) == []
    assert "  (only you) Poll #1 is closed: votes are no longer accepted." in out
    # the closed card has no buttons left to press
    assert any("message [5] has no button labelled Export" in line for line in out)


async def test_a_moderator_closes_early_and_the_deadline_posts_nothing_more(console):
    await console.play(SETUP)
    out = await console.play("""
        alice: /poll create "Lunch?" options="Pizza|Sushi" mode=multi duration=1h
        bob presses Pizza
        bob presses Sushi
        carol presses Sushi
        mod: /admin poll close 1
    """)
    text = "\n".join(out)
    (result,) = result_posts(out)
    assert "Results of poll #1: Lunch?" in result
    assert "2. Sushi  ██████████ 2 (100%)" in text
    assert "Outcome: 🏆 Sushi" in text
    assert "Closed early by a moderator" in text
    assert "  (only you) Poll #1 is closed; its results are posted." in text
    out = await console.play("""
        after 2h
        mod: /admin poll close 1
    """)
    assert result_posts(out) == []
    assert "  (only you) Poll #1 is already closed." in out


async def test_a_restart_before_the_deadline_still_closes_the_poll_once(console):
    await console.play(SETUP)
    await console.play("""
        alice: /poll create "Best day?" options="Mon|Tue|Wed" mode=budget duration=3d
        bob: /poll vote 1 "Mon:5|Tue:3"
        carol presses Wed
        after 1d
    """)
    old = console.session.core
    lines: list[str] = []
    restarted = Cercle(old.db, old.settings, ManualClock(console.session.clock.now()))
    later = ConsoleSession(restarted, "test", emit=lines.append)
    await later.start()
    await later.load_messages()
    for line in ("carol presses Wed", "after 1d", "after 1d", "after 1d"):
        await later.feed(line)
    await later.finish()
    assert later.errors == 0
    (result,) = result_posts(lines)
    assert "Results of poll #1: Best day?" in result
    text = "\n".join(lines)
    assert "1. Mon  █████░░░░░ 5 (50%)" in text
    assert "3. Wed  ██░░░░░░░░ 2 (20%)" in text
    assert "Outcome: 🏆 Mon" in text and "Turnout: 2 voters" in text
    # The first process, still running, finds nothing left to do.
    assert [a for _, a in await old.run_due(later.clock.now())] == []


async def test_an_anonymous_poll_shows_no_names_on_the_console(console):
    await console.play(SETUP)
    out = await console.play("""
        mod: /poll create "Rate the release" options="good|bad" anonymous=yes duration=1d
        alice presses good
        bob: /poll vote 1 bad
        carol: /poll results 1
        mod: /poll results 1
        after 1d
    """)
    shown = [line for line in out if not line.startswith(("» ", "  (only you) Your "))]
    text = "\n".join(shown)
    assert "Anonymous: nobody, moderators included, can see who voted what." in text
    assert "alice" not in text and "bob" not in text
    assert len(result_posts(out)) == 1


async def test_a_poll_in_a_french_community(french):
    await french.play(SETUP)
    out = await french.play(f"""
        alice: {DESIGN_EXAMPLE}
        bob presses Export
        after 2d
    """)
    text = "\n".join(out)
    assert "📊 Sondage n°\u00a01\u202f: What first?" in text
    assert "(vous seul) Votre classement au sondage n°\u00a01\u202f: Export." in text
    assert "🏁 Résultats du sondage n°\u00a01\u202f: What first?" in text
    assert "Résultat\u202f: Export l'emporte avec 1 voix sur 1 au tour 1." in text
    assert "Participation\u202f: 1 votant" in text


# --------------------------------------------------------------------------- bad input


@dataclass(frozen=True)
class Case:
    line: str
    english: tuple[str, ...]
    french: tuple[str, ...]


POLLS = """
    alice: /poll create "Lunch?" options="Pizza|Sushi"
    alice: /poll create "What first?" options="Dark mode|Export|SSO" mode=ranked
    alice: /poll create "Budget?" options="Export|SSO" mode=budget
    alice: /poll create "Closed?" options="yes|no"
    mod: /admin poll close 4
    helper is a bot
    helper: an automated hello message
"""

CASES = {
    "too many options": Case(
        'alice: /poll create "Q?" options="a|b|c|d|e|f|g|h|i|j|k"',
        ("A poll can have at most 10 options (got 11).",),
        ("Un sondage a au plus 10 options (reçu\u202f: 11).",),
    ),
    "too few options": Case(
        'alice: /poll create "Q?" options="alone"',
        ("A poll needs at least 2 different options (got 1).",),
        ("Un sondage demande au moins 2 options différentes (reçu\u202f: 1).",),
    ),
    "duplicate options": Case(
        'alice: /poll create "Q?" options="Export|SSO|export"',
        ("The option `export` is given twice",),
        ("L'option `export` est donnée deux fois",),
    ),
    "empty question": Case(
        'alice: /poll create "" options="a|b"',
        ("The option `question` is missing.",),
        ("L'option `question` manque.",),
    ),
    "blank question": Case(
        'alice: /poll create question="   " options="a|b"',
        ("The option `question` is missing.",),
        ("L'option `question` manque.",),
    ),
    "duration too long": Case(
        'alice: /poll create "Q?" options="a|b" duration=6w',
        ("A poll can stay open at most 30 days (got 42d).",),
        ("Un sondage reste ouvert 30 jours au plus (reçu\u202f: 42d).",),
    ),
    "duration zero": Case(
        'alice: /poll create "Q?" options="a|b" duration=0h',
        ("`duration` must be a duration like 30m, 2h, 3d or 1w (got `0h`).",),
        ("`duration` doit être une durée comme 30m, 2h, 3d ou 1w (reçu\u202f: `0h`).",),
    ),
    "unknown mode": Case(
        'alice: /poll create "Q?" options="a|b" mode=approval',
        ("`mode` must be one of single, multi, ranked, budget (got `approval`).",),
        ("`mode` doit valoir single, multi, ranked, budget (reçu\u202f: `approval`).",),
    ),
    "voting on a closed poll": Case(
        "bob: /poll vote 4 yes",
        ("Poll #4 is closed: votes are no longer accepted.",),
        ("Le sondage n°\u00a04 est clos\u202f: les votes ne sont plus acceptés.",),
    ),
    "unknown option name": Case(
        "bob: /poll vote 1 Tacos",
        ("`Tacos` is not an option of poll #1. Its options: 1. Pizza, 2. Sushi.",),
        (
            "`Tacos` n'est pas une option du sondage n°\u00a01. "
            "Ses options\u202f: 1. Pizza, 2. Sushi.",
        ),
    ),
    "unknown option position": Case(
        "bob: /poll vote 1 3",
        ("`3` is not an option of poll #1.", "/poll vote 1 1"),
        ("`3` n'est pas une option du sondage n°\u00a01.", "/poll vote 1 1"),
    ),
    "budget above the points": Case(
        'bob: /poll vote 3 "Export:8|SSO:3"',
        ("That is 11 points; you have 10 to spread.", "/poll vote 3 1:5|2:5"),
        ("Cela fait 11 points\u202f; vous en avez 10 à répartir.", "/poll vote 3 1:5|2:5"),
    ),
    "negative budget": Case(
        'bob: /poll vote 3 "Export:-2|SSO:3"',
        ("`Export:-2`: points can't be negative.",),
        ("`Export:-2`\u202f: les points ne peuvent pas être négatifs.",),
    ),
    "malformed budget ballot": Case(
        "bob: /poll vote 3 Export",
        ("`Export` should be an option and whole points, like `1:3`.",),
        ("`Export` doit être une option et un nombre entier de points, comme `1:3`.",),
    ),
    "malformed ranked ballot": Case(
        "bob: /poll vote 2 Export|SSO",
        ("Separate the options of a ranked ballot with `>`",),
        ("Séparez les options d'un classement par `>`",),
    ),
    "option ranked twice": Case(
        "bob: /poll vote 2 Export>SSO>export",
        ("`Export` is named twice in your ballot.",),
        ("`Export` figure deux fois dans votre bulletin.",),
    ),
    "several options in a single-choice poll": Case(
        "bob: /poll vote 1 Pizza|Sushi",
        ("Poll #1 is single choice: pick one option.",),
        ("Le sondage n°\u00a01 est à choix unique\u202f: choisissez une option.",),
    ),
    "unknown poll number": Case(
        "bob: /poll vote 42 Pizza",
        ("There is no poll #42 here.",),
        ("Il n'y a pas de sondage n°\u00a042 ici.",),
    ),
    "results of an unknown poll": Case(
        "bob: /poll results #42",
        ("There is no poll #42 here.",),
        ("Il n'y a pas de sondage n°\u00a042 ici.",),
    ),
    "bad poll number": Case(
        "bob: /poll vote abc Pizza",
        ("`poll` must be a number like 12 or #12 (got `abc`).",),
        ("`poll` doit être un numéro comme 12 ou #12 (reçu\u202f: `abc`).",),
    ),
    "closing by a member": Case(
        "alice: /admin poll close 1",
        ("Only moderators can run `/admin poll close`.",),
        ("Seuls les modérateurs peuvent lancer `/admin poll close`.",),
    ),
    "closing a closed poll": Case(
        "mod: /admin poll close 4",
        ("Poll #4 is already closed.",),
        ("Le sondage n°\u00a04 est déjà clos.",),
    ),
    "a bot voting": Case(
        "helper: /poll vote 1 Pizza",
        ("Bots don't vote in polls.",),
        ("Les bots ne votent pas aux sondages.",),
    ),
}

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

# The staged tests share the module's loop with their module-scoped fixture; the others
# keep the loop of their function-scoped `console` (a connection opened on one loop cannot
# be used on another).
STAGED = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stages(tmp_path_factory) -> AsyncIterator[dict[str, tuple[Transcript, Database]]]:
    path = tmp_path_factory.mktemp("poll-bad-input") / "cercle.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.upgrade()
    stages = {}
    for locale in ("en", "fr"):
        settings = Settings(defaults=CommunityDefaults(locale=locale))
        stage = Transcript(
            ConsoleSession(Cercle(db, settings, ManualClock(START)), f"polls-{locale}")
        )
        await stage.session.start(START)
        await stage.play(SETUP)
        await stage.play(POLLS)
        assert stage.session.errors == 0, stage.lines
        stages[locale] = (stage, db)
    yield stages
    await db.dispose()


async def check_refused(stage: Transcript, db: Database, snapshot, case: Case, expected):  # type: ignore[no-untyped-def]
    errors = stage.session.errors
    before = await snapshot(db)
    out = await stage.play(case.line)
    after = await snapshot(db)
    replies = only_replies(out)
    assert replies, f"no answer to {case.line!r}"
    assert replies[0].startswith(("  (only you) ", "  (vous seul) ")), out
    assert not any(line.startswith("[") for line in out), out
    text = "\n".join(replies)
    for needle in expected:
        assert needle in text, f"{needle!r} not in:\n{text}"
    assert "went wrong" not in text and "s'est mal passé" not in text
    assert stage.session.errors == errors
    changed = {table for table in before if before[table] != after.get(table)}
    assert not changed, f"{case.line!r} changed the tables {sorted(changed)}"


@STAGED
@pytest.mark.parametrize("name", list(CASES))
async def test_bad_poll_input_is_refused_privately_and_changes_nothing(name, stages, snapshot):
    stage, db = stages["en"]
    await check_refused(stage, db, snapshot, CASES[name], CASES[name].english)


@STAGED
@pytest.mark.parametrize("name", list(CASES))
async def test_bad_poll_input_is_refused_in_french(name, stages, snapshot):
    stage, db = stages["fr"]
    await check_refused(stage, db, snapshot, CASES[name], CASES[name].french)


@STAGED
async def test_a_good_vote_does_change_the_snapshot(stages, snapshot):
    """The control: the snapshot sees what a vote writes."""
    stage, db = stages["en"]
    before = await snapshot(db)
    out = await stage.play("bob: /poll vote 1 Sushi")
    after = await snapshot(db)
    assert any("Your vote in poll #1: Sushi." in line for line in out)
    assert before["poll_mark"] != after["poll_mark"]
