"""Rank roles on Discord: `GrantRole` / `RevokeRole` by role name or id.

Discord refuses when Cercle lacks Manage Roles or the role sits above Cercle's highest
role (403, code 50013), or when the role is gone (404 / not in the guild). None of this
crashes anything or undoes the rank the core recorded: the moderators get one notice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.actions import GrantRole, RevokeRole

if TYPE_CHECKING:
    from adapters.discord.outbound import Outbound

log = logging.getLogger("cercle.discord")


def find_role(guild: discord.Guild, wanted: str) -> discord.Role | None:
    """The guild role whose id or name (ignoring case) is `wanted`."""
    wanted = wanted.strip().lstrip("@")
    if wanted.isdigit() and (role := guild.get_role(int(wanted))) is not None:
        return role
    lowered = wanted.lower()
    return next((r for r in guild.roles if r.name.lower() == lowered), None)


async def apply(outbound: Outbound, guild_id: str, action: GrantRole | RevokeRole) -> None:
    granting = isinstance(action, GrantRole)
    guild = outbound.client.get_guild(int(guild_id))
    role = find_role(guild, action.role) if guild is not None else None
    verb_key = "discord.notice.grant" if granting else "discord.notice.revoke"
    view = await outbound.view(guild_id)
    params = {"action": view.t(verb_key), "role": action.role, "member": action.user_name}
    if role is None:
        await outbound.notices.tell(
            guild_id, ("role-missing", action.role), "discord.notice.role_missing", **params
        )
        return
    http = outbound.client.http
    reason = "Cercle rank"
    try:
        if granting:
            await http.add_role(guild_id, action.user_id, role.id, reason=reason)
        else:
            await http.remove_role(guild_id, action.user_id, role.id, reason=reason)
    except discord.Forbidden:
        await outbound.notices.tell(
            guild_id, ("role-forbidden", str(role.id)), "discord.notice.role_forbidden", **params
        )
    except discord.NotFound as error:
        if error.code == 10011:  # Unknown Role: deleted since the guild was loaded
            await outbound.notices.tell(
                guild_id, ("role-missing", action.role), "discord.notice.role_missing", **params
            )
        else:  # Unknown Member: they left; nothing to tell anyone
            log.info(
                "guild %s: member %s is gone, role %s not changed", guild_id, action.user_id, role
            )
