"""Cards as Block Kit, within Slack's limits, with every text escaped.

Everything the core hands over is plain text already neutralised (no mention can ping),
but Slack reads `&`, `<` and `>` as markup in mrkdwn: `<!channel>` would ping and
`<https://evil|click>` would be a link. Every text is escaped here, so member words stay
words. Limits respected: 50 blocks a message, 3000 characters a section text, 10 fields a
section (2000 each), 150 characters a header, 75 a button label, 2000 a button value,
255 an action id, 25 elements an actions block.
"""

from __future__ import annotations

from typing import Any

from bot.actions import Button, Card
from bot.text import moment_count, render_moments, shorten

MAX_BLOCKS = 50
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
ACTIONS_PER_BLOCK = 25
CONTEXT_TEXT = 3000
FALLBACK_TEXT = 3000  # the notification text; Slack truncates messages past 40k anyway

_STYLES = {"primary": "primary", "success": "primary", "danger": "danger"}


def escape(text: str) -> str:
    """Slack's three control characters, escaped (https://api.slack.com/reference/surfaces/formatting)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Slack's date formatting: each reader sees the moment in their own zone; the words after
# `|` (already escaped) are the fallback where the client cannot
# (https://api.slack.com/reference/surfaces/formatting#date-formatting).
_DATE = "<!date^{epoch}^{{date_short_pretty}} {{time}}|{fallback}>"
_DATE_EXTRA = len(_DATE) + 10  # what the markup adds to a moment's words, at most


def date_token(epoch: int, fallback: str) -> str:
    return _DATE.format(epoch=epoch, fallback=fallback)


def _cut(text: str, limit: int) -> str:
    """Escape then cut, so the limit holds for what Slack counts (escaped text, moments as
    date markup), without cutting an entity or a moment in half."""
    escaped = escape(text)
    room = limit - _DATE_EXTRA * moment_count(escaped)
    if len(escaped) > room:
        cut = shorten(escaped, max(room, 1))
        amp = cut.rfind("&", max(0, len(cut) - 6))
        if amp != -1 and ";" not in cut[amp:]:
            cut = cut[:amp].rstrip() + "…"
        escaped = cut
    return render_moments(escaped, date_token)


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _cut(text, limit), "verbatim": True}


def plain(text: str, limit: int) -> dict[str, Any]:
    # plain_text is not parsed for links or mentions, but the limit still holds.
    return {
        "type": "plain_text",
        "text": shorten(render_moments(text), limit) or " ",
        "emoji": True,
    }


def _sections(text: str) -> list[dict[str, Any]]:
    """Long text split into sections at line ends, each within the section limit."""
    blocks: list[dict[str, Any]] = []
    chunk = ""
    for line in text.split("\n"):
        candidate = f"{chunk}\n{line}" if chunk else line
        if len(escape(candidate)) > SECTION_TEXT and chunk:
            blocks.append({"type": "section", "text": mrkdwn(chunk)})
            chunk = line
        else:
            chunk = candidate
    if chunk.strip():
        blocks.append({"type": "section", "text": mrkdwn(chunk)})
    return blocks


def button_element(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(button.label, BUTTON_TEXT),
        # The id carries the target (`idea:42:vote:for`), so a press works after a restart.
        "action_id": button.custom_id[:ACTION_ID],
        "value": button.custom_id[:BUTTON_VALUE],
    }
    style = _STYLES.get(button.style)
    if style is not None:
        element["style"] = style
    return element


def card_blocks(card: Card, text: str = "", max_blocks: int = MAX_BLOCKS) -> list[dict[str, Any]]:
    """The card as blocks: header, optional text, body, fields, buttons, footer."""
    blocks: list[dict[str, Any]] = []
    if text:
        blocks += _sections(text)
    if card.title:
        blocks.append({"type": "header", "text": plain(card.title, HEADER_TEXT)})
    if card.body:
        blocks += _sections(card.body)
    fields = list(card.fields)
    while fields:
        group, fields = fields[:FIELDS_PER_SECTION], fields[FIELDS_PER_SECTION:]
        blocks.append(
            {
                "type": "section",
                "fields": [mrkdwn(f"*{f.name}*\n{f.value}", FIELD_TEXT) for f in group],
            }
        )
    if card.image is not None:
        # The picture itself is uploaded in the post's thread (outbound); its alt text stays
        # here for readers, screen readers, and workspaces that refuse the upload.
        blocks.append({"type": "context", "elements": [mrkdwn(card.image.alt, CONTEXT_TEXT)]})
    footer_blocks = []
    if card.footer:
        footer_blocks.append({"type": "context", "elements": [mrkdwn(card.footer, CONTEXT_TEXT)]})
    button_blocks = []
    buttons = list(card.buttons)
    while buttons:
        group, buttons = buttons[:ACTIONS_PER_BLOCK], buttons[ACTIONS_PER_BLOCK:]
        button_blocks.append({"type": "actions", "elements": [button_element(b) for b in group]})
    # Buttons and footer are kept whatever the length: cut the body instead.
    room = max_blocks - len(button_blocks) - len(footer_blocks)
    if len(blocks) > room:
        blocks = [*blocks[: room - 1], {"type": "context", "elements": [mrkdwn("…")]}]
    return blocks + button_blocks + footer_blocks


def fallback_text(text: str, card: Card | None) -> str:
    """The `text` of a message: what notifications and screen readers show."""
    if text:
        return _cut(text, FALLBACK_TEXT)
    if card is not None:
        return _cut(card.title or card.body, FALLBACK_TEXT)
    return ""


def message(text: str, card: Card | None) -> dict[str, Any]:
    """chat.postMessage / postEphemeral / update arguments for a text and/or a card."""
    if card is None:
        return {"text": fallback_text(text, None) or " ", "blocks": _sections(text)[:MAX_BLOCKS]}
    return {"text": fallback_text(text, card) or " ", "blocks": card_blocks(card, text)}
