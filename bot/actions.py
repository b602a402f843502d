"""Platform-neutral actions: what the core asks an adapter to do.

Every text in an action is already rendered in the community's locale and already
neutralised (member text never pings anyone). Adapters only translate these into platform
calls and respect the platform's size limits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True)
class Button:
    label: str
    # Carries its target and intent (`idea:42:vote:for`), so it works after a restart.
    custom_id: str
    style: str = "secondary"  # primary | secondary | danger | success


@dataclass(frozen=True)
class CardField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Image:
    """A picture shown with a card (the digest's activity chart): PNG bytes, a file name,
    and the text that stands for it where images are not shown (the console)."""

    png: bytes = field(repr=False)
    filename: str
    alt: str


@dataclass(frozen=True)
class Card:
    """A structured post: the console renders it as text, Discord as an embed, Slack as blocks."""

    kind: str
    title: str
    body: str = ""
    fields: tuple[CardField, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""
    image: Image | None = None


@dataclass(frozen=True)
class Action:
    pass


@dataclass(frozen=True)
class Reply(Action):
    """Answer the event's caller, in the channel where they asked."""

    text: str = ""
    card: Card | None = None
    ephemeral: bool = True


@dataclass(frozen=True)
class PostToChannel(Action):
    """Post in a channel; `channel_id=None` means the community's default channel."""

    platform: str
    channel_id: str | None = None
    text: str = ""
    card: Card | None = None
    # A stable marker for idempotent posting (digest runs); adapters pass it as a nonce.
    marker: str | None = None
    # What the card shows (`idea:42`): the adapter reports where it posted it
    # (`Cercle.card_posted`), so that later changes update it in place.
    card_ref: str | None = None
    # Open a discussion thread on the post with this name (Discord thread, Slack replies);
    # where members argue for and against an idea.
    thread_name: str | None = None


@dataclass(frozen=True)
class UpdateCard(Action):
    """Replace a card already posted (see `storage.cards.updates_for`)."""

    platform: str
    channel_id: str
    message_id: str
    card: Card


@dataclass(frozen=True)
class SyncScheduledEvent(Action):
    """Keep the platform's own copy of a community event (a Discord guild scheduled event)
    in step: created when `external_id` is None (the adapter reports its id back with
    `card_posted(..., card_ref, space, id)`), else edited, or ended when `cancelled`.
    A platform without scheduled events has the event card alone and does nothing."""

    platform: str
    card_ref: str  # `scheduled:event:3`
    name: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    external_id: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class DirectMessage(Action):
    platform: str
    user_id: str
    user_name: str
    text: str


@dataclass(frozen=True)
class SendFile(Action):
    """A direct message with a file attached (a member's own data export): the console
    writes it to its files folder, Discord uploads it to the DM, Slack shares it."""

    platform: str
    user_id: str
    user_name: str
    text: str
    filename: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class TimeoutMember(Action):
    """Keep a member from talking until `until` (a step of the consequence ladder), on a
    platform that has timeouts; `reason` goes to the platform's own audit log and
    `refused` is the one notice moderators get if the platform refuses (no permission)."""

    platform: str
    user_id: str
    user_name: str
    until: datetime
    reason: str
    refused: str


@dataclass(frozen=True)
class GrantRole(Action):
    platform: str
    user_id: str
    user_name: str
    role: str


@dataclass(frozen=True)
class RevokeRole(Action):
    platform: str
    user_id: str
    user_name: str
    role: str


@dataclass(frozen=True)
class OpenForm(Action):
    form_id: str
    title: str
    fields: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def with_texts(value: _T, change: Callable[[str], str]) -> _T:
    """`value` (an action, a card, ...) with `change` applied to every text it carries, at
    any depth; bytes (an image) and other values stay as they are. How an adapter renders
    what its platform shows its own way (moments, see `bot.text.render_moments`)."""
    return _changed(value, change)


def _changed(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, tuple):
        return tuple(_changed(item, change) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        updates = {f.name: _changed(getattr(value, f.name), change) for f in fields(value)}
        return replace(value, **updates)
    return value
