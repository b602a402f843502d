"""Gateway payloads in Discord's documented shapes, for the fake gateway to send."""

from __future__ import annotations

import time
from typing import Any

from benchmarks.discord_fake import message, snowflake, user

GUILD = "1300000000000000001"
OTHER_GUILD = "1300000000004194305"  # lands on shard 1 of 2
GENERAL = "1400000000000000001"
HELP = "1400000000000000002"
MODS = "1400000000000000003"
IDEAS = "1400000000000000004"
MOD_ROLE = "1500000000000000001"
REGULAR_ROLE = "1500000000000000002"
MANAGE_GUILD = 1 << 5


def member(
    user_id: str, name: str, roles: tuple[str, ...] = (), permissions: int | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user": user(user_id, name),
        "roles": list(roles),
        "joined_at": "2025-06-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def message_create(
    author_id: str,
    name: str,
    content: str,
    channel_id: str = GENERAL,
    guild_id: str = GUILD,
    message_id: str | None = None,
    at_ms: float | None = None,
    roles: tuple[str, ...] = (),
    reply_to: str | None = None,
) -> dict[str, Any]:
    payload = message(
        message_id or snowflake(at_ms),
        channel_id,
        user(author_id, name),
        content,
        guild_id,
        roles,
        kind=19 if reply_to else 0,
    )
    if reply_to:
        payload["message_reference"] = {
            "message_id": reply_to,
            "channel_id": channel_id,
            "guild_id": guild_id,
        }
    return payload


def reaction(
    kind: str,
    user_id: str,
    name: str,
    message_id: str,
    author_id: str,
    emoji: str,
    channel_id: str = GENERAL,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user_id": user_id,
        "channel_id": channel_id,
        "message_id": message_id,
        "guild_id": GUILD,
        "emoji": {"id": None, "name": emoji},
        "type": 0,
        "burst": False,
    }
    if kind == "add":
        data["member"] = member(user_id, name)
        data["message_author_id"] = author_id
    return data


def _interaction(
    kind: int,
    data: dict[str, Any],
    user_id: str,
    name: str,
    permissions: int,
    roles: tuple[str, ...],
    channel_id: str,
) -> dict[str, Any]:
    return {
        "id": snowflake(),
        "application_id": "900000000000000001",
        "type": kind,
        "data": data,
        "guild_id": GUILD,
        "channel_id": channel_id,
        "channel": {"id": channel_id, "type": 0, "name": "general", "guild_id": GUILD},
        "member": member(user_id, name, roles, permissions),
        "token": f"token-{time.monotonic_ns()}",
        "version": 1,
        "app_permissions": str((1 << 41) - 1),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD},
        "context": 0,
        "attachment_size_limit": 10485760,
    }


def command(
    path: tuple[str, ...],
    options: dict[str, Any] | None = None,
    user_id: str = "2001",
    name: str = "alice",
    permissions: int = 0,
    roles: tuple[str, ...] = (),
    resolved: dict[str, Any] | None = None,
    types: dict[str, int] | None = None,
    channel_id: str = GENERAL,
) -> dict[str, Any]:
    """INTERACTION_CREATE for `/path ...` with `options` (type guessed from the value)."""
    types = types or {}

    def kind(name: str, value: Any) -> int:
        if name in types:
            return types[name]
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        return 3

    leaf = [{"name": k, "type": kind(k, v), "value": v} for k, v in (options or {}).items()]
    node: list[dict[str, Any]] = leaf
    for depth, word in enumerate(reversed(path[1:])):
        node = [{"name": word, "type": 1 if depth == 0 else 2, "options": node}]
    data = {"id": snowflake(), "name": path[0], "type": 1, "options": node}
    if resolved:
        data["resolved"] = resolved
    return _interaction(2, data, user_id, name, permissions, roles, channel_id)


def autocomplete(
    path: tuple[str, ...], option: str, typed: str, user_id: str = "2001"
) -> dict[str, Any]:
    payload = command(path, {option: typed}, user_id=user_id)
    node = payload["data"]["options"]
    while node and node[0]["type"] in (1, 2):
        node = node[0]["options"]
    node[0]["focused"] = True
    payload["type"] = 4
    return payload


def button(
    custom_id: str,
    message_id: str,
    user_id: str = "2002",
    name: str = "bob",
    channel_id: str = GENERAL,
) -> dict[str, Any]:
    payload = _interaction(
        3, {"custom_id": custom_id, "component_type": 2}, user_id, name, 0, (), channel_id
    )
    payload["message"] = {
        **message(message_id, channel_id, user("900000000000000001", "Cercle", bot=True), ""),
        "components": [],
    }
    return payload


def modal_submit(
    custom_id: str, values: dict[str, str], user_id: str = "2001", name: str = "alice"
) -> dict[str, Any]:
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
        for k, v in values.items()
    ]
    return _interaction(
        5, {"custom_id": custom_id, "components": rows}, user_id, name, 0, (), GENERAL
    )


def solution_menu(
    target: dict[str, Any],
    user_id: str,
    name: str,
    permissions: int = 0,
    referenced: dict[str, Any] | None = None,
) -> dict[str, Any]:
    shown = dict(target)
    if referenced is not None:
        shown["referenced_message"] = referenced
    data = {
        "id": snowflake(),
        "name": "Mark as solution",
        "type": 3,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: shown}},
    }
    return _interaction(2, data, user_id, name, permissions, (), target["channel_id"])


def user_option(user_id: str, name: str, roles: tuple[str, ...] = ()) -> dict[str, Any]:
    """`resolved` for a USER option naming this member."""
    m = member(user_id, name, roles)
    m.pop("user")
    return {"users": {user_id: user(user_id, name)}, "members": {user_id: m}}
