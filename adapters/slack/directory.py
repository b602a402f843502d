"""Who is who in a workspace: members (users.info), user groups and channels by name.

Slack events name a user by id only; the core wants a `MemberRef` with a display name,
whether they are a bot, their own Slack language (for what only they read), the user
groups they belong to (Cercle's "roles": moderator and excluded roles, rank groups) and
whether they moderate (workspace admins and owners). All of it is cached for a few
minutes per workspace, so a busy channel costs one users.info per member, not one per
message.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.events import MemberRef

log = logging.getLogger("cercle.slack")

PLATFORM = "slack"
TTL_SECONDS = 300.0
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{6,}")


def looks_like_channel_id(value: str) -> bool:
    return _CHANNEL_ID.fullmatch(value) is not None


@dataclass
class _Cached:
    at: float
    value: object


@dataclass(frozen=True)
class UserGroup:
    id: str
    handle: str
    name: str
    users: tuple[str, ...]


@dataclass
class Directory:
    """One workspace's members, user groups and channels, read lazily and cached."""

    team_id: str
    ttl: float = TTL_SECONDS
    _users: dict[str, _Cached] = field(default_factory=dict)
    _groups: _Cached | None = None
    _channels: _Cached | None = None

    def _fresh(self, cached: _Cached | None) -> bool:
        return cached is not None and time.monotonic() - cached.at < self.ttl

    async def groups(self, client: AsyncWebClient) -> list[UserGroup]:
        if self._fresh(self._groups):
            assert self._groups is not None
            return self._groups.value  # type: ignore[return-value]
        found: list[UserGroup] = []
        try:
            response = await client.usergroups_list(include_users=True)
            for group in response.get("usergroups", []):
                found.append(
                    UserGroup(
                        group["id"],
                        group.get("handle", ""),
                        group.get("name", ""),
                        tuple(group.get("users") or ()),
                    )
                )
        except SlackApiError as error:
            # Free workspaces have no user groups; nobody is then in one.
            log.info("usergroups.list failed: %s", error.response.get("error"))
        self._groups = _Cached(time.monotonic(), found)
        return found

    async def group(self, client: AsyncWebClient, name: str) -> UserGroup | None:
        """A user group by id, handle (`@support`, `support`) or name."""
        wanted = name.strip().lstrip("@").lower()
        for group in await self.groups(client):
            if wanted in (group.id.lower(), group.handle.lower(), group.name.lower()):
                return group
        return None

    def forget_groups(self) -> None:
        self._groups = None

    def remember(self, user: dict) -> None:
        """A user object an event already carried (team_join): no users.info needed."""
        if user.get("id"):
            self._users[user["id"]] = _Cached(time.monotonic(), user)

    async def member(self, client: AsyncWebClient, user_id: str) -> MemberRef:
        cached = self._users.get(user_id)
        if cached is None or not self._fresh(cached):
            user: dict = {}
            try:
                # The member's own Slack language, for what only they read.
                reply = await client.users_info(user=user_id, include_locale=True)
                user = reply.get("user") or {}
            except SlackApiError as error:
                log.info("users.info %s failed: %s", user_id, error.response.get("error"))
            cached = self._users[user_id] = _Cached(time.monotonic(), user)
        user = cached.value  # type: ignore[assignment]
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or user_id
        )
        groups = await self.groups(client)
        mine = [g for g in groups if user_id in g.users]
        roles = tuple(sorted(g.handle or g.name for g in mine))
        return MemberRef(
            platform=PLATFORM,
            user_id=user_id,
            name=name[:100],
            is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
            roles=roles,
            is_owner=bool(user.get("is_primary_owner")),
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            role_ids=tuple(sorted(g.id for g in mine)),
            email=profile.get("email") or None,
            locale=user.get("locale") or None,
        )

    async def channel_id(self, client: AsyncWebClient, name: str) -> str | None:
        """A conversation id from a config name (`general`, `#general`) or an id."""
        wanted = name.strip().lstrip("#")
        if looks_like_channel_id(wanted):
            return wanted
        if not self._fresh(self._channels):
            names: dict[str, str] = {}
            cursor = None
            try:
                while True:
                    response = await client.conversations_list(
                        types="public_channel,private_channel",
                        exclude_archived=True,
                        limit=1000,
                        cursor=cursor,
                    )
                    for channel in response.get("channels", []):
                        names[channel["name"].lower()] = channel["id"]
                    cursor = (response.get("response_metadata") or {}).get("next_cursor")
                    if not cursor:
                        break
            except SlackApiError as error:
                log.warning("conversations.list failed: %s", error.response.get("error"))
            self._channels = _Cached(time.monotonic(), names)
        assert self._channels is not None
        return self._channels.value.get(wanted.lower())  # type: ignore[attr-defined]
