"""Every use Cercle makes of discord.py's private parts, and nothing else.

discord.py offers no public way to do four things Cercle needs, so this module does them
through its internals, and the rest of the adapter calls these small functions instead of
touching an underscore name or an undocumented constant itself:

- `parsers(client)`: the `ConnectionState.parsers` table the gateway looks each event up
  in (`client._connection.parsers`, the same dict object every shard holds), where
  `fast_messages` replaces the MESSAGE_CREATE parser and wraps the role-changing ones;
- `set_rest_base(root)`: `discord.http.Route.BASE`, the class attribute every REST call
  (interaction callbacks and webhooks included) is built from, for a proxy or a local
  fake; `API_VERSION` is the version discord.py puts in that root;
- `share_the_loop(every)`: `DiscordWebSocket.received_message`, the coroutine the gateway
  awaits for each event it reads, made to let the event loop run other tasks when a burst
  has held it for `every` seconds; `restore_received_message()` puts discord.py's back;
- `set_default_gateway(url)`: `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`, the
  gateway address used when the shard count is fixed by config instead of the one
  `/gateway/bot` returns; `restore_default_gateway()` puts discord.py's own back.

The REST root and the gateway are process-wide: every client in this process talks to
the same Discord. `tests/adapters/discord/test_library_internals.py` fails when a
discord.py upgrade breaks one of these assumptions; pyproject pins the minor version
they were checked against.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import INTERNAL_API_VERSION, Route

Parser = Callable[[Any], None]

API_VERSION: int = INTERNAL_API_VERSION
# The gateway address discord.py ships with, kept before anything replaces it.
DISCORD_GATEWAY: yarl.URL = DiscordWebSocket.DEFAULT_GATEWAY
# discord.py's own handler of one gateway message, kept before anything wraps it.
RECEIVED_MESSAGE: Callable[..., Any] = DiscordWebSocket.received_message


def parsers(client: discord.Client) -> dict[str, Parser] | None:
    """The gateway's event name -> parser table of `client` (changes to it take effect on
    the next event, on every shard); None if this discord.py keeps it elsewhere."""
    state = getattr(client, "_connection", None)
    table = getattr(state, "parsers", None)
    return table if isinstance(table, dict) else None


def rest_base() -> str:
    """The root every REST call of discord.py is built from."""
    return str(Route.BASE)


def set_rest_base(root: str) -> None:
    """Build every REST call of discord.py from `root` (e.g. `https://discord.com/api/v10`)."""
    Route.BASE = root


def default_gateway() -> yarl.URL:
    """The gateway address a client with a fixed shard count connects to."""
    return DiscordWebSocket.DEFAULT_GATEWAY


def set_default_gateway(url: str | yarl.URL) -> None:
    """Connect clients with a fixed shard count to `url` instead of Discord's gateway."""
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)


def restore_default_gateway() -> None:
    """Put discord.py's own gateway address back."""
    DiscordWebSocket.DEFAULT_GATEWAY = DISCORD_GATEWAY


def share_the_loop(every: float) -> None:
    """Let the event loop run other tasks at least every `every` seconds while a shard
    works through what it read from the gateway, on every client of this process.

    A busy server's events come many to a read, and discord.py handles each one without
    waiting for anything, so a burst of hundreds held the loop for 10 to 20 ms in one go;
    a command's reads (a trip each to the database's thread) each waited for the rest of
    the burst. The events are still handled one after the other, in their order."""
    last = time.monotonic()

    async def received_message(self: DiscordWebSocket, msg: Any, /) -> None:
        nonlocal last
        await RECEIVED_MESSAGE(self, msg)
        if time.monotonic() - last >= every:
            await asyncio.sleep(0)
            last = time.monotonic()

    DiscordWebSocket.received_message = received_message  # type: ignore[method-assign]


def restore_received_message() -> None:
    """Put discord.py's own handler of a gateway message back."""
    DiscordWebSocket.received_message = RECEIVED_MESSAGE  # type: ignore[method-assign]
