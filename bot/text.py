"""Making member-written text safe to show anywhere Cercle posts it.

Members' text is kept as written but neutralised: mass mentions (@everyone, @here, Slack's
<!channel>/<!here>/<!everyone>) and user, role and channel mention tokens can never ping,
markup cannot break a card's layout, and lengths are cut to what a platform accepts.
Adapters still send with mentions disabled; this is the core's half of the guarantee.
"""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"
# Anywhere in a word: a platform may ping on `@everyones` as well.
_MASS_MENTION = re.compile(r"@(?=everyone|here|channel)", re.IGNORECASE)
# Every opening of a mention token, nested ones (`<@U1|<!channel>>`) included.
_TOKEN_OPENING = re.compile(r"<(?=[@#!])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
REPLACEMENT_CHARACTER = "\ufffd"


def valid_unicode(text: str) -> str:
    """`text` with every lone surrogate (undecodable input bytes, a broken JSON escape)
    replaced by U+FFFD, so it can be encoded, stored and sent."""
    return _SURROGATE.sub(REPLACEMENT_CHARACTER, text)


def neutralise(text: str) -> str:
    """`text` with every mention made inert (a zero-width space after the @, < or #)."""
    text = _CONTROL.sub("", text)
    text = _MASS_MENTION.sub("@" + ZERO_WIDTH_SPACE, text)
    return _TOKEN_OPENING.sub("<" + ZERO_WIDTH_SPACE, text)


def one_line(text: str) -> str:
    """Collapse whitespace so member text cannot add lines or headings to a card."""
    return " ".join(text.split())


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut `text` to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ellipsis))].rstrip() + ellipsis


def member_text(text: str, limit: int = 300) -> str:
    """Member text ready for a card line: neutralised, on one line, within `limit`."""
    return shorten(one_line(neutralise(text)), limit)
