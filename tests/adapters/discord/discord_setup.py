"""Settings and secrets of a Discord adapter pointed at the local fake Discord (a plain
module rather than conftest, so that test modules can import it by a name of its own)."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from benchmarks.discord_fake import FakeDiscord
from bot.config import Secrets, Settings
from bot.config_process import DiscordSettings


def discord_settings(settings: Settings, fake: FakeDiscord, **discord: Any) -> Settings:
    section = DiscordSettings(api_base_url=fake.base_url, **discord)
    return settings.model_copy(update={"discord": section})


SECRETS = Secrets(discord_token=SecretStr("fake-token"))
# The fake sends every server right after READY: no need for discord.py's 2 s wait.
FAKE_READY = 0.2
