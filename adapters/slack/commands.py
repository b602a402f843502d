"""Slash commands: `/cercle <sub> ...` and the short aliases, as `CommandInvoked`.

`/cercle rank <@U1|bob>` and `/rank <@U1|bob>` are the same command: the alias names the
first words of the path and the core's one text parser reads the rest (mentions, quotes,
numbers, `name=value`), so a bad argument gets the same friendly usage message as on the
console. `/cercle` alone is `/cercle help`. The members a command mentions are looked up
(users.info) so the core knows their names and user groups.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.command_text import TEXT_MAX
from bot.events import ChannelRef, CommandInvoked, MemberRef

PLATFORM = "slack"
MAIN_COMMAND = "/cercle"
# Alias -> the command path it starts. Every top-level command is reachable through
# /cercle; the aliases are the ones members type most.
ALIASES: dict[str, tuple[str, ...]] = {
    "/rank": ("rank",),
    "/leaderboard": ("leaderboard",),
    "/thanks": ("thanks",),
    "/idea": ("idea",),
    "/poll": ("poll",),
    "/event": ("event",),
}
# Commands that open a modal when typed without arguments: typing these is painful.
FORM_COMMANDS: set[tuple[str, ...]] = {("idea", "submit"), ("poll", "create")}

MENTIONS_LOOKED_UP = 10
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

MemberLookup = Callable[[str], Awaitable[MemberRef]]


def command_prefix(command: str) -> tuple[str, ...] | None:
    """The path a slash command starts with; None for a command Cercle does not own."""
    if command == MAIN_COMMAND:
        return ()
    return ALIASES.get(command)


def full_path(command: str, text: str) -> tuple[str, ...]:
    """The words typed, after the command's own: what a modal decision looks at."""
    prefix = command_prefix(command) or ()
    return prefix + tuple(word.lower() for word in text.split())


def wants_form(command: str, text: str) -> tuple[str, ...] | None:
    """The path of a form command typed without arguments, or None."""
    path = full_path(command, text)
    return path if path in FORM_COMMANDS else None


async def invocation(
    body: dict[str, Any], lookup: MemberLookup, at: datetime
) -> CommandInvoked | None:
    """The core's event for a slash command form body (Slack gives it no time: `at`)."""
    prefix = command_prefix(body.get("command", ""))
    if prefix is None:
        return None
    text = (body.get("text") or "").strip()
    if not prefix and not text:
        text = "help"
    # A text the core will refuse as too long costs no lookup; a long list of mentions
    # costs a few (no command takes more than a couple of members).
    mentioned = list(dict.fromkeys(_MENTION.findall(text)))[:MENTIONS_LOOKED_UP]
    if len(text) > TEXT_MAX:
        mentioned = []
    mentions = tuple([await lookup(uid) for uid in mentioned])
    return CommandInvoked(
        platform=PLATFORM,
        space_id=body.get("team_id", ""),
        at=at,
        interaction_id=body.get("trigger_id") or "",
        channel=ChannelRef(body.get("channel_id", ""), body.get("channel_name", "")),
        invoker=await lookup(body.get("user_id", "")),
        path=prefix,
        text=text,
        mentions=mentions,
        delivery=body.get("trigger_id") or None,
    )
