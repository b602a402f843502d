"""The digest's rank-ups are the promotions members were told about in the week, from the
rank each held when it began to the one they held when it ended: a rank reached through
recent activity (a rolling window) is one, won back after a demotion too, though the
member's all-time points met it all along; a promotion taken back by a correction in the
same week is none; a member promoted twice is named once, at the rank they ended the week
with; a promotion after the week's end waits for the next digest."""

from __future__ import annotations

import pytest
from test_digest_content import digest_text
from transcript import Transcript

from bot.config import Rank, Settings

LADDER = [
    Rank(name="Newcomer", min_points=0),
    Rank(name="Regular", min_points=5, min_points_30d=5),
    Rank(name="Expert", min_points=50),
]


@pytest.fixture
def settings() -> Settings:
    return Settings(ranks=LADDER)


async def test_a_rank_reached_through_recent_points_is_told_in_the_digest(
    console: Transcript,
) -> None:
    out = await console.play("""
        mod is moderator
        alice: hello everyone, this is alice
        bob: hello everyone, this is bob
        mod: /admin points add @alice 10 a warm welcome
    """)
    assert any("alice is now Regular!" in line for line in out)
    text = digest_text(await console.play("after 7d"))
    assert "alice is now Regular" in text
    assert "bob is now" not in text


async def test_promoted_twice_in_the_week_is_named_once_at_the_last_rank(
    console: Transcript,
) -> None:
    await console.play("""
        mod is moderator
        alice: hello everyone, this is alice
        mod: /admin points add @alice 10 a warm welcome
        after 1d
        mod: /admin points add @alice 60 the migration guide
    """)
    text = digest_text(await console.play("after 7d"))
    assert text.count("alice is now") == 1
    assert "alice is now Expert" in text


async def test_a_promotion_taken_back_in_the_same_week_is_no_rank_up(
    console: Transcript,
) -> None:
    out = await console.play("""
        mod is moderator
        alice: hello everyone, this is alice
        mod: /admin points add @alice 60 the migration guide
        mod: /admin points remove @alice 60 given to the wrong member
    """)
    assert any("alice is now Expert!" in line for line in out)
    text = digest_text(await console.play("after 7d"))
    assert "is now" not in text


async def test_a_promotion_after_the_week_ended_waits_for_the_next_digest(
    console: Transcript,
) -> None:
    # The console starts on Monday 5 January at 09:00; the week's digest is due on
    # Monday 12 January at 09:00, nine hours after the week ended.
    await console.play("""
        mod is moderator
        alice: hello everyone, this is alice
        after 6d 20h
        mod: /admin points add @alice 60 the migration guide
        alice: thank you all, the guide took me a while
    """)
    first = digest_text(await console.play("after 1d"))
    assert "alice is now" not in first
    second = digest_text(await console.play("after 7d"))
    assert "alice is now Expert" in second


async def test_a_rank_won_back_after_a_demotion_is_a_rank_up_of_its_week(
    console: Transcript,
) -> None:
    # alice's 10 points of January leave the 30-day window; the weekly review demotes her
    # after the grace. Her all-time points still meet Regular's minimum: only her recent
    # points decide, and what she was told is what the digest says.
    await console.play("""
        mod is moderator
        alice: hello everyone, this is alice
        mod: /admin points add @alice 10 a warm welcome
    """)
    out = await console.play("\n".join(["after 7d"] * 7))
    assert any("you are now Newcomer" in line for line in out)
    # Demoted at the review of Monday 23 February; back the Tuesday of the week after.
    won = await console.play("""
        after 8d
        alice: back with a long write-up about the new release
        mod: /admin points add @alice 5 the write-up
    """)
    assert any("alice is now Regular!" in line for line in won)
    text = digest_text(await console.play("after 6d"))
    assert "alice is now Regular" in text
