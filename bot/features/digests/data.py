"""What a digest says, as numbers and names: computed for one period and compared with the
period before it, from the aggregate queries of the `storage.metrics*` modules.

The message of the period is read back from its platform here (`Cercle.readers`), when
the digest is built; Cercle never stores message text. Nothing here renders text: see
`cards` for that.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.community import CommunityView
from bot.config import Settings
from bot.features.digests.schedule import Period
from bot.features.polls.state import outcome_of
from bot.services import Services
from storage import communities as community_store
from storage import community_activity, metrics
from storage import polls as poll_store
from storage.metrics import health as metrics_health
from storage.metrics import highlights as metrics_highlights
from storage.metrics import ideas as metrics_ideas
from storage.metrics import members as metrics_members
from storage.metrics import shape as metrics_shape
from storage.metrics.events import EventNumbers, event_numbers
from storage.metrics.responsiveness import Responsiveness, responsiveness
from storage.models import Member, PlatformSpace
from storage.models.ideas import Idea, IdeaEvent
from storage.models.polls import Poll

HEALTH = (
    "active",
    "new_members",
    "messages",
    "kudos",
    "solutions",
    "ideas_submitted",
    "ideas_shipped",
    "poll_turnout",
)
# Regulars who went quiet: active on this many days in the four weeks before the last two.
REGULAR_DAYS = 4
# Rank-ups named in the digest (the others are counted).
SHOWN_RANK_UPS = 10
# The chart has a bar per day up to this many days; a longer period (a catch-up after
# downtime) gets as many bars at most, each a whole number of weeks.
MAX_BARS = 31


@dataclass(frozen=True)
class Contributor:
    member_id: int
    name: str
    points: int
    rank_up: str | None = None
    badges: tuple[str, ...] = ()


@dataclass(frozen=True)
class Highlight:
    author: str
    channel: str | None
    reactors: int
    text: str | None  # quoted only when allowed and readable
    link: str | None


@dataclass(frozen=True)
class ClosedPoll:
    number: int
    question: str
    winners: tuple[str, ...]
    ballots: int


@dataclass(frozen=True)
class Bar:
    """The chart's activity over the days [start, end): one day, or weeks in a catch-up."""

    start: date
    end: date
    members: int  # active members (each counted once in the bar)
    messages: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def chart_spans(period: Period) -> list[tuple[date, date]]:
    """The days each bar of the chart covers: one bar a day, or whole weeks per bar when
    the period is longer than `MAX_BARS` days (the last bar may be shorter)."""
    size = 1
    if period.days > MAX_BARS:
        size = 7 * math.ceil(period.days / (7 * MAX_BARS))
    spans = []
    start = period.start
    while start < period.end:
        end = min(start + timedelta(days=size), period.end)
        spans.append((start, end))
        start = end
    return spans


@dataclass
class DigestData:
    period: Period
    previous: Period
    top: list[Contributor] = field(default_factory=list)
    newcomer: Contributor | None = None
    rank_ups: list[tuple[str, str]] = field(default_factory=list)  # the first few
    rank_ups_total: int = 0
    badges: list[tuple[str, str]] = field(default_factory=list)  # (member, badge key)
    badges_total: int = 0
    highlight: Highlight | None = None
    ideas_new: list[Idea] = field(default_factory=list)
    ideas_new_total: int = 0
    ideas_supported: list[tuple[Idea, int]] = field(default_factory=list)
    status_changes: list[tuple[Idea, IdeaEvent]] = field(default_factory=list)
    polls: list[ClosedPoll] = field(default_factory=list)
    health: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (now, before)
    members: int = 0  # present at the period's end
    core: int = 0
    occasional: int = 0
    bars: list[Bar] = field(default_factory=list)  # the chart's activity
    customers: tuple[int, int] | None = None  # active customers, their accounts
    quiet: list[tuple[str, int]] = field(default_factory=list)
    # Posted monthly (`digest.cadence`, `/admin digest schedule monthly`): its words say month.
    monthly: bool = False
    # Events held in the period and in the one before it.
    events: tuple[EventNumbers, EventNumbers] = (EventNumbers(), EventNumbers())
    # The day the community began, when that was after the period before this one began:
    # its numbers then have no whole period to compare with (a first digest's "+80, up
    # from none" would only say the community was new, a week against its first day
    # "+114%" only that it was young).
    began: date | None = None
    # Questions and their first responses (key "" for all, else a help channel), now and
    # in the period before.
    questions: tuple[dict[str, Responsiveness], dict[str, Responsiveness]] = ({}, {})

    @property
    def compared(self) -> bool:
        return self.began is None

    @property
    def lurkers(self) -> int:
        return max(0, self.members - self.core - self.occasional)

    @property
    def quiet_period(self) -> bool:
        """Nothing happened: the digest says so in a few friendly words."""
        return not any(now for now, _ in self.health.values())


