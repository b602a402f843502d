"""The sections of Cercle's settings: one pydantic model per `[section]` of config.toml,
with the field types and limits they share, and the default rank ladder and badges.

Whatever differs per platform is a map keyed by the platform's name: a community's
`spaces`, a rank's `roles`, the digest's `channels`. The core reads these maps without
knowing any platform; which names exist is the composition root's business (its platform
registry checks them when the settings are loaded). The spellings from before the maps
(`discord_guild_id`, `slack_team_id`, `discord_role`, `slack_usergroup`, `discord_channel`,
`slack_channel`, `console_channel`) are still accepted and folded into the maps here,
before validation; they are the only platform names this module holds.

The sections about the process rather than the communities (database, platforms'
connections, scheduler, logs, ingestion, health, web, import, interpreter) are in
`bot.config_process`. `bot.config` assembles both into `Settings` and loads them; import
from there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from storage.counters import MEMBER_COUNTERS

# --------------------------------------------------------------------------- field types

Locale = Literal["en", "fr"]
BadgeMetric = Literal[
    "solutions",
    "kudos_received",
    "kudos_given",
    "streak_days",
    "active_days",
    "points",
    "messages",
    "ideas_submitted",
    "ideas_shipped",
    "poll_votes",
    "events_attended",
]
BADGE_METRICS: tuple[str, ...] = get_args(BadgeMetric)
# A badge may count any member counter and nothing else: the Literal (which pydantic and
# type checkers need spelled out) must name exactly the counters of `storage.counters`.
if sorted(BADGE_METRICS) != sorted(MEMBER_COUNTERS):
    raise RuntimeError(
        f"BadgeMetric {sorted(BADGE_METRICS)} differs from the member counters"
        f" {sorted(MEMBER_COUNTERS)}"
    )

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
_PLATFORM_NAME = re.compile(r"[a-z][a-z0-9_]*")
_BADGE_KEY = re.compile(r"[a-z0-9_-]+")
_SCHEDULE = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)\s+([01]?\d|2[0-3]):([0-5]\d)")
_MONTHLY_SCHEDULE = re.compile(r"monthly\s+([1-9]|1\d|2[0-8])\s+([01]?\d|2[0-3]):([0-5]\d)")


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name such as 'Europe/Paris' or 'UTC')"
        ) from None
    return name


def _check_slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid name (lowercase letters, digits, '-' and '_', "
            "starting with a letter or digit)"
        )
    return value


def _check_platform_name(value: str) -> str:
    if not _PLATFORM_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a platform name (lowercase letters, digits and '_', "
            "starting with a letter)"
        )
    return value


def _check_badge_key(value: str) -> str:
    if not _BADGE_KEY.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid key (lowercase letters, digits, '-', '_')")
    return value


def _id_to_str(value: Any) -> Any:
    # TOML writes snowflakes as integers; platform ids are strings everywhere else.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _not_bool(value: Any) -> Any:
    # pydantic's lax mode reads `true` as 1; in a config file that is always a mistake.
    if isinstance(value, bool):
        raise ValueError("Input should be a valid integer")
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]
Slug = Annotated[str, AfterValidator(_check_slug)]
BadgeKey = Annotated[str, AfterValidator(_check_badge_key)]
PlatformName = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),
    AfterValidator(_check_platform_name),
]
PlatformId = Annotated[
    str, BeforeValidator(_id_to_str), StringConstraints(strip_whitespace=True, min_length=1)
]
Int = Annotated[int, BeforeValidator(_not_bool)]
Points = Annotated[Int, Field(ge=0)]
NonNegative = Annotated[Int, Field(ge=0)]


class Section(BaseModel):
    """A `[section]` of config.toml: unknown keys are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# Setting names from before the per-platform maps, still accepted: old key -> platform.
LEGACY_SPACE_KEYS: Mapping[str, str] = {"discord_guild_id": "discord", "slack_team_id": "slack"}
LEGACY_ROLE_KEYS: Mapping[str, str] = {"discord_role": "discord", "slack_usergroup": "slack"}
LEGACY_CHANNEL_KEYS: Mapping[str, str] = {
    "discord_channel": "discord",
    "slack_channel": "slack",
    "console_channel": "console",
}


