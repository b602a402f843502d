"""The sections of Cercle's settings about the process rather than its communities: the
database, each platform's connection, the scheduler, logs, ingestion under faults,
`/healthz`, the web pages, imports and the interpreter tuning of `cercle run`.

`bot.config` assembles them with the communities' sections (`bot.config_sections`) into
`Settings`; import from there.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, ValidationInfo, field_validator

from bot.config_sections import Int, Section

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
SyncCommands = Literal["guild", "global", "off"]


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


class DatabaseSettings(Section):
    url: str = "sqlite+aiosqlite:///cercle.db"
    echo: bool = False


class DiscordSettings(Section):
    api_base_url: str = "https://discord.com"
    shard_count: Annotated[Int, Field(ge=1)] | None = None
    shard_ids: list[Annotated[Int, Field(ge=0)]] | None = None
    sync_commands: SyncCommands = "guild"
    thanks_emoji: str = "🙏"
    message_content_intent: bool = True
    members_intent: bool = True
    require_privileged_intents: bool = False

    @field_validator("shard_ids")
    @classmethod
    def _shard_ids_fit(cls, ids: list[int] | None, info: ValidationInfo) -> list[int] | None:
        if ids is None:
            return ids
        if "shard_count" not in info.data:  # shard_count itself is invalid: reported there
            return ids
        count = info.data["shard_count"]
        if count is None:
            raise ValueError("shard_ids requires discord.shard_count to be set")
        if not ids:
            raise ValueError("must list at least one shard id (or be left out)")
        for shard_id in ids:
            if shard_id >= count:
                raise ValueError(
                    f"shard id {shard_id} is out of range for shard_count {count} (0..{count - 1})"
                )
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"shard id {duplicates[0]} is listed twice")
        return ids


class SlackSettings(Section):
    api_base_url: str = "https://slack.com/api/"
    http_host: str = "0.0.0.0"
    http_port: Annotated[Int, Field(ge=1, le=65535)] = 3000
    thanks_reaction: str = "pray"
    oauth_enabled: bool = False


class SchedulerSettings(Section):
    tick_seconds: Annotated[Int, Field(ge=5)] = 60
    leader_takeover_seconds: Annotated[Int, Field(ge=1)] = 30


class LogSettings(Section):
    level: Annotated[LogLevel, BeforeValidator(_upper)] = "INFO"


class IngestSettings(Section):
    """How activity reaches the ledger when things go wrong (see the README's
    "Reliability"): how far back a platform's history is read after a new connection, and
    how much is kept in memory while the database does not answer."""

    # After a start or a reconnect that is not a resume, each channel's history since the
    # last message scored there is read back, at most this many hours (0: never).
    backfill_hours: Annotated[Int, Field(ge=0, le=24 * 14)] = 24
    # Events kept in memory while the database is unavailable; past this, they are
    # written to the journal file (ingest.journal) until the database answers again.
    memory_events: Annotated[Int, Field(ge=100)] = 20000
    # The journal of events waiting for the database (one file per platform and process,
    # in this folder, replayed at the next start if a process died with one).
    journal: str = "cercle-journal"


class HealthSettings(Section):
    """`/healthz` of `cercle run` (200 ok, 503 while the database does not answer or a
    platform is not connected); not served without a port (`cercle status` shows the
    same)."""

    host: str = "127.0.0.1"
    port: Annotated[Int, Field(ge=1, le=65535)] | None = None


class WebSettings(Section):
    """The community's web page (`cercle web`, or `cercle run` when a port is set): public
    leaderboards, ideas and polls, the JSON API, and the moderators' dashboard."""

    host: str = "127.0.0.1"
    port: Annotated[Int, Field(ge=1, le=65535)] | None = None
    # The address members reach the pages at (behind a proxy), for the links Cercle gives;
    # unset: http://host:port.
    base_url: str | None = None
    # Whether communities' public pages are served (a `[[communities]]` entry's
    # `web_public` says it for one); without it, they answer 404.
    public: bool = False
    # How long a dashboard link given by `/admin dashboard` opens the dashboard.
    link_minutes: Annotated[Int, Field(ge=1, le=7 * 24 * 60)] = 60


class ImportSettings(Section):
    """`cercle import --ranks keep`: from which source level each rank of the ladder is
    given, as `{level = "rank name"}` (empty: the levels 0 to 30 spread evenly over the
    ladder)."""

    ranks: dict[
        Annotated[Int, Field(ge=0)],
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)],
    ] = Field(default_factory=dict)


class RuntimeSettings(Section):
    """Process-wide interpreter tuning `cercle run` applies once the platforms are
    connected (`adapters.tuning`); each one was kept for a gain `make bench` measures."""

    gc_freeze: bool = True
    gc_young_threshold: bool = True
