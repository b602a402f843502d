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
