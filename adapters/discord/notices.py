"""Telling a community's moderators about a Discord problem Cercle cannot fix itself.

A rank role above Cercle's, a missing permission, a deleted channel: the moderator
channel (`moderator_channel`, else the default channel) gets one clear, localised notice
per problem and process, not one per member or per retry; the log gets it too.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.ports import SpaceInfo

if TYPE_CHECKING:
    from adapters.discord.outbound import Outbound

log = logging.getLogger("cercle.discord")


class Notices:
    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound
        self._told: set[tuple[str, ...]] = set()

    async def tell(self, guild_id: str, problem: tuple[str, ...], key: str, **params: Any) -> None:
        """Post `key` in the moderator channel unless `problem` was already reported."""
        if (guild_id, *problem) in self._told:
            return
        view: SpaceInfo = await self.outbound.view(guild_id)
        await self.say(guild_id, problem, view.t(key, **params))

    async def say(self, guild_id: str, problem: tuple[str, ...], text: str) -> None:
        """Post `text`, already in the community's language, unless `problem` was told."""
        if (guild_id, *problem) in self._told:
            return
        self._told.add((guild_id, *problem))
        view: SpaceInfo = await self.outbound.view(guild_id)
        log.warning("guild %s: %s", guild_id, text)
        where = view.moderator_channel or view.default_channel
        try:
            channel_id = self.outbound.channel_id(guild_id, where)
            if channel_id is None:
                return
            await self.outbound.send(channel_id, text)
        except discord.HTTPException as error:
            # Nowhere to say it on Discord: the log line above is all that can be done.
            log.warning("guild %s: could not post the notice in %s: %s", guild_id, where, error)
