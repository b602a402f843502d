"""Fault injection: Cercle killed, its database locked, read-only or restarted, its
requests replayed. Each test plays the fault through the platforms' protocol fakes (or a
real `cercle run` process it kills) and asserts the exact totals afterwards.

The platforms' fakes and payload builders live beside the adapter tests; they are
imported from there."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
for folder in (HERE.parent / "adapters" / "slack", HERE.parent / "adapters" / "discord"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from slack_fakes import FakeSlackApi  # noqa: E402

from bot.config import CommunityDefaults, Settings, SlackSettings  # noqa: E402


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
def slack_settings(slack_api: FakeSlackApi) -> Settings:
    return Settings(
        slack=SlackSettings(api_base_url=slack_api.url),
        defaults=CommunityDefaults(moderator_channel="mods"),
    )
