"""`SlackAdapter`: Cercle in a Slack workspace, started by `cercle run` on its event loop.

With `SLACK_APP_TOKEN` set it connects through Socket Mode (no public URL needed);
otherwise it serves bolt's aiohttp app on `slack.http_host`:`slack.http_port` (events,
commands and interactivity at `/slack/events`, every request's signature checked with
`SLACK_SIGNING_SECRET`). `AsyncApp.start()` is never called: it would run a loop of its
own. The Web API is reached at `slack.api_base_url`. With `slack.oauth_enabled`, each
workspace that installs Cercle gets its own token from the installation store.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import backfill, oauth
from adapters.slack.app import SlackBridge, build_app
from adapters.slack.clients import web_client
from adapters.slack.gate import gate
from adapters.slack.manifest import EVENTS_PATH
from adapters.slack.outbound import SUPPORTED, Target
from adapters.slack.reader import SlackReader
from bot.actions import Action
from bot.config import Secrets, Settings
from bot.ports import CoreFace, Notice, check_supported

log = logging.getLogger("cercle.slack")


class SlackAdapter:
    platform = "slack"
    supports = SUPPORTED

    def __init__(self, settings: Settings, secrets: Secrets) -> None:
        self.settings = settings
        self.secrets = secrets
        self.base_url = settings.slack.api_base_url
        token = secrets.slack_bot_token.get_secret_value() if secrets.slack_bot_token else None
        self.client = web_client(self.base_url, token) if token else None
        self.store: AsyncSQLAlchemyInstallationStore | None = None
        self.bridge: SlackBridge | None = None
        self.reader: SlackReader | None = None
        self.core: CoreFace | None = None
        self.app: Any = None
        self.runner: web.AppRunner | None = None
        self.socket: Any = None
        self.port: int | None = None  # the port actually listened on (HTTP mode)
        self.team_id: str | None = None  # the workspace of the bot token
        self._tasks: set[asyncio.Task[None]] = set()

    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        if self.store is not None:
            found = await oauth.bot_client(self.store, team_id, self.base_url)
            if found is not None:
                return found
        return self.client

    def build(self, core: CoreFace) -> None:
        """The bolt app and its listeners, without connecting anything (tests serve it)."""
        slack, secrets = self.settings.slack, self.secrets
        self.core = core
        self.bridge = SlackBridge(core, self.client_for, ingest=self.settings.ingest)
        signing = secrets.slack_signing_secret
        args: dict[str, Any] = {
            "name": "cercle",
            "signing_secret": signing.get_secret_value() if signing else "",
            "request_verification_enabled": secrets.slack_app_token is None,
        }
        if slack.oauth_enabled:
            client_id, client_secret = secrets.slack_client_id, secrets.slack_client_secret
            if client_id is None or client_secret is None:
                raise RuntimeError(
                    "slack.oauth_enabled needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
                )
            engine = core.engine
            self.store = oauth.installation_store(client_id.get_secret_value(), engine)
            args["client"] = web_client(self.base_url)
            args["oauth_settings"] = oauth.oauth_settings(
                client_id.get_secret_value(), client_secret.get_secret_value(), self.store, engine
            )
        else:
            args["client"] = self.client
        self.app = build_app(self.bridge, **args)
        self.reader = SlackReader(self.client_for, self.bridge.team_urls)
        core.attach(self)

    def web_app(self) -> web.Application:
        app = self.app.web_app(path=EVENTS_PATH)
        signing = self.secrets.slack_signing_secret
        if signing is not None:
            app.middlewares.append(gate(signing.get_secret_value(), EVENTS_PATH))
        return app

    async def start(self, core: CoreFace) -> None:
        slack, secrets = self.settings.slack, self.secrets
        if secrets.slack_app_token is None and secrets.slack_signing_secret is None:
            raise RuntimeError(
                "Slack HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for "
                "Socket Mode)"
            )
        self.build(core)
        await self._learn_workspace()
        if secrets.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self.socket = AsyncSocketModeHandler(
                self.app, secrets.slack_app_token.get_secret_value()
            )

            async def on_message(_client: Any, message: dict, _raw: Any) -> None:
                if message.get("type") == "hello":  # every new connection, the first too
                    self._backfill()

            self.socket.client.message_listeners.append(on_message)
            await self.socket.connect_async()
            log.info("Slack: connected through Socket Mode")
            return
        self.runner = web.AppRunner(self.web_app())
        await self.runner.setup()
        site = web.TCPSite(self.runner, slack.http_host, slack.http_port)
        await site.start()
        addresses = self.runner.addresses  # the bound sockets' (host, port, ...)
        self.port = addresses[0][1] if addresses else slack.http_port
        log.info("Slack: listening on %s:%s%s", slack.http_host, self.port, EVENTS_PATH)
        self._backfill()

    def _backfill(self) -> None:
        """Read back what the workspace said while no process was there to score it."""
        hours = self.settings.ingest.backfill_hours
        if not hours or self.client is None or self.bridge is None or self.team_id is None:
            return
        bridge, client, team = self.bridge, self.client, self.team_id

        async def read() -> None:
            async with bridge.working():
                await backfill.workspace(bridge, client, team, hours)

        self._tasks.add(task := asyncio.get_running_loop().create_task(read()))
        task.add_done_callback(self._tasks.discard)

    async def _learn_workspace(self) -> None:
        """The workspace's URL, for links to messages (single-workspace installs)."""
        if self.client is None or self.bridge is None:
            return
        try:
            found = await self.client.auth_test()
        except SlackApiError as error:
            log.warning("Slack auth.test failed: %s", error.response.get("error"))
            return
        self.team_id = found.get("team_id")
        if found.get("team_id") and found.get("url"):
            self.bridge.team_urls[found["team_id"]] = found["url"]

    async def connected(self) -> bool:
        """Socket Mode: its websocket is open; HTTP mode: the server is listening."""
        if self.socket is not None:
            return bool(await self.socket.client.is_connected())
        return self.runner is not None and bool(self.runner.addresses)

    async def deliver(self, space_id: str, action: Action) -> None:
        check_supported(self, action)
        if self.bridge is not None:
            await self.bridge.outbound.send([action], Target(space_id))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self.bridge is not None:
            await self.bridge.settle(quiet_rounds=1)
            await self.bridge.inbox.stop()  # waits for what was received to be handled
        if self.socket is not None:
            await self.socket.close_async()
            self.socket = None
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        if self.core is not None:
            self.core.detach(self)

    # -- MessageReader -------------------------------------------------------------------

    async def message_text(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        if self.reader is None:
            return None
        return await self.reader.message_text(space_id, channel_id, message_id)

    def message_link(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        if self.reader is None:
            return None
        return self.reader.message_link(space_id, channel_id, message_id)

    def notices(self, space_id: str) -> list[Notice]:
        return []
