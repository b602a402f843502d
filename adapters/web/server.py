"""The web page as a running server: `cercle web` runs it alone, `cercle run` beside the
platforms when `web.port` is set (same process, same event loop, same core).

It is not a chat platform (no spaces, no events, no actions to carry out), so it is not a
line of `adapters.platforms`: it only reads through the core's port, like `/healthz`
beside it, on aiohttp's web server.
"""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.web.app import WebSite
from bot.config import WebSettings
from bot.ports import CoreFace

log = logging.getLogger("cercle.web")


class WebServer:
    """Serves the community pages on `web.host`:`web.port` until stopped."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """Where members reach the pages: `web.base_url`, else this server's address."""
        if self.settings.base_url:
            return self.settings.base_url.rstrip("/")
        return f"http://{self.settings.host}:{self.settings.port}"

    async def start(self, core: CoreFace) -> None:
        if self.settings.port is None:
            raise ValueError("web.port is not set: the web page has no port to serve on")
        site = WebSite(core, link_minutes=self.settings.link_minutes)
        self._runner = web.AppRunner(site.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
        log.info("community pages at %s/c/<community>", self.base_url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
