"""Reading a guild's recent history back after a new gateway session (backfill).

Discord replays missed events only to a session it resumes. After a start, or a reconnect
that could not resume, what was posted while Cercle was down (or received but not yet
committed when it died) is read back: each text channel and active thread whose newest
message is later than the last one Cercle scored there, with `GET
/channels/{id}/messages?after=`, at most `ingest.backfill_hours` back. The messages go
through the same batcher and ledger keys as live ones, so one already scored counts
nothing. REST messages carry no member part: their author is the member as last seen
(this process, or the database), with the name the message gives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import discord
from discord import utils

from adapters.discord.fast_messages import FAST_TYPES
from adapters.discord.inbound import Translator
from bot.events import MemberRef, MessagePosted
from bot.ports import CoreFace

log = logging.getLogger("cercle.discord")

PLATFORM = "discord"
# Events of one moment may commit out of order (one waited on a member lookup while a
# later one went through): reading from a little before the last message scored finds one
# that a later one overtook; the ledger keys make the overlap count nothing.
OVERLAP = timedelta(minutes=10)
PAGE = 100  # Discord's largest page of channel history


class Backfill:
    """Reads the history of a guild's channels back into `put`."""

    def __init__(
        self,
        client: discord.Client,
        translator: Translator,
        core: CoreFace,
        put: Callable[[MessagePosted], None],
        hours: int,
    ) -> None:
        self.client = client
        self.translator = translator
        self.core = core
        self.put = put
        self.window = timedelta(hours=hours)
        self._authors: dict[tuple[str, str], MemberRef] = {}

    async def guilds(self, guilds: list[discord.Guild]) -> int:
        read = 0
        for guild in guilds:
            try:
                read += await self.guild(guild)
            except discord.HTTPException:
                log.exception("could not read back the history of server %s", guild.id)
        return read

    async def guild(self, guild: discord.Guild) -> int:
        since = self.core.now() - self.window
        last = await self.core.last_messages(PLATFORM, str(guild.id), since)
        read = 0
        channels: list[Any] = [*guild.text_channels, *guild.threads]
        for channel in channels:
            counted_in = getattr(channel, "parent_id", None) or channel.id
            start = max(since, last.get(str(counted_in), since) - OVERLAP)
            newest = getattr(channel, "last_message_id", None)
            if newest is not None and utils.snowflake_time(newest) < start:
                continue  # nothing posted there since
            read += await self.channel(guild, channel, start)
        if read:
            log.info("read back %d messages of server %s", read, guild.id)
        return read

    async def channel(self, guild: discord.Guild, channel: Any, start: datetime) -> int:
        # Messages of the very millisecond of the last one scored are read again: its
        # ledger key says whether each was counted.
        after = utils.time_snowflake(start) - 1
        read = 0
        while True:
            try:
                page = await self.client.http.logs_from(channel.id, PAGE, after=after)
            except discord.Forbidden:
                log.warning("no permission to read the history of channel %s", channel.id)
                return read
            if not page:
                return read
            page = sorted(page, key=lambda data: int(data["id"]))
            for data in page:
                event = await self.event(guild, channel, data)
                if event is not None:
                    self.put(event)
                    read += 1
            after = int(page[-1]["id"])
            if len(page) < PAGE:
                return read

    async def event(
        self, guild: discord.Guild, channel: Any, data: dict[str, Any]
    ) -> MessagePosted | None:
        """The `MessagePosted` a live MESSAGE_CREATE of this message would have given."""
        author = data.get("author") or {}
        own = self.client.user
        if (
            data.get("type") not in FAST_TYPES
            or data.get("webhook_id") is not None
            or not author.get("id")
            or (own is not None and int(author["id"]) == own.id)
        ):
            return None
        channel_ref, thread = self.translator.message_channel(channel)
        reference = data.get("message_reference") or {}
        replied = reference.get("message_id")
        content = data.get("content")
        return MessagePosted(
            platform=PLATFORM,
            space_id=str(guild.id),
            at=utils.snowflake_time(int(data["id"])),
            message_id=str(data["id"]),
            channel=channel_ref,
            author=await self.author(str(guild.id), author),
            text=content if self.translator.content_intent else None,
            reply_to=str(int(replied)) if replied and int(replied) else None,
            thread_id=thread,
        )

    async def author(self, guild_id: str, user: dict[str, Any]) -> MemberRef:
        user_id = str(user["id"])
        known = self.translator.recall(guild_id, user_id) or self._authors.get((guild_id, user_id))
        if known is not None:
            return known
        stored = await self.core.stored_member(PLATFORM, guild_id, user_id)
        name = user.get("global_name") or user.get("username") or stored.name
        ref = MemberRef(
            PLATFORM,
            user_id,
            name,
            bool(user.get("bot")) or stored.is_bot,
            stored.roles,
        )
        self._authors[(guild_id, user_id)] = ref
        return ref
