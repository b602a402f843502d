"""Settings: defaults, the TOML file, environment overrides, errors and secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from bot.config import (
    DEFAULT_BADGES,
    DEFAULT_RANKS,
    ConfigError,
    Settings,
    load_secrets,
    load_settings,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No stray ./config.toml from the developer's checkout.
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path | str | None = None, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={} if env is None else env)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- defaults


def test_defaults_with_no_file() -> None:
    settings = load_settings(env={})
    assert settings == Settings()
    assert settings.database.url == "sqlite+aiosqlite:///cercle.db"
    assert settings.database.echo is False
    assert settings.discord.api_base_url == "https://discord.com"
    assert settings.discord.shard_count is None
    assert settings.discord.shard_ids is None
    assert settings.discord.sync_commands == "guild"
    assert settings.slack.api_base_url == "https://slack.com/api/"
    assert settings.slack.http_port == 3000
    assert settings.scoring.message_cooldown_seconds == 60
    assert settings.scoring.kudos_points == 5
    assert [(r.name, r.min_points) for r in settings.ranks] == [
        ("Newcomer", 0),
        ("Regular", 50),
        ("Contributor", 200),
        ("Expert", 600),
        ("Champion", 1500),
    ]
    assert settings.ranks == list(DEFAULT_RANKS)
    assert [b.key for b in settings.badges] == [
        "first_solution",
        "helper",
        "appreciated",
        "streak_7",
        "first_idea",
        "shipped",
        "first_event",
        "events_5",
    ]
    assert settings.badges == list(DEFAULT_BADGES)
    assert settings.defaults.locale == "en"
    assert settings.defaults.timezone == "UTC"
    assert settings.communities == []
    assert settings.digest.schedule == "mon 09:00"
    assert settings.scheduler.tick_seconds == 60
    assert settings.log.level == "INFO"


def test_direct_construction_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERCLE_DATABASE__URL", "sqlite+aiosqlite:///elsewhere.db")
    assert Settings().database.url == "sqlite+aiosqlite:///cercle.db"


# --------------------------------------------------------------------------- sources


def test_env_overrides_a_default() -> None:
    settings = load_settings(env={"CERCLE_DATABASE__URL": "postgresql+asyncpg://db/cercle"})
    assert settings.database.url == "postgresql+asyncpg://db/cercle"
    assert settings.database.echo is False


def test_env_wins_over_the_file_and_the_rest_of_the_file_still_applies(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[database]\nurl = "sqlite+aiosqlite:///file.db"\necho = true\n'
        "[scoring]\nkudos_points = 7\n",
    )
    env = {
        "CERCLE_DATABASE__URL": "sqlite+aiosqlite:///env.db",
        "CERCLE_SCORING__SOLUTION_POINTS": "30",
    }
    settings = load_settings(path, env=env)
    assert settings.database.url == "sqlite+aiosqlite:///env.db"
    assert settings.database.echo is True
    assert settings.scoring.kudos_points == 7
    assert settings.scoring.solution_points == 30
    assert settings.scoring.message_points == 1


def test_env_takes_json_for_lists() -> None:
    env = {
        "CERCLE_DEFAULTS__MODERATOR_ROLES": '["Moderators", "Staff"]',
        "CERCLE_DISCORD__SHARD_COUNT": "4",
        "CERCLE_DISCORD__SHARD_IDS": "[2, 3]",
    }
    settings = load_settings(env=env)
    assert settings.defaults.moderator_roles == ["Moderators", "Staff"]
    assert settings.discord.shard_count == 4
    assert settings.discord.shard_ids == [2, 3]


def test_bad_json_in_env_names_the_variable() -> None:
    message = config_error(env={"CERCLE_DEFAULTS__MODERATOR_ROLES": "Moderators"})
    assert message.startswith("environment CERCLE_DEFAULTS__MODERATOR_ROLES: not valid JSON")


def test_config_path_from_cercle_config(tmp_path: Path) -> None:
    path = write(tmp_path, "[log]\nlevel = 'DEBUG'\n", name="custom.toml")
    assert load_settings(env={"CERCLE_CONFIG": str(path)}).log.level == "DEBUG"


def test_explicit_path_wins_over_cercle_config(tmp_path: Path) -> None:
    chosen = write(tmp_path, "[log]\nlevel = 'ERROR'\n", name="chosen.toml")
    other = write(tmp_path, "[log]\nlevel = 'DEBUG'\n", name="other.toml")
    assert load_settings(chosen, env={"CERCLE_CONFIG": str(other)}).log.level == "ERROR"


def test_config_toml_in_the_working_directory_is_used(tmp_path: Path) -> None:
    write(tmp_path, "[log]\nlevel = 'WARNING'\n")
    assert load_settings(env={}).log.level == "WARNING"


def test_a_named_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert config_error(missing) == f"{missing}: config file not found"
    assert config_error(env={"CERCLE_CONFIG": str(missing)}) == f"{missing}: config file not found"


def test_invalid_toml_is_reported_in_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[database\nurl = 1\n")
    assert config_error(path).startswith(f"{path}: invalid TOML: ")


# --------------------------------------------------------------------------- errors


def test_unknown_key_is_an_error_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurll = "sqlite+aiosqlite:///x.db"\n', name="config.toml")
    assert config_error("config.toml") == "config.toml: database.urll: unknown setting"
    assert config_error(path) == f"{path}: database.urll: unknown setting"


def test_unknown_section_and_unknown_env_key_are_errors(tmp_path: Path) -> None:
    write(tmp_path, "[databse]\nurl = 'x'\n")
    assert config_error() == "config.toml: databse: unknown setting"
    (tmp_path / "config.toml").unlink()
    message = config_error(env={"CERCLE_SCORING__KUDO_POINTS": "3"})
    assert (
        message == "environment CERCLE_SCORING__KUDO_POINTS: scoring.kudo_points: unknown setting"
    )


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[scoring]\nmessage_cooldown_seconds = true\n")
    assert config_error(path) == (
        f"{path}: scoring.message_cooldown_seconds: Input should be a valid integer"
    )
    write(tmp_path, "[scoring]\nmessage_cooldown_seconds = 'sixty'\n")
    assert config_error("config.toml").startswith(
        "config.toml: scoring.message_cooldown_seconds: Input should be a valid integer"
    )


def test_wrong_type_in_env_names_the_variable() -> None:
    message = config_error(env={"CERCLE_SLACK__HTTP_PORT": "http"})
    assert message.startswith("environment CERCLE_SLACK__HTTP_PORT: slack.http_port: ")


def test_out_of_range_value(tmp_path: Path) -> None:
    write(tmp_path, "[slack]\nhttp_port = 70000\n")
    assert config_error() == (
        "config.toml: slack.http_port: Input should be less than or equal to 65535"
    )


def test_several_problems_stay_on_one_line(tmp_path: Path) -> None:
    write(tmp_path, "[scoring]\nkudos_points = -1\n[log]\nlevel = 'LOUD'\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(env={})
    assert len(caught.value.problems) == 2
    assert "\n" not in str(caught.value)
    assert "scoring.kudos_points" in str(caught.value)
    assert "log.level" in str(caught.value)


def test_ranks_must_increase(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[[ranks]]\nname = "Newcomer"\nmin_points = 50\n'
        '[[ranks]]\nname = "Regular"\nmin_points = 50\n',
    )
    assert (
        config_error() == "config.toml: ranks: the first rank must start at 0 points (Newcomer 50)"
    )
    write(
        tmp_path,
        '[[ranks]]\nname = "Newcomer"\nmin_points = 0\n'
        '[[ranks]]\nname = "Regular"\nmin_points = 0\n',
    )
    assert (
        config_error() == "config.toml: ranks: thresholds must increase (Regular 0 <= Newcomer 0)"
    )


def test_rank_names_are_unique_ignoring_case_and_the_ladder_is_not_empty(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[[ranks]]\nname = "Regular"\nmin_points = 0\n'
        '[[ranks]]\nname = "regular"\nmin_points = 10\n',
    )
    assert "ranks: duplicate rank name 'regular'" in config_error()
    write(tmp_path, "ranks = []\n")
    assert config_error() == "config.toml: ranks: at least one rank is required"


def test_ranks_from_toml_replace_the_ladder(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[[ranks]]\nname = "Seed"\nmin_points = 0\n'
        '[[ranks]]\nname = "Tree"\nmin_points = 100\nmin_solutions = 2\ndiscord_role = "Tree"\n',
    )
    ranks = load_settings(env={}).ranks
    assert [(r.name, r.min_points, r.min_solutions, r.roles.get("discord")) for r in ranks] == [
        ("Seed", 0, 0, None),
        ("Tree", 100, 2, "Tree"),
    ]


def test_badge_errors(tmp_path: Path) -> None:
    badge = '[[badges]]\nkey = "{key}"\nname = "B"\nmetric = "{metric}"\nthreshold = 1\n'
    write(tmp_path, badge.format(key="b", metric="karma"))
    assert config_error().startswith("config.toml: badges[0].metric: Input should be")
    write(tmp_path, badge.format(key="b", metric="points") * 2)
    assert "badges: duplicate badge key 'b'" in config_error()
    write(tmp_path, badge.format(key="Big Badge", metric="points"))
    assert config_error().startswith("config.toml: badges[0].key: ")


def test_bad_timezone(tmp_path: Path) -> None:
    write(tmp_path, '[defaults]\ntimezone = "Mars/Olympus_Mons"\n')
    assert config_error().startswith(
        "config.toml: defaults.timezone: unknown time zone 'Mars/Olympus_Mons'"
    )
    write(tmp_path, '[[communities]]\nname = "acme"\ntimezone = "Europe/Pariss"\n')
    assert config_error().startswith("config.toml: communities[0].timezone: unknown time zone")


def test_shard_ids_need_shard_count(tmp_path: Path) -> None:
    write(tmp_path, "[discord]\nshard_ids = [0]\n")
    assert config_error() == (
        "config.toml: discord.shard_ids: shard_ids requires discord.shard_count to be set"
    )
    write(tmp_path, "[discord]\nshard_count = 2\nshard_ids = [0, 2]\n")
    assert config_error().startswith("config.toml: discord.shard_ids: shard id 2 is out of range")
    write(tmp_path, "[discord]\nshard_count = 0\n")
    assert config_error().startswith("config.toml: discord.shard_count: ")


def test_communities(tmp_path: Path) -> None:
    write(
        tmp_path,
        "[[communities]]\n"
        'name = "acme"\n'
        "discord_guild_id = 123456789012345678\n"
        'slack_team_id = "T0123"\n'
        'locale = "fr"\n'
        'timezone = "Europe/Paris"\n'
        'moderator_roles = ["Mods"]\n',
    )
    (acme,) = load_settings(env={}).communities
    assert acme.name == "acme"
    assert acme.spaces == {"discord": "123456789012345678", "slack": "T0123"}
    assert (acme.locale, acme.timezone, acme.moderator_roles) == ("fr", "Europe/Paris", ["Mods"])
    assert acme.excluded_channels is None


def test_community_names_and_ids_are_unique(tmp_path: Path) -> None:
    entry = '[[communities]]\nname = "{name}"\ndiscord_guild_id = "{guild}"\n'
    write(tmp_path, entry.format(name="acme", guild="1") + entry.format(name="acme", guild="2"))
    assert "communities: duplicate name 'acme'" in config_error()
    write(tmp_path, entry.format(name="acme", guild="1") + entry.format(name="beta", guild="1"))
    assert "communities: duplicate discord_guild_id '1'" in config_error()
    write(tmp_path, entry.format(name="Acme Corp", guild="1"))
    assert config_error().startswith("config.toml: communities[0].name: ")


# --------------------------------------------------------------------------- secrets


@pytest.mark.parametrize(
    ("toml", "key", "variable"),
    [
        ('[discord]\ntoken = "abc.def"\n', "discord.token", "DISCORD_TOKEN"),
        ('[slack]\nbot_token = "xoxb-1"\n', "slack.bot_token", "SLACK_BOT_TOKEN"),
        ('[slack]\nsigning_secret = "s"\n', "slack.signing_secret", "SLACK_SIGNING_SECRET"),
        ('SLACK_APP_TOKEN = "xapp-1"\n', "SLACK_APP_TOKEN", "SLACK_APP_TOKEN"),
    ],
)
def test_a_secret_in_the_file_is_refused(
    tmp_path: Path, toml: str, key: str, variable: str
) -> None:
    write(tmp_path, toml)
    message = config_error()
    assert message.startswith(f"config.toml: {key}: secrets are not read from the config file")
    assert variable in message
    assert "abc.def" not in message and "xoxb-1" not in message and "xapp-1" not in message


def test_secrets_come_from_the_environment_and_are_not_shown() -> None:
    env = {
        "DISCORD_TOKEN": "discord-token-value",
        "SLACK_BOT_TOKEN": "xoxb-bot-token-value",
        "SLACK_APP_TOKEN": "  ",
        "CERCLE_DATABASE__URL": "sqlite+aiosqlite:///x.db",
    }
    secrets = load_secrets(env)
    assert secrets.discord_token is not None
    assert secrets.discord_token.get_secret_value() == "discord-token-value"
    assert secrets.slack_bot_token is not None
    assert secrets.slack_bot_token.get_secret_value() == "xoxb-bot-token-value"
    assert secrets.slack_app_token is None
    assert secrets.slack_signing_secret is None
    shown = repr(secrets) + str(secrets) + secrets.model_dump_json()
    assert "discord-token-value" not in shown
    assert "xoxb-bot-token-value" not in shown


def test_secrets_are_not_settings() -> None:
    settings = load_settings(env={"DISCORD_TOKEN": "discord-token-value"})
    assert "discord-token-value" not in repr(settings)
    assert load_secrets({}).discord_token is None


# --------------------------------------------------------------------------- example file


def test_example_file_equals_the_defaults() -> None:
    assert load_settings(EXAMPLE, env={}) == load_settings(env={})


def _setting_names(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        annotation = info.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                names |= _setting_names(candidate)
    return names


def test_example_file_mentions_every_setting() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    written = set(re.findall(r"^(?:# )?\[{1,2}(\w+)\]{1,2}$", text, flags=re.MULTILINE))
    written |= set(re.findall(r"^(?:# )?(\w+) = ", text, flags=re.MULTILINE))
    written |= set(re.findall(r"^#\s+(\w+)\s{2,}", text, flags=re.MULTILINE))
    missing = _setting_names(Settings) - written
    assert not missing, f"config.example.toml does not mention: {sorted(missing)}"


def test_example_community_loads_once_uncommented(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("# [[communities]]")
    end = text.index("\n\n", start)
    block = "\n".join(line.removeprefix("# ") for line in text[start:end].splitlines())
    path = write(tmp_path, text[:start] + block + text[end:], name="with-community.toml")
    (acme,) = load_settings(path, env={}).communities
    assert acme.name == "acme"
    assert acme.locale == "fr"
    assert acme.timezone == "Europe/Paris"
    assert set(acme.spaces) == {"discord", "slack"}
    assert acme.moderator_roles


def test_an_event_rank_that_is_not_on_the_ladder_is_refused_by_name() -> None:
    assert Settings(events={"create_min_rank": "Regular"}).events.create_min_rank == "Regular"
    with pytest.raises(ValidationError, match=r"events\.create_min_rank 'Regulr'"):
        Settings(events={"create_min_rank": "Regulr"})
