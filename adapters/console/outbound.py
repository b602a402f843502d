"""The core's actions, shown the way the console shows a chat: numbered posts, replies
visible only to their caller, direct messages, and role changes applied to its members.

Like a real platform, the console keeps what was said (`console_message.text`), so it can
read a message back for the core (`ConsoleAdapter`, attached to the core), and
honours a post's idempotency marker: a post whose marker is already in its history (a
digest re-sent after a crash) is not shown again.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import TYPE_CHECKING

from sqlalchemy import select

from adapters.console.render import render_card, render_dm, render_ephemeral, render_post
from adapters.console.tables import ConsoleMessage
from bot.actions import (
    Action,
    Card,
    DirectMessage,
    GrantRole,
    PostToChannel,
    Reply,
    RevokeRole,
    SendFile,
    SyncScheduledEvent,
    UpdateCard,
    with_texts,
)
from bot.ports import CoreFace, Notice, check_supported
from bot.text import render_moments

PLATFORM = "console"

if TYPE_CHECKING:
    from adapters.console.session import ConsoleSession


def card_text(text: str, card: Card | None, field: str = "{name}: ") -> str:
    shown = render_card(card, field) if card is not None else ""
    return f"{text}\n{shown}".strip() if text and shown else (text or shown)


# A scheduled event of the platform's own (Discord's) has no console form: the event card
# is the console's event, so `SyncScheduledEvent` is carried out by doing nothing.
SUPPORTED: frozenset[type[Action]] = frozenset(
    {
        Reply,
        PostToChannel,
        UpdateCard,
        DirectMessage,
        SendFile,
        GrantRole,
        RevokeRole,
        SyncScheduledEvent,
    }
)


class ConsoleAdapter:
    """The console as the core's port sees it: it shows scheduled actions in the session
    and reads a console message back (the digest's message of the week): its text, kept
    by the console as a chat platform keeps it, and `[n]` as its link."""

    platform = PLATFORM
    supports = SUPPORTED

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session

    async def start(self, core: CoreFace) -> None:
        core.attach(self)

    async def deliver(self, space_id: str, action: Action) -> None:
        check_supported(self, action)
        await self.session._out.show(action)

    async def stop(self) -> None:
        self.session.core.detach(self)

    def notices(self, space_id: str) -> list[Notice]:
        return []

    async def message_text(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        if not message_id.isdigit():
            return None
        core = self.session.core
        community_id = (await core.space(PLATFORM, space_id)).community_id
        async with core.adapter_session() as session:
            row = await session.get(ConsoleMessage, (community_id, int(message_id)))
        if row is None or row.deleted or not row.text:
            return None
        return row.text

    def message_link(self, space_id: str, channel_id: str, message_id: str) -> str | None:
        return f"[{message_id}]"


async def _numbered(session: ConsoleSession, marker: str) -> int | None:
    """The number of the post carrying `marker`, if the console's history has one."""
    for message in session._messages.values():
        if message.marker == marker:
            return message.number
    async with session.core.adapter_session() as db_session:
        return await db_session.scalar(
            select(ConsoleMessage.number).where(
                ConsoleMessage.community_id == session.state.community_id,
                ConsoleMessage.marker == marker,
            )
        )


class ConsoleOutput:
    def __init__(self, session: ConsoleSession) -> None:
        self.session = session
        self.caller: str | None = None  # who the replies being shown answer
        session.core.attach(ConsoleAdapter(session))

    @property
    def field(self) -> str:
        """How a card's field reads in the community's language: `{name}: ` / `{name} : `."""
        return self.session.say("console.field", name="{name}")

    def post_line(self, number: int, channel: str, author: str, text: str) -> str:
        return render_post(number, channel, author, text)

    async def show(self, action: Action) -> None:
        session = self.session
        # The console has no reader's own zone: a moment reads in the community's zone.
        action = with_texts(action, render_moments)
        if getattr(action, "platform", PLATFORM) != PLATFORM:
            return  # meant for the same community on another platform
        match action:
            case Reply(text=text, card=card, ephemeral=True) if card and card.buttons:
                if self.caller is not None:
                    session.private_buttons[self.caller] = [
                        [b.label, b.custom_id] for b in card.buttons
                    ]
                session.emit(
                    render_ephemeral(
                        card_text(text, card, self.field), session.say("console.only_you")
                    )
                )
            case Reply(text=text, card=card, ephemeral=True):
                session.emit(
                    render_ephemeral(
                        card_text(text, card, self.field), session.say("console.only_you")
                    )
                )
            case Reply(text=text, card=card):
                await self._post(session.state.channel, card_text(text, card, self.field), card)
            case PostToChannel(
                channel_id=channel,
                text=text,
                card=card,
                card_ref=card_ref,
                thread_name=thread,
                marker=marker,
            ):
                channel = (channel or session.default_channel).lstrip("#")
                posted = await _numbered(session, marker) if marker else None
                if posted is not None:  # already in the history: never post it twice
                    if card_ref is not None:
                        await session.core.card_posted(
                            PLATFORM, session.slug, card_ref, channel, str(posted)
                        )
                    return
                number = await self._post(
                    channel, card_text(text, card, self.field), card, marker
                )
                if thread is not None:  # on the console, a thread is the replies to [n]
                    session.emit(session.say("console.thread", number=number, name=thread))
                if card_ref is not None:
                    await session.core.card_posted(
                        PLATFORM, session.slug, card_ref, channel, str(number)
                    )
            case UpdateCard(message_id=message_id, card=card):
                session.update_buttons(int(message_id), card)
                updated = session.say("console.updated", number=message_id)
                session.emit(f"  ({updated})\n{render_card(card, self.field)}")
            case DirectMessage(user_name=name, text=text):
                session.emit(render_dm(name, text, session.say("console.dm", name="{name}")))
            case SendFile(user_name=name, filename=filename, data=data):
                # A file shows as `📎 NAME` and lands in the console's files folder.
                if session.files is not None:
                    session.files.mkdir(parents=True, exist_ok=True)
                    (session.files / filename).write_bytes(data)
                label = session.say("console.dm", name="{name}")
                session.emit(render_dm(name, f"📎 {filename}", label))
            case GrantRole(user_name=name, role=role) | RevokeRole(user_name=name, role=role):
                granted = isinstance(action, GrantRole)
                session.set_role(name, role, granted)
                session.emit(f"  ({'+' if granted else '-'}role {role} {name})")
            case SyncScheduledEvent():
                pass
            case _:
                session.emit(f"  ({type(action).__name__})")

    async def _post(
        self, channel: str, text: str, card: Card | None, marker: str | None = None
    ) -> int:
        """Show a post by Cercle. Its number is taken first; it is recorded (with its
        marker, which says it was posted) only once it is shown, so a crash in between
        shows it again later rather than never."""
        session = self.session
        number = await session.next_number()
        buttons = [[b.label, b.custom_id] for b in card.buttons] if card else []
        session.emit(render_post(number, channel, "Cercle", text))
        with contextlib.suppress(Exception):  # on the terminal (or in the pipe) now
            sys.stdout.flush()
        message = ConsoleMessage(
            community_id=session.state.community_id,
            number=number,
            channel=channel,
            author="Cercle",
            buttons=json.dumps(buttons) if buttons else "",
            marker=marker,
        )
        session._messages[number] = message
        async with session.core.adapter_session() as db_session:
            await db_session.merge(message)
        return number