def fold_legacy(data: Any, into: str, legacy: Mapping[str, str]) -> Any:
    """Move old per-platform keys of a raw section (`discord_role = "x"`) into its map
    (`roles.discord`); the same value given both ways is fine, two different ones are not.
    An old key set to nothing (None) is left out, as it meant "none" before."""
    if not isinstance(data, Mapping) or not any(key in data for key in legacy):
        return data
    data = dict(data)
    merged = data.get(into) or {}
    if not isinstance(merged, Mapping):
        return data  # pydantic reports the map itself
    merged = dict(merged)
    for key, platform in legacy.items():
        if key not in data:
            continue
        value = data.pop(key)
        if value is None:
            continue
        known = merged.get(platform)
        if known is not None and _id_to_str(known) != _id_to_str(value):
            raise ValueError(
                f"{key} ({value!r}) and {into}.{platform} ({known!r}) disagree: keep one of them"
            )
        merged[platform] = value
    data[into] = merged
    return data


# --------------------------------------------------------------------------- sections


# The longest reason a thanks may carry: the `/thanks` option's limit (declared once for
# every platform) and the default of `scoring.kudos_reason_max_length`, which may only
# lower it.
KUDOS_REASON_MAX = 200


class ScoringSettings(Section):
    message_points: Points = 1
    message_cooldown_seconds: NonNegative = 60
    message_min_length: NonNegative = 10
    reaction_points: Points = 1
    reaction_cap_per_message: NonNegative = 10
    kudos_points: Points = 5
    kudos_daily_limit: Annotated[Int, Field(ge=1)] = 5
    # At most the `/thanks` option's own limit, which platforms show while typing.
    kudos_reason_max_length: Annotated[Int, Field(ge=1, le=KUDOS_REASON_MAX)] = KUDOS_REASON_MAX
    solution_points: Points = 15
    idea_submitted_points: Points = 3
    idea_planned_points: Points = 5
    idea_shipped_points: Points = 20
    poll_vote_points: Points = 1
    # Being at an event (checked in, or named by its host), and hosting one that somebody
    # attended: each once per event.
    event_attended: Points = 10
    event_hosted: Points = 20
    admin_max_points: Annotated[Int, Field(ge=1)] = 10000
    # Multipliers of a message's points by channel (name or id, e.g. `{ help = 2.0,
    # off-topic = 0.0 }`) and by the author's role (the highest of their roles that has
    # one); both apply, the result rounded to a whole number of points (0.0: the message
    # counts as activity but earns nothing).
    channel_weights: dict[str, Annotated[float, Field(ge=0.0, le=10.0)]] = Field(
        default_factory=dict
    )
    role_weights: dict[str, Annotated[float, Field(ge=0.0, le=10.0)]] = Field(default_factory=dict)


RankName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class Rank(Section):
    """One step of the rank ladder; every `min_*` condition must hold to reach it."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    # How French members read it; without it, the catalog's name for a default rank
    # (`rank.names.newcomer`), else `name`. `name` stays the rank's identity (and role).
    name_fr: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None
    ) = None
    min_points: NonNegative
    min_active_days: NonNegative = 0
    min_solutions: NonNegative = 0
    min_kudos: NonNegative = 0
    # Rolling windows: what the member did in the last 30 or 90 days. Falling short of them
    # demotes only at the weekly review, after `ladder.grace_days` (see `bot.features.
    # rank_review`); falling short of an all-time minimum (a correction) demotes at once.
    min_points_30d: NonNegative = 0
    min_active_days_30d: NonNegative = 0
    min_solutions_90d: NonNegative = 0
    min_kudos_received_90d: NonNegative = 0
    # The role (Discord role, Slack user group, ...) that goes with the rank, per platform.
    roles: dict[PlatformName, Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=dict
    )

    @model_validator(mode="before")
    @classmethod
    def _old_role_keys(cls, data: Any) -> Any:
        return fold_legacy(data, "roles", LEGACY_ROLE_KEYS)


class Badge(Section):
    """A badge earned once `metric` reaches `threshold`."""

    key: BadgeKey
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    name_fr: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | None = None
    metric: BadgeMetric
    threshold: Annotated[Int, Field(ge=1)]


class PrivacySettings(Section):
    """What Cercle shows of members and how long it keeps those who left."""

    # "hidden": members stay off every list that names them until they say `/privacy show`.
    default_visibility: Literal["public", "hidden"] = "public"
    # Members who left and did not come back are forgotten after this many days (unset:
    # never).
    forget_departed_after_days: Annotated[Int, Field(ge=1)] | None = None


class CommunityRule(Section):
    """One of a community's public rules, numbered by its place in the list (`/rules`)."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


