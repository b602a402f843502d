"""Discord's guild scheduled events, kept in step with Cercle's events, and their
"Interested" members reported to the core.

Out: a `SyncScheduledEvent` becomes `POST /guilds/{id}/scheduled-events` (an external
event, guild only, with Cercle's start and end) whose id is reported back with
`card_posted`, then `PATCH` for an edit, and `PATCH status=4` (cancelled) for a cancel.
In: GUILD_SCHEDULED_EVENT_USER_ADD / REMOVE carry only ids, and discord.py drops them when
the event or the user is not cached (Cercle keeps no member cache), so their parsers are
wrapped (through `library_internals.parsers`, as `fast_messages` does) to hand the raw
payload to the adapter first; discord.py's own parser still runs after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from adapters.discord import library_internals
from bot.actions import SyncScheduledEvent

if TYPE_CHECKING:
    import discord

    from adapters.discord.outbound import Outbound

log = logging.getLogger("cercle.discord")

PLATFORM = "discord"
GUILD_ONLY = 2
EXTERNAL = 3
CANCELLED = 4
NAME_MAX = 100
DESCRIPTION_MAX = 1000
LOCATION_MAX = 100
INTEREST_EVENTS = {
    "GUILD_SCHEDULED_EVENT_USER_ADD": True,
    "GUILD_SCHEDULED_EVENT_USER_REMOVE": False,
}

Interest = Callable[[str, str, str, bool], None]  # guild id, scheduled event id, user id, on


def payload(action: SyncScheduledEvent) -> dict[str, Any]:
    """The fields Discord shows of the event (its name, when, where, what)."""
    fields: dict[str, Any] = {
        "name": action.name[:NAME_MAX],
        "privacy_level": GUILD_ONLY,
        "entity_type": EXTERNAL,
        "entity_metadata": {"location": action.location[:LOCATION_MAX]},
        "scheduled_start_time": action.starts_at.isoformat(),
        "scheduled_end_time": action.ends_at.isoformat(),
    }
    if action.description:
        fields["description"] = action.description[:DESCRIPTION_MAX]
    return fields


async def sync(out: Outbound, guild_id: str, action: SyncScheduledEvent) -> None:
    """Create, edit or cancel the guild's copy of the event."""
    http = out.client.http
    if action.external_id is None:
        if action.cancelled:
            return
        created = await http.create_guild_scheduled_event(int(guild_id), **payload(action))
        await out.core.card_posted(
            PLATFORM, guild_id, action.card_ref, guild_id, str(created["id"])
        )
    elif action.cancelled:
        await http.edit_scheduled_event(int(guild_id), int(action.external_id), status=CANCELLED)
    else:
        await http.edit_scheduled_event(int(guild_id), int(action.external_id), **payload(action))


def install(client: discord.Client, interest: Interest) -> bool:
    """Report "Interested" changes of `client`'s guilds to `interest`; False if this
    discord.py keeps its parser table elsewhere (then interest is not followed)."""
    parsers = library_internals.parsers(client)
    if parsers is None:
        log.warning("discord.py's parser table moved: Interested is not followed")
        return False
    for name, interested in INTEREST_EVENTS.items():
        parsers[name] = _reporting(parsers.get(name), interest, interested)
    return True


def _reporting(
    original: Callable[[Any], None] | None, interest: Interest, interested: bool
) -> Callable[[Any], None]:
    def parse(data: Any) -> None:
        try:
            interest(
                str(data["guild_id"]),
                str(data["guild_scheduled_event_id"]),
                str(data["user_id"]),
                interested,
            )
        except (KeyError, TypeError):
            log.warning("a scheduled event interest without its ids: %r", data)
        if original is not None:
            original(data)

    return parse
