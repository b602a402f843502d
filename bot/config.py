"""Cercle's settings: `config.toml`, overridden from the environment, validated at start.

Where values come from, strongest first:

1. the environment, as ``CERCLE_<SECTION>__<KEY>`` (``CERCLE_DATABASE__URL``,
   ``CERCLE_SCORING__KUDOS_POINTS``, ...), the pydantic-settings convention; list and table
   settings take JSON (``CERCLE_DEFAULTS__MODERATOR_ROLES='["mods"]'``);
2. the TOML file named by ``--config`` (the ``path`` argument) or ``CERCLE_CONFIG``, else
   ``config.toml`` in the working directory if there is one;
3. the defaults below, which run the bot on a local SQLite file with nothing configured.

Every section forbids unknown keys, so a typo is an error rather than a silently ignored
setting. `load_settings` turns every problem into a `ConfigError` whose text is one line
naming where the value came from, the key path and what is wrong, e.g.
``config.toml: scoring.message_cooldown_seconds: Input should be a valid integer``.

Secrets (`DISCORD_TOKEN`, `SLACK_BOT_TOKEN`, `SLACK_APP_TOKEN`, `SLACK_SIGNING_SECRET`) are
never settings: `load_secrets` reads them from the environment only, into `Secrets`, whose
values are `SecretStr` and never printed. A secret found in the TOML file is an error.

Constructing `Settings(...)` directly uses only its arguments and the defaults (no file, no
environment), which is what tests want; `load_settings` is the one entry point that reads
the outside world.
"""

from __future__ import annotations

import itertools
import os
import re
import tomllib
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.exceptions import SettingsError

from bot.config_process import (
    DatabaseSettings,
    DiscordSettings,
    HealthSettings,
    ImportSettings,
    IngestSettings,
    LogSettings,
    RuntimeSettings,
    SchedulerSettings,
    SlackSettings,
    WebSettings,
)
from bot.config_sections import (
    BADGE_METRICS,
    DEFAULT_BADGES,
    DEFAULT_RANKS,
    LEGACY_SPACE_KEYS,
    Badge,
    BadgeMetric,
    ChecklistStep,
    CommunityDefaults,
    CommunityEntry,
    CommunityRule,
    DigestSettings,
    EventSettings,
    IdeaSettings,
    LadderSettings,
    Locale,
    ModerationSettings,
    PollSettings,
    PrivacySettings,
    Rank,
    ResponsivenessSettings,
    ScoringSettings,
    WelcomeSettings,
)

__all__ = [
    "BADGE_METRICS",
    "DEFAULT_BADGES",
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_RANKS",
    "ENV_PREFIX",
    "SECRET_ENV_VARS",
    "Badge",
    "BadgeMetric",
    "ChecklistStep",
    "CommunityDefaults",
    "CommunityEntry",
    "CommunityRule",
    "ConfigError",
    "DatabaseSettings",
    "DigestSettings",
    "DiscordSettings",
    "EventSettings",
    "HealthSettings",
    "IdeaSettings",
    "ImportSettings",
    "IngestSettings",
    "LadderSettings",
    "Locale",
    "LogSettings",
    "ModerationSettings",
    "PollSettings",
    "PrivacySettings",
    "Rank",
    "ResponsivenessSettings",
    "RuntimeSettings",
    "SchedulerSettings",
    "ScoringSettings",
    "Secrets",
    "Settings",
    "SlackSettings",
    "WebSettings",
    "WelcomeSettings",
    "load_secrets",
    "load_settings",
    "unknown_platforms",
]

ENV_PREFIX = "CERCLE_"
ENV_NESTED_DELIMITER = "__"
CONFIG_PATH_ENV_VAR = "CERCLE_CONFIG"
DEFAULT_CONFIG_FILE = "config.toml"
SECRET_ENV_VARS: tuple[str, ...] = (
    "DISCORD_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    # Signs the moderators' dashboard links (`/admin dashboard`); unset: a secret generated
    # per community and kept in the database.
    "CERCLE_WEB_SECRET",
)


class ConfigError(Exception):
    """The configuration cannot be used; `str()` is one line fit for an operator.

    `problems` holds each problem separately; the message joins them with ``"; "``.
    """

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = tuple(" ".join(p.split()) for p in problems)
        super().__init__("; ".join(self.problems))


