"""`cercle discord invite-url` and `cercle discord sync`: what an operator runs once.

The invite asks for exactly what Cercle uses: read and post in channels (embeds, the
digest's chart as a file, history to find a post again), open and post in the idea
threads, and Manage Roles for rank roles; scopes `bot` and `applications.commands`.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

import discord

from adapters.discord import app_commands, routes
from bot.commands import CommandRegistry
from bot.config import Secrets, Settings

PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    manage_roles=True,
    # The guild scheduled event that goes with each of Cercle's events.
    manage_events=True,
)
SCOPES = ("bot", "applications.commands")
PLATFORM = "discord"


def application_id_from_token(token: str) -> str | None:
    """A bot token starts with its application's id, base64-encoded."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if decoded.isdigit() else None


def invite_url(application_id: str) -> str:
    query = urlencode(
        {"client_id": application_id, "permissions": PERMISSIONS.value, "scope": " ".join(SCOPES)}
    )
    return f"https://discord.com/oauth2/authorize?{query}"


async def sync_commands(
    settings: Settings, secrets: Secrets, registry: CommandRegistry, everywhere: bool
) -> str:
    """Register the commands now: in every configured guild (or every guild the bot is
    in, when none is configured), or globally with `everywhere`. Returns a summary."""
    assert secrets.discord_token is not None
    routes.use_api_base(settings.discord.api_base_url)
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(secrets.discord_token.get_secret_value())
        application_id = (await client.application_info()).id
        if everywhere or settings.discord.sync_commands == "global":
            stored = await app_commands.sync(client.http, application_id, registry, None)
            return f"{len(stored)} commands registered globally (Discord may take up to an hour)"
        guild_ids = [int(c.spaces[PLATFORM]) for c in settings.communities if PLATFORM in c.spaces]
        if not guild_ids:
            guild_ids = [guild.id async for guild in client.fetch_guilds(limit=None)]
        stored = await app_commands.sync(client.http, application_id, registry, guild_ids)
        return f"{len(stored)} commands registered in {len(guild_ids)} server(s)"
    finally:
        await client.close()
