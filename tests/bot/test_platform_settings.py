"""Per-platform settings as maps keyed by platform name: the old spellings, the new maps,
environment overrides, and the core rules that read them without naming a platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.community import slug_for
from bot.config import (
    CommunityEntry,
    ConfigError,
    DigestSettings,
    Rank,
    Settings,
    load_settings,
    unknown_platforms,
)
from bot.features.ranks import role_for

KNOWN = ("console", "discord", "slack")


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(None, env={} if env is None else env, platforms=KNOWN)  # ./config.toml


def refusal(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text, env)
    message = str(caught.value)
    assert "\n" not in message
    return message


OLD = """
[[communities]]
name = "acme"
discord_guild_id = 123456789012345678
slack_team_id = "T0123"

[[ranks]]
name = "Seed"
min_points = 0

[[ranks]]
name = "Tree"
min_points = 100
discord_role = "Trees"
slack_usergroup = "trees"

[digest]
channel = "#news"
discord_channel = "digest"
slack_channel = "weekly"
console_channel = "digest-console"
"""

NEW = """
[[communities]]
name = "acme"
spaces = { discord = "123456789012345678", slack = "T0123" }

[[ranks]]
name = "Seed"
min_points = 0

[[ranks]]
name = "Tree"
min_points = 100
roles = { discord = "Trees", slack = "trees" }

