"""Several workspaces through OAuth: installations live in Cercle's database, and each
workspace's requests and scheduled posts use that workspace's own bot token."""

from __future__ import annotations

import pytest
from slack_fakes import FakeSlackApi, SlackApp
from slack_sdk.oauth.installation_store import Installation

from bot.actions import PostToChannel
from bot.config import Secrets, Settings, SlackSettings
from bot.core import Cercle

pytestmark = pytest.mark.backends("sqlite")


async def test_each_installed_workspace_uses_its_own_token(
    core: Cercle, settings: Settings, slack_api: FakeSlackApi
) -> None:
    oauth = settings.model_copy(
        update={"slack": SlackSettings(api_base_url=slack_api.url, oauth_enabled=True)}
    )
    core.settings = oauth
    app = SlackApp(core, oauth, slack_api)
    app.adapter.secrets = Secrets(
        slack_signing_secret=app.adapter.secrets.slack_signing_secret,
        slack_client_id="1111.2222",
        slack_client_secret="oauth-secret",
    )
    app.adapter.client = None  # no single-workspace token: installations only
    async with app:
        store = app.adapter.store
        assert store is not None
        for team, token in (("T0CERCLE", "xoxb-cercle"), ("T0OTHER", "xoxb-other")):
            await store.async_save(
                Installation(
                    app_id="ACERCLE",
                    team_id=team,
                    bot_token=token,
                    bot_id="BBOT",
                    bot_user_id="UBOT",
                    bot_scopes="chat:write,commands",
                    user_id="UMONA",
                )
            )
        slack_api.tokens.clear()
        await app.message("UALICE", "a message long enough to score", 1)
        assert set(slack_api.tokens) == {"xoxb-cercle"}
        slack_api.tokens.clear()
        await app.adapter.deliver("T0OTHER", PostToChannel("slack", "general", text="Digest"))
        assert slack_api.named("chat.postMessage")[-1]["text"] == "Digest"
        assert set(slack_api.tokens) == {"xoxb-other"}
        assert await app.adapter.client_for("T0NOBODY") is None
