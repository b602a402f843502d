"""What Cercle assumes of discord.py's internals (`adapters.discord.library_internals`).

Each test fails when a discord.py upgrade breaks one assumption: the parser table is where
the gateway looks events up, the parsers Cercle hooks exist and take one payload, a hooked
parser really runs for an event from the gateway, the handler of a gateway message Cercle
wraps is the one a burst goes through, and the REST root and gateway address Cercle sets
are the ones a real client uses (against the local fake Discord).
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord
import discord_payloads as p
import pytest
import yarl
from discord_setup import FAKE_READY

from adapters.discord import fast_messages, library_internals, routes
from benchmarks.discord_fake import FakeDiscord

pytestmark = pytest.mark.backends("sqlite")

HOOKED = ("MESSAGE_CREATE", *fast_messages.ROLE_EVENTS)


def intents() -> discord.Intents:
    chosen = discord.Intents.none()
    chosen.guilds = chosen.guild_messages = chosen.message_content = True
    return chosen


@pytest.fixture(autouse=True)
def restored_switches() -> Any:
    """The REST root and the gateway are process-wide: put them back after each test."""
    base, gateway = library_internals.rest_base(), library_internals.default_gateway()
    yield
    library_internals.set_rest_base(base)
    library_internals.set_default_gateway(gateway)
    library_internals.restore_received_message()


@asynccontextmanager
async def connected(fake: FakeDiscord, client: discord.Client) -> AsyncIterator[discord.Client]:
    """`client` logged in and ready against the fake, through the switches under test."""
    library_internals.set_rest_base(routes.api_root(fake.base_url))
    library_internals.set_default_gateway(f"ws://127.0.0.1:{fake.port}/gateway")
    await client.login("fake-token")
    task = asyncio.ensure_future(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 15)
        yield client
    finally:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)


def clients() -> list[Any]:
    return [
        pytest.param(lambda: discord.Client(intents=intents(), guild_ready_timeout=FAKE_READY)),
        pytest.param(
            lambda: discord.AutoShardedClient(
                intents=intents(), shard_count=1, guild_ready_timeout=FAKE_READY
            ),
            id="sharded",
        ),
    ]


def test_the_parser_table_holds_every_parser_cercle_hooks() -> None:
    table = library_internals.parsers(discord.Client(intents=intents()))
    assert isinstance(table, dict)
    for name in HOOKED:
        parser = table.get(name)
        assert callable(parser), f"discord.py has no {name} parser any more"
        assert len(inspect.signature(parser).parameters) == 1, f"{name} takes one payload"


def test_no_parser_table_is_reported_as_none() -> None:
    assert library_internals.parsers(object()) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("make", clients())
async def test_a_hooked_parser_runs_for_a_gateway_event(fake: FakeDiscord, make: Any) -> None:
    """Replaced after the client connected, so on the table the gateway reads, not a copy."""
    client = make()
    seen: list[dict[str, Any]] = []
    on_message: list[discord.Message] = []
    client.event(_recorder(on_message))
    async with connected(fake, client):
        table = library_internals.parsers(client)
        assert table is not None
        table["MESSAGE_CREATE"] = seen.append
        payload = p.message_create("2001", "alice", "hello")
        await fake.dispatch("MESSAGE_CREATE", payload, p.GUILD)
        await _until(lambda: bool(seen))
    assert seen[0]["id"] == payload["id"] and seen[0]["content"] == "hello"
    assert on_message == [], "discord.py's own parser was bypassed"


@pytest.mark.parametrize("make", clients())
async def test_a_wrapped_role_parser_still_applies_the_change(fake: FakeDiscord, make: Any) -> None:
    client = make()
    calls: list[str] = []
    async with connected(fake, client):
        table = library_internals.parsers(client)
        assert table is not None
        original = table["GUILD_ROLE_UPDATE"]

        def wrapped(data: Any) -> None:
            calls.append(data["role"]["id"])
            original(data)

        table["GUILD_ROLE_UPDATE"] = wrapped
        role = {
            "id": p.REGULAR_ROLE,
            "name": "Champions",
            "permissions": "0",
            "position": 1,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
        }
        await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": p.GUILD, "role": role}, p.GUILD)
        guild = client.get_guild(int(p.GUILD))
        assert guild is not None
        await _until(lambda: calls != [])
        found = guild.get_role(int(p.REGULAR_ROLE))
        assert found is not None and found.name == "Champions"


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "discord.py's own"])
async def test_a_burst_read_in_one_go_gives_other_tasks_turns(
    fake: FakeDiscord, shared: bool
) -> None:
    """A member's command is another task on the same loop as the gateway: while the
    gateway works through a burst, that task must get turns, and the events still come in
    their order. Each event here takes a millisecond to handle."""
    client = discord.Client(intents=intents(), guild_ready_timeout=FAKE_READY)
    turns = 0
    handled: list[tuple[str, int]] = []

    async def other_task() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    def parse(data: dict[str, Any]) -> None:
        time.sleep(0.001)
        handled.append((data["id"], turns))

    async with connected(fake, client):
        table = library_internals.parsers(client)
        assert table is not None
        table["MESSAGE_CREATE"] = parse
        if shared:
            library_internals.share_the_loop(0.002)
        burst = [p.message_create("2001", "alice", f"message {n}") for n in range(120)]
        other = asyncio.ensure_future(other_task())
        try:
            await fake.push(fake.frames("MESSAGE_CREATE", burst), p.GUILD)
            await _until(lambda: len(handled) == len(burst))
        finally:
            other.cancel()
    assert [id_ for id_, _ in handled] == [m["id"] for m in burst]
    # The longest stretch of events handled without the other task getting a turn.
    stretch = max(len(list(run)) for _, run in itertools.groupby(t for _, t in handled))
    if shared:
        assert stretch <= 3  # 2 ms of events, and the one that crossed it
    else:
        assert stretch > 20  # what a burst did before: the whole read in one go


async def test_rest_calls_go_to_the_rest_base(fake: FakeDiscord) -> None:
    library_internals.set_rest_base(routes.api_root(fake.base_url))
    assert library_internals.rest_base() == f"{fake.base_url}/api/v{library_internals.API_VERSION}"
    client = discord.Client(intents=intents())
    try:
        await client.login("fake-token")
    finally:
        await client.close()
    assert fake.calls("GET", "^/users/@me$"), "login went to the configured root"


@pytest.mark.parametrize("make", clients())
async def test_a_client_connects_to_the_default_gateway(fake: FakeDiscord, make: Any) -> None:
    """Without asking `/gateway/bot`: a plain client and a fixed shard count use it."""
    async with connected(fake, make()):
        await fake.wait_sessions(1)
    assert not fake.calls("GET", "^/gateway/bot$")


def test_the_shipped_gateway_and_api_version_are_discord_s() -> None:
    assert library_internals.DISCORD_GATEWAY.host == "gateway.discord.gg"
    assert routes.api_root(routes.DISCORD_ROOT) == "https://discord.com/api/v10"
    library_internals.set_default_gateway("ws://127.0.0.1:9/gateway")
    assert library_internals.default_gateway() == yarl.URL("ws://127.0.0.1:9/gateway")
    routes.use_api_base(routes.DISCORD_ROOT)
    assert library_internals.default_gateway() == library_internals.DISCORD_GATEWAY
    assert library_internals.rest_base() == "https://discord.com/api/v10"


def _recorder(into: list[discord.Message]) -> Any:
    async def on_message(message: discord.Message) -> None:
        into.append(message)

    return on_message


async def _until(check: Any, within: float = 10.0) -> None:
    async def wait() -> None:
        while not check():  # noqa: ASYNC110  (the fake and the client share no event)
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), within)
