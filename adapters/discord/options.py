"""An application command interaction's data -> the registry path and typed options.

Discord sends the path as nested subcommand options and resolves the members, channels
and roles it names; they become the core's `Mention` / `ChannelMention` / role name, and
the named members are passed along (`CommandInvoked.mentions`) so the core needs no
look-up. Strings (durations, lists, periods) go to the core's one parser unchanged.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.commands import ChannelMention, Mention
from bot.events import MemberRef

PLATFORM = "discord"
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
USER, CHANNEL, ROLE = 6, 7, 8


def _leaf(data: dict[str, Any]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    path = [data["name"]]
    options = list(data.get("options", []))
    while len(options) == 1 and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
        path.append(options[0]["name"])
        options = list(options[0].get("options", []))
    return tuple(path), options


def focused(data: dict[str, Any]) -> tuple[tuple[str, ...], str, str]:
    """For autocomplete: the path, the focused option's name and what was typed so far."""
    path, options = _leaf(data)
    for option in options:
        if option.get("focused"):
            return path, option["name"], str(option.get("value", ""))
    return path, "", ""


def resolved_member(
    guild: discord.Guild | None, resolved: dict[str, Any], user_id: str
) -> MemberRef:
    user = resolved.get("users", {}).get(user_id, {})
    member = resolved.get("members", {}).get(user_id, {})
    name = member.get("nick") or user.get("global_name") or user.get("username") or user_id
    role_names: list[str] = []
    moderator = False
    for role_id in member.get("roles", []):
        role = guild.get_role(int(role_id)) if guild is not None else None
        if role is not None:
            role_names.append(role.name)
    if "permissions" in member:
        permissions = discord.Permissions(int(member["permissions"]))
        moderator = permissions.manage_guild or permissions.administrator
    return MemberRef(
        PLATFORM, user_id, name, bool(user.get("bot")), tuple(sorted(role_names)), moderator
    )


def command_options(
    data: dict[str, Any], guild: discord.Guild | None
) -> tuple[tuple[str, ...], dict[str, Any], tuple[MemberRef, ...]]:
    path, options = _leaf(data)
    resolved = data.get("resolved", {})
    values: dict[str, Any] = {}
    mentions: list[MemberRef] = []
    for option in options:
        kind, value = option.get("type"), option.get("value")
        if kind == USER:
            ref = resolved_member(guild, resolved, str(value))
            mentions.append(ref)
            values[option["name"]] = Mention(ref.user_id, ref.name)
        elif kind == CHANNEL:
            channel = resolved.get("channels", {}).get(str(value), {})
            values[option["name"]] = ChannelMention(str(value), channel.get("name", str(value)))
        elif kind == ROLE:
            role = resolved.get("roles", {}).get(str(value), {})
            values[option["name"]] = role.get("name", str(value))
        else:
            values[option["name"]] = value
    return path, values, tuple(mentions)


def form_values(components: list[dict[str, Any]]) -> dict[str, str]:
    """The text inputs of a submitted modal, by custom id (rows or labels, any depth)."""
    values: dict[str, str] = {}
    for component in components:
        if "custom_id" in component and "value" in component:
            values[component["custom_id"]] = str(component["value"])
        inner = component.get("components") or (
            [component["component"]] if "component" in component else []
        )
        values.update(form_values(inner))
    return values
