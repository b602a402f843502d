"""Multi-workspace install through Slack OAuth, with installations kept in Cercle's own
database by slack-sdk's async SQLAlchemy stores (tables `slack_installations`,
`slack_bots`, `slack_oauth_states`, created by Cercle's migrations).

`/slack/install` starts the flow, `/slack/oauth_redirect` finishes it; every request then
gets the token of the workspace it comes from, and scheduled posts find theirs with
`bot_client`. The OAuth state lives in the database too, so the redirect may reach any of
several processes behind one URL.
"""

from __future__ import annotations

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.clients import web_client
from adapters.slack.manifest import BOT_SCOPES, OAUTH_REDIRECT_PATH

INSTALL_PATH = "/slack/install"
STATE_EXPIRATION_SECONDS = 600


def installation_store(client_id: str, engine: AsyncEngine) -> AsyncSQLAlchemyInstallationStore:
    return AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine)


def oauth_settings(
    client_id: str,
    client_secret: str,
    store: AsyncSQLAlchemyInstallationStore,
    engine: AsyncEngine,
) -> AsyncOAuthSettings:
    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=store,
        state_store=AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine
        ),
        install_path=INSTALL_PATH,
        redirect_uri_path=OAUTH_REDIRECT_PATH,
    )


async def bot_client(
    store: AsyncSQLAlchemyInstallationStore, team_id: str, base_url: str
) -> AsyncWebClient | None:
    """A client with the bot token installed in `team_id`, or None if Cercle is not there."""
    bot = await store.async_find_bot(enterprise_id=None, team_id=team_id)
    if bot is None or not bot.bot_token:
        return None
    return web_client(base_url, bot.bot_token)
