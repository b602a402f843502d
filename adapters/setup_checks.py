"""What `cercle setup` asks the platforms about a token before writing it down.

Discord: `GET /users/@me` (does the token work, which bot is it) and `GET
/applications/@me` (its application id, for the invite URL, and its flags: which
privileged intents the Developer Portal has switched on), at `discord.api_base_url`.
Slack: `auth.test` at `slack.api_base_url`, whose `x-oauth-scopes` header lists the scopes
the bot token was granted, compared with the ones the app manifest asks for. Each missing
piece is one line saying where to fix it; a refused token is a `Check` that is not usable,
and nothing is written for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp

from adapters.discord.intents import PORTAL
from adapters.discord.routes import api_root
from bot.config import DiscordSettings

# Application flags: the full or the "limited" (under 100 servers) variant means the
# intent is on (https://discord.com/developers/docs/resources/application).
INTENT_FLAGS = {
    "members": ((1 << 14) | (1 << 15), "Server Members Intent", "joins, leaves and role changes"),
    "message_content": (
        (1 << 18) | (1 << 19),
        "Message Content Intent",
        "the minimum message length rule reads message text",
    ),
}
PRESENCE_FLAGS = (1 << 12) | (1 << 13)  # not used by Cercle: never asked for
REFUSED_TOKEN = ("invalid_auth", "not_authed", "account_inactive", "token_revoked")
TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass
class Check:
    """What a platform said of a token: who it is, and what is missing (one line each)."""

    platform: str
    usable: bool  # False: the token was refused or the platform could not be asked
    said: str  # one line: who the token is, or why it is not usable
    missing: list[str] = field(default_factory=list)
    application_id: str | None = None  # Discord: for the invite URL
    team_id: str | None = None  # Slack: the workspace, for the community entry


async def check_discord(base_url: str, token: str, settings: DiscordSettings) -> Check:
    """Ask Discord who `token` is and which privileged intents its application has."""
    root = api_root(base_url)
    headers = {"Authorization": f"Bot {token}", "User-Agent": "Cercle setup"}
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT, headers=headers) as http:
            async with http.get(f"{root}/users/@me") as answer:
                if answer.status == 401:
                    return Check(
                        "discord",
                        False,
                        "Discord refused the token (401 Unauthorized): copy it again from "
                        f"{PORTAL} > your application > Bot > Reset Token",
                    )
                answer.raise_for_status()
                me = await answer.json()
            async with http.get(f"{root}/applications/@me") as answer:
                answer.raise_for_status()
                application = await answer.json()
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        return Check("discord", False, f"could not ask Discord at {base_url}: {_why(error)}")
    flags = int(application.get("flags") or 0)
    wanted = {
        "members": settings.members_intent,
        "message_content": settings.message_content_intent,
    }
    missing = [
        f"Discord: the {label} is off ({use}): turn it on in {PORTAL} > your application > "
        "Bot > Privileged Gateway Intents"
        for key, (bits, label, use) in INTENT_FLAGS.items()
        if wanted[key] and not flags & bits
    ]
    name = me.get("username") or "?"
    app_id = str(application.get("id") or me.get("id") or "")
    return Check(
        "discord",
        True,
        f"Discord: the token is the bot {name} of application {app_id}",
        missing,
        application_id=app_id or None,
    )


async def check_slack(base_url: str, token: str, wanted_scopes: tuple[str, ...]) -> Check:
    """Ask Slack (`auth.test`) whose bot `token` is and which of `wanted_scopes` it lacks."""
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token=token, base_url=base_url, timeout=15)
    try:
        answer = await client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error", "") if error.response is not None else ""
        where = "your Slack app > OAuth & Permissions > Bot User OAuth Token (xoxb-...)"
        if code in REFUSED_TOKEN:
            return Check(
                "slack", False, f"Slack refused the bot token ({code}): copy it from {where}"
            )
        return Check("slack", False, f"Slack did not accept the bot token ({code or error})")
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        return Check("slack", False, f"could not ask Slack at {base_url}: {_why(error)}")
    # Slack lists the token's scopes in a header of every answer (case-insensitive).
    raw = next((v for k, v in (answer.headers or {}).items() if k.lower() == "x-oauth-scopes"), "")
    granted = {scope.strip() for scope in str(raw).split(",")}
    missing = [
        f"Slack: the scope {scope} is missing: add it in your Slack app > OAuth & Permissions "
        "> Scopes > Bot Token Scopes, then reinstall the app to the workspace"
        for scope in wanted_scopes
        if scope not in granted
    ]
    team = str(answer.get("team_id") or "")
    return Check(
        "slack",
        True,
        f"Slack: the token is the bot {answer.get('user') or answer.get('user_id') or '?'} "
        f"of workspace {answer.get('team') or team} ({team})",
        missing,
        team_id=team or None,
    )


def _why(error: BaseException) -> str:
    return str(error) or type(error).__name__
