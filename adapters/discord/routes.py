"""Where discord.py sends its REST calls and finds the gateway: `discord.api_base_url`.

The default is Discord itself; a proxy or a local fake gives its own root, and then the
gateway address `/gateway/bot` returns through that root is used for every shard too.
discord.py has no public setting for either, so the switches themselves are in
`library_internals`; this module decides what to set them to. Both are process-wide:
every client in this process talks to the same Discord.
"""

from __future__ import annotations

from discord.http import HTTPClient

from adapters.discord import library_internals

DISCORD_ROOT = "https://discord.com"


def api_root(base_url: str) -> str:
    """`https://discord.com` -> `https://discord.com/api/v10` (a trailing /api is kept)."""
    base = base_url.rstrip("/")
    if base.endswith("/api"):
        base = base[: -len("/api")]
    return f"{base}/api/v{library_internals.API_VERSION}"


def use_api_base(base_url: str) -> None:
    """Send every REST call of discord.py to `base_url` (Discord's own by default)."""
    library_internals.set_rest_base(api_root(base_url))
    if is_discord(base_url):
        library_internals.restore_default_gateway()


def is_discord(base_url: str) -> bool:
    return base_url.rstrip("/") == DISCORD_ROOT


async def discover_gateway(http: HTTPClient, base_url: str) -> str:
    """Ask `/gateway/bot` (through the configured root) where the gateway is, and use it
    for every shard: a proxy or a local fake gives its own address this way."""
    _shards, url, _limits = await http.get_bot_gateway()
    if not is_discord(base_url):
        library_internals.set_default_gateway(url)
    return url