def board_of(period: Period) -> metrics_members.Board | None:
    """The week or month whose totals the ledger keeps (`member_total`) that is exactly
    `period` (a Monday-to-Monday week, a calendar month), if any: its members are then
    found from those totals instead of summing everyone's gains."""
    if period.days == 7 and period.start.weekday() == 0:
        return metrics_members.Board("week", period.start)
    if period.start.day == 1 and period.end == (period.start + timedelta(days=31)).replace(day=1):
        return metrics_members.Board("month", period.start)
    return None


def core_days(period: Period) -> int:
    """Days of activity that make a core contributor: three in a week
    (`community_activity.CORE_DAYS`, which a week's counts are kept with), scaled."""
    return max(2, math.ceil(period.days * community_activity.CORE_DAYS / 7))


async def build(
    core: Services,
    session: AsyncSession,
    view: CommunityView,
    period: Period,
    *,
    quote: bool = True,
    quiet: bool = False,
    concurrent: bool = False,
) -> DigestData:
    """Every number of the digest of `period`, with `quiet` regulars for moderators.

    `concurrent`: read the independent groups of numbers (members, health, the questions
    of each period, ideas and the highlight) at once, each on a connection of its own,
    rather than one after the other in `session`; for a caller whose transaction has
    written nothing the digest counts (the scheduled digest reads first and writes last).
    A database can run them side by side (PostgreSQL's backends, SQLite's connection
    threads), which halves the time a large community's digest takes on a machine of two
    cores."""
    settings = core.settings
    previous = period.previous()
    window = metrics.Window(previous.start_at, period.start_at, period.end_at)
    data = DigestData(period, previous)

    async def members(session: AsyncSession) -> None:
        await _members(session, view, settings, period, data)

    async def health(session: AsyncSession) -> None:
        await _health(session, view, period, previous, window, data)

    async def questions(session: AsyncSession) -> None:
        await _questions(core, session, view, window, data, current=True)
        data.badges, data.badges_total = await metrics_members.badges_between(
            session, view.id, period.start_at, period.end_at
        )

    async def questions_before(session: AsyncSession) -> None:
        await _questions(core, session, view, window, data, current=False)

    async def the_rest(session: AsyncSession) -> None:
        await _ideas_and_polls(session, view, period, data)
        data.highlight = await _highlight(core, session, view, period, quote)
        data.customers = await metrics_health.active_customers(
            session, view.id, period.start, period.end
        )
        if quiet:
            rows = await metrics_members.quiet_regulars(
                session,
                view.id,
                period.end - timedelta(days=42),
                period.end - timedelta(days=14),
                REGULAR_DAYS,
            )
            data.quiet = [(name, days) for _, name, days in rows]

    sections = (health, questions, questions_before, members, the_rest)
    await _read(core, session, sections, concurrent)
    return data


Section = Callable[[AsyncSession], Awaitable[None]]


async def _read(
    core: Services, session: AsyncSession, sections: Sequence[Section], concurrent: bool
) -> None:
    """Run `sections` one after the other in `session`, or (`concurrent`, on a database
    whose connections share their data) side by side, each on a connection of its own."""
    if not (concurrent and core.db.connections_share_data):
        for section in sections:
            await section(session)
        return

    async def apart(section: Section) -> None:
        async with core.db.sessions() as own:
            await section(own)

    async with asyncio.TaskGroup() as group:
        for section in sections:
            group.create_task(apart(section))


