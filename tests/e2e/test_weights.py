"""Channel and role weights through the console: a message in a channel weighted 2.0
earns twice the points, one in a channel weighted 0.0 nothing (it still counts as
activity), an author's role weight multiplies too, and `/admin config` shows them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from transcript import Transcript

from bot.config import ScoringSettings, Settings


@pytest.fixture
def settings() -> Settings:
    return Settings(
        scoring=ScoringSettings(
            channel_weights={"help": 2.0, "off-topic": 0.0}, role_weights={"expert": 3.0}
        )
    )


async def test_weights_multiply_message_points(
    console: Transcript, points: Callable[[str], Awaitable[int]]
) -> None:
    await console.play("""
        in #help
        alice: here is how to rotate the key, step by step
        in #off-topic
        bob: did anyone watch the match last night
        erin has role expert
        in #general
        erin: the export runs nightly at two in the morning
        after 2m
        in #help
        erin: and the import reads the first row as a header
    """)
    assert await points("alice") == 2
    assert await points("bob") == 0
    assert await points("erin") == 3 + 6


async def test_admin_config_shows_the_weights(console: Transcript) -> None:
    out = await console.play("mod is moderator\nmod: /admin config")
    text = "\n".join(out)
    assert "channel_weights={'help': 2.0, 'off-topic': 0.0}" in text
    assert "role_weights={'expert': 3.0}" in text
