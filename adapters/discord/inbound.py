"""Gateway objects built by discord.py -> Cercle's platform-neutral events.

Pure translation: ids become strings, a member becomes a `MemberRef` (roles by name and
id, and what Discord says of their standing: owner, Administrator, Manage Server, a
timeout in force; the core decides from these who moderates), times
come from Discord (a message's snowflake, a member's join time) so that cooldowns are
judged on when things happened. Reactions and deletions carry no time: the clock's now.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import discord
from discord import utils

from bot.config import Settings
from bot.events import (
    ChannelRef,
    MemberJoined,
    MemberLeft,
    MemberRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

PLATFORM = "discord"
KNOWN_MAX = 50_000  # members remembered for events that name them by id only
_ADMINISTRATOR = discord.Permissions(administrator=True).value
_MANAGE_GUILD = discord.Permissions(manage_guild=True).value


class Translator:
    def __init__(
        self, settings: Settings, now: Callable[[], datetime], content_intent: bool = True
    ) -> None:
        self.settings = settings
        self.now = now
        # Without the Message Content intent Discord sends empty text: say "unknown" so the
        # core does not judge the length of a text it never saw.
        self.content_intent = content_intent
        # The last way each member was seen (name, roles): REACTION_REMOVE and a reaction's
        # message author come as bare ids, and a bare id must not rename anyone.
        self.known: OrderedDict[tuple[str, str], MemberRef] = OrderedDict()
        # What each member's last message payload said (roles, names, bot flag) and the
        # `MemberRef` it made: on a busy server the same few hundred members post again and
        # again, and their ref need not be worked out (roles, permissions) each time. The
        # guild's roles and owner come into it too, so `roles_changed` clears it.
        self._payload_refs: dict[tuple[int, int], tuple[tuple[Any, ...], MemberRef]] = {}
        self._channel_refs: dict[object, ChannelRef] = {}

    def remember(self, guild_id: str, ref: MemberRef) -> MemberRef:
        key = (guild_id, ref.user_id)
        self.known[key] = ref
        self.known.move_to_end(key)
        if len(self.known) > KNOWN_MAX:
            self.known.popitem(last=False)
        return ref

    def recall(self, guild_id: str, user_id: int | str | None) -> MemberRef | None:
        return None if user_id is None else self.known.get((guild_id, str(user_id)))

    def member(self, user: discord.abc.User, guild_id: str | None = None) -> MemberRef:
        if not isinstance(user, discord.Member):
            return MemberRef(PLATFORM, str(user.id), user.display_name, user.bot)
        roles = [r for r in user.roles if not r.is_default()]
        guild = guild_id or str(user.guild.id)
        permissions = guild_permissions(user.guild, roles)
        return self.remember(
            guild,
            MemberRef(
                PLATFORM,
                str(user.id),
                user.display_name,
                user.bot,
                tuple(sorted(r.name for r in roles)),
                is_owner=user.guild.owner_id == user.id,
                is_admin=bool(permissions & _ADMINISTRATOR),
                manages_space=bool(permissions & _MANAGE_GUILD),
                timed_out=user.is_timed_out(),
                role_ids=tuple(sorted(str(r.id) for r in roles)),
            ),
        )

    def member_payload(
        self,
        guild: discord.Guild,
        user_id: int,
        user: dict[str, Any],
        member: dict[str, Any],
    ) -> MemberRef:
        """`member()` of the Member discord.py would build from a message's `author` and
        `member` payloads (used by `fast_messages`; a test holds the two equal)."""
        role_ids = member.get("roles") or ()
        timeout = member.get("communication_disabled_until")
        if timeout is not None:  # judged against the clock: such a payload is never reused
            return self._member_from_payload(guild, user_id, user, member, role_ids, timeout)
        key = (guild.id, user_id)
        said = (
            tuple(role_ids),
            member.get("nick"),
            user.get("global_name"),
            user["username"],
            user.get("bot", False),
        )
        cached = self._payload_refs.get(key)
        if cached is not None and cached[0] == said:
            return self.remember(str(guild.id), cached[1])
        ref = self._member_from_payload(guild, user_id, user, member, role_ids, None)
        if len(self._payload_refs) >= KNOWN_MAX:
            del self._payload_refs[next(iter(self._payload_refs))]
        self._payload_refs[key] = (said, ref)
        return ref

    def roles_changed(self) -> None:
        """A guild's roles or owner changed: members' refs are worked out afresh."""
        self._payload_refs.clear()

    def _member_from_payload(
        self,
        guild: discord.Guild,
        user_id: int,
        user: dict[str, Any],
        member: dict[str, Any],
        role_ids: Any,
        timeout: str | None,
    ) -> MemberRef:
        roles = [
            role
            for role in map(guild.get_role, map(int, role_ids))
            if role is not None and not role.is_default()
        ]
        guild_id = str(guild.id)
        value = guild_permissions(guild, roles)
        until = utils.parse_time(timeout)
        return self.remember(
            guild_id,
            MemberRef(
                PLATFORM,
                str(user_id),
                member.get("nick") or user.get("global_name") or user["username"],
                bool(user.get("bot", False)),
                tuple(sorted(r.name for r in roles)),
                is_owner=guild.owner_id == user_id,
                is_admin=bool(value & _ADMINISTRATOR),
                manages_space=bool(value & _MANAGE_GUILD),
                timed_out=until is not None and utils.utcnow() < until,
                role_ids=tuple(sorted(str(r.id) for r in roles)),
            ),
        )

    def message_channel(self, channel: object) -> tuple[ChannelRef, str | None]:
        """`channel()`, reusing the ref while a channel keeps its name."""
        if isinstance(channel, discord.Thread):
            return self.channel(channel)
        channel_id = getattr(channel, "id", "")
        found = self._channel_refs.get(channel_id)
        if found is None or found.name != (getattr(channel, "name", "") or ""):
            if len(self._channel_refs) >= KNOWN_MAX:
                self._channel_refs.clear()
            found = self._channel_refs[channel_id] = self.channel(channel)[0]
        return found, None

    @staticmethod
    def channel(channel: object) -> tuple[ChannelRef, str | None]:
        """The channel a message counts in, and its thread when it is in one (a thread
        counts as its parent channel, so channel exclusions cover their threads)."""
        if isinstance(channel, discord.Thread):
            parent = channel.parent
            name = parent.name if parent is not None else ""
            return ChannelRef(str(channel.parent_id), name), str(channel.id)
        return ChannelRef(str(getattr(channel, "id", "")), getattr(channel, "name", "") or ""), None

    def text(self, message: discord.Message) -> str | None:
        return message.content if self.content_intent else None

    def message_posted(self, message: discord.Message) -> MessagePosted | None:
        if message.guild is None or message.type not in (
            discord.MessageType.default,
            discord.MessageType.reply,
            discord.MessageType.thread_starter_message,
        ):
            return None
        channel, thread = self.channel(message.channel)
        reference = message.reference
        return MessagePosted(
            platform=PLATFORM,
            space_id=str(message.guild.id),
            at=message.created_at,
            message_id=str(message.id),
            channel=channel,
            author=self.member(message.author),
            text=self.text(message),
            reply_to=str(reference.message_id)
            if reference is not None and reference.message_id
            else None,
            thread_id=thread,
        )

    def message_edited(self, raw: discord.RawMessageUpdateEvent) -> MessageEdited | None:
        message = raw.message
        if raw.guild_id is None or "content" not in raw.data:
            return None  # an embed unfurling, not an edit by the author
        channel, _thread = self.channel(message.channel)
        return MessageEdited(
            platform=PLATFORM,
            space_id=str(raw.guild_id),
            at=message.edited_at or self.now(),
            message_id=str(message.id),
            channel=channel,
            author=self.member(message.author),
            text=self.text(message),
        )

    def message_deleted(self, raw: discord.RawMessageDeleteEvent) -> MessageDeleted | None:
        if raw.guild_id is None:
            return None
        return MessageDeleted(
            platform=PLATFORM,
            space_id=str(raw.guild_id),
            at=self.now(),
            message_id=str(raw.message_id),
            channel=ChannelRef(str(raw.channel_id)),
        )

    def reaction(
        self, raw: discord.RawReactionActionEvent, guild: discord.Guild | None
    ) -> ReactionAdded | ReactionRemoved | None:
        if raw.guild_id is None:
            return None
        guild_id = str(raw.guild_id)
        if raw.member is not None:
            reactor: MemberRef | None = self.member(raw.member, guild_id)
        else:  # REACTION_REMOVE carries no member: as last seen, else the adapter looks
            reactor = self.recall(guild_id, raw.user_id)
        if reactor is None:
            reactor = MemberRef(PLATFORM, str(raw.user_id), "")  # name filled in by the adapter
        # Unknown author: None, and the core finds who wrote the message in its ledger.
        author = self.recall(guild_id, raw.message_author_id)
        channel = guild.get_channel_or_thread(raw.channel_id) if guild is not None else None
        channel_ref = (
            self.channel(channel)[0] if channel is not None else ChannelRef(str(raw.channel_id))
        )
        kind = ReactionAdded if raw.event_type == "REACTION_ADD" else ReactionRemoved
        return kind(
            platform=PLATFORM,
            space_id=str(raw.guild_id),
            at=self.now(),
            message_id=str(raw.message_id),
            channel=channel_ref,
            reactor=reactor,
            emoji=emoji_name(raw.emoji, self.settings.discord.thanks_emoji),
            message_author=author,
        )

    def member_joined(self, member: discord.Member) -> MemberJoined:
        return MemberJoined(
            platform=PLATFORM,
            space_id=str(member.guild.id),
            at=member.joined_at or self.now(),
            member=self.member(member),
        )

    def member_left(self, raw: discord.RawMemberRemoveEvent) -> MemberLeft:
        return MemberLeft(
            platform=PLATFORM,
            space_id=str(raw.guild_id),
            at=self.now(),
            member=self.recall(str(raw.guild_id), raw.user.id)
            or self.member(raw.user, str(raw.guild_id)),
        )


def guild_permissions(guild: discord.Guild, roles: list[discord.Role]) -> int:
    """The member's server-wide permission bits from their roles, as Discord sums them
    (the same for a gateway payload and a discord.py Member, timeout or not)."""
    default = guild.default_role
    value = default.permissions.value if default is not None else 0
    for role in roles:
        value |= role.permissions.value
    return value


def emoji_name(emoji: discord.PartialEmoji, thanks_emoji: str) -> str:
    """The emoji as the core knows it: a unicode emoji itself; a custom one by name, or as
    the configured thanks emoji when the config names it (`:name:`, `<:name:id>`, id)."""
    if emoji.is_unicode_emoji():
        return emoji.name
    names = {f":{emoji.name}:", emoji.name, str(emoji.id), str(emoji)}
    return thanks_emoji if thanks_emoji in names else f":{emoji.name}:"
