"""The web page at scale: the public leaderboard page and its JSON API, served by the real
aiohttp application on a local port and asked over HTTP, against the 100k-member fixture.

Each call is one GET by a fresh client connection's worth of work inside a kept session
(as a browser or another bot keeps its connection): the page for a period drawn in turn
(week, month, all), page 1 to 4 (what readers open); the API for a period and a page
among the first 20 of 25 members. The rate limit is lifted for the run (it would answer
429 to a benchmark, as it should to any client this fast).
"""

from __future__ import annotations

import random
import time

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from adapters.web.app import WebSite
from adapters.web.ratelimit import RateLimit
from benchmarks.fixture import ScaleFixture
from benchmarks.results import Latency, Sizes
from bot.core import Cercle
from storage.communities import community_slug

PERIODS = ("week", "month", "all")


async def web_latency(
    core: Cercle, scale: ScaleFixture, sizes: Sizes, rng: random.Random
) -> list[Latency]:
    """p50/p99 of the leaderboard page and of its API (checked: 200 and members shown)."""
    async with core.db.transaction() as session:
        slug = await community_slug(session, scale.community_id)
    assert slug is not None
    unlimited = RateLimit(rate=1e9, burst=10**9)
    server = TestServer(WebSite(core, unlimited).app())
    await server.start_server()
    results: list[Latency] = []
    try:
        async with ClientSession(base_url=str(server.make_url("/"))) as client:
            for label, path, pages, check in (
                ("web page /c/<community>", f"/c/{slug}", 4, 'class="name"'),
                ("web API leaderboard", f"/api/c/{slug}/leaderboard", 20, '"members": [{'),
            ):
                samples: list[float] = []
                errors = 0
                for call in range(sizes.warmup_calls + sizes.calls):
                    params = {"period": PERIODS[call % 3], "page": str(rng.randint(1, pages))}
                    started = time.perf_counter()
                    async with client.get(path, params=params) as response:
                        body = await response.text()
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status != 200 or check not in body:
                        errors += 1
                    if call >= sizes.warmup_calls:
                        samples.append(elapsed)
                board = "week, month, all in turn; pages 1-" + str(pages)
                results.append(Latency(label, samples, board, errors))
    finally:
        await server.close()
    return results
