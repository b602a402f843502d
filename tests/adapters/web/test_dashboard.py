"""The moderators' dashboard: opened only by the link `/admin dashboard` gives, for as long
as `web.link_minutes` says; an expired, forged or borrowed link gets 403 and a page saying
how to get a new one."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from transcript import Transcript

from adapters.console.session import ConsoleSession
from adapters.web.app import WebSite
from bot.config import Settings, WebSettings
from bot.core import Cercle


@pytest.fixture
def settings() -> Settings:
    # Not public: the dashboard opens through its link whatever `web.public` says.
    return Settings(web=WebSettings(base_url="https://cercle.example.com/", link_minutes=30))


async def dashboard_link(console) -> str:  # type: ignore[no-untyped-def]
    out = await console.play("alice: /admin dashboard")
    text = "\n".join(out)
    assert "only you" in text and "30 minutes" in text, text
    (link,) = re.findall(r"https://cercle\.example\.com(/c/test/dashboard\?\S+)", text)
    return link


async def test_a_moderators_link_opens_the_dashboard_until_it_expires(client, console):
    link = await dashboard_link(console)
    response = await client.get(link)
    assert response.status == 200
    html = await response.text()
    assert "<h1>Dashboard</h1>" in html
    assert html.count('<img src="data:image/svg+xml;base64,') == 4  # four health charts
    assert "Audit trail" in html and "mallory" in html  # the exclusion, by alice
    assert "Quiet regulars" in html and "Digest history" in html
    assert response.headers["Cache-Control"] == "no-store"
    await console.play("after 31m")
    expired = await client.get(link)
    assert expired.status == 403
    assert "/admin dashboard" in await expired.text()


async def test_a_forged_or_borrowed_link_gets_403(client, console, db, clock):
    link = await dashboard_link(console)
    forged = re.sub(r"sig=([0-9a-f])", lambda m: "sig=" + ("0" if m[1] != "0" else "1"), link)
    assert (await client.get(forged)).status == 403
    later = re.sub(r"until=(\d+)", lambda m: f"until={int(m[1]) + 60}", link)
    assert (await client.get(later)).status == 403  # the expiry is signed too
    other = link.replace("/c/test/", "/c/other/")
    assert (await client.get(other)).status == 403
    assert (await client.get("/c/test/dashboard")).status == 403
    page = await (await client.get(forged)).text()
    assert "It has expired or is not valid" in page and "30 minutes" in page


async def test_only_moderators_get_a_link(console):
    out = await console.play("bob: /admin dashboard")
    assert "example.com" not in "\n".join(out)
    assert any("moderators" in line for line in out), out


async def test_without_a_web_address_the_command_says_what_to_set(db, clock):
    session = ConsoleSession(Cercle(db, Settings(), clock), "test")
    await session.start(clock.now())
    out = await Transcript(session).play("alice is moderator\nalice: /admin dashboard")
    assert any("web.port" in line for line in out), out


async def test_a_link_signed_with_the_environment_secret_stops_working_when_it_changes(
    core, console
):
    core.web_secret = "one secret"
    await console.play("alice is moderator")
    link = await dashboard_link(console)
    async with TestClient(TestServer(WebSite(core).app())) as client:
        assert (await client.get(link)).status == 200
        core.web_secret = "another secret"
        assert (await client.get(link)).status == 403
    assert urlsplit(link).path == "/c/test/dashboard"
