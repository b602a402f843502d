"""Where discord.py sends its REST calls and finds the gateway: `discord.api_base_url`.

discord.py has no public setting for its REST root, so this module (with `fast_messages`,
which replaces the MESSAGE_CREATE parser) is where Cercle touches its internals:
`discord.http.Route.BASE` (a class attribute every REST call, interaction callbacks and
webhooks included, is built from) and
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY` (the gateway address used when the
shard count is fixed by config, instead of the one `/gateway/bot` returns).
`tests/adapters/discord/test_routes.py` fails if a discord.py upgrade moves either.
Both are process-wide: every client in this process talks to the same Discord.
"""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import INTERNAL_API_VERSION, HTTPClient, Route

DISCORD_ROOT = "https://discord.com"
_DISCORD_GATEWAY = DiscordWebSocket.DEFAULT_GATEWAY


def api_root(base_url: str) -> str:
    """`https://discord.com` -> `https://discord.com/api/v10` (a trailing /api is kept)."""
    base = base_url.rstrip("/")
    if base.endswith("/api"):
        base = base[: -len("/api")]
    return f"{base}/api/v{INTERNAL_API_VERSION}"


def use_api_base(base_url: str) -> None:
    """Send every REST call of discord.py to `base_url` (Discord's own by default)."""
    Route.BASE = api_root(base_url)
    if base_url.rstrip("/") == DISCORD_ROOT:
        DiscordWebSocket.DEFAULT_GATEWAY = _DISCORD_GATEWAY


def is_discord(base_url: str) -> bool:
    return base_url.rstrip("/") == DISCORD_ROOT


async def discover_gateway(http: HTTPClient, base_url: str) -> str:
    """Ask `/gateway/bot` (through the configured root) where the gateway is, and use it
    for every shard: a proxy or a local fake gives its own address this way."""
    _shards, url, _limits = await http.get_bot_gateway()
    if not is_discord(base_url):
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    return url
