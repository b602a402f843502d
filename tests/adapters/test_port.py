"""The port itself: the core offers every method the port declares, every adapter says
which actions it carries out and refuses the others loudly, and the rules adapters used
to repeat (who moderates, which reaction thanks) are the core's, decided from facts."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from adapters.console.outbound import ConsoleAdapter
from adapters.discord.adapter import DiscordAdapter
from adapters.slack.adapter import SlackAdapter
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
from bot.config import Secrets, Settings
from bot.core import Cercle
from bot.events import ChannelRef, MemberRef, ReactionAdded
from bot.features.reaction_thanks import is_thanks, thanks_emoji
from bot.moderators import is_moderator
from bot.ports import Adapter, CoreFace, UnsupportedAction

pytestmark = pytest.mark.backends("sqlite")

# What the core sends to platforms outside an interaction (scheduled posts, cards,
# rank roles, DMs, replies): every platform must carry each of them out.
CORE_ACTIONS = {PostToChannel, UpdateCard, DirectMessage, SendFile, GrantRole, RevokeRole, Reply}


@dataclass(frozen=True)
class Teleport(Action):
    """An action no platform knows."""

    where: str = "the moon"


def face_members() -> list[str]:
    return [
        name
        for name in dir(CoreFace)
        if not name.startswith("_") and name not in dir(object)
    ]


def test_the_core_offers_every_member_of_the_port_with_its_parameters() -> None:
    assert len(face_members()) >= 15
    for name in face_members():
        assert hasattr(Cercle, name), name
        declared = getattr(CoreFace, name)
        offered = getattr(Cercle, name)
        if isinstance(declared, property):
            assert isinstance(offered, property), name
            continue
        assert list(inspect.signature(offered).parameters) == list(
            inspect.signature(declared).parameters
        ), name
        assert inspect.iscoroutinefunction(offered) == inspect.iscoroutinefunction(
            declared
        ), name


def adapters(console) -> list[Adapter]:  # type: ignore[no-untyped-def]
    secrets = Secrets(
        discord_token=SecretStr("token"),
        slack_bot_token=SecretStr("xoxb-token"),
        slack_signing_secret=SecretStr("secret"),
    )
    settings = Settings()
    return [
        DiscordAdapter(settings, secrets),
        SlackAdapter(settings, secrets),
        ConsoleAdapter(console.session),
    ]


async def test_every_adapter_is_an_adapter_and_carries_out_what_the_core_sends(
    console,  # type: ignore[no-untyped-def]
) -> None:
    for adapter in adapters(console):
        assert isinstance(adapter, Adapter), adapter
        assert adapter.supports >= CORE_ACTIONS, (adapter.platform, adapter.supports)


async def test_an_action_an_adapter_does_not_know_fails_loudly(console) -> None:  # type: ignore[no-untyped-def]
    for adapter in adapters(console):
        with pytest.raises(UnsupportedAction, match="Teleport"):
            await adapter.deliver("space", Teleport())


def member(**facts: object) -> MemberRef:
    return MemberRef("discord", "1", "ann", **facts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "moderator_roles", "expected"),
    [
        ({}, (), False),
        ({"is_owner": True}, (), True),
        ({"is_admin": True, "timed_out": True}, (), True),
        ({"manages_space": True}, (), True),
        ({"manages_space": True, "timed_out": True}, (), False),
        ({"roles": ("Staff",)}, ("staff",), True),
        ({"role_ids": ("42",)}, ("42",), True),
        ({"roles": ("Regular",), "role_ids": ("7",)}, ("staff", "42"), False),
    ],
)
def test_the_core_decides_who_moderates_from_platform_facts(
    facts: dict[str, object], moderator_roles: tuple[str, ...], expected: bool
) -> None:
    assert is_moderator(member(**facts), frozenset(moderator_roles)) is expected


def reaction(emoji: str, reactor: str = "2", author: str | None = "1") -> ReactionAdded:
    return ReactionAdded(
        platform="slack",
        space_id="T1",
        at=datetime(2026, 1, 5, tzinfo=UTC),
        message_id="C1:1.0",
        channel=ChannelRef("C1"),
        reactor=MemberRef("slack", reactor, "bob"),
        emoji=emoji,
        message_author=MemberRef("slack", author, "ann") if author else None,
    )


def test_which_reaction_thanks_is_the_cores_rule() -> None:
    settings = Settings()
    slack, discord = thanks_emoji(settings, "slack"), thanks_emoji(settings, "discord")
    assert (slack, discord) == ("pray", "🙏")
    assert thanks_emoji(settings, "console") is None
    assert is_thanks(reaction("pray"), slack)
    assert is_thanks(reaction("pray::skin-tone-4"), slack)  # a skin tone is still thanks
    assert not is_thanks(reaction("tada"), slack)
    assert not is_thanks(reaction("pray", reactor="1"), slack)  # not oneself
    assert not is_thanks(reaction("pray", author=None), slack)  # nobody known to thank
    assert not is_thanks(reaction("pray"), None)
