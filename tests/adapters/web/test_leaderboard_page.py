"""The public leaderboard as a reader sees it: who is on it, in which order, in the
community's language, and what a community that is not public answers."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient, TestServer
from web_board import SHOWN

from adapters.web.app import WebSite
from bot.config import CommunityEntry, Settings, WebSettings
from bot.core import Cercle


def names(html: str) -> list[str]:
    return re.findall(r"<a class=\"name\" href=\"[^\"]*\">([^<]*)</a>", html)


async def test_the_leaderboard_lists_members_by_points_without_hidden_or_excluded(client):
    response = await client.get("/c/test")
    assert response.status == 200
    html = await response.text()
    assert names(html) == SHOWN
    assert "nora" not in html and "mallory" not in html
    assert "Leaderboard — week of 5–11 January 2026" in html
    assert "4 on the board" in html


async def test_equal_points_share_a_place(client):
    html = await (await client.get("/c/test?period=all")).text()
    places = re.findall(r'<span class="place[^"]*"[^>]*>(\d+)</span>', html)
    assert list(zip(names(html), places, strict=True)) == [
        ("bob", "1"),
        ("dave", "2"),
        ("carol", "3"),
        ("erin", "3"),
    ]


async def test_the_page_works_without_javascript_and_has_a_dark_theme(client):
    html = await (await client.get("/c/test")).text()
    assert "<script" not in html
    assert "prefers-color-scheme: dark" in html
    assert 'name="viewport"' in html


async def test_the_api_gives_the_same_board_as_json(client):
    response = await client.get("/api/c/test/leaderboard", params={"period": "all", "size": "2"})
    assert response.status == 200
    body = await response.json()
    assert [m["name"] for m in body["members"]] == ["bob", "dave"]
    assert (body["total"], body["pages"], body["page"]) == (4, 2, 1)
    params = {"period": "all", "size": "2", "page": "2"}
    second = await (await client.get("/api/c/test/leaderboard", params=params)).json()
    assert [(m["name"], m["place"]) for m in second["members"]] == [("carol", 3), ("erin", 3)]
    assert body["members"][0]["rank"] == "Newcomer"


async def test_a_bad_parameter_is_a_400_that_says_why(client):
    response = await client.get("/api/c/test/leaderboard", params={"period": "year"})
    assert response.status == 400
    assert "period must be one of week, month, all" in (await response.json())["error"]


async def test_the_openapi_description_names_the_paths_served(client):
    spec = await (await client.get("/api/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == {
        "/api/c/{community}/leaderboard",
        "/api/c/{community}/ideas",
        "/api/c/{community}/members/{name}",
        "/api/c/{community}/polls/{number}",
    }
    for path in spec["paths"]:
        served = path.format(community="test", name="bob", number=1)
        # 404 only for the poll: the community has none; the path itself is routed.
        assert (await client.get(served)).status in (200, 404), path
        assert (await client.get(served)).content_type == "application/json", path


async def test_an_unknown_community_is_a_404_page(client):
    response = await client.get("/c/nobody")
    assert response.status == 404
    assert "There is no public page here" in await response.text()
    assert (await client.get("/api/c/nobody/leaderboard")).status == 404


async def test_a_community_that_is_not_public_answers_404(db, clock, console):
    await console.play("bob: hello")
    private = Cercle(db, Settings(communities=[CommunityEntry(name="test")]), clock)
    async with TestClient(TestServer(WebSite(private).app())) as client:
        assert (await client.get("/c/test")).status == 404
        assert (await client.get("/api/c/test/leaderboard")).status == 404
    opted_in = Settings(communities=[CommunityEntry(name="test", web_public=True)])
    async with TestClient(TestServer(WebSite(Cercle(db, opted_in, clock)).app())) as client:
        assert (await client.get("/c/test")).status == 200


async def test_a_french_community_reads_french(db, clock, console):
    await console.play("bob: hello")
    french = Settings(
        web=WebSettings(public=True), communities=[CommunityEntry(name="test", locale="fr")]
    )
    async with TestClient(TestServer(WebSite(Cercle(db, french, clock)).app())) as client:
        html = await (await client.get("/c/test")).text()
    assert '<html lang="fr">' in html
    assert "Classement" in html and "Cette semaine" in html


async def test_a_client_past_the_rate_limit_gets_429(client, limit):
    limit.burst = 2
    limit._buckets.clear()
    statuses = [(await client.get("/api/c/test/leaderboard")).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = await client.get("/api/c/test/leaderboard")
    assert int(response.headers["Retry-After"]) >= 1
    assert (await client.get("/c/test")).status == 200  # pages are not the API
