"""The platform registry: every platform is one line that can be looked up by name and
whose adapter is built only when asked for, and `cercle run` starts exactly the
platforms whose credentials are set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters import platforms
from adapters.runtime import platform_adapters
from bot import platforms as core_platforms
from bot.config import ConfigError, Secrets, Settings, SlackSettings


@pytest.mark.parametrize("name", platforms.names())
def test_every_registered_platform_can_be_looked_up_by_its_name(name: str) -> None:
    platform = platforms.lookup(name)
    assert platform.name == name
    assert platform.credentials
    section = platform.settings_section(Settings())
    assert section is None or section == getattr(Settings(), name)


def test_an_unknown_platform_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(LookupError, match=r"unknown platform 'matrix' \(known: console, discord"):
        platforms.lookup("matrix")


def test_names_are_unique_and_platform_packages_exist() -> None:
    assert len(set(platforms.names())) == len(platforms.names())
    for platform in platforms.PLATFORMS:
        __import__(platform.package)  # adapters/<name>/ is the platform's package


def test_the_core_bends_its_rules_only_for_registered_platforms() -> None:
    assert set(core_platforms.TRAITS) <= set(platforms.names())


def test_importing_the_registry_loads_no_platform_package() -> None:
    script = (
        "import json, sys\n"
        "import adapters.platforms as p\n"
        "loaded = lambda: sorted(m for m in sys.modules if m.split('.')[0] in "
        "('discord', 'slack_bolt', 'slack_sdk') or m.startswith(('adapters.discord', "
        "'adapters.slack')))\n"
        "before = loaded()\n"
        "p.lookup('discord').adapter_class()\n"
        "print(json.dumps([before, 'adapters.discord.adapter' in sys.modules, "
        "'adapters.slack.adapter' in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    before, discord_loaded, slack_loaded = json.loads(result.stdout)
    assert before == []
    assert discord_loaded and not slack_loaded  # only the platform that was asked for


@pytest.mark.parametrize("platform", [p for p in platforms.PLATFORMS if p.adapter is not None])
def test_every_platform_adapter_is_built_from_its_line(platform: platforms.Platform) -> None:
    secrets = Secrets(discord_token=SecretStr("x.y.z"), slack_bot_token=SecretStr("xoxb-1"))
    adapter = platform.build(Settings(), secrets)
    assert adapter.platform == platform.name
    assert platform.configured(Settings(), secrets)


def test_the_console_is_registered_but_not_started_by_cercle_run() -> None:
    console = platforms.lookup("console")
    assert console.adapter is None
    with pytest.raises(LookupError):
        console.adapter_class()


def test_run_starts_exactly_the_platforms_whose_credentials_are_set() -> None:
    assert platform_adapters(Settings(), Secrets()) == []
    only_discord = platform_adapters(Settings(), Secrets(discord_token=SecretStr("x.y.z")))
    assert [a.platform for a in only_discord] == ["discord"]
    oauth = Settings(slack=SlackSettings(oauth_enabled=True))
    assert [a.platform for a in platform_adapters(oauth, Secrets())] == ["slack"]
    both = Secrets(discord_token=SecretStr("x.y.z"), slack_bot_token=SecretStr("xoxb-1"))
    assert [a.platform for a in platform_adapters(Settings(), both)] == ["discord", "slack"]


def test_settings_loaded_through_the_registry_refuse_an_unregistered_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text(
        '[[ranks]]\nname = "A"\nmin_points = 0\nroles = { teams = "helpers" }\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        platforms.load(env={})
    assert str(caught.value) == (
        "config.toml: ranks[0].roles.teams: unknown platform 'teams' "
        "(known: console, discord, slack)"
    )
