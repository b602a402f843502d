"""The web page's routes: public pages rendered with Jinja2, the JSON API, its OpenAPI
description and the error pages, as one aiohttp application.

Every handler reads through the core's port (`CoreFace.public_community`, `board_page`)
and decides only what HTTP says: 404 for a community that does not exist or is not
public (the two look the same, so a private community's name is not revealed), 400 for a
bad parameter, 429 past the API's per-client rate limit. Pages are plain HTML and CSS in
the community's language: no JavaScript, light and dark by the reader's system setting.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from adapters.web import charts
from adapters.web.openapi import description
from adapters.web.ratelimit import RateLimit
from bot import i18n
from bot.actions import Card
from bot.ports import (
    BoardPage,
    CoreFace,
    DashboardPage,
    IdeaSection,
    MemberPage,
    PollPage,
    PublicCommunity,
)
from bot.text import render_moments

PERIODS = ("week", "month", "all")
PAGE_SIZE = 25  # members per leaderboard page
API_MAX_SIZE = 100
TEMPLATES = Path(__file__).parent / "templates"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequest(ValueError):
    """A query parameter that is not valid (400), with the reason shown to the caller."""


def _version() -> str:
    try:
        return importlib.metadata.version("cercle")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def _period(request: web.Request) -> str:
    period = request.query.get("period", "week")
    if period not in PERIODS:
        raise BadRequest(f"period must be one of {', '.join(PERIODS)}")
    return period


class WebSite:
    """The application: `app()` builds it around a core (any `CoreFace`)."""

    def __init__(
        self, core: CoreFace, limit: RateLimit | None = None, link_minutes: int = 60
    ) -> None:
        self.core = core
        self.link_minutes = link_minutes  # said on the page a refused link gets
        self.limit = limit or RateLimit()
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.version = _version()

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors, self._rate_limit])
        app.router.add_get("/c/{community}", self.leaderboard)
        app.router.add_get("/c/{community}/ideas", self.ideas)
        app.router.add_get("/c/{community}/members/{name}", self.member)
        app.router.add_get("/c/{community}/polls/{number:[0-9]+}", self.poll)
        app.router.add_get("/c/{community}/dashboard", self.dashboard)
        app.router.add_get("/api/c/{community}/leaderboard", self.api_leaderboard)
        app.router.add_get("/api/c/{community}/ideas", self.api_ideas)
        app.router.add_get("/api/c/{community}/members/{name}", self.api_member)
        app.router.add_get("/api/c/{community}/polls/{number:[0-9]+}", self.api_poll)
        app.router.add_get("/api/openapi.json", self.openapi)
        return app

    # -- middlewares ----------------------------------------------------------------------

    @web.middleware
    async def _rate_limit(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/api/"):
            wait = self.limit.take(request.remote or "?")
            if wait:
                text = i18n.t(i18n.DEFAULT_LOCALE, "web.error.rate_limited", seconds=wait)
                return web.json_response(
                    {"error": text}, status=429, headers={"Retry-After": str(wait)}
                )
        return await handler(request)

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Unknown addresses and bad parameters get a page (or JSON under /api/)."""
        api = request.path.startswith("/api/")
        try:
            return await handler(request)
        except BadRequest as error:
            text = i18n.t(i18n.DEFAULT_LOCALE, "web.error.bad_request", reason=str(error))
            if api:
                return web.json_response({"error": text}, status=400)
            return self._page("error.html", 400, i18n.DEFAULT_LOCALE, title="400", message=text)
        except web.HTTPNotFound:
            return self._not_found(api, i18n.DEFAULT_LOCALE)

    def _not_found(
        self, api: bool, locale: str, community: PublicCommunity | None = None
    ) -> web.Response:
        text = i18n.t(locale, "web.error.not_found" if community is None else "web.error.no_page")
        if api:
            return web.json_response({"error": text}, status=404)
        title = i18n.t(locale, "web.error.not_found_title")
        return self._page(
            "error.html", 404, locale, title=title, message=text, community=community
        )

    # -- rendering ------------------------------------------------------------------------

    def _page(self, template: str, status: int, locale: str, **context: Any) -> web.Response:
        html = self.templates.get_template(template).render(
            t=partial(i18n.t, locale), number=partial(i18n.number, locale), locale=locale, **context
        )
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")

    async def _community(self, request: web.Request) -> PublicCommunity:
        community = await self.core.public_community(request.match_info["community"])
        if community is None or not community.public:
            raise web.HTTPNotFound()
        return community

    # -- public pages ---------------------------------------------------------------------

    async def leaderboard(self, request: web.Request) -> web.Response:
        community = await self._community(request)
        period = _period(request)
        page = _int(request, "page", 1, 1, 1_000_000)
        board = await self.core.board_page(community.slug, period, page, PAGE_SIZE)
        return self._page(
            "leaderboard.html",
            200,
            community.locale,
            community=community,
            board=board,
            periods=PERIODS,
            section="leaderboard",
        )

    async def ideas(self, request: web.Request) -> web.Response:
        community = await self._community(request)
        sections = await self.core.ideas_board(community.slug)
        return self._page(
            "ideas.html", 200, community.locale, community=community, sections=sections,
            section="ideas",
        )

    async def member(self, request: web.Request) -> web.Response:
        community = await self._community(request)
        found = await self.core.member_page(community.slug, request.match_info["name"])
        if found is None:
            return self._not_found(False, community.locale, community)
        return self._page(
            "member.html", 200, community.locale, community=community, member=found,
            section="leaderboard",
        )

    async def poll(self, request: web.Request) -> web.Response:
        community = await self._community(request)
        found = await self.core.poll_page(community.slug, int(request.match_info["number"]))
        if found is None:
            return self._not_found(False, community.locale, community)
        title = i18n.t(community.locale, "web.poll_round")
        rounds = [
            (title.format(round=i) if len(found.rounds) > 1 else "", r.votes, r.eliminated)
            for i, r in enumerate(found.rounds, start=1)
        ]
        chart = await asyncio.to_thread(charts.rounds_svg, rounds, community.locale)
        return self._page(
            "poll.html", 200, community.locale, community=community, poll=found,
            card=card_text(found.card), chart=chart, section="ideas",
        )

    # -- the moderators' dashboard ----------------------------------------------------------

    async def dashboard(self, request: web.Request) -> web.Response:
        """Opened only by a link `/admin dashboard` gave, public community or not."""
        slug = request.match_info["community"]
        until, given = request.query.get("until", ""), request.query.get("sig", "")
        found = None
        if until.isdigit() and len(until) < 12 and given:
            found = await self.core.dashboard(slug, int(until), given)
        community = await self.core.public_community(slug)
        locale = community.locale if community is not None else i18n.DEFAULT_LOCALE
        if found is None or community is None:
            minutes = self.link_minutes
            return self._page(
                "error.html",
                403,
                locale,
                title=i18n.t(locale, "web.error.forbidden_title"),
                message=i18n.t(locale, "web.error.forbidden", minutes=minutes),
            )
        drawn = await asyncio.to_thread(self._charts, found, locale)
        response = self._page(
            "dashboard.html", 200, locale, community=community, board=found, charts=drawn,
            expires=render_moments(found.expires), section="dashboard",
        )
        # The link is a key: keep it out of caches and of the referrer of outgoing links.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @staticmethod
    def _charts(found: DashboardPage, locale: str) -> list[tuple[str, str]]:
        return [
            (chart.title, charts.weekly_svg(chart.title, found.weeks, chart.lines, locale))
            for chart in found.charts
        ]

    # -- JSON API -------------------------------------------------------------------------

    async def api_leaderboard(self, request: web.Request) -> web.Response:
        community = await self._community(request)
        period = _period(request)
        page = _int(request, "page", 1, 1, 1_000_000)
        size = _int(request, "size", PAGE_SIZE, 1, API_MAX_SIZE)
        board = await self.core.board_page(community.slug, period, page, size)
        return web.json_response(board_json(community, board))

    async def api_ideas(self, request: web.Request) -> web.Response:
        community = await self._community(request)
        sections = await self.core.ideas_board(community.slug)
        return web.json_response({"community": community.slug, **ideas_json(sections)})

    async def api_member(self, request: web.Request) -> web.Response:
        community = await self._community(request)
        found = await self.core.member_page(community.slug, request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        return web.json_response({"community": community.slug, **member_json(found)})

    async def api_poll(self, request: web.Request) -> web.Response:
        community = await self._community(request)
        found = await self.core.poll_page(community.slug, int(request.match_info["number"]))
        if found is None:
            raise web.HTTPNotFound()
        return web.json_response({"community": community.slug, **poll_json(found)})

    async def openapi(self, _request: web.Request) -> web.Response:
        return web.json_response(description(self.version))


def board_json(community: PublicCommunity, board: BoardPage) -> dict[str, Any]:
    """A leaderboard page as the API gives it (see `adapters.web.openapi`)."""
    return {
        "community": community.slug,
        "period": board.period,
        "label": board.label,
        "page": board.page,
        "pages": board.pages,
        "total": board.total,
        "members": [
            {
                "place": row.place,
                "name": row.name,
                "points": row.points,
                "rank": row.rank,
                "badges": list(row.badges),
            }
            for row in board.rows
        ],
    }


def card_text(card: Card) -> dict[str, Any]:
    """A card of the chat (a poll's result) as the page shows it: instants in words."""
    return {
        "title": render_moments(card.title),
        "body": render_moments(card.body),
        "fields": [(render_moments(f.name), render_moments(f.value)) for f in card.fields],
        "footer": render_moments(card.footer),
    }


def ideas_json(sections: tuple[IdeaSection, ...]) -> dict[str, Any]:
    return {
        "statuses": [
            {
                "status": section.status,
                "label": section.label,
                "total": section.total,
                "ideas": [
                    {
                        "number": idea.number,
                        "title": idea.title,
                        "description": idea.description,
                        "status": idea.status,
                        "votes_for": idea.votes_for,
                        "votes_against": idea.votes_against,
                        "reason": idea.reason,
                        "history": list(idea.history),
                    }
                    for idea in section.ideas
                ],
            }
            for section in sections
        ]
    }


def member_json(member: MemberPage) -> dict[str, Any]:
    return {
        "name": member.name,
        "rank": member.rank,
        "next": member.next_step,
        "place": member.place,
        "points": dict(member.points),
        "activity": dict(member.counters),
        "badges": list(member.badges),
    }


def poll_json(poll: PollPage) -> dict[str, Any]:
    shown = card_text(poll.card)
    return {
        "number": poll.number,
        "title": shown["title"],
        "result": dict(shown["fields"]),
        "rounds": [
            {"votes": dict(r.votes), "eliminated": list(r.eliminated)} for r in poll.rounds
        ],
    }
