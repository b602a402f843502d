"""A member's public profile on the web page: what `/profile` shows (points this week,
this month and all time, rank and progress to the next, place, activity, badges).

A member who chose to be hidden, an excluded member or a bot has no page: the same answer
as a name nobody has, so the page says nothing about them. Two members sharing a name:
the one Cercle knew first.
"""

from __future__ import annotations

from bot.features import badges, ranks
from bot.features.profiles import progress_text
from bot.features.web.leaderboard import community_view, wording
from bot.i18n import number
from bot.ports import MemberPage
from bot.services import Services
from storage import leaderboards, member_counters
from storage.privacy import find_by_name


async def member_page(core: Services, slug: str, name: str) -> MemberPage | None:
    view = await community_view(core, slug)
    if view is None:
        return None
    now = core.clock.now()
    async with core.db.transaction() as session:
        found = [
            m
            for m in await find_by_name(session, view.id, name)
            if not (m.hidden or m.excluded or m.is_bot) and m.id not in view.excluded_members
        ]
        if not found:
            return None
        member = min(found, key=lambda m: m.id or 0)
        assert member.id is not None
        points = {"all": member.points}
        for period, start in (("week", view.week_start(now)), ("month", view.month_start(now))):
            points[period] = await leaderboards.points_of(
                session, view.id, member.id, period, start
            )
        place = await leaderboards.place_of(session, view.id, member.id, "all", None, member)
        held = (await member_counters.badges_of(session, [member.id]))[member.id]
    locale = view.locale
    n = lambda value: number(locale, value)  # noqa: E731
    kudos = view.t(
        "profile.kudos_value", received=n(member.kudos_received), given=n(member.kudos_given)
    )
    active = view.t(
        "profile.active_value", days=n(member.active_days), streak=n(member.streak_days)
    )
    counters = (
        (view.t("profile.messages"), n(member.messages)),
        (view.t("profile.solutions"), n(member.solutions)),
        (view.t("profile.kudos"), kudos),
        (view.t("profile.active_days"), active),
    )
    return MemberPage(
        name=member.display_name,
        rank=ranks.rank_name(ranks.shown_rank(member, core.settings.ranks), locale),
        next_step=progress_text(wording(core, view), member),
        place=place.place if place is not None else None,
        points=points,
        counters=counters,
        badges=tuple(badges.badge_name(b, locale) for b in core.settings.badges if b.key in held),
    )