# --------------------------------------------------------------------------- root


class Settings(BaseSettings):
    """Every setting, by section; see config.example.toml for what each one does."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        case_sensitive=False,
        extra="forbid",
        frozen=True,
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    scoring: ScoringSettings = Field(default_factory=ScoringSettings)
    ranks: list[Rank] = Field(default_factory=lambda: list(DEFAULT_RANKS))
    badges: list[Badge] = Field(default_factory=lambda: list(DEFAULT_BADGES))
    ladder: LadderSettings = Field(default_factory=LadderSettings)
    defaults: CommunityDefaults = Field(default_factory=CommunityDefaults)
    communities: list[CommunityEntry] = Field(default_factory=list)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    ideas: IdeaSettings = Field(default_factory=IdeaSettings)
    polls: PollSettings = Field(default_factory=PollSettings)
    responsiveness: ResponsivenessSettings = Field(default_factory=ResponsivenessSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    moderation: ModerationSettings = Field(default_factory=ModerationSettings)
    welcome: WelcomeSettings = Field(default_factory=WelcomeSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    imports: ImportSettings = Field(default_factory=ImportSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    # The settings of a platform that has no section of its own here (a new platform's
    # `[platforms.matrix]`), by platform name; its package validates what is inside.
    platforms: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("ranks")
    @classmethod
    def _ladder(cls, ranks: list[Rank]) -> list[Rank]:
        if not ranks:
            raise ValueError("at least one rank is required")
        if ranks[0].min_points != 0:
            raise ValueError(
                f"the first rank must start at 0 points ({ranks[0].name} {ranks[0].min_points})"
            )
        for previous, current in itertools.pairwise(ranks):
            if current.min_points <= previous.min_points:
                raise ValueError(
                    f"thresholds must increase ({current.name} {current.min_points} <= "
                    f"{previous.name} {previous.min_points})"
                )
        _unique(
            (rank.name.casefold() for rank in ranks), "rank name", shown=[r.name for r in ranks]
        )
        return ranks

    @model_validator(mode="after")
    def _gates_name_ranks(self) -> Settings:
        names = [rank.name for rank in self.ranks]
        for section, key in (
            ("ideas", "submit_min_rank"),
            ("ideas", "vote_min_rank"),
            ("polls", "vote_min_rank"),
        ):
            value = getattr(getattr(self, section), key)
            if value is not None and value not in names:
                raise ValueError(
                    f"{section}.{key}: {value!r} is not a rank of the ladder ({', '.join(names)})"
                )
        return self

    @field_validator("badges")
    @classmethod
    def _unique_badges(cls, badges: list[Badge]) -> list[Badge]:
        _unique((badge.key for badge in badges), "badge key")
        return badges

    @model_validator(mode="after")
    def _event_rank_is_on_the_ladder(self) -> Settings:
        lowest = self.events.create_min_rank
        names = [rank.name for rank in self.ranks]
        if lowest is not None and lowest not in names:
            raise ValueError(
                f"events.create_min_rank {lowest!r} is not one of the ranks ({', '.join(names)})"
            )
        return self

    @field_validator("communities")
    @classmethod
    def _unique_communities(cls, entries: list[CommunityEntry]) -> list[CommunityEntry]:
        _unique((entry.name for entry in entries), "name")
        old_keys = {platform: key for key, platform in LEGACY_SPACE_KEYS.items()}
        for platform in sorted({p for entry in entries for p in entry.spaces}):
            what, also = f"spaces.{platform}", ""
            if platform in old_keys:  # the name operators know it by, then the map's
                what, also = old_keys[platform], f"spaces.{platform}; "
            pairs = [(i, e.spaces[platform]) for i, e in enumerate(entries) if platform in e.spaces]
            seen: dict[str, int] = {}
            for index, space in pairs:
                if space in seen:
                    raise ValueError(
                        f"duplicate {what} {space!r} ({also}entries {seen[space]} and {index})"
                    )
                seen[space] = index
        return entries

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the TOML file; only inside `load_settings`."""
        context = _LOAD_CONTEXT.get()
        if context is None:
            return (init_settings,)
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            _MappingEnvSource(settings_cls, context.env),
        ]
        if context.toml_file is not None:
            toml_source = _CheckedTomlSource(settings_cls, context.toml_file, context.label)
            context.toml_data = toml_source.toml_data
            sources.append(toml_source)
        return tuple(sources)


