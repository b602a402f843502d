"""The platform registry: every platform Cercle can run on, one line each.

A line names the platform (the key it has in every per-platform map of the settings:
`spaces`, `roles`, `channels`, and the `platform` of events and actions), where its
adapter lives (imported only when it is built, so `cercle console` never loads
discord.py and a Discord-only process never loads slack-bolt), whether its credentials
are present, what to set when they are not, its section of the settings and the module
of its own tables, if any. The
composition root reads it: `adapters.runtime.platform_adapters` builds the adapters
whose credentials are set, `adapters.cli` validates the settings' platform names
against it (`check-config`, and every command that loads the settings), lists the
platforms in `check-config` and `status`, and checks the `platform` column of
`import-customers`.

A fourth platform (Matrix, Teams) is its own package under `adapters/`, one line in
`PLATFORMS` and its catalog entries (`bot/catalog/<name>.en.toml`, ...). The core never
imports this module: it reads the maps by key and knows no platform by name (see
`bot.platforms` for the few traits that bend a core rule).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.config import Secrets, Settings, load_settings

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from bot.ports import Adapter


@dataclass(frozen=True)
class Platform:
    """One platform: its name, its adapter (as an import path) and its credentials."""

    name: str
    # "package.module:Class", built with (settings, secrets); None for a platform that
    # `cercle run` does not start (the console, driven by `cercle console`).
    adapter: str | None
    # Whether the credentials (or settings) it needs to connect are present.
    configured: Callable[[Settings, Secrets], bool]
    # What an operator sets to connect it (shown when nothing is configured).
    credentials: str
    # Its `[section]` of the settings (None: it has none).
    section: str | None = None
    # The module that declares the platform's own tables on Cercle's metadata (None: it
    # has none); the migrations in storage/ create them from their own copy.
    tables: str | None = None

    @property
    def package(self) -> str:
        """The package that holds the platform (`adapters.<name>`)."""
        return f"adapters.{self.name}"

    def adapter_class(self) -> type[Any]:
        """Import the adapter's module (only now) and return its class."""
        if self.adapter is None:
            raise LookupError(f"{self.name} has no adapter that `cercle run` starts")
        module, _, attribute = self.adapter.partition(":")
        return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]

    def build(self, settings: Settings, secrets: Secrets) -> Adapter:
        """The platform's adapter, ready for `Runtime` (its package is imported here)."""
        adapter: Adapter = self.adapter_class()(settings, secrets)
        return adapter

    def settings_section(self, settings: Settings) -> Any:
        """Its section of `settings` (None if it has none)."""
        return None if self.section is None else getattr(settings, self.section)


def _discord_configured(settings: Settings, secrets: Secrets) -> bool:
    return secrets.discord_token is not None


def _slack_configured(settings: Settings, secrets: Secrets) -> bool:
    return secrets.slack_bot_token is not None or settings.slack.oauth_enabled


def _never(settings: Settings, secrets: Secrets) -> bool:
    return False


PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "discord",
        "adapters.discord.adapter:DiscordAdapter",
        _discord_configured,
        "DISCORD_TOKEN",
        "discord",
    ),
    Platform(
        "slack",
        "adapters.slack.adapter:SlackAdapter",
        _slack_configured,
        "SLACK_BOT_TOKEN with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET",
        "slack",
        "adapters.slack.tables",
    ),
    Platform(
        "console", None, _never, "nothing (`cercle console`)", tables="adapters.console.tables"
    ),
)


def names() -> tuple[str, ...]:
    """Every registered platform's name."""
    return tuple(platform.name for platform in PLATFORMS)


def lookup(name: str) -> Platform:
    """The platform called `name`; `LookupError` naming the known ones otherwise."""
    for platform in PLATFORMS:
        if platform.name == name:
            return platform
    raise LookupError(f"unknown platform {name!r} (known: {', '.join(sorted(names()))})")


def configured(settings: Settings, secrets: Secrets) -> Iterator[Platform]:
    """The platforms that `cercle run` starts: an adapter, and its credentials present."""
    for platform in PLATFORMS:
        if platform.adapter is not None and platform.configured(settings, secrets):
            yield platform


def declare_tables() -> None:
    """Register every platform's own tables with Cercle's metadata (the schema check and
    an autogenerated migration need the whole schema); imports those modules only."""
    for platform in PLATFORMS:
        if platform.tables is not None:
            importlib.import_module(platform.tables)


def load(
    path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """`bot.config.load_settings`, also refusing a per-platform key that names no
    registered platform (`communities[0].spaces.matrix: unknown platform 'matrix' ...`)."""
    return load_settings(path, env, platforms=names())


__all__ = ["PLATFORMS", "Platform", "configured", "declare_tables", "load", "lookup", "names"]
