"""Questions and their first responses end to end through the console: a question answered
in two hours and one never answered, as `/admin stats` and `/admin unanswered` show them a
day later; the asker's own reply and a bot's never count; the list reaches the moderators'
channel with the weekly digest; French; and a bad channel refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from transcript import Transcript

from bot.config import CommunityDefaults, Settings
from storage.db import Database
from tests.e2e.conftest import Snapshot


@pytest.fixture
def settings() -> Settings:
    return Settings(
        defaults=CommunityDefaults(help_channels=["help"], moderator_channel="mods"),
    )


ASKED = """
    mod is moderator
    helper is a bot
    in #help
    alice: my export fails with a timeout, any idea
    in #general
    bob: does anyone know how to rotate the API key?
    alice: what a lovely day today
"""


async def test_a_question_answered_in_two_hours_and_one_never(console: Transcript) -> None:
    await console.play(ASKED)
    out = await console.play("""
        alice replies to 1: anyone? still stuck here
        helper replies to 1: I am a bot, here is a link
        after 2h
        carol replies to 1: raise the timeout in the settings
        alice replies to 4: thanks carol, that worked
        after 1d
        mod: /admin stats
        mod: /admin unanswered
    """)
    text = "\n".join(out)
    assert "Questions asked: 2\n" in text  # the community's first days: nothing to compare
    # Only one of the two was answered, within the 24 h target.
    assert "Answered within 24 h: 50 %" in text or "Answered within 24 h: 50%" in text
    assert "Median time to first response: 2 h" in text
    assert "#help: 1 asked · 100 % within 24 h · median 2 h · 0 solved" in text.replace(
        "100%", "100 %"
    )
    assert "Questions with no response after 24 h" in text
    assert "[2] in #general by bob, waiting for 1 d 2 h" in text
    assert "[1] in #help" not in text  # answered (by carol, not by alice or the bot)


async def test_each_number_is_compared_with_the_period_before(console: Transcript) -> None:
    # A week first, so that the weeks compared are both whole weeks of the community.
    await console.play("after 7d\n" + ASKED)
    out = await console.play("""
        after 2h
        carol replies to 2: raise the timeout in the settings
        after 7d
        in #help
        dave: the import skips my first row, why is that
        after 30m
        erin replies to 8: the first row is read as the header
        after 1d
        mod: /admin stats
    """)
    text = "\n".join(out).replace("\u202f", " ").replace("%", " %").replace("  %", " %")
    assert "[8] #help dave: the import skips my first row" in text
    stats = text.split("mod: /admin stats")[1]
    assert "Questions asked: 1 (−1, −50 %)" in stats
    assert "Answered within 24 h: 100 % (+50 pts)" in stats
    assert "Median time to first response: 30 min (−1 h 30 min)" in stats
    assert "#help: 1 asked (no change) · 100 % within 24 h · median 30 min · 0 solved" in stats


async def test_redelivered_and_own_replies_never_count(console: Transcript) -> None:
    await console.play(ASKED)
    out = await console.play("""
        bob replies to 2: never mind, found it myself
        after 2d
        mod: /admin unanswered #general
    """)
    text = "\n".join(out)
    assert "Questions in #general with no response after 24 h" in text
    assert "[2] in #general by bob" in text
    assert "[1] in #help" not in text


async def test_an_accepted_solution_closes_the_question(console: Transcript) -> None:
    await console.play(ASKED)
    out = await console.play("""
        after 3h
        carol replies to 2: Settings, then Keys, then Rotate
        bob marks 4 as solution
        after 2d
        mod: /admin unanswered
        mod: /admin stats
    """)
    text = "\n".join(out)
    assert "[2] in #general" not in text
    assert "[1] in #help by alice" in text
    assert "Closed by an accepted solution: 1" in text
    assert "Median time to first response: 3 h" in text


async def test_the_weekly_list_goes_to_the_moderators_with_the_digest(
    console: Transcript,
) -> None:
    await console.play(ASKED)
    out = await console.play("after 7d")
    text = "\n".join(out)
    assert "#mods Cercle: 🙋 Questions with no response after 24 h — for moderators" in text
    assert "🙋 Questions" in text and "Questions asked: 2" in text


async def test_bad_input_is_refused_and_changes_nothing(
    console: Transcript, db: Database, snapshot: Callable[[Database], Awaitable[Snapshot]]
) -> None:
    await console.play(ASKED + "\n after 2d\n bob: /rank\n mod: /admin stats")
    before = await snapshot(db)
    out = await console.play("""
        mod: /admin unanswered nowhere
        mod: /admin unanswered #help extra
        bob: /admin unanswered
        mod: /admin unanswered #random
    """)
    text = "\n".join(out)
    assert "`channel` must name a channel, like #general (got `nowhere`)" in text
    assert "I did not understand the end of the command: `extra`." in text
    assert "Usage: `/admin unanswered [channel]`" in text
    assert "[2]" not in text.split("bob: /admin unanswered")[1].split("#random")[0]
    assert "No question is waiting for a response in this channel." in text
    assert await snapshot(db) == before


async def test_in_french(french: Transcript) -> None:
    await french.play(ASKED)
    out = await french.play("""
        after 1d
        mod: /admin unanswered
    """)
    text = "\n".join(out)
    assert "Questions sans réponse après 24 h" in text
    assert "par bob, en attente depuis 1 j" in text


async def test_admin_config_shows_what_counts_as_a_question(console: Transcript) -> None:
    out = await console.play("mod is moderator\nmod: /admin config")
    text = "\n".join(out)
    assert "help_channels=#help, target_hours=24, question_mark=true" in text
    assert "polls.vote_min_rank=—" in text
