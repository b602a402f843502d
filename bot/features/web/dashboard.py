"""`/admin dashboard`: a link to the moderators' dashboard on the web page, and what the
dashboard shows to whoever opens a valid one.

The link is the only key: it names the community and the instant it expires, signed with
HMAC-SHA256 under CERCLE_WEB_SECRET (or, without it, a secret generated for the community
and kept in the database), and it opens the dashboard until `web.link_minutes` after it
was given. A link expired, forged or for another community opens nothing. The dashboard
shows the health of the last twelve weeks (active members, messages, solutions, new
members, and the 90-9-1 participation shape), the digest history, the quiet regulars and
the audit trail.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import formatting
from bot.actions import Action, Reply
from bot.commands import Permission, command
from bot.community import CommunityView
from bot.context import CommandContext
from bot.features.audit_log import line as audit_line
from bot.features.digests.data import REGULAR_DAYS, health_of
from bot.features.digests.schedule import Period
from bot.features.web.leaderboard import community_view, wording
from bot.ports import DashboardPage, HealthSeries
from bot.services import Services
from storage import audit, member_counters
from storage import communities as community_store
from storage import digests as digest_store
from storage.metrics import members as metrics_members

SECRET_KEY = "dashboard_secret"  # the community's generated secret, in community_setting
WEEKS = 12
AUDIT_SHOWN = 30
DIGESTS_SHOWN = 12


async def _secret(
    core: Services, community_id: int, *, create: bool, session: AsyncSession | None = None
) -> bytes | None:
    """The community's link secret; `session`: the caller's transaction (a command's,
    which holds SQLite's write lock: a transaction of its own would wait for it)."""
    if core.web_secret:
        return core.web_secret.encode()
    if session is None:
        async with core.db.transaction() as own:
            return await _secret(core, community_id, create=create, session=own)
    if not create:
        stored = (await community_store.runtime_settings(session, community_id)).get(SECRET_KEY)
        return stored.encode() if stored else None
    value = await community_store.kept_value(
        session, community_id, SECRET_KEY, secrets.token_hex(32), core.clock.now()
    )
    return value.encode()


def signature(secret: bytes, slug: str, until: int) -> str:
    """The link's signature: the community and the instant it expires, nothing else."""
    return hmac.new(secret, f"dashboard\n{slug}\n{until}".encode(), hashlib.sha256).hexdigest()


def base_url(core: Services) -> str | None:
    web = core.settings.web
    if web.base_url:
        return web.base_url.rstrip("/")
    return f"http://{web.host}:{web.port}" if web.port is not None else None


@command("admin", "dashboard", permission=Permission.MODERATOR, private=True)
async def dashboard(ctx: CommandContext) -> list[Action]:
    root = base_url(ctx.core)
    if root is None:
        return [Reply(ctx.t("web.dashboard.not_served"))]
    minutes = ctx.settings.web.link_minutes
    until = int((ctx.core.clock.now() + timedelta(minutes=minutes)).timestamp())
    secret = await _secret(ctx.core, ctx.community.id, create=True, session=ctx.session)
    assert secret is not None
    slug = ctx.community.slug
    link = f"{root}/c/{slug}/dashboard?until={until}&sig={signature(secret, slug, until)}"
    return [Reply(ctx.t("web.dashboard.link", link=link, minutes=minutes))]


async def dashboard_page(
    core: Services, slug: str, until: int, given: str
) -> DashboardPage | None:
    view = await community_view(core, slug)
    if view is None:
        return None
    now = core.clock.now()
    longest = now + timedelta(minutes=core.settings.web.link_minutes)
    if not now.timestamp() < until <= longest.timestamp():
        return None
    secret = await _secret(core, view.id, create=False)
    if secret is None or not hmac.compare_digest(signature(secret, slug, until), given):
        return None
    return await _contents(core, view, until)


async def _contents(core: Services, view: CommunityView, until: int) -> DashboardPage:
    words = wording(core, view)
    now = core.clock.now()
    this_week = view.week_start(now)
    weeks = [this_week - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    numbers: dict[str, list[int]] = {}
    async with core.db.transaction() as session:
        # The weeks before the community began have no numbers: the charts start with it.
        created = await community_store.created_at(session, view.id)
        if created is not None:
            first = view.week_start(created)
            weeks = [week for week in weeks if week >= first] or [this_week]
        for start in weeks:
            end = min(start + timedelta(days=7), view.local_day(now) + timedelta(days=1))
            data = await health_of(core, session, view, Period(start, end, view.timezone))
            for key in ("active", "messages", "solutions", "new_members"):
                numbers.setdefault(key, []).append(data.health[key][0])
            numbers.setdefault("core", []).append(data.core)
            numbers.setdefault("occasional", []).append(data.occasional)
            numbers.setdefault("lurkers", []).append(data.lurkers)
        today = view.local_day(now)
        quiet = await metrics_members.quiet_regulars(
            session, view.id, today - timedelta(days=42), today - timedelta(days=14), REGULAR_DAYS
        )
        runs = await digest_store.history(session, view.id, DIGESTS_SHOWN)
        entries = await audit.newest(session, view.id, limit=AUDIT_SHOWN)
        ids = {i for r in entries for i in (r.actor_id, r.member_id) if i is not None}
        names = await _names(session, ids, view)
    t = view.t
    labels = tuple(formatting.short_day(view.locale, w) for w in weeks)
    charts = (
        HealthSeries(t("web.dashboard.active"), ((t("web.dashboard.active"), numbers["active"]),)),
        HealthSeries(
            t("web.dashboard.messages"), ((t("web.dashboard.messages"), numbers["messages"]),)
        ),
        HealthSeries(
            t("web.dashboard.solutions"),
            (
                (t("web.dashboard.solutions"), numbers["solutions"]),
                (t("web.dashboard.new_members"), numbers["new_members"]),
            ),
        ),
        HealthSeries(
            t("web.dashboard.shape"),
            (
                (t("web.dashboard.core"), numbers["core"]),
                (t("web.dashboard.occasional"), numbers["occasional"]),
                (t("web.dashboard.lurkers"), numbers["lurkers"]),
            ),
        ),
    )
    digests = tuple(
        t(
            f"web.dashboard.digest_{run.status}",
            period=formatting.days(
                view.locale, run.period_start, run.period_end - timedelta(days=1)
            ),
            destination=run.destination,
        )
        for run in runs
    )
    expires = formatting.moment(view.locale, _instant(until), view.timezone)
    return DashboardPage(
        weeks=labels,
        charts=charts,
        digests=digests,
        quiet=tuple((name, days) for _, name, days in quiet),
        audit=tuple(audit_line(words, row, names) for row in entries),
        expires=expires,
    )


async def _names(session: AsyncSession, ids: set[int], view: CommunityView) -> dict[int, str]:
    members = await member_counters.members_by_id(session, ids)
    return {
        i: m.display_name if m.display_name else view.t("audit.forgotten")
        for i, m in members.items()
    }


def _instant(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
