"""A community with a known board, and the web page served on it by aiohttp's test server
(a real HTTP server on a free port of this machine)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from web_board import BOARD

from adapters.web.app import WebSite
from adapters.web.ratelimit import RateLimit
from bot.config import Settings, WebSettings
from bot.core import Cercle


@pytest.fixture
def settings() -> Settings:
    return Settings(web=WebSettings(public=True, base_url="https://cercle.example.com"))


@pytest.fixture
async def community(console) -> str:  # type: ignore[no-untyped-def]
    out = await console.play(BOARD)
    assert not any("not allowed" in line.lower() for line in out), out
    return "test"


@pytest.fixture
def limit() -> RateLimit:
    return RateLimit(rate=1.0, burst=1000)


@pytest.fixture
async def client(core: Cercle, community: str, limit: RateLimit) -> AsyncIterator[TestClient]:
    site = WebSite(core, limit, core.settings.web.link_minutes)
    async with TestClient(TestServer(site.app())) as client:
        yield client