def _unique(values: Iterable[str], what: str, shown: list[str] | None = None) -> None:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            label = shown[index] if shown is not None else value
            raise ValueError(f"duplicate {what} {label!r} (entries {seen[value]} and {index})")
        seen[value] = index


# --------------------------------------------------------------------------- secrets


class Secrets(BaseModel):
    """Tokens from the environment only; `SecretStr` keeps them out of reprs and logs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    discord_token: SecretStr | None = None
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    # Multi-workspace install through OAuth (slack.oauth_enabled).
    slack_client_id: SecretStr | None = None
    slack_client_secret: SecretStr | None = None
    cercle_web_secret: SecretStr | None = None


def load_secrets(env: Mapping[str, str] | None = None) -> Secrets:
    """Read the platform secrets from `env` (default `os.environ`); blank means unset.
    `NAME_FILE` names a file holding the secret (Docker secrets, systemd credentials),
    read when `NAME` itself is not set."""
    environ = os.environ if env is None else env
    values: dict[str, SecretStr] = {}
    for name in SECRET_ENV_VARS:
        raw = (environ.get(name) or "").strip()
        path = (environ.get(f"{name}_FILE") or "").strip()
        if not raw and path:
            try:
                raw = Path(path).read_text(encoding="utf-8").strip()
            except OSError as error:
                raise ConfigError(
                    f"{name}_FILE: cannot read {path}: {error.strerror or error}"
                ) from None
        if raw:
            values[name.lower()] = SecretStr(raw)
    return Secrets(**values)


# --------------------------------------------------------------------------- loading


@dataclass
class _LoadContext:
    env: dict[str, str]
    toml_file: Path | None
    label: str
    toml_data: dict[str, Any] = field(default_factory=dict)


_LOAD_CONTEXT: ContextVar[_LoadContext | None] = ContextVar("cercle_config_load", default=None)


class _MappingEnvSource(EnvSettingsSource):
    """The standard environment source, reading a given mapping instead of `os.environ`."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._mapping = dict(env)
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        if self.case_sensitive:
            return dict(self._mapping)
        return {key.lower(): value for key, value in self._mapping.items()}


class _CheckedTomlSource(TomlConfigSettingsSource):
    """The standard TOML source, refusing a file that holds a secret."""

    def __init__(self, settings_cls: type[BaseSettings], toml_file: Path, label: str) -> None:
        super().__init__(settings_cls, toml_file=toml_file)
        problems = [
            f"{label}: {key}: secrets are not read from the config file; "
            f"set {env_var} in the environment instead"
            for key, env_var in _secret_keys(self.toml_data, ())
        ]
        if problems:
            raise ConfigError(*problems)


_SECRET_KEY_NAMES = {"token", "secret", "password", "api_key"}
_SECRET_KEY_ENDINGS = ("_token", "_secret", "_password", "_api_key")


def _secret_keys(data: Any, path: tuple[str | int, ...]) -> Iterator[tuple[str, str]]:
    """Yield (key path, environment variable) for every secret-looking key in `data`."""
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield from _secret_keys(item, (*path, index))
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        name = str(key).lower().replace("-", "_")
        sections = [str(p).lower() for p in path if isinstance(p, str)]
        qualified = "_".join([*sections, name]).upper()
        if qualified in SECRET_ENV_VARS or name.upper() in SECRET_ENV_VARS:
            env_var = qualified if qualified in SECRET_ENV_VARS else name.upper()
            yield _format_loc((*path, key)), env_var
        elif name in _SECRET_KEY_NAMES or name.endswith(_SECRET_KEY_ENDINGS):
            yield _format_loc((*path, key)), " or ".join(SECRET_ENV_VARS)
        else:
            yield from _secret_keys(value, (*path, key))


