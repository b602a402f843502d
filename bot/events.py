"""Platform-neutral events: what an adapter hands to the core.

Each event is a frozen dataclass naming the platform, the platform space (guild,
workspace, console community) and the platform's own ids, plus the event time the
platform gave. Cooldowns and limits are judged on that time, never on processing time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class MemberRef:
    """A member as the platform shows them at the time of the event."""

    platform: str
    user_id: str
    name: str
    is_bot: bool = False
    roles: tuple[str, ...] = ()
    # What the platform says of the member's standing; the core decides from these who
    # moderates (bot.moderators), never the adapter. The owner of the space (guild owner,
    # Slack primary owner); an administrator (Discord Administrator, Slack admin or owner,
    # console `X is moderator`); the Manage Server permission; a timeout in force.
    is_owner: bool = False
    is_admin: bool = False
    manages_space: bool = False
    timed_out: bool = False
    # The platform's ids of the member's roles (`moderator_roles` may list ids).
    role_ids: tuple[str, ...] = ()
    # Only where the platform gives it (Slack with the users:read.email scope; never
    # Discord): lets `cercle import-customers` match members to customers by email.
    email: str | None = None
    # The language of the member's own client where the platform says (Discord's
    # `interaction.locale`: `fr`, `en-US`): what is shown to them alone follows it when
    # the catalog has it.
    locale: str | None = None


@dataclass(frozen=True)
class ChannelRef:
    id: str
    name: str = ""


@dataclass(frozen=True)
class Event:
    platform: str
    space_id: str
    at: datetime


@dataclass(frozen=True)
class MessagePosted(Event):
    message_id: str
    channel: ChannelRef
    author: MemberRef
    # None when the platform did not give the text (no message-content intent).
    text: str | None = None
    reply_to: str | None = None
    thread_id: str | None = None


@dataclass(frozen=True)
class MessageEdited(Event):
    message_id: str
    channel: ChannelRef
    author: MemberRef
    text: str | None = None


@dataclass(frozen=True)
class MessageDeleted(Event):
    message_id: str
    channel: ChannelRef


@dataclass(frozen=True)
class ReactionAdded(Event):
    message_id: str
    channel: ChannelRef
    reactor: MemberRef
    emoji: str
    # The platform usually says who wrote the message; if not, the core looks it up.
    message_author: MemberRef | None = None


@dataclass(frozen=True)
class ReactionRemoved(Event):
    message_id: str
    channel: ChannelRef
    reactor: MemberRef
    emoji: str
    message_author: MemberRef | None = None


@dataclass(frozen=True)
class MemberJoined(Event):
    member: MemberRef


@dataclass(frozen=True)
class MemberLeft(Event):
    member: MemberRef


@dataclass(frozen=True)
class SolutionMarked(Event):
    """`marker` says `solution_id` answers the question `question_id`."""

    interaction_id: str
    channel: ChannelRef
    marker: MemberRef
    solution_id: str
    solution_author: MemberRef
    # None when the marked message answers nothing the platform shows (not a reply, not
    # in a thread): the core refuses it with its own message.
    question_id: str | None
    question_author: MemberRef | None = None
    # The platform's own identity of this delivery (Discord's interaction id, Slack's
    # trigger id): a retry or a replay of the same delivery changes nothing. None where
    # the platform never repeats one (the console).
    delivery: str | None = None


@dataclass(frozen=True)
class MessageReported(Event):
    """`reporter` reports the message `message_id` to the moderators (Discord's "Report
    message" menu, Slack's message shortcut, the console's `carol reports 5: spam`)."""

    interaction_id: str
    channel: ChannelRef
    reporter: MemberRef
    message_id: str
    message_author: MemberRef
    reason: str = ""
    # Where a moderator opens the message (a platform link, or `#general [5]`).
    link: str = ""
    # The platform's own identity of this delivery (see `CommandInvoked.delivery`).
    delivery: str | None = None


@dataclass(frozen=True)
class CommandInvoked(Event):
    """A command, either as text to parse (console, Slack) or with typed options (Discord).

    `path` names the command (`("admin", "points", "add")`); when `text` is set, the
    core's one text parser reads the path's remaining words and the options from it.
    """

    interaction_id: str
    channel: ChannelRef
    invoker: MemberRef
    path: tuple[str, ...] = ()
    text: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    # Members the platform already resolved for mentions in this command, by user id.
    mentions: tuple[MemberRef, ...] = ()
    # The platform's own identity of this delivery (Discord's interaction id, Slack's
    # trigger id): a retry or a replay of the same delivery changes nothing. None where
    # the platform never repeats one (the console).
    delivery: str | None = None


@dataclass(frozen=True)
class ButtonPressed(Event):
    interaction_id: str
    channel: ChannelRef
    presser: MemberRef
    custom_id: str
    message_id: str | None = None
    # The platform's own identity of this delivery (Discord's interaction id, Slack's
    # trigger id): a retry or a replay of the same delivery changes nothing. None where
    # the platform never repeats one (the console).
    delivery: str | None = None


@dataclass(frozen=True)
class FormSubmitted(Event):
    interaction_id: str
    channel: ChannelRef
    submitter: MemberRef
    form_id: str
    values: dict[str, str] = field(default_factory=dict)
    # The platform's own identity of this delivery (Discord's interaction id, Slack's
    # trigger id): a retry or a replay of the same delivery changes nothing. None where
    # the platform never repeats one (the console).
    delivery: str | None = None


ActivityEvent = (
    MessagePosted
    | MessageEdited
    | MessageDeleted
    | ReactionAdded
    | ReactionRemoved
    | MemberJoined
    | MemberLeft
)


# What members do in the chat (scored in batches), as opposed to what they ask of Cercle.
ACTIVITY = (
    MessagePosted,
    MessageEdited,
    MessageDeleted,
    ReactionAdded,
    ReactionRemoved,
    MemberJoined,
    MemberLeft,
)


@dataclass(frozen=True)
class InterestMarked(Event):
    """A member marked (`interested`) or unmarked their interest in the platform's own copy
    of a community event (Discord's "Interested" on a guild scheduled event)."""

    external_id: str
    member: MemberRef
    interested: bool
    channel: ChannelRef = ChannelRef("", "")
    interaction_id: str = ""