[digest]
channel = "#news"
channels = { discord = "digest", slack = "weekly", console = "digest-console" }
"""


def test_old_spellings_and_new_maps_give_the_same_settings(tmp_path: Path) -> None:
    old, new = load(tmp_path, OLD), load(tmp_path, NEW)
    assert old.communities == new.communities
    assert old.communities[0].spaces == {"discord": "123456789012345678", "slack": "T0123"}
    assert old.ranks == new.ranks
    assert old.ranks[1].roles == {"discord": "Trees", "slack": "trees"}
    assert old.digest == new.digest
    assert old.digest.channels == {
        "discord": "digest",
        "slack": "weekly",
        "console": "digest-console",
    }


def test_both_spellings_of_the_same_value_are_accepted(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        '[[communities]]\nname = "acme"\ndiscord_guild_id = 1\nspaces = { discord = "1" }\n',
    )
    assert settings.communities[0].spaces == {"discord": "1"}


def test_two_spellings_that_disagree_are_refused_naming_both(tmp_path: Path) -> None:
    message = refusal(
        tmp_path,
        '[[communities]]\nname = "acme"\ndiscord_guild_id = "1"\nspaces = { discord = "2" }\n',
    )
    assert message.startswith("config.toml: communities[0]: ")
    assert "discord_guild_id" in message and "spaces.discord" in message


def test_a_community_naming_an_unknown_platform_is_refused_naming_the_key(
    tmp_path: Path,
) -> None:
    message = refusal(
        tmp_path, '[[communities]]\nname = "acme"\nspaces = { discord = "1", matrix = "!a" }\n'
    )
    assert message == (
        "config.toml: communities[0].spaces.matrix: unknown platform 'matrix' "
        "(known: console, discord, slack)"
    )


def test_a_rank_role_or_digest_channel_on_an_unknown_platform_is_refused(
    tmp_path: Path,
) -> None:
    message = refusal(
        tmp_path,
        '[[ranks]]\nname = "A"\nmin_points = 0\nroles = { teams = "x" }\n'
        '[digest]\nchannels = { matrix = "#d" }\n',
    )
    assert "ranks[0].roles.teams: unknown platform 'teams'" in message
    assert "digest.channels.matrix: unknown platform 'matrix'" in message


def test_a_platform_name_that_is_not_a_name_is_refused_by_the_core(tmp_path: Path) -> None:
    message = refusal(tmp_path, '[[communities]]\nname = "acme"\nspaces = { "2chat" = "1" }\n')
    assert "communities[0].spaces.2chat" in message
    assert "not a platform name" in message


def test_platform_keys_are_read_case_insensitively(tmp_path: Path) -> None:
    settings = load(tmp_path, '[[communities]]\nname = "acme"\nspaces = { Discord = "1" }\n')
    assert settings.communities[0].spaces == {"discord": "1"}


def test_space_ids_are_unique_per_platform_whatever_the_spelling(tmp_path: Path) -> None:
    message = refusal(
        tmp_path,
        '[[communities]]\nname = "a"\nspaces = { slack = "T1" }\n'
        '[[communities]]\nname = "b"\nslack_team_id = "T1"\n',
    )
    assert "duplicate slack_team_id 'T1' (spaces.slack; entries 0 and 1)" in message
    # The same id on two platforms is two different spaces.
    load(tmp_path, '[[communities]]\nname = "a"\nspaces = { slack = "1", discord = "1" }\n')


def test_environment_overrides_reach_the_maps_in_either_spelling(tmp_path: Path) -> None:
    env = {
        "CERCLE_DIGEST__DISCORD_CHANNEL": "from-env",
        "CERCLE_DIGEST__CHANNELS__SLACK": "slack-env",
        "CERCLE_COMMUNITIES": '[{"name": "acme", "slack_team_id": "T9"}]',
    }
    settings = load(tmp_path, "", env)
    assert settings.digest.channels == {"discord": "from-env", "slack": "slack-env"}
    assert settings.communities[0].spaces == {"slack": "T9"}


def test_an_unknown_platform_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    message = refusal(tmp_path, "", {"CERCLE_DIGEST__CHANNELS": '{"matrix": "d"}'})
    assert message.startswith("environment CERCLE_DIGEST__CHANNELS: digest.channels.matrix: ")


def test_without_a_registry_the_core_accepts_any_well_formed_name() -> None:
    settings = Settings(communities=[CommunityEntry(name="acme", spaces={"matrix": "!a"})])
    assert settings.communities[0].spaces == {"matrix": "!a"}
    assert [loc for loc, _ in unknown_platforms(settings, KNOWN)] == [
        ("communities", 0, "spaces", "matrix")
    ]


def test_a_space_belongs_to_the_community_whose_map_names_it() -> None:
    settings = Settings(
        communities=[
            CommunityEntry(name="acme", discord_guild_id="1"),
            CommunityEntry(name="beta", spaces={"slack": "T1", "matrix": "!room"}),
        ]
    )
    assert slug_for("discord", "1", settings) == "acme"
    assert slug_for("slack", "T1", settings) == "beta"
    assert slug_for("matrix", "!room", settings) == "beta"
    assert slug_for("slack", "1", settings) == "slack-1"  # an id on another platform
    assert slug_for("matrix", "!Other", settings) == "matrix-!other"


def test_a_console_community_is_its_name_or_a_space_of_an_entry() -> None:
    settings = Settings(
        communities=[
            CommunityEntry(name="acme"),
            CommunityEntry(name="beta", spaces={"console": "demo"}),
        ]
    )
    assert slug_for("console", "acme", settings) == "acme"
    assert slug_for("console", "demo", settings) == "beta"
    assert slug_for("console", "fresh", settings) == "fresh"


def test_a_rank_role_is_read_from_its_map_on_any_platform() -> None:
    rank = Rank(name="Tree", min_points=0, discord_role="Trees", roles={"matrix": "trees"})
    assert role_for(rank, "discord") == "Trees"
    assert role_for(rank, "matrix") == "trees"
    assert role_for(rank, "slack") is None
    assert role_for(rank, "console") == "Tree"  # the console's roles are the ranks' names
    assert role_for(Rank(name="T", min_points=0, roles={"console": "t"}), "console") == "t"


def test_digest_settings_built_directly_fold_the_old_names() -> None:
    digest = DigestSettings(slack_channel="#weekly", channels={"discord": "d"})
    assert digest.channels == {"discord": "d", "slack": "#weekly"}