# A step of the consequence ladder: a warning, a timeout of a duration, or a suggestion.
_LADDER_STEP = re.compile(r"^(?i:warning|timeout \d+[mhdw]|(?:kick|ban) suggested)$")
LadderStep = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=_LADDER_STEP.pattern),
]


class ModerationSettings(Section):
    """The consequence ladder of warnings, and what Cercle does at each step."""

    # What the 1st, 2nd, ... warning within `window_days` leads to; past the end, the last.
    ladder: Annotated[list[LadderStep], Field(min_length=1)] = Field(
        default_factory=lambda: ["warning", "timeout 1h", "timeout 1d", "ban suggested"]
    )
    window_days: Annotated[Int, Field(ge=1)] = 90
    # On Discord, carry out a timeout step (needs Moderate Members); else suggest it.
    apply_timeouts: bool = False
    ring_window_days: Annotated[Int, Field(ge=1)] = 7


class ChecklistStep(Section):
    """One first step of the welcome checklist, and what a member does that completes it:
    `post` a message (in `channel` if given), `reply` to one (or post in a thread), or
    read the rules (`rules`)."""

    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]+$", max_length=50)]
    done_by: Literal["post", "reply", "rules"]
    channel: str | None = None
    # What the checklist says (default: the catalog's text for a built-in key).
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    text_fr: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


def _default_checklist() -> list[ChecklistStep]:
    return [
        ChecklistStep(key="introduce", done_by="post"),
        ChecklistStep(key="question", done_by="reply"),
        ChecklistStep(key="rules", done_by="rules"),
    ]


class WelcomeSettings(Section):
    """The welcome a member gets when they join, with a checklist of first steps."""

    # Off unless a community manager turns it on (then only up to `max_members`).
    enabled: bool = False
    # Where the welcome is posted (default: the community's default channel).
    channel: str | None = None
    # Send the welcome as a direct message instead of a post.
    direct_message: bool = False
    # No welcome in a community with more members than this (a large server is not flooded).
    max_members: Annotated[Int, Field(ge=1)] = 1000
    checklist: list[ChecklistStep] = Field(default_factory=_default_checklist)
    # The badge earned by completing the checklist.
    badge_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = (
        "Welcome aboard"
    )
    badge_name_fr: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = (
        "Bienvenue à bord"
    )


class CommunityDefaults(Section):
    """What a community uses when neither its `[[communities]]` entry nor a moderator says."""

    locale: Locale = "en"
    timezone: TimeZoneName = "UTC"
    default_channel: str = "general"
    moderator_roles: list[str] = Field(default_factory=list)
    excluded_channels: list[str] = Field(default_factory=list)
    excluded_roles: list[str] = Field(default_factory=list)
    announce_channel: str | None = None
    moderator_channel: str | None = None
    # The public rules (`/rules`), numbered in this order.
    rules: list[CommunityRule] = Field(default_factory=list)
    # Roles whose members `/team` lists, role name -> what the community calls them.
    team_roles: dict[str, str] = Field(default_factory=dict)
    # Channels where every message that starts a conversation is a question (see
    # `[responsiveness]`).
    help_channels: list[str] = Field(default_factory=list)


class CommunityEntry(Section):
    """Maps platform spaces to one community; `None` means "use `[defaults]`"."""

    name: Slug
    # The community's space on each platform (Discord guild id, Slack team id, ...).
    spaces: dict[PlatformName, PlatformId] = Field(default_factory=dict)
    locale: Locale | None = None
    timezone: TimeZoneName | None = None
    moderator_roles: list[str] | None = None
    excluded_channels: list[str] | None = None
    excluded_roles: list[str] | None = None
    default_channel: str | None = None
    announce_channel: str | None = None
    moderator_channel: str | None = None
    rules: list[CommunityRule] | None = None
    team_roles: dict[str, str] | None = None
    help_channels: list[str] | None = None
    # `privacy = { default_visibility = "hidden" }`: this community is opt-in.
    privacy: PrivacySettings | None = None
    # Whether this community's web pages are public (unset: `web.public`).
    web_public: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _old_space_keys(cls, data: Any) -> Any:
        return fold_legacy(data, "spaces", LEGACY_SPACE_KEYS)


