"""Direct messages (status changes, badges), with a fallback when a member's DMs are closed.

Discord refuses a DM to a member who closed them (403, code 50007). Then the text goes
where the member will see it: an ephemeral follow-up when they are the one interacting,
else the community's default channel with a mention of that member only.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from adapters.discord.embeds import content
from bot.actions import DirectMessage, SendFile

if TYPE_CHECKING:
    from adapters.discord.outbound import Outbound

log = logging.getLogger("cercle.discord")

MENTION_SLOT = "@@member@@"  # left alone by the catalog's neutralising, then replaced

Ephemeral = Callable[[str], Awaitable[None]]


async def send(
    outbound: Outbound,
    guild_id: str,
    action: DirectMessage,
    ephemeral: Ephemeral | None = None,
) -> None:
    client = outbound.client
    try:
        channel = await client.create_dm(discord.Object(int(action.user_id)))
        await channel.send(content(action.text), allowed_mentions=discord.AllowedMentions.none())
        return
    except discord.Forbidden:
        log.info("guild %s: DMs of %s are closed, using the fallback", guild_id, action.user_id)
    if ephemeral is not None:
        await ephemeral(action.text)
        return
    view = await outbound.view(guild_id)
    text = view.t("discord.dm_closed", member=MENTION_SLOT, text=action.text)
    text = text.replace(MENTION_SLOT, f"<@{int(action.user_id)}>")
    channel_id = outbound.channel_id(guild_id, view.default_channel)
    if channel_id is None:
        return
    member = discord.Object(int(action.user_id))
    await outbound.send(
        channel_id,
        text,
        allowed=discord.AllowedMentions(users=[member], everyone=False, roles=False),
    )


async def send_file(
    outbound: Outbound,
    guild_id: str,
    action: SendFile,
    ephemeral: Ephemeral | None = None,
) -> None:
    """A DM with a file (a member's data export). A member's own data never goes to a
    channel: with their DMs closed, only they are told, when they are the one asking."""
    try:
        channel = await outbound.client.create_dm(discord.Object(int(action.user_id)))
        await channel.send(
            content(action.text),
            file=discord.File(io.BytesIO(action.data), filename=action.filename),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        return
    except discord.Forbidden:
        log.info("guild %s: DMs of %s are closed, file not sent", guild_id, action.user_id)
    if ephemeral is not None:
        view = await outbound.view(guild_id)
        await ephemeral(view.t("discord.dm_closed_file"))
