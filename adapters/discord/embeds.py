"""Cards as Discord embeds and buttons, always within Discord's limits.

Limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
title 256, description 4096, 25 fields (name 256, value 1024), footer 2048, 6000 in all;
a message's content 2000; 5 buttons per row, 25 in all, label 80, custom id 100. Text is
cut with an ellipsis rather than refused: a card that is too long still gets posted.
"""

from __future__ import annotations

import io

import discord

from bot.actions import Button, Card
from bot.text import render_moments, shorten

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
BUTTONS_MAX = 25
LABEL_MAX = 80
CUSTOM_ID_MAX = 100

# Discord refuses an empty field name or value; a zero-width space stands for "nothing".
_EMPTY = "\u200b"

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


def timestamp(epoch: int, fallback: str) -> str:
    """A moment as Discord's timestamp markup: each reader sees it in their own zone and
    language (`f`: date and short time)."""
    return f"<t:{epoch}:f>"


def rich(text: str) -> str:
    """Text where Discord renders markdown and timestamps (message content, embed
    description and field values); the markup is never longer than the moment's words."""
    return render_moments(text, timestamp)


def flat(text: str) -> str:
    """Text where Discord shows no timestamps (embed titles, field names, footers, labels)."""
    return render_moments(text)


def content(text: str, reserve: int = 0) -> str | None:
    return rich(shorten(text, CONTENT_MAX - reserve)) if text else None


def embed_for(card: Card, footer_suffix: str = "") -> discord.Embed:
    """The card as one embed whose parts and total stay within Discord's limits."""
    budget = EMBED_TOTAL_MAX
    title = shorten(flat(card.title), TITLE_MAX) or _EMPTY
    budget -= len(title)
    footer = shorten(flat(card.footer), FOOTER_MAX - len(footer_suffix)) + footer_suffix
    budget -= len(footer)
    fields = [
        (
            shorten(flat(f.name), FIELD_NAME_MAX) or _EMPTY,
            rich(shorten(f.value, FIELD_VALUE_MAX)) or _EMPTY,
            f,
        )
        for f in card.fields[:FIELDS_MAX]
    ]
    # The body gives way to the fields, down to a readable minimum.
    wanted_by_fields = sum(len(n) + len(v) for n, v, _ in fields)
    description = rich(
        shorten(card.body, min(DESCRIPTION_MAX, max(budget - wanted_by_fields, 200)))
    )
    embed = discord.Embed(title=title, description=description or None)
    budget -= len(description)
    for name, value, field in fields:
        if len(name) + len(value) > budget:
            break  # the total limit: later fields are dropped, not the card
        budget -= len(name) + len(value)
        embed.add_field(name=name, value=value, inline=field.inline)
    if footer:
        embed.set_footer(text=footer)
    if card.image is not None:
        embed.set_image(url=f"attachment://{card.image.filename}")
    return embed


class CardButtons(discord.ui.View):
    """A card's buttons. Presses are routed by custom id in the adapter's interaction
    handler (the id names its target, `idea:42:vote:for`), never by a view kept in memory,
    so they work the same after a restart; hence not dispatchable and no timeout."""

    def __init__(self, buttons: tuple[Button, ...]) -> None:
        super().__init__(timeout=None)
        for index, button in enumerate(buttons[:BUTTONS_MAX]):
            self.add_item(
                discord.ui.Button(
                    label=shorten(flat(button.label), LABEL_MAX),
                    custom_id=button.custom_id[:CUSTOM_ID_MAX],
                    style=_STYLES.get(button.style, discord.ButtonStyle.secondary),
                    row=index // 5,
                )
            )

    def is_dispatchable(self) -> bool:
        return False


def view_for(card: Card | None) -> CardButtons | None:
    return CardButtons(card.buttons) if card is not None and card.buttons else None


def file_for(card: Card | None) -> discord.File | None:
    if card is None or card.image is None:
        return None
    image = card.image
    return discord.File(io.BytesIO(image.png), filename=image.filename, description=flat(image.alt))