class DigestSettings(Section):
    quote_messages: bool = True
    # "weekly" (default schedule "mon 09:00") or "monthly" (default "monthly 1 09:00").
    cadence: Literal["weekly", "monthly"] = "weekly"
    schedule: str = "mon 09:00"
    top_contributors: Annotated[Int, Field(ge=1, le=25)] = 5
    # Where the digest is posted (None: the community's default channel); a platform's
    # entry in `channels` wins over `channel`, and `/admin digest schedule channel=...`
    # over both.
    channel: str | None = None
    channels: dict[PlatformName, Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=dict
    )
    # Moderators are told privately about regulars who went quiet (see README).
    quiet_regulars: bool = True
    # Render the daily activity chart (a PNG) on platforms that show images.
    chart: bool = True

    @model_validator(mode="before")
    @classmethod
    def _old_channel_keys(cls, data: Any) -> Any:
        return fold_legacy(data, "channels", LEGACY_CHANNEL_KEYS)

    @field_validator("schedule")
    @classmethod
    def _weekly_schedule(cls, value: str) -> str:
        cleaned = value.strip().lower()
        monthly = _MONTHLY_SCHEDULE.fullmatch(cleaned)
        if monthly is not None:
            day, hour, minute = monthly.groups()
            return f"monthly {int(day)} {int(hour):02d}:{minute}"
        match = _SCHEDULE.fullmatch(cleaned)
        if match is None:
            raise ValueError(
                f"{value!r} is not a schedule like 'mon 09:00' (weekly) or 'monthly 1 09:00'"
            )
        day, hour, minute = match.groups()
        return f"{day} {int(hour):02d}:{minute}"

    @model_validator(mode="before")
    @classmethod
    def _cadence_and_schedule_agree(cls, data: Any) -> Any:
        """A monthly cadence without a schedule posts on the 1st at 09:00; a monthly
        schedule makes the cadence monthly; a weekly schedule with a monthly cadence is a
        contradiction, refused."""
        if not isinstance(data, dict):
            return data
        cadence, schedule = data.get("cadence"), data.get("schedule")
        if schedule is None:
            if cadence == "monthly":
                return {**data, "schedule": "monthly 1 09:00"}
            return data
        monthly = str(schedule).strip().lower().startswith("monthly")
        if cadence == "monthly" and not monthly:
            raise ValueError(
                f"cadence is 'monthly' but schedule {schedule!r} is weekly: give a schedule "
                "like 'monthly 1 09:00', or leave it out"
            )
        return {**data, "cadence": "monthly"} if monthly else data


class ResponsivenessSettings(Section):
    """What counts as a question and how fast it should get its first response."""

    # A question answered within this many hours counts as answered in time; one without
    # any response after it is listed by `/admin unanswered`.
    target_hours: Annotated[Int, Field(ge=1, le=24 * 30)] = 24
    # Outside the help channels, a message that starts a conversation and ends with "?"
    # is a question too (false: only the help channels count).
    question_mark: bool = True
    # Channels where a "?" never makes a question (the community's excluded channels never
    # do either).
    excluded_channels: list[str] = Field(default_factory=list)


class LadderSettings(Section):
    """How the rank ladder reviews members who fell short of its rolling windows."""

    # When the review runs: weekly, on Monday at 09:00 in the community's time zone.
    review: Literal["weekly"] = "weekly"
    # Days a member may stay below their rank's rolling windows before a review demotes them.
    grace_days: Annotated[Int, Field(ge=0, le=365)] = 14
    # False: nobody is ever demoted for falling short of a rolling window.
    demote: bool = True


