"""Which community an event belongs to, and that community's effective settings.

A platform space (Discord guild, Slack workspace, console community) maps to a community
through the `spaces` of its `[[communities]]` entry in the config, or becomes a community
of its own on first contact. A community's effective settings are layered: built-in
defaults, the config file's `[defaults]`, its `[[communities]]` entry, then what
moderators changed at runtime (stored in the database), which wins. `/admin config` shows
each value with its source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.config import CommunityEntry, PrivacySettings, Settings
from bot.platforms import traits
from storage import communities as store

# Settings a moderator may change at runtime, with how to read them back from storage.
RUNTIME_KEYS = (
    "locale",
    "timezone",
    "default_channel",
    "announce_channel",
    "moderator_channel",
    "moderator_roles",
)


@dataclass(frozen=True)
class CommunityView:
    id: int
    slug: str
    locale: str
    timezone: ZoneInfo
    default_channel: str
    announce_channel: str | None
    moderator_roles: frozenset[str]
    excluded_channels: frozenset[str]
    excluded_roles: frozenset[str]
    excluded_members: frozenset[int]
    # Where platform problems (a role Cercle cannot grant) are reported; default channel if unset.
    moderator_channel: str | None = None
    # `privacy.default_visibility = "hidden"`: new members stay off lists until they opt in.
    hidden_by_default: bool = False
    # Channels (lower-case names, no '#') where a message that starts a conversation is a
    # question.
    help_channels: frozenset[str] = frozenset()
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    # The community's own language while this view speaks to one member in theirs
    # (`speaking`); empty when it speaks the community's.
    community_locale: str = ""

    def t(self, key: str, **params: Any) -> str:
        return i18n.t(self.locale, key, **params)

    @property
    def own_locale(self) -> str:
        """The community's language setting, whoever this view is speaking to."""
        return self.community_locale or self.locale

    def speaking(self, locale: str) -> CommunityView:
        """The same community, its words in `locale` (a reply only one member reads):
        every setting, the language setting included, stays the community's."""
        if locale == self.locale:
            return self
        return replace(self, locale=locale, community_locale=self.own_locale)

    def local_day(self, when: datetime) -> date:
        return when.astimezone(self.timezone).date()

    def day_bounds(self, when: datetime) -> tuple[datetime, datetime]:
        """The community-local day containing `when`, as UTC instants [start, end)."""
        day = self.local_day(when)
        start = datetime.combine(day, time(), self.timezone)
        end = datetime.combine(day + timedelta(days=1), time(), self.timezone)
        return start, end

    def week_start(self, when: datetime) -> date:
        return local_dates(self.timezone, when)[1]

    def month_start(self, when: datetime) -> date:
        return local_dates(self.timezone, when)[2]

    def calendar(self) -> LocalCalendar:
        return LocalCalendar(self.timezone)

    def is_moderator_role(self, roles: tuple[str, ...] | frozenset[str]) -> bool:
        return any(r.lower() in self.moderator_roles for r in roles)


class LocalCalendar:
    """The local day, week start and month start of many instants at once (a batch of
    events): the time zone is consulted once per UTC minute the instants fall in."""

    def __init__(self, timezone: ZoneInfo) -> None:
        self.timezone = timezone
        self._minutes: dict[tuple[int, int, int, int, int], tuple[date, date, date]] = {}

    def of(self, at: datetime) -> tuple[date, date, date]:
        if at.tzinfo is not UTC:
            at = at.astimezone(UTC)
        key = (at.year, at.month, at.day, at.hour, at.minute)
        found = self._minutes.get(key)
        if found is None:
            zone = self.timezone
            found = local_dates(zone, at)
            # Shared by the whole minute only if the whole minute is on one local day (an
            # offset of whole minutes, the only kind in use today, always is).
            minute = datetime(*key, tzinfo=UTC)
            if local_dates(zone, minute) == found == local_dates(zone, minute + _LAST_OF_MINUTE):
                self._minutes[key] = found
        return found


_LAST_OF_MINUTE = timedelta(seconds=59, microseconds=999_999)


def local_dates(timezone: ZoneInfo, at: datetime) -> tuple[date, date, date]:
    """The local day of `at`, the Monday its week starts on and its month's first day."""
    day = at.astimezone(timezone).date()
    return day, day - timedelta(days=day.weekday()), day.replace(day=1)


def slug_for(platform: str, space_id: str, settings: Settings) -> str:
    """The community slug a platform space belongs to (the entry whose `spaces` name it,
    or a new one)."""
    named = traits(platform).spaces_are_communities
    for entry in settings.communities:
        if entry.spaces.get(platform) == space_id or (named and entry.name == space_id):
            return entry.name
    if named:
        return space_id
    return f"{platform}-{space_id}".lower()[:64]


def entry_for(slug: str, settings: Settings) -> CommunityEntry | None:
    return next((e for e in settings.communities if e.name == slug), None)


def privacy_of(slug: str, settings: Settings) -> PrivacySettings:
    """The community's privacy settings: what its entry says, else `[privacy]`."""
    entry = entry_for(slug, settings)
    said = entry.privacy if entry is not None else None
    if said is None:
        return settings.privacy
    given = {name: getattr(said, name) for name in said.model_fields_set}
    return settings.privacy.model_copy(update=given)


async def load_view(
    session: AsyncSession, community_id: int, slug: str, settings: Settings
) -> CommunityView:
    """The effective settings of one community, with where each value comes from."""
    entry = entry_for(slug, settings)
    defaults = settings.defaults
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key in (*RUNTIME_KEYS, "excluded_channels", "excluded_roles", "help_channels"):
        values[key] = getattr(defaults, key)
        sources[key] = "file" if key in defaults.model_fields_set else "default"
        if entry is not None and getattr(entry, key, None) is not None:
            values[key], sources[key] = getattr(entry, key), "file"
    for key, raw in (await store.runtime_settings(session, community_id)).items():
        if key in RUNTIME_KEYS:
            values[key], sources[key] = json.loads(raw), "database"
    members: set[int] = set()
    channels = {c.lower().lstrip("#") for c in values["excluded_channels"]}
    roles = {r.lower() for r in values["excluded_roles"]}
    for row in await store.exclusions(session, community_id):
        if row.kind == "channel":
            channels.add(row.value.lower())
        elif row.kind == "role":
            roles.add(row.value.lower())
        elif row.kind == "member":
            members.add(int(row.value))
    return CommunityView(
        id=community_id,
        slug=slug,
        locale=values["locale"],
        timezone=ZoneInfo(values["timezone"]),
        default_channel=values["default_channel"],
        announce_channel=values["announce_channel"],
        moderator_channel=values["moderator_channel"],
        moderator_roles=frozenset(r.lower() for r in values["moderator_roles"]),
        excluded_channels=frozenset(channels),
        excluded_roles=frozenset(roles),
        excluded_members=frozenset(members),
        hidden_by_default=privacy_of(slug, settings).default_visibility == "hidden",
        help_channels=frozenset(c.lower().lstrip("#") for c in values["help_channels"]),
        sources=sources,
    )
