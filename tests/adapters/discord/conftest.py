"""A started Discord adapter against a local fake Discord, on a real core."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import discord_payloads as p
import pytest
from discord_setup import FAKE_READY, SECRETS, discord_settings

from adapters.discord.adapter import DiscordAdapter
from benchmarks.discord_fake import FakeDiscord, FakeGuild, Recorded
from bot.config import Settings
from bot.core import Cercle


def fake_guild() -> FakeGuild:
    return FakeGuild(
        id=p.GUILD,
        name="Acme",
        channels={"general": p.GENERAL, "help": p.HELP, "moderators": p.MODS, "ideas": p.IDEAS},
        roles={"Moderators": (p.MOD_ROLE, 0), "Regular": (p.REGULAR_ROLE, 0)},
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord([fake_guild()]).start()
    yield server
    await server.stop()


class Harness:
    """The fake, the adapter and its core, plus waiting helpers."""

    def __init__(self, fake: FakeDiscord, adapter: DiscordAdapter, core: Cercle) -> None:
        self.fake, self.adapter, self.core = fake, adapter, core

    async def send(self, name: str, data: dict[str, Any]) -> None:
        await self.fake.dispatch(name, data, data.get("guild_id"))

    async def settle(self) -> None:
        """Let the client read what was sent, then wait for the batch and its effects."""
        await asyncio.sleep(0.05)
        await self.adapter.idle()
        await asyncio.sleep(0.02)
        await self.adapter.idle()

    async def interact(self, payload: dict[str, Any], within: float = 10.0) -> Recorded:
        """Send an INTERACTION_CREATE and return Discord's callback request for it."""
        await self.send("INTERACTION_CREATE", payload)
        calls = await self.fake.wait_for("POST", f"/interactions/{payload['id']}/", within=within)
        await self.settle()
        return calls[0]

    def followups(self, payload: dict[str, Any]) -> list[Recorded]:
        return self.fake.calls("POST", f"/webhooks/\\d+/{payload['token']}$") + self.fake.calls(
            "PATCH", f"/webhooks/\\d+/{payload['token']}/messages/@original"
        )


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def started(fake: FakeDiscord, settings: Settings, core: Cercle) -> DiscordAdapter:
    adapter = DiscordAdapter(settings, SECRETS, guild_ready_timeout=FAKE_READY)
    await adapter.start(core)
    await adapter.wait_ready(within=15)
    return adapter


Starter = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def start(fake: FakeDiscord, settings: Settings, db, clock) -> AsyncIterator[Starter]:  # type: ignore[no-untyped-def]
    """`await start(**settings_updates)`: an adapter and a new core on the test's database
    (call it again for a restart: same database, new process state)."""
    running: list[DiscordAdapter] = []

    async def make(discord: dict[str, Any] | None = None, **updates: Any) -> Harness:
        configured = discord_settings(settings.model_copy(update=updates), fake, **(discord or {}))
        core = Cercle(db, configured, clock)
        adapter = await started(fake, configured, core)
        running.append(adapter)
        return Harness(fake, adapter, core)

    yield make
    for adapter in running:
        await adapter.stop()


@pytest.fixture
async def harness(start: Starter) -> Harness:
    return await start()