class IdeaSettings(Section):
    channel: str | None = None
    categories: list[str] = Field(
        default_factory=lambda: ["feature", "improvement", "integration", "other"]
    )
    # How French members read a category (`{ feature = "Fonctionnalité" }`); without it,
    # the catalog's name for a default one (`idea.categories.feature`), else the category.
    category_names_fr: dict[str, str] = Field(default_factory=dict)
    notify_voters: bool = True
    similarity_threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.55
    # Gates (`bot.features.gates`): the lowest rank of the ladder, and the fewest days in the
    # community, a member needs to submit ideas and to vote on them (unset / 0: anyone).
    submit_min_rank: RankName | None = None
    vote_min_rank: RankName | None = None
    submit_min_member_days: Annotated[Int, Field(ge=0, le=3650)] = 0
    vote_min_member_days: Annotated[Int, Field(ge=0, le=3650)] = 0


class PollSettings(Section):
    channel: str | None = None
    max_options: Annotated[Int, Field(ge=2, le=10)] = 10
    default_duration_hours: Annotated[Int, Field(ge=1)] = 72
    max_duration_days: Annotated[Int, Field(ge=1, le=365)] = 30
    budget_points: Annotated[Int, Field(ge=2, le=100)] = 10
    hide_results_until_close: bool = False
    # Who may vote in polls: the lowest rank, the fewest days in the community (unset / 0:
    # anyone).
    vote_min_rank: RankName | None = None
    vote_min_member_days: Annotated[Int, Field(ge=0, le=3650)] = 0


_SPAN = re.compile(r"\s*([0-9]{1,6})\s*([mhdw])\s*")
_SPAN_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def _span(value: Any) -> Any:
    """`90m`, `1h`, `2d`, `1w` (what commands accept) as a duration; else left to pydantic."""
    if isinstance(value, str):
        match = _SPAN.fullmatch(value)
        if match is None:
            raise ValueError(f"expected a duration like 30m, 1h, 2d or 1w, got {value!r}")
        return timedelta(seconds=int(match.group(1)) * _SPAN_UNITS[match.group(2)])
    return value


Span = Annotated[timedelta, BeforeValidator(_span)]


class EventSettings(Section):
    """Community events (`/event`): who may create them, where their cards go, and when
    reminders and check-ins happen."""

    # The channel of event cards (unset: the community's default channel); `/event create
    # channel=#name` wins for one event.
    channel: str | None = None
    # The lowest rank whose members may create events (unset: moderators only).
    create_min_rank: str | None = None
    # How long an event lasts when `/event create` gives no duration.
    default_duration: Span = timedelta(hours=1)
    # How long before the start everyone going gets a reminder by direct message.
    remind_before: Span = timedelta(hours=1)
    # How long after the end `/event checkin` is still accepted.
    checkin_grace: Span = timedelta(minutes=30)


DEFAULT_RANKS: tuple[Rank, ...] = (
    Rank(name="Newcomer", min_points=0),
    Rank(name="Regular", min_points=50, min_active_days=3),
    Rank(name="Contributor", min_points=200, min_active_days=7),
    Rank(name="Expert", min_points=600, min_solutions=5),
    Rank(name="Champion", min_points=1500, min_solutions=15, min_kudos=20),
)

DEFAULT_BADGES: tuple[Badge, ...] = (
    Badge(
        key="first_solution",
        name="First solution",
        name_fr="Première solution",
        metric="solutions",
        threshold=1,
    ),
    Badge(key="helper", name="Helper", name_fr="Entraide", metric="solutions", threshold=10),
    Badge(
        key="appreciated",
        name="Appreciated",
        name_fr="Apprécié·e",
        metric="kudos_received",
        threshold=10,
    ),
    Badge(
        key="streak_7",
        name="7-day streak",
        name_fr="7 jours d'affilée",
        metric="streak_days",
        threshold=7,
    ),
    Badge(
        key="first_idea",
        name="First idea",
        name_fr="Première idée",
        metric="ideas_submitted",
        threshold=1,
    ),
    Badge(key="shipped", name="Shipped!", name_fr="Livrée !", metric="ideas_shipped", threshold=1),
    Badge(
        key="first_event",
        name="First event",
        name_fr="Premier événement",
        metric="events_attended",
        threshold=1,
    ),
    Badge(
        key="events_5",
        name="Regular at events",
        name_fr="Fidèle des événements",
        metric="events_attended",
        threshold=5,
    ),
)
