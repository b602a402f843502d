"""The trust ladder through the console: a rank that asks for points in the last 30 days
is reached at once, kept while the member is active, and — once the window runs dry — the
weekly review warns the member by DM, then demotes them only after the grace period;
a member who takes part again during the grace keeps the rank; `ladder.demote = false`
never demotes; a correction below an all-time minimum still demotes at once."""

from __future__ import annotations

import pytest
from transcript import Transcript

from bot.config import LadderSettings, Rank, Settings

LADDER = [
    Rank(name="Newcomer", min_points=0),
    Rank(name="Regular", min_points=5, min_points_30d=5),
]
WEEK = "after 7d"


def settings_with(demote: bool = True) -> Settings:
    return Settings(ranks=LADDER, ladder=LadderSettings(grace_days=14, demote=demote))


@pytest.fixture
def settings() -> Settings:
    return settings_with()


SETUP = """
    mod is moderator
    alice: hello everyone, this is alice
    mod: /admin points add @alice 10 a warm welcome
"""


def dms(out: list[str]) -> list[str]:
    return [line for line in out if line.startswith("(DM to alice)")]


async def test_warned_at_the_review_then_demoted_after_the_grace(console: Transcript) -> None:
    out = await console.play(SETUP)
    assert any("alice is now Regular!" in line for line in out)
    # Four weekly reviews within the 30 days: nothing to say.
    quiet = await console.play("\n".join([WEEK] * 4))
    assert dms(quiet) == []
    # Monday 9 February: the points of 5 January have left the 30-day window.
    warned = await console.play(WEEK)
    (warning,) = dms(warned)
    assert "Your rank Regular asks for recent activity: 5 points in 30 days (you have 0)" in warning
    assert "after 23 February 2026, you will be Newcomer" in warning
    still = await console.play(WEEK)
    assert dms(still) == []  # one DM when the grace starts, none in between
    ended = await console.play(WEEK)
    (last,) = dms(ended)
    assert "Your grace period is over" in last and "you are now Newcomer" in last
    assert any("-role Regular alice" in line for line in ended)
    out = await console.play("alice: /rank")
    assert "Newcomer" in "\n".join(out)


async def test_taking_part_again_during_the_grace_keeps_the_rank(console: Transcript) -> None:
    await console.play(SETUP)
    await console.play("\n".join([WEEK] * 5))
    out = await console.play(f"""
        mod: /admin points add @alice 6 back with great answers
        {WEEK}
        {WEEK}
        {WEEK}
        alice: /rank
    """)
    assert dms(out) == []
    assert "Regular" in "\n".join(out).split("alice: /rank")[1]


@pytest.mark.parametrize("settings", [settings_with(demote=False)])
async def test_never_demoted_when_demotion_is_off(console: Transcript) -> None:
    await console.play(SETUP)
    out = await console.play("\n".join([WEEK] * 8) + "\nalice: /rank")
    assert dms(out) == []
    assert "Regular" in "\n".join(out).split("alice: /rank")[1]


async def test_a_correction_below_an_all_time_minimum_demotes_at_once(
    console: Transcript,
) -> None:
    await console.play(SETUP)
    out = await console.play("mod: /admin points remove @alice 8 a mistake")
    assert any(line.startswith("(DM to alice)") and "Newcomer" in line for line in out)
