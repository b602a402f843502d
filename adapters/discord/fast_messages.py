"""MESSAGE_CREATE straight from the gateway payload to a `MessagePosted`.

On a busy server most gateway traffic is MESSAGE_CREATE, and the core needs little of
it: ids, the channel, the author's name, bot flag, role names and moderator standing, the
text and what it replies to. Building a `discord.Message` and a `discord.Member` for each
one costs as much as everything else Cercle does with it (the adapter keeps no message or
member cache, so nothing else reads those objects). discord.py has no public hook for a
parser: `library_internals.parsers` gives the table the gateway looks MESSAGE_CREATE up
in, and this module replaces that entry. Everything unusual (no guild or member in the
payload, a guild or channel not cached, a system message, a webhook) goes to discord.py's
own parser and then to `on_message` as before. `tests/adapters/discord/test_fast_messages.py` checks
both paths give the same events on many payloads; `test_library_internals.py` fails if an
upgrade moves the table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import discord
from discord import utils

from adapters.discord import library_internals
from adapters.discord.inbound import Translator
from bot.events import MessagePosted

log = logging.getLogger("cercle.discord")

# default, reply, thread starter: the kinds `Translator.message_posted` scores.
FAST_TYPES = frozenset({0, 19, 21})
_LAST_MESSAGE_CHANNELS = (
    discord.TextChannel,
    discord.VoiceChannel,
    discord.Thread,
    discord.StageChannel,
)

Sink = Callable[[MessagePosted], None]


class _Slow(Exception):
    """The payload needs discord.py's own parser."""


def install(client: discord.Client, translator: Translator, sink: Sink) -> bool:
    """Route MESSAGE_CREATE of `client` through `posted`; False (and discord.py's own
    parser kept) if this discord.py has no parser table where it used to be."""
    parsers = library_internals.parsers(client)
    slow = parsers.get("MESSAGE_CREATE") if parsers is not None else None
    if parsers is None or slow is None:
        log.warning("discord.py's parser table moved: messages take the slow path")
        return False

    def parse(data: dict[str, Any]) -> None:
        try:
            event = posted(client, translator, data)
        except _Slow:
            slow(data)
            return
        except Exception:  # a payload shape this path did not expect: discord.py's way
            log.exception("fast MESSAGE_CREATE failed, using discord.py's parser")
            slow(data)
            return
        if event is not None:
            sink(event)

    parsers["MESSAGE_CREATE"] = parse
    # The translator reuses a member's ref while their payload says the same; what the
    # guild's roles and owner were is part of it, so it forgets before discord.py applies
    # the change (in the parser, not a listener: the next message may be in the same read).
    for name in ROLE_EVENTS:
        original = parsers.get(name)
        if original is not None:
            parsers[name] = _forgetting(translator, original)
    return True


# Gateway events that change what a member's roles mean (permissions, names, the owner).
ROLE_EVENTS = (
    "GUILD_CREATE",
    "GUILD_UPDATE",
    "GUILD_ROLE_CREATE",
    "GUILD_ROLE_UPDATE",
    "GUILD_ROLE_DELETE",
)


def _forgetting(translator: Translator, original: Callable[[Any], None]) -> Callable[[Any], None]:
    def parse(data: Any) -> None:
        translator.roles_changed()
        original(data)

    return parse


def posted(
    client: discord.Client, translator: Translator, data: dict[str, Any]
) -> MessagePosted | None:
    """The event `on_message` would have put for this payload (None: Cercle's own
    message); raises `_Slow` for anything the fast path does not cover."""
    guild_id, member, author = data.get("guild_id"), data.get("member"), data.get("author")
    content = data.get("content")
    if (
        guild_id is None
        or member is None
        or author is None
        or content is None
        or data.get("type") not in FAST_TYPES
        or data.get("webhook_id") is not None
    ):
        raise _Slow
    guild = client.get_guild(int(guild_id))
    if guild is None or guild.unavailable:
        raise _Slow
    channel = guild.get_channel_or_thread(int(data["channel_id"]))
    if channel is None:
        raise _Slow
    message_id = int(data["id"])
    if isinstance(channel, _LAST_MESSAGE_CHANNELS):
        channel.last_message_id = message_id  # as discord.py's parser does
    own = client.user
    author_id = int(author["id"])
    if own is not None and author_id == own.id:
        return None
    channel_ref, thread = translator.message_channel(channel)
    reference = data.get("message_reference")
    replied = reference.get("message_id") if reference is not None else None
    return MessagePosted(
        platform="discord",
        space_id=str(guild.id),
        at=utils.snowflake_time(message_id),
        message_id=str(message_id),
        channel=channel_ref,
        author=translator.member_payload(guild, author_id, author, member),
        text=content if translator.content_intent else None,
        reply_to=str(int(replied)) if replied and int(replied) else None,
        thread_id=thread,
    )
