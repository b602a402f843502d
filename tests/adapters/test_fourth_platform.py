"""A fourth platform needs its own package, one registry line and its catalog entries,
nothing in `bot/` or `storage/`: "relay", defined in this file alone as a platform
package would be, is registered, configured under its own name, started, and talks to the
real core through the port only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters import platforms
from adapters.runtime import platform_adapters
from bot.actions import (
    Action,
    DirectMessage,
    GrantRole,
    PostToChannel,
    Reply,
    RevokeRole,
    SendFile,
    UpdateCard,
)
from bot.batching import ActivityBatcher
from bot.clock import ManualClock
from bot.commands import Mention
from bot.config import ConfigError, Secrets, Settings
from bot.core import Cercle
from bot.events import ChannelRef, CommandInvoked, Event, MemberRef, MessagePosted
from bot.ports import CoreFace, Notice, check_supported
from storage.db import Database

pytestmark = pytest.mark.backends("sqlite")

PLATFORM = "relay"
AT = datetime(2031, 3, 3, 10, 0, tzinfo=UTC)


class RelayAdapter:
    """The whole of a small platform's adapter: payloads in, actions out, via the port."""

    platform = PLATFORM
    supports = frozenset(
        {Reply, PostToChannel, UpdateCard, DirectMessage, SendFile, GrantRole, RevokeRole}
    )

    def __init__(self, settings: Settings, secrets: Secrets) -> None:
        self.options: dict[str, Any] = settings.platforms.get(PLATFORM, {})
        self.shown: list[Action] = []
        self.core: CoreFace | None = None
        self.batcher = ActivityBatcher(self._flush, window=0.0, name=PLATFORM)

    async def start(self, core: CoreFace) -> None:
        self.core = core
        core.attach(self)

    async def _flush(self, space_id: str, events: Sequence[Event]) -> None:
        assert self.core is not None
        self.shown += await self.core.handle_many(events)

    async def receive(self, payload: dict[str, Any]) -> None:
        """The platform's payload, translated (here a dict with a kind and ids)."""
        assert self.core is not None
        author = MemberRef(PLATFORM, payload["user"], payload["name"])
        base = {"platform": PLATFORM, "space_id": payload["room"], "at": AT}
        if payload["kind"] == "message":
            self.batcher.put(
                MessagePosted(
                    **base,
                    message_id=payload["id"],
                    channel=ChannelRef("lobby", "lobby"),
                    author=author,
                    text=payload["text"],
                )
            )
            await self.batcher.idle()
        else:
            self.shown += await self.core.handle(
                CommandInvoked(
                    **base,
                    interaction_id=payload["id"],
                    channel=ChannelRef("lobby", "lobby"),
                    invoker=author,
                    path=(payload["command"],),
                    options=payload.get("options", {}),
                    mentions=tuple(payload.get("mentions", ())),
                )
            )

    async def deliver(self, space_id: str, action: Action) -> None:
        check_supported(self, action)
        self.shown.append(action)

    async def stop(self) -> None:
        await self.batcher.stop()
        if self.core is not None:
            self.core.detach(self)

    def notices(self, space_id: str) -> list[Notice]:
        return []

    async def message_text(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        return None

    def message_link(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        return f"relay://{space_id}/{message_id}"


def _configured(settings: Settings, secrets: Secrets) -> bool:
    return PLATFORM in settings.platforms


LINE = platforms.Platform(PLATFORM, f"{__name__}:RelayAdapter", _configured, "[platforms.relay]")

CONFIG = """
[[communities]]
name = "acme"
locale = "fr"
spaces = { relay = "room-1" }

[platforms.relay]
greeting = "salut"
"""


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platforms, "PLATFORMS", (*platforms.PLATFORMS, LINE))


def test_an_unregistered_platform_is_refused_by_name(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        platforms.load(config, env={})
    assert "unknown platform 'relay'" in str(refused.value)


async def test_a_fourth_platform_runs_on_the_real_core_with_one_registry_line(
    registered: None, tmp_path: Path, db: Database
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    settings = platforms.load(config, env={})
    assert settings.communities[0].spaces == {"relay": "room-1"}

    [adapter] = [a for a in platform_adapters(settings, Secrets()) if a.platform == PLATFORM]
    assert isinstance(adapter, RelayAdapter) and adapter.options == {"greeting": "salut"}
    core = Cercle(db, settings, ManualClock(AT))
    await adapter.start(core)
    room = {"room": "room-1"}
    await adapter.receive(
        {
            **room,
            "kind": "message",
            "id": "m1",
            "user": "u1",
            "name": "ann",
            "text": "Here is how to rotate the key",
        }
    )
    ann = MemberRef(PLATFORM, "u1", "ann")
    await adapter.receive(
        {
            **room,
            "kind": "command",
            "id": "i1",
            "user": "u2",
            "name": "bob",
            "command": "thanks",
            "options": {"member": Mention("u1", "ann"), "reason": "l'aide"},
            "mentions": [ann],
        }
    )
    await adapter.receive(
        {**room, "kind": "command", "id": "i2", "user": "u1", "name": "ann", "command": "rank"}
    )
    await adapter.stop()

    texts = [a.text for a in adapter.shown if isinstance(a, Reply)]
    assert any("bob a remercié ann" in t for t in texts), texts  # the community's French
    rank = [a for a in adapter.shown if isinstance(a, Reply) and a.card is not None][-1]
    assert rank.card is not None and "6" in str(rank.card)  # 1 for the message, 5 thanks
    info = await core.space(PLATFORM, "room-1")
    assert (info.slug, info.locale) == ("acme", "fr")
    assert await core.suggestions(PLATFORM, "room-1", ("poll", "create"), "duration", "2") == (
        await core.suggestions("console", "acme", ("poll", "create"), "duration", "2")
    )
