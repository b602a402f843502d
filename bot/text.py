"""Making member-written text safe to show anywhere Cercle posts it.

Members' text is kept as written but neutralised: mass mentions (@everyone, @here, Slack's
<!channel>/<!here>/<!everyone>) and user, role and channel mention tokens can never ping,
markup cannot break a card's layout, and lengths are cut to what a platform accepts.
Adapters still send with mentions disabled; this is the core's half of the guarantee.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ZERO_WIDTH_SPACE = "\u200b"
# Anywhere in a word: a platform may ping on `@everyones` as well.
_MASS_MENTION = re.compile(r"@(?=everyone|here|channel)", re.IGNORECASE)
# Every opening of a mention token, nested ones (`<@U1|<!channel>>`) included.
_TOKEN_OPENING = re.compile(r"<(?=[@#!])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Bidirectional embeddings, overrides and isolates: `\u202e` would show the rest of a card
# line reversed. (The plain direction marks U+200E/U+200F/U+061C cannot reorder a
# neighbour's text and stay: right-to-left writers use them.)
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
# A masked link (`[words](https://…)`) shows words in place of where it leads; a zero-width
# space between its halves keeps both visible, as written, on every platform.
_MASKED_LINK = re.compile(r"\]\s*\(")
# Whitespace that may break a line (no-break spaces U+00A0, U+2007 and U+202F excluded).
_BREAKABLE_SPACE = re.compile(r"[^\S\u00a0\u2007\u202f]+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
REPLACEMENT_CHARACTER = "\ufffd"
# A moment in Cercle's text, between private-use marks no member text may carry:
# START epoch SEP fallback END (see `moment_token`).
_MOMENT_START, _MOMENT_SEP, _MOMENT_END = "\ue000", "\ue001", "\ue002"
_MOMENT = re.compile("\ue000(-?[0-9]+)\ue001([^\ue000-\ue002]*)\ue002")
_MOMENT_MARKS = re.compile("[\ue000-\ue002]")


def valid_unicode(text: str) -> str:
    """`text` with every lone surrogate (undecodable input bytes, a broken JSON escape)
    replaced by U+FFFD, so it can be encoded, stored and sent."""
    return _SURROGATE.sub(REPLACEMENT_CHARACTER, text)


def neutralise(text: str) -> str:
    """`text` with every mention made inert (a zero-width space after the @, < or #),
    control and bidirectional-override characters removed and masked links broken."""
    text = _BIDI_CONTROL.sub("", _MOMENT_MARKS.sub("", _CONTROL.sub("", text)))
    text = _MASKED_LINK.sub("]" + ZERO_WIDTH_SPACE + "(", text)
    text = _MASS_MENTION.sub("@" + ZERO_WIDTH_SPACE, text)
    return _TOKEN_OPENING.sub("<" + ZERO_WIDTH_SPACE, text)


def one_line(text: str) -> str:
    """Collapse whitespace so member text cannot add lines or headings to a card; the
    no-break spaces of typography (`n° 1`, French `Titre : …`) stay as they are."""
    return _BREAKABLE_SPACE.sub(" ", text).strip(" ")


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut `text` to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = max(0, limit - len(ellipsis))
    opened = text.rfind(_MOMENT_START, 0, cut)
    if opened != -1 and text.find(_MOMENT_END, opened) >= cut:
        cut = opened  # never cut a moment in half: drop it whole
    return text[:cut].rstrip() + ellipsis


def member_text(text: str, limit: int = 300) -> str:
    """Member text ready for a card line: neutralised, on one line, within `limit`."""
    return shorten(one_line(neutralise(text)), limit)


class Moment(str):
    """Text standing for an instant (see `moment_token`); kept as is by the catalog, which
    neutralises every other parameter."""


def moment_token(epoch: int, fallback: str) -> Moment:
    """An instant (`epoch` seconds) inside Cercle's text, with the words that say it in the
    community's zone; each adapter renders it with `render_moments`."""
    return Moment(f"{_MOMENT_START}{epoch}{_MOMENT_SEP}{fallback}{_MOMENT_END}")


def moment_count(text: str) -> int:
    """How many moments `text` carries."""
    return text.count(_MOMENT_START)


def render_moments(text: str, render: Callable[[int, str], str] | None = None) -> str:
    """`text` with every moment rendered by `render(epoch, fallback)`: a platform's own time
    token (shown in each reader's zone); without `render`, the fallback words."""
    if _MOMENT_START not in text:
        return text
    if render is None:
        return _MOMENT.sub(lambda m: m.group(2), text)
    return _MOMENT.sub(lambda m: render(int(m.group(1)), m.group(2)), text)
