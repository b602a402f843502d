"""The helpers and givers boards through the console: accepted solutions and first
responses to questions make a helper, thanks given make a giver; excluded and hidden
members stay off both; the points board is still the default."""

from __future__ import annotations

import pytest
from transcript import Transcript

from bot.config import CommunityDefaults, Settings


@pytest.fixture
def settings() -> Settings:
    return Settings(defaults=CommunityDefaults(help_channels=["help"], excluded_roles=["staff"]))


SCRIPT = """
    mod is moderator
    sam has role staff
    in #help
    alice: my export fails with a timeout, any idea
    bob replies to 1: raise the timeout in the settings
    sam replies to 1: staff here, we are on it
    alice marks 2 as solution
    carol: how do I rotate the API key?
    bob replies to 6: Settings, then Keys
    dave replies to 6: or ask an admin
    alice: /thanks @bob for the timeout tip
    carol: /thanks @bob for the key tip
    alice: /thanks @dave for chiming in
"""


async def test_helpers_and_givers_boards(console: Transcript) -> None:
    await console.play(SCRIPT)
    helpers = "\n".join(await console.play("alice: /leaderboard week helpers"))
    assert "🤝 Helpers" in helpers
    assert "1. bob — 3 answers" in helpers  # two first responses and one solution
    assert "sam" not in helpers  # staff never compete with members
    assert "dave" not in helpers  # not the first to respond
    givers = "\n".join(await console.play("bob: /leaderboard all givers"))
    assert "1. alice — 2 thanks given" in givers
    assert "2. carol — 1 thanks given" in givers
    points = "\n".join(await console.play("bob: /leaderboard"))
    assert "🏆 Leaderboard" in points


async def test_a_hidden_member_stays_off_the_boards(console: Transcript) -> None:
    await console.play(SCRIPT + "\n bob: /privacy hide")
    helpers = "\n".join(await console.play("alice: /leaderboard week helpers"))
    assert "bob" not in helpers


async def test_an_unknown_board_is_refused(console: Transcript) -> None:
    out = "\n".join(await console.play("alice: /leaderboard week lurkers"))
    assert "`board` must be one of" in out


async def test_next_and_previous_turn_the_pages_of_a_board(console: Transcript) -> None:
    names = [f"m{n:02d}" for n in range(12)]
    await console.play("\n".join(f"{name}: hello from {name}, glad to be here" for name in names))
    out = await console.play("mod: /leaderboard all")
    text = "\n".join(out)
    assert "[ Next ▶ ]" in text
    page_two = "\n".join(await console.play("m00 presses Next ▶"))
    assert "(only you)" in page_two
    # Everyone has one point: they share the first place, page after page.
    assert "1. m10 — 1 point" in page_two and "1. m11 — 1 point" in page_two
    assert "m00" not in page_two.split("\n", 1)[1]
    assert "[ ◀ Previous ]" in page_two
    back = "\n".join(await console.play("m00 presses ◀ Previous"))
    assert "1. m00 — 1 point" in back and "[ Next ▶ ]" in back
