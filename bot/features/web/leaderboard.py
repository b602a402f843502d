"""The community by its name and its leaderboard pages, for the web page.

The same queries and rules as `/leaderboard` and `/profile`: periods in the community's time
zone, ties sharing a place, hidden and excluded members and bots never shown, rank and
badge names in the community's language.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast
from weakref import WeakKeyDictionary

from bot.community import CommunityView, entry_for, load_view
from bot.config import Settings
from bot.context import CommandContext
from bot.features import badges, ranks
from bot.features.leaderboards import period_label, period_start
from bot.ports import BoardPage, BoardRow, PublicCommunity
from bot.services import Services
from storage import leaderboards, member_counters
from storage.communities import community_by_slug

PERIODS = ("week", "month", "all")
VIEW_SECONDS = 5.0  # as the core's own view of a community
# "N on the board" may lag this long: counting a board of 100k members on every page view
# would cost more than the page itself.
TOTAL_SECONDS = 30.0
_MEMORY: WeakKeyDictionary[Any, dict[Any, tuple[float, Any]]] = WeakKeyDictionary()


@dataclass(frozen=True)
class _Words:
    """What the chat commands' wording reads of a command's context (the community, its
    catalog and the settings): the web reads outside any command, so this stands in."""

    community: CommunityView
    settings: Settings

    def t(self, key: str, **params: Any) -> str:
        return self.community.t(key, **params)


def wording(core: Services, view: CommunityView) -> CommandContext:
    """A stand-in context for the commands' wording helpers (`/idea show`'s history
    lines, `/profile`'s progress): they only read what `_Words` has."""
    return cast(CommandContext, _Words(view, core.settings))


def is_public(core: Services, slug: str) -> bool:
    """Whether the community's public pages are served: its entry says, else `web.public`."""
    entry = entry_for(slug, core.settings)
    if entry is not None and entry.web_public is not None:
        return entry.web_public
    return core.settings.web.public


def _remembered(core: Services) -> dict[Any, tuple[float, Any]]:
    """What this core's web reads remember for a few seconds (per core: two cores with
    different settings never share)."""
    return _MEMORY.setdefault(core, {})


async def community_view(core: Services, slug: str) -> CommunityView | None:
    """The community's effective settings, as the chat's core keeps them: re-read after
    a few seconds, so a moderator's change shows soon (a page asks on every request)."""
    memory = _remembered(core)
    kept = memory.get(("view", slug))
    if kept is not None and time.monotonic() - kept[0] < VIEW_SECONDS:
        return cast(CommunityView, kept[1])
    async with core.db.transaction() as session:
        row = await community_by_slug(session, slug)
        if row is None or row.id is None:
            return None
        view = await load_view(session, row.id, row.slug, core.settings)
    memory[("view", slug)] = (time.monotonic(), view)
    return view


async def public_community(core: Services, slug: str) -> PublicCommunity | None:
    view = await community_view(core, slug)
    if view is None:
        return None
    return PublicCommunity(view.slug, view.locale, is_public(core, view.slug))


async def board_page(core: Services, slug: str, period: str, page: int, size: int) -> BoardPage:
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    view = await community_view(core, slug)
    if view is None:
        raise LookupError(slug)
    page = max(page, 1)
    start = period_start(view, period, core.clock.now())
    memory = _remembered(core)
    key = ("total", view.id, period, start)
    kept = memory.get(key)
    known = kept[1] if kept is not None and time.monotonic() - kept[0] < TOTAL_SECONDS else None
    async with core.db.transaction() as session:
        standings, total = await leaderboards.page(
            session, view.id, period, start, (page - 1) * size, size, known
        )
        ids = [s.member_id for s in standings]
        members = await member_counters.members_by_id(session, ids)
        held = await member_counters.badges_of(session, ids)
    if known is None:
        memory[key] = (time.monotonic(), total)
    ladder, locale, kept = core.settings.ranks, view.locale, core.settings.badges
    rows = tuple(
        BoardRow(
            place=s.place,
            name=s.name,
            points=s.points,
            rank=ranks.rank_name(ranks.shown_rank(members[s.member_id], ladder), locale),
            badges=tuple(badges.badge_name(b, locale) for b in kept if b.key in held[s.member_id]),
        )
        for s in standings
    )
    return BoardPage(
        period=period,
        label=period_label(view, period, start),
        page=page,
        pages=max(1, -(-total // size)),
        total=total,
        rows=rows,
    )
