"""Render what Cercle shows on the console as plain terminal text.

Pure functions, no I/O. A post is `[n] #channel author: text`; a reply only the caller sees
is marked `(only you)`; a direct message is `(DM to nora) text`. Continuation lines of a
multi-line text are indented under the first line's text, so a card posted by Cercle
(`render_post(7, "general", "Cercle", render_card(card))`) stays readable as one block.
"""

from __future__ import annotations

from bot.actions import Card
from bot.text import one_line

__all__ = ["render_card", "render_dm", "render_ephemeral", "render_post"]

EPHEMERAL_MARK = "  (only you) "


def _hang(prefix: str, text: str) -> str:
    """`prefix` + `text`, with every further line indented by the width of `prefix`."""
    lines = text.splitlines() or [""]
    indent = " " * len(prefix)
    out = [(prefix + lines[0]).rstrip()]
    out.extend((indent + line).rstrip() if line.strip() else "" for line in lines[1:])
    return "\n".join(out)


def _one_line(text: str) -> str:
    return one_line(text)


def render_card(card: Card, field: str = "{name}: ") -> str:
    """A card as text: its title first, then body, fields, buttons and footer.

    Empty parts are left out. Fields read `name: value` (`field`, the locale's way: French
    puts a narrow no-break space before the colon; a multi-line value hangs under its first
    line); buttons read `[ For ] [ Against ]`; an image is its alt text.
    """
    lines = [_one_line(card.title) or card.kind]
    if card.body.strip():
        lines.extend(line.rstrip() for line in card.body.strip("\n").splitlines())
    for item in card.fields:
        lines.append(_hang(field.format(name=_one_line(item.name)), item.value.strip("\n")))
    if card.buttons:
        lines.append(" ".join(f"[ {_one_line(button.label)} ]" for button in card.buttons))
    if card.image is not None:  # the console shows no pictures: their text stands in
        lines.append(_hang("[image] ", card.image.alt.strip("\n")))
    if card.footer.strip():
        lines.extend(line.rstrip() for line in card.footer.strip("\n").splitlines())
    return "\n".join(lines)


def render_post(number: int, channel: str, author: str, text: str) -> str:
    """`[n] #channel author: text`, continuation lines aligned under the text."""
    return _hang(f"[{number}] #{channel.removeprefix('#')} {author}: ", text)


def render_ephemeral(text: str, mark: str = EPHEMERAL_MARK.strip()) -> str:
    """A reply only the caller sees: `  (only you) text` (the mark in the community's
    language)."""
    return _hang(f"  {mark} ", text)


def render_dm(name: str, text: str, label: str = "DM to {name}") -> str:
    """A direct message: `(DM to nora) text`."""
    return _hang(f"({label.format(name=name)}) ", text)