async def _members(
    session: AsyncSession,
    view: CommunityView,
    settings: Settings,
    period: Period,
    data: DigestData,
) -> None:
    found = await metrics_members.period_members(
        session,
        view.id,
        period.start_at,
        period.end_at,
        settings.digest.top_contributors,
        board_of(period),
    )
    shown = [row.member_id for row in found.top]
    if found.newcomer is not None:
        shown.append(found.newcomer.member_id)
    ups = await metrics_members.rank_ups(
        session,
        view.id,
        period.start_at,
        period.end_at,
        [rank.name for rank in settings.ranks],
        SHOWN_RANK_UPS,
        shown,
    )
    data.rank_ups = [(name, rank) for _, name, rank in ups.first]
    data.rank_ups_total = ups.total
    earned = await _badges_of(session, shown, period)

    def contributor(row: metrics_members.MemberPeriod) -> Contributor:
        return Contributor(
            row.member_id,
            row.name,
            row.points,
            ups.of_members.get(row.member_id),
            tuple(earned.get(row.member_id, ())),
        )

    data.top = [contributor(row) for row in found.top]
    data.newcomer = contributor(found.newcomer) if found.newcomer is not None else None


async def _badges_of(
    session: AsyncSession, member_ids: list[int], period: Period
) -> dict[int, list[str]]:
    from storage.models import MemberBadge

    if not member_ids:
        return {}
    rows = await session.execute(
        select(MemberBadge.member_id, MemberBadge.badge)
        .where(
            MemberBadge.member_id.in_(member_ids),
            MemberBadge.awarded_at >= period.start_at,
            MemberBadge.awarded_at < period.end_at,
        )
        .order_by(MemberBadge.awarded_at)
    )
    earned: dict[int, list[str]] = {}
    for member_id, badge in rows:
        earned.setdefault(member_id, []).append(badge)
    return earned


async def _health(
    session: AsyncSession,
    view: CommunityView,
    period: Period,
    previous: Period,
    window: metrics.Window,
    data: DigestData,
) -> None:
    counts = await metrics_health.ledger_counts(session, view.id, window)

    def net(kind: str, current: bool) -> int:
        return counts.get((kind, current), 0) - counts.get((f"{kind}_reversed", current), 0)

    shape = await metrics_shape.day_shape(
        session, view.id, previous.start, period.start, period.end, core_days(period)
    )
    deleted = (
        counts.get(("message_reversed", True), 0),
        counts.get(("message_reversed", False), 0),
    )
    new_now, new_before, present = await metrics_health.member_counts(session, view.id, window)
    submitted, submitted_before, shipped, shipped_before = await metrics_health.idea_counts(
        session, view.id, window
    )
    turnout, turnout_before = await metrics_health.poll_turnout(session, view.id, window)
    # Active: the members with an active day (`bot.awards.mark_active`), the same ones the
    # participation shape splits into core and occasional and the chart counts per day.
    data.health = {
        "active": (shape.active, shape.active_before),
        "new_members": (new_now, new_before),
        "messages": (shape.messages - deleted[0], shape.messages_before - deleted[1]),
        "kudos": (counts.get(("kudos", True), 0), counts.get(("kudos", False), 0)),
        "solutions": (net("solution", True), net("solution", False)),
        "ideas_submitted": (submitted, submitted_before),
        "ideas_shipped": (shipped, shipped_before),
        "poll_turnout": (turnout, turnout_before),
    }
    data.members, data.core, data.occasional = present, shape.core, shape.occasional
    data.events = (
        await event_numbers(session, view.id, period.start_at, period.end_at),
        await event_numbers(session, view.id, previous.start_at, period.start_at),
    )
    created = await community_store.created_at(session, view.id)
    if created is not None and view.local_day(created) > previous.start:
        data.began = view.local_day(created)
    spans = chart_spans(period)
    found = await metrics_shape.activity(session, view.id, spans)
    data.bars = [Bar(s, e, n, m) for (s, e), (n, m) in zip(spans, found, strict=True)]


async def _ideas_and_polls(
    session: AsyncSession, view: CommunityView, period: Period, data: DigestData
) -> None:
    start, end = period.start_at, period.end_at
    data.ideas_new, data.ideas_new_total = await metrics_ideas.ideas_created(
        session, view.id, start, end
    )
    data.ideas_supported = await metrics_ideas.ideas_supported(session, view.id, start, end)
    data.status_changes = await metrics_ideas.status_changes(session, view.id, start, end)
    for poll in await metrics_ideas.polls_closed(session, view.id, start, end):
        data.polls.append(await _closed_poll(session, poll))


