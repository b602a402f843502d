"""Timeouts on Discord: `TimeoutMember` as PATCH /guilds/{guild}/members/{user} with
`communication_disabled_until` (the Moderate Members permission).

Discord refuses with 403 when Cercle lacks Moderate Members or the member's highest role
is above Cercle's (or they own the server). The warning is recorded all the same; the
moderators get the action's own notice once, never once per retry.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.actions import TimeoutMember

if TYPE_CHECKING:
    from adapters.discord.outbound import Outbound

log = logging.getLogger("cercle.discord")

AUDIT_REASON_MAX = 512


async def apply(outbound: Outbound, guild_id: str, action: TimeoutMember) -> None:
    try:
        await outbound.client.http.edit_member(
            guild_id,
            action.user_id,
            reason=action.reason[:AUDIT_REASON_MAX],
            communication_disabled_until=action.until.isoformat(),
        )
    except discord.Forbidden:
        await outbound.notices.say(
            guild_id,
            ("timeout-forbidden", action.user_id, action.until.isoformat()),
            action.refused,
        )
    except discord.NotFound:  # they left meanwhile: nothing to time out
        log.info("guild %s: member %s is gone, no timeout", guild_id, action.user_id)
