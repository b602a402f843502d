"""The core's actions as Discord REST calls.

Posts are embeds within Discord's limits, sent with every mention disabled (member text
never pings); channels named in the config (`general`, `#general`) are looked up by name;
a post with a `card_ref` is reported back to the core (`card_posted`) so that votes and
status changes edit it in place; `thread_name` opens the discussion thread on it; a
`marker` is an idempotency key: sent as the nonce (with enforce_nonce, Discord drops a
retry) and carried invisibly by the post, so a re-delivered digest finds itself in the
channel's recent history and is not posted twice. Roles, DMs and scheduled events have
their own modules.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable

import discord

from adapters.discord import dms, roles, scheduled_events, timeouts
from adapters.discord.embeds import content, embed_for, file_for, view_for
from adapters.discord.notices import Notices
from bot.actions import (
    Action,
    Card,
    DirectMessage,
    GrantRole,
    OpenForm,
    PostToChannel,
    Reply,
    RevokeRole,
    SendFile,
    SyncScheduledEvent,
    TimeoutMember,
    UpdateCard,
)
from bot.ports import CoreFace, SpaceInfo, UnsupportedAction

# What Discord carries out; an OpenForm only opens in answer to an interaction.
SUPPORTED: frozenset[type[Action]] = frozenset(
    {
        PostToChannel,
        UpdateCard,
        GrantRole,
        RevokeRole,
        DirectMessage,
        SendFile,
        Reply,
        OpenForm,
        SyncScheduledEvent,
        TimeoutMember,
    }
)

log = logging.getLogger("cercle.discord")

PLATFORM = "discord"
HISTORY_LIMIT = 50  # how far back a re-delivered marker is looked for
NONCE_MAX = 25
THREAD_NAME_MAX = 100
NO_MENTIONS = discord.AllowedMentions.none()

# A marker rides in a post as zero-width characters (48 bits of its digest): invisible to
# members, kept by Discord, and found again when the channel's history is read.
_BITS = ("\u200b", "\u200c")
_TAG_START = "\u2063"


def marker_tag(marker: str) -> str:
    value = int.from_bytes(hashlib.sha256(marker.encode()).digest()[:6], "big")
    return _TAG_START + "".join(_BITS[(value >> i) & 1] for i in range(47, -1, -1))


def marker_nonce(marker: str) -> str:
    return hashlib.sha256(marker.encode()).hexdigest()[:NONCE_MAX]


class Outbound:
    def __init__(self, client: discord.Client, core: CoreFace) -> None:
        self.client = client
        self.core = core
        self.notices = Notices(self)
        # Servers on another process's shards are not in this client's cache (a scheduled
        # post delivered by the scheduler's leader): their channels are read over REST.
        self._remote_channels: dict[str, dict[str, int]] = {}

    # -- lookups ---------------------------------------------------------------------

    async def view(self, guild_id: str) -> SpaceInfo:
        return await self.core.space(PLATFORM, guild_id)

    def channel_id(self, guild_id: str, ref: str | None) -> int | None:
        """A channel id from an id or a configured name (`general`, `#general`)."""
        if ref is None:
            return None
        ref = ref.strip().lstrip("#")
        if ref.isdigit():
            return int(ref)
        if ref.startswith("<#") and ref.endswith(">") and ref[2:-1].isdigit():
            return int(ref[2:-1])
        guild = self.client.get_guild(int(guild_id))
        lowered = ref.lower()
        if guild is None:
            return self._remote_channels.get(guild_id, {}).get(lowered)
        found = next((c for c in guild.text_channels if c.name.lower() == lowered), None)
        return found.id if found is not None else None

    async def _resolve(self, guild_id: str, ref: str | None) -> int | None:
        view = await self.view(guild_id)
        wanted = ref or view.default_channel
        if self.client.get_guild(int(guild_id)) is None and guild_id not in self._remote_channels:
            try:
                channels = await self.client.http.get_all_guild_channels(int(guild_id))
            except discord.HTTPException:
                channels = []
            self._remote_channels[guild_id] = {
                str(c.get("name", "")).lower(): int(c["id"]) for c in channels
            }
        channel_id = self.channel_id(guild_id, wanted)
        if channel_id is None:
            await self.notices.tell(
                guild_id,
                ("channel-missing", wanted),
                "discord.notice.channel_missing",
                channel=wanted,
            )
        return channel_id

    # -- sending ---------------------------------------------------------------------

    async def send(
        self,
        channel_id: int,
        text: str = "",
        card: Card | None = None,
        marker: str | None = None,
        allowed: discord.AllowedMentions = NO_MENTIONS,
    ) -> discord.Message:
        channel = self.client.get_partial_messageable(channel_id)
        tag = marker_tag(marker) if marker else ""
        body = content(text, reserve=len(tag) if card is None else 0)
        if tag and card is None:
            body = (body or "") + tag
        kwargs: dict[str, object] = {"allowed_mentions": allowed}
        if card is not None:
            kwargs["embed"] = embed_for(card, footer_suffix=tag)
            if (view := view_for(card)) is not None:
                kwargs["view"] = view
            if (file := file_for(card)) is not None:
                kwargs["file"] = file
        if marker:
            kwargs["nonce"] = marker_nonce(marker)
        return await channel.send(body, **kwargs)  # type: ignore[arg-type]

    async def already_posted(self, channel_id: int, marker: str) -> bool:
        """Whether a post carrying `marker` is among the channel's recent messages."""
        tag = marker_tag(marker)
        me = self.client.user
        channel = self.client.get_partial_messageable(channel_id)
        async for message in channel.history(limit=HISTORY_LIMIT):
            if me is not None and message.author.id != me.id:
                continue
            if tag in (message.content or "") or any(
                tag in (embed.footer.text or "") for embed in message.embeds
            ):
                return True
        return False

    async def post(self, guild_id: str, action: PostToChannel) -> discord.Message | None:
        channel_id = await self._resolve(guild_id, action.channel_id)
        if channel_id is None:
            return None
        try:
            if action.marker and await self.already_posted(channel_id, action.marker):
                log.info("guild %s: %s is already posted, not again", guild_id, action.marker)
                return None
            message = await self.send(channel_id, action.text, action.card, action.marker)
        except discord.Forbidden:
            await self.notices.tell(
                guild_id,
                ("post-forbidden", str(channel_id)),
                "discord.notice.post_forbidden",
                channel=f"#{action.channel_id or channel_id}",
            )
            return None
        if action.card_ref is not None:
            await self.core.card_posted(
                PLATFORM, guild_id, action.card_ref, str(channel_id), str(message.id)
            )
        if action.thread_name:
            await self.client.http.start_thread_with_message(
                channel_id,
                message.id,
                name=action.thread_name[:THREAD_NAME_MAX],
                auto_archive_duration=10080,
            )
        return message

    async def update(self, action: UpdateCard) -> None:
        channel = self.client.get_partial_messageable(int(action.channel_id))
        message = channel.get_partial_message(int(action.message_id))
        try:
            await message.edit(
                embed=embed_for(action.card),
                view=view_for(action.card),
                allowed_mentions=NO_MENTIONS,
            )
        except discord.NotFound:
            log.info("card %s/%s is gone; not updated", action.channel_id, action.message_id)

    async def carry_out(
        self,
        guild_id: str,
        action: Action,
        ephemeral: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        """One action outside an interaction's own response."""
        if getattr(action, "platform", PLATFORM) != PLATFORM:
            return  # meant for the same community on another platform
        try:
            match action:
                case PostToChannel():
                    await self.post(guild_id, action)
                case UpdateCard():
                    await self.update(action)
                case GrantRole() | RevokeRole():
                    await roles.apply(self, guild_id, action)
                case TimeoutMember():
                    await timeouts.apply(self, guild_id, action)
                case DirectMessage():
                    await dms.send(self, guild_id, action, ephemeral)
                case SendFile():
                    await dms.send_file(self, guild_id, action, ephemeral)
                case SyncScheduledEvent():
                    await scheduled_events.sync(self, guild_id, action)
                case Reply(text=text, card=card):  # a reply with no interaction to answer
                    channel_id = await self._resolve(guild_id, None)
                    if channel_id is not None and not action.ephemeral:
                        await self.send(channel_id, text, card)
                case OpenForm():
                    log.info("a form can only open in answer to an interaction")
                case _:
                    raise UnsupportedAction(
                        f"the discord adapter does not carry out {type(action).__name__}"
                    )
        except discord.HTTPException:
            log.exception("guild %s: Discord refused %s", guild_id, type(action).__name__)
