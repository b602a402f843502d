"""The weekly rank review: members who fell short of their rank's rolling windows.

Promotion is immediate (`recognition.review`); a shortfall of a rolling window
(`min_points_30d`, `min_active_days_30d`, `min_solutions_90d`, `min_kudos_received_90d`)
demotes only here, every Monday at 09:00 in the community's time zone
(`ladder.review = "weekly"`). The first review that finds a member short starts their
grace (`ladder.grace_days`, default 14) and tells them by DM what keeps their rank; a
review once the grace has run out, with the member still short, demotes them (roles
revoked) and tells them; a member back above leaves their grace quietly.
`ladder.demote = false` never demotes (nor warns) for a rolling window.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import formatting
from bot.actions import Action, DirectMessage, PostToChannel
from bot.community import CommunityView, load_view
from bot.config import Rank
from bot.features import ranks
from bot.jobs import job_kind, planner
from bot.services import Services
from storage import communities as community_store
from storage import ideas as contact_store
from storage import jobs as job_store
from storage import member_counters, rank_windows
from storage.models import ScheduledJob

JOB = "rank_review"
REVIEW_AT = time(9, 0)


def next_review(view: CommunityView, now: datetime) -> datetime:
    """The next Monday 09:00 in the community's time zone strictly after `now`."""
    local = now.astimezone(view.timezone)
    day = local.date() - timedelta(days=local.weekday())
    due = datetime.combine(day, REVIEW_AT, view.timezone)
    while due <= now:
        due = datetime.combine(due.date() + timedelta(days=7), REVIEW_AT, view.timezone)
    return due.astimezone(UTC)


@planner
async def plan_rank_reviews(core: Services, session: AsyncSession, now: datetime) -> None:
    """Every community gets its weekly review, when the ladder has rolling windows."""
    if not ranks.uses_windows(core.settings.ranks) or not core.settings.ladder.demote:
        return
    for community_id in await rank_windows.without_review(session, JOB):
        slug = await community_store.community_slug(session, community_id) or ""
        view = await load_view(session, community_id, slug, core.settings)
        due = next_review(view, now)
        await job_store.schedule(session, community_id, JOB, f"{JOB}:{community_id}:{due}", due)


@job_kind(JOB)
async def run_review(
    core: Services, session: AsyncSession, view: CommunityView, job: ScheduledJob, now: datetime
) -> list[Action]:
    settings = core.settings
    due = next_review(view, now)
    await job_store.schedule(session, view.id, JOB, f"{JOB}:{view.id}:{due}", due)
    ladder = settings.ranks
    if not ranks.uses_windows(ladder) or not settings.ladder.demote:
        return []
    above = [rank.name for rank in ladder[1:]]
    held = await rank_windows.held_above(session, view.id, above)
    graces = await rank_windows.graces(session, view.id)
    steps = ranks.steps(ladder)
    full = ranks.full_steps(ladder)
    counters = {c for _, needs in steps for c, _ in needs}
    standings = await member_counters.standings(session, held, counters)
    windows = await rank_windows.windowed(
        session, view.id, held, now.astimezone(UTC).date(), view.local_day(now)
    )
    names = [rank.name for rank in ladder]
    grace = timedelta(days=settings.ladder.grace_days)
    actions: list[Action] = []
    recovered: list[int] = [m for m in graces if m not in standings]
    demoted: dict[int, tuple[str | None, str]] = {}
    for member_id, member in standings.items():
        best = ranks.rank_of(ranks.Windowed(member, windows[member_id]), ladder, full)
        if member.rank not in names or names.index(best.name) >= names.index(member.rank):
            if member_id in graces:
                recovered.append(member_id)
            continue
        current = ladder[names.index(member.rank)]
        started = graces.get(member_id)
        if started is None or started.rank != member.rank:
            if started is None:
                await rank_windows.start_grace(session, view.id, member_id, member.rank, now)
            else:  # short of a rank reached since: a grace of its own
                started.rank, started.since = member.rank, now
            text = _warning(view, current, best, windows[member_id], now + grace)
            actions += await _dm(session, view, member_id, text)
        elif now - started.since >= grace:
            demoted[member_id] = (member.rank, best.name)
            actions += await _demote(session, view, ladder, member, current, best)
    await rank_windows.end_graces(session, [*recovered, *demoted])
    await member_counters.set_ranks(session, view.id, demoted, now)
    return actions


def _warning(
    view: CommunityView, current: Rank, lower: Rank, numbers: dict[str, int], until: datetime
) -> str:
    short = [
        view.t(f"rank.window.{name}", have=numbers.get(name, 0), need=need)
        for name in ranks.WINDOWED
        if (need := getattr(current, f"min_{name}")) and numbers.get(name, 0) < need
    ]
    return view.t(
        "rank.grace.started",
        rank=ranks.rank_name(current, view.locale),
        lower=ranks.rank_name(lower, view.locale),
        needs="; ".join(short),
        until=formatting.day(view.locale, _local(view, until)),
    )


def _local(view: CommunityView, at: datetime) -> date:
    return at.astimezone(view.timezone).date()


async def _dm(
    session: AsyncSession, view: CommunityView, member_id: int, text: str
) -> list[Action]:
    found = await contact_store.contacts(session, view.id, [member_id], "")
    return [DirectMessage(c.platform, c.user_id, c.name, text) for c in found[:1]]


async def _demote(
    session: AsyncSession,
    view: CommunityView,
    ladder: list[Rank],
    member: ranks.Standing,
    current: Rank,
    lower: Rank,
) -> list[Action]:
    member_id: int = member.id  # type: ignore[attr-defined]  # a row of `standings`
    found = await contact_store.contacts(session, view.id, [member_id], "")
    actions: list[Action] = []
    for contact in found[:1]:
        changes = ranks.rank_change_actions(
            view, ladder, member, current.name, lower, contact.platform, contact.user_id
        )
        # The role goes; the DM says why in the grace's own words.
        actions += [a for a in changes if not isinstance(a, DirectMessage | PostToChannel)]
        text = view.t(
            "rank.grace.ended",
            rank=ranks.rank_name(current, view.locale),
            lower=ranks.rank_name(lower, view.locale),
        )
        actions.append(DirectMessage(contact.platform, contact.user_id, contact.name, text))
    return actions
