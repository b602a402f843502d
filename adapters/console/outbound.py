"""The core's actions, shown the way the console shows a chat: numbered posts, replies
visible only to their caller, direct messages, and role changes applied to its members."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from adapters.console.render import render_card, render_dm, render_ephemeral, render_post
from bot.actions import (
    Action,
    Card,
    DirectMessage,
    GrantRole,
    PostToChannel,
    Reply,
    RevokeRole,
    UpdateCard,
)
from storage.models import ConsoleMessage

PLATFORM = "console"

if TYPE_CHECKING:
    from adapters.console.session import ConsoleSession


def card_text(text: str, card: Card | None) -> str:
    shown = render_card(card) if card is not None else ""
    return f"{text}\n{shown}".strip() if text and shown else (text or shown)


class ConsoleOutput:
    def __init__(self, session: ConsoleSession) -> None:
        self.session = session
        self.caller: str | None = None  # who the replies being shown answer

    def post_line(self, number: int, channel: str, author: str, text: str) -> str:
        return render_post(number, channel, author, text)

    async def show(self, action: Action) -> None:
        session = self.session
        if getattr(action, "platform", PLATFORM) != PLATFORM:
            return  # meant for the same community on another platform
        match action:
            case Reply(text=text, card=card, ephemeral=True) if card and card.buttons:
                if self.caller is not None:
                    session.private_buttons[self.caller] = [
                        [b.label, b.custom_id] for b in card.buttons
                    ]
                session.emit(
                    render_ephemeral(card_text(text, card), session.say("console.only_you"))
                )
            case Reply(text=text, card=card, ephemeral=True):
                session.emit(
                    render_ephemeral(card_text(text, card), session.say("console.only_you"))
                )
            case Reply(text=text, card=card):
                self._post(session.state.channel, card_text(text, card), card)
            case PostToChannel(
                channel_id=channel, text=text, card=card, card_ref=card_ref, thread_name=thread
            ):
                channel = channel or session.default_channel
                number = self._post(channel, card_text(text, card), card)
                if thread is not None:  # on the console, a thread is the replies to [n]
                    session.emit(session.say("console.thread", number=number, name=thread))
                if card_ref is not None:
                    await session.core.card_posted(
                        PLATFORM, session.slug, card_ref, channel, str(number)
                    )
            case UpdateCard(message_id=message_id, card=card):
                session.update_buttons(int(message_id), card)
                updated = session.say("console.updated", number=message_id)
                session.emit(f"  ({updated})\n{render_card(card)}")
            case DirectMessage(user_name=name, text=text):
                session.emit(render_dm(name, text, session.say("console.dm", name="{name}")))
            case GrantRole(user_name=name, role=role) | RevokeRole(user_name=name, role=role):
                granted = isinstance(action, GrantRole)
                session.set_role(name, role, granted)
                session.emit(f"  ({'+' if granted else '-'}role {role} {name})")
            case _:
                session.emit(f"  ({type(action).__name__})")

    def _post(self, channel: str, text: str, card: Card | None) -> int:
        session = self.session
        number = session.next_number()
        buttons = [[b.label, b.custom_id] for b in card.buttons] if card else []
        session.remember(
            ConsoleMessage(
                community_id=session.state.community_id,
                number=number,
                channel=channel,
                author="Cercle",
                buttons=json.dumps(buttons) if buttons else "",
            )
        )
        session.emit(render_post(number, channel, "Cercle", text))
        return number
