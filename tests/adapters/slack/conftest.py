"""Fixtures for the Slack adapter tests: a fake Web API, settings pointing at it, and the
adapter's bolt app served over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_fakes import CHANNELS, FakeSlackApi, SlackApp

from bot.config import CommunityDefaults, Settings, SlackSettings
from bot.core import Cercle


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
def settings(slack_api: FakeSlackApi) -> Settings:
    return Settings(
        slack=SlackSettings(api_base_url=slack_api.url),
        defaults=CommunityDefaults(moderator_channel="mods"),
    )


@pytest.fixture
async def slack(
    core: Cercle, settings: Settings, slack_api: FakeSlackApi
) -> AsyncIterator[SlackApp]:
    assert "general" in CHANNELS
    async with SlackApp(core, settings, slack_api) as app:
        yield app