def load_settings(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    platforms: Collection[str] | None = None,
) -> Settings:
    """Load and validate the settings; raise `ConfigError` (one line) if they are wrong.

    `path` is the `--config` value; without it, `CERCLE_CONFIG` from `env`, else
    ``./config.toml`` if it exists, else no file (defaults). `env` defaults to `os.environ`.
    An explicitly named file that does not exist is an error. `platforms` are the platform
    names the composition root knows: a per-platform map naming another is an error (the
    core itself accepts any well-formed name, as it knows no platform).
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    toml_file, label = _resolve_config_file(path, environ)
    context = _LoadContext(env=dict(environ), toml_file=toml_file, label=label)
    token = _LOAD_CONTEXT.set(context)
    try:
        settings = Settings()
        if platforms is not None:
            problems = [
                ": ".join([*filter(None, (_origin(loc, context), _format_loc(loc))), problem])
                for loc, problem in unknown_platforms(settings, platforms)
            ]
            if problems:
                raise ConfigError(*problems)
        return settings
    except ValidationError as exc:
        raise ConfigError(*(_describe(error, context) for error in exc.errors())) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{label}: cannot read the file: {exc.strerror or exc}") from None
    except SettingsError as exc:
        raise ConfigError(_describe_settings_error(exc, context)) from None
    finally:
        _LOAD_CONTEXT.reset(token)


def unknown_platforms(
    settings: Settings, known: Collection[str]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(key path, problem) for each per-platform map entry naming a platform not in
    `known`: a community's `spaces`, a rank's `roles`, the digest's `channels`, the
    sections under `[platforms]`."""
    names = ", ".join(sorted(known))
    maps: list[tuple[tuple[str | int, ...], Mapping[str, str]]] = [
        *((("communities", i, "spaces"), c.spaces) for i, c in enumerate(settings.communities)),
        *((("ranks", i, "roles"), r.roles) for i, r in enumerate(settings.ranks)),
        (("digest", "channels"), settings.digest.channels),
        (("platforms",), settings.platforms),
    ]
    for loc, values in maps:
        for platform in values:
            if platform not in known:
                yield (*loc, platform), f"unknown platform {platform!r} (known: {names})"


def _describe_settings_error(exc: SettingsError, context: _LoadContext) -> str:
    """An environment value pydantic-settings could not parse (bad JSON for a table/list)."""
    where = "environment"
    match = re.search(r'field "([^"]+)"', str(exc))
    if match:
        section = (ENV_PREFIX + match.group(1)).lower()
        names = sorted(
            name
            for name in context.env
            if name.lower() == section or name.lower().startswith(section + ENV_NESTED_DELIMITER)
        )
        if names:
            where = f"environment {' or '.join(names)}"
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return f"{where}: not valid JSON ({cause})"


def _resolve_config_file(
    path: str | os.PathLike[str] | None, env: Mapping[str, str]
) -> tuple[Path | None, str]:
    if path is None or os.fspath(path) == "":
        named = env.get(CONFIG_PATH_ENV_VAR, "")
        if named:
            path = named
        elif Path(DEFAULT_CONFIG_FILE).is_file():
            return Path(DEFAULT_CONFIG_FILE), DEFAULT_CONFIG_FILE
        else:
            return None, DEFAULT_CONFIG_FILE
    label = os.fspath(path)
    toml_file = Path(label)
    if not toml_file.exists():
        raise ConfigError(f"{label}: config file not found")
    if not toml_file.is_file():
        raise ConfigError(f"{label}: not a file")
    return toml_file, label


def _format_loc(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _describe(error: Any, context: _LoadContext) -> str:
    """One validation error as ``origin: key.path: problem``."""
    loc: tuple[str | int, ...] = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        problem = "unknown setting"
    elif kind == "missing":
        problem = "required setting is missing"
    else:
        problem = str(error["msg"]).removeprefix("Value error, ")
    key = _format_loc(loc)
    parts = [p for p in (_origin(loc, context), key) if p]
    return ": ".join([*parts, problem])


def _origin(loc: tuple[str | int, ...], context: _LoadContext) -> str | None:
    """Where the failing value came from: an environment variable, the file, or nowhere."""
    names: list[str] = []
    for part in loc:
        if isinstance(part, int):
            break
        names.append(part)
    env_names = {name.lower(): name for name in context.env}
    for depth in range(len(names), 0, -1):
        candidate = (ENV_PREFIX + ENV_NESTED_DELIMITER.join(names[:depth])).lower()
        if candidate in env_names:
            return f"environment {env_names[candidate]}"
    if context.toml_file is not None and loc and loc[0] in context.toml_data:
        return context.label
    return None