async def _closed_poll(session: AsyncSession, poll: Poll) -> ClosedPoll:
    assert poll.id is not None
    labels = await poll_store.labels(session, poll.id)
    outcome = await outcome_of(session, poll, len(labels))
    winners = tuple(labels[i] for i in outcome.winners if 0 <= i < len(labels))
    ballots = await poll_store.voter_count(session, poll.id)
    return ClosedPoll(poll.number, poll.question, winners, ballots)


async def _highlight(
    core: Services, session: AsyncSession, view: CommunityView, period: Period, quote: bool
) -> Highlight | None:
    """The most reacted-to message of the period (two reactors at least), unless its author
    chose to be hidden; when its text is read back, a message too short to score (a "+1",
    an "ok") gives way to the next one, as it would not be worth quoting."""
    board = board_of(period)
    ranked = await metrics_highlights.top_messages(
        session,
        view.id,
        period.start_at,
        period.end_at,
        view.excluded_channels,
        None if board is None else (board.period, board.start),
    )
    shortest = core.settings.scoring.message_min_length
    for top in ranked:
        if top.reactors < 2:
            return None  # one reaction is not a highlight
        found = (
            await session.execute(
                select(Member.display_name, Member.hidden).where(Member.id == top.author_id)
            )
        ).first()
        if found is None or found.hidden:
            return None  # a member who chose to be hidden is never featured
        text, link = await _read_back(core, session, view, top, quote)
        if text is not None and len(text.strip()) < shortest:
            continue
        return Highlight(found.display_name or "?", top.channel_id, top.reactors, text, link)
    return None


async def _read_back(
    core: Services,
    session: AsyncSession,
    view: CommunityView,
    top: metrics_highlights.TopMessage,
    quote: bool,
) -> tuple[str | None, str | None]:
    """(the message's text when `quote` and the platform gives it, its link)."""
    platform, _, message_id = top.message_ref.partition(":")
    space = await session.scalar(
        select(PlatformSpace.space_id).where(
            PlatformSpace.community_id == view.id, PlatformSpace.platform == platform
        )
    )
    reader = core.readers.get(platform)
    if reader is None or space is None or top.channel_id is None:
        return None, None
    link = reader.message_link(space, top.channel_id, message_id)
    if not quote:
        return None, link
    try:
        return await reader.message_text(space, top.channel_id, message_id), link
    except Exception:  # a platform error must not lose the digest: link instead
        return None, link


async def health_of(
    core: Services,
    session: AsyncSession,
    view: CommunityView,
    period: Period,
    *,
    concurrent: bool = False,
) -> DigestData:
    """The health numbers, participation shape and customers of a period (`/admin stats`).

    `concurrent`: the health numbers, and the questions with the customers, are read side
    by side on connections of their own (see `build`): what they count is what is
    committed, which is all of it for a caller that wrote nothing they count."""
    previous = period.previous()
    window = metrics.Window(previous.start_at, period.start_at, period.end_at)
    data = DigestData(period, previous)

    async def health(session: AsyncSession) -> None:
        await _health(session, view, period, previous, window, data)

    async def questions(session: AsyncSession) -> None:
        await _questions(core, session, view, window, data, current=True)
        data.customers = await metrics_health.active_customers(
            session, view.id, period.start, period.end
        )

    async def questions_before(session: AsyncSession) -> None:
        await _questions(core, session, view, window, data, current=False)

    await _read(core, session, (health, questions, questions_before), concurrent)
    return data


async def _questions(
    core: Services,
    session: AsyncSession,
    view: CommunityView,
    window: metrics.Window,
    data: DigestData,
    *,
    current: bool,
) -> None:
    """The questions of the period (`current`) or of the one before: two sections, as
    each reads the questions in its median's bucket one by one."""
    target = core.settings.responsiveness.target_hours * 3600
    now = core.clock.now()
    start, end = (window.start, window.end) if current else (window.previous, window.start)
    found = await responsiveness(session, view.id, start, end, now, target)
    data.questions = (found, data.questions[1]) if current else (data.questions[0], found)
