"""Buttons and forms: each feature registers the prefix of the ids it owns.

A button's custom id carries what it acts on and what it does (`idea:42:vote:for`), so it
keeps working after a restart; a form's id does the same (`idea-submit`). `core.handle`
routes a press or a submission to the handler of its first segment, with the remaining
segments, after resolving the member who pressed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.actions import Action

if TYPE_CHECKING:
    from bot.context import CommandContext

ButtonHandler = Callable[["CommandContext", list[str]], Awaitable[list[Action]]]
FormHandler = Callable[["CommandContext", list[str], dict[str, str]], Awaitable[list[Action]]]

BUTTONS: dict[str, ButtonHandler] = {}
FORMS: dict[str, FormHandler] = {}
# Buttons on cards only their presser sees, whose answers only they read: those answers
# follow the presser's own language, like the private command that showed the card.
PRIVATE_BUTTONS: set[str] = set()


def button(prefix: str, *, private: bool = False) -> Callable[[ButtonHandler], ButtonHandler]:
    """Route presses of buttons whose id starts with `prefix:` to the decorated coroutine;
    `private`: the button sits on a private card and only answers its presser."""

    def register(handler: ButtonHandler) -> ButtonHandler:
        if prefix in BUTTONS:
            raise ValueError(f"button prefix {prefix!r} is registered twice")
        BUTTONS[prefix] = handler
        if private:
            PRIVATE_BUTTONS.add(prefix)
        return handler

    return register


def form(prefix: str) -> Callable[[FormHandler], FormHandler]:
    """Route submissions of forms whose id starts with `prefix` to the decorated coroutine."""

    def register(handler: FormHandler) -> FormHandler:
        if prefix in FORMS:
            raise ValueError(f"form prefix {prefix!r} is registered twice")
        FORMS[prefix] = handler
        return handler

    return register


def split_id(custom_id: str) -> tuple[str, list[str]]:
    head, *rest = custom_id.split(":")
    return head, rest
