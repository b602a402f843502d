"""The weekly digest, exactly once per period and destination.

What is due lives in the tables: each community has a chain (`digest_state`, the start of
the next period) and one pending `digest` job at the period's fire time; a planner starts
the chain of every community the first time `run_due` sees it. When the job runs it works
out the period that has ended by the community's schedule (late, it also covers the
periods missed meanwhile, once the next one is due), moves the chain on with a
conditional update, claims one `digest_run` per destination (platform) — the unique
(community, period start, destination) row — and only then returns the posts. Each post
carries the run's marker (adapters look for it before posting) and a card ref (adapters
report the post); a `digest_check` job later re-sends a claimed run whose post was never
reported, so a crash between claiming and posting gives a late post, never none, never two.

Commands: `/admin digest preview` (the current period so far, only to the caller, as often
as asked), `/admin digest now` (after the period's end: its digest on this platform; in the
middle of a period: closes it at the start of today and posts the digest of its days so
far everywhere, once; the next period starts today), `/admin digest schedule [day] [time]
[channel]` (persisted per community, wins over the config file; without options it shows
the schedule).
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit, charts, drawing, formatting
from bot.actions import Action, Card, CardField, Image, PostToChannel, Reply
from bot.commands import ChannelMention, OptionKind, OptionSpec, Permission, command
from bot.community import CommunityView, load_view
from bot.context import CommandContext
from bot.errors import UserError
from bot.features.digests import cards, responsiveness
from bot.features.digests.data import DigestData, build
from bot.features.digests.schedule import (
    DAYS,
    MONTHLY,
    SCHEDULE_KEY,
    Period,
    Schedule,
    channel_key,
    effective_channel,
    effective_schedule,
    first_start,
)
from bot.jobs import job_kind, payload, planner
from bot.services import Services
from storage import communities as community_store
from storage import digests as store
from storage import jobs as job_store
from storage.models import ScheduledJob
from storage.models.digests import DigestRun

log = logging.getLogger("cercle.digest")

MOD = Permission.MODERATOR
CHECK_AFTER = timedelta(minutes=10)
CHECK_ATTEMPTS = 6


# -- the chain ---------------------------------------------------------------------------------


@planner
async def plan_digests(core: Services, session: AsyncSession, now: datetime) -> None:
    """Give every community that has none its first digest: from the day it was created
    (or today, when its clock is behind) to the first scheduled day after it."""
    for community_id, created_at in await store.unplanned(session):
        view = await _view(core, session, community_id)
        runtime = await community_store.runtime_settings(session, community_id)
        schedule, _ = effective_schedule(core.settings, runtime)
        start = first_start(min(created_at, now), view.timezone)
        await store.start_chain(
            session, community_id, start, schedule.due_for(start, view.timezone), now
        )


async def _view(core: Services, session: AsyncSession, community_id: int) -> CommunityView:
    slug = await community_store.community_slug(session, community_id) or ""
    return await load_view(session, community_id, slug, core.settings)


async def _schedule_of(core: Services, session: AsyncSession, community_id: int) -> Schedule:
    runtime = await community_store.runtime_settings(session, community_id)
    return effective_schedule(core.settings, runtime)[0]


async def current_start(
    core: Services, session: AsyncSession, view: CommunityView, now: datetime
) -> date:
    """Where the period not yet posted starts."""
    state = await store.state(session, view.id)
    if state is not None:
        return state.next_start
    created_at = await community_store.created_at(session, view.id)
    return first_start(min(created_at or now, now), view.timezone)


@job_kind(store.DIGEST_JOB)
async def run_digest(
    core: Services, session: AsyncSession, view: CommunityView, job: ScheduledJob, now: datetime
) -> list[Action]:
    start = date.fromisoformat(payload(job)["start"])
    state = await store.state(session, view.id)
    if state is None or state.next_start != start:
        return []  # the chain moved on (another process, a replaced job): nothing to do
    schedule = await _schedule_of(core, session, view.id)
    end = schedule.ended_by(start, now, view.timezone, fired=True)
    if end is None:  # the schedule changed since this job was set: wait for its new time
        due = schedule.due_for(start, view.timezone)
        key = f"{store.job_key(view.id, start)}:{int(due.timestamp())}"
        await job_store.schedule(session, view.id, store.DIGEST_JOB, key, due, job.payload)
        return []
    period = Period(start, end, view.timezone)
    # Read first, write last: the heavy reads hold no write lock on SQLite, and nothing
    # is written yet in `session` (the digest's numbers may be read on other connections).
    destinations = await store.platforms(session, view.id)
    data = await _data(core, session, view, period, schedule, concurrent=True)
    # Drawn before the first write too: on SQLite a write takes the database's only write
    # lock until the job commits, and every member's message would wait for the drawing.
    image = await _image(core, view, data)
    if not await store.advance(session, view.id, start, end, now):
        return []
    await store.schedule(session, view.id, end, schedule.due_for(end, view.timezone))
    actions: list[Action] = []
    for platform in destinations:
        run = await store.claim(session, view.id, start, end, platform, core.jobs.owner, now)
        if run is None:
            continue  # a moderator's `/admin digest now` already posted it there
        actions += await _posts(core, session, view, run, data, image)
        await _check_later(session, view.id, run, now, 1)
    return actions


async def _data(
    core: Services,
    session: AsyncSession,
    view: CommunityView,
    period: Period,
    schedule: Schedule,
    concurrent: bool = False,
) -> DigestData:
    digest = core.settings.digest
    data = await build(
        core,
        session,
        view,
        period,
        quote=digest.quote_messages,
        quiet=digest.quiet_regulars,
        concurrent=concurrent,
    )
    # A monthly digest speaks of its month ("Message of the month", "See you next month").
    data.monthly = schedule.monthly
    return data


async def _image(core: Services, view: CommunityView, data: DigestData) -> Image | None:
    """The digest's chart, unless the settings or a quiet period leave it out."""
    if not core.settings.digest.chart or data.quiet_period:
        return None
    png = await drawing.draw(charts.activity_png, cards.activity_chart(view, data))
    alt = cards.chart_alt(view, data)
    return Image(png, f"activity-{data.period.start.isoformat()}.png", alt)


async def _channel(
    core: Services, session: AsyncSession, view: CommunityView, platform: str
) -> str | None:
    runtime = await community_store.runtime_settings(session, view.id)
    return effective_channel(core.settings, runtime, platform)[0]


async def _posts(
    core: Services,
    session: AsyncSession,
    view: CommunityView,
    run: DigestRun,
    data: DigestData,
    image: Image | None,
) -> list[Action]:
    """The digest post of a claimed run (and the moderators' private note), with its marker
    and its chart (`_image`)."""
    card = cards.digest_card(
        view, core.settings, data, image=image, questions=_questions(core, view, data)
    )
    channel = await _channel(core, session, view, run.destination)
    posts: list[Action] = [
        PostToChannel(
            run.destination,
            channel,
            card=card,
            marker=run.marker,
            card_ref=store.card_ref(run.period_start),
        )
    ]
    if data.quiet and view.moderator_channel:
        posts.append(
            PostToChannel(
                run.destination,
                view.moderator_channel,
                card=cards.quiet_card(view, data),
                marker=f"{run.marker}:quiet",
            )
        )
    if view.moderator_channel:
        waiting, count = await responsiveness.unanswered_card(core, session, view, core.clock.now())
        if count:
            posts.append(
                PostToChannel(
                    run.destination,
                    view.moderator_channel,
                    card=waiting,
                    marker=f"{run.marker}:unanswered",
                )
            )
    return posts


def _questions(core: Services, view: CommunityView, data: DigestData) -> str:
    return responsiveness.question_lines(view, data, core.settings.responsiveness.target_hours)


async def _check_later(
    session: AsyncSession, community_id: int, run: DigestRun, now: datetime, attempt: int
) -> None:
    assert run.id is not None
    await job_store.schedule(
        session,
        community_id,
        store.CHECK_JOB,
        f"digest-check:{run.id}:{attempt}",
        now + CHECK_AFTER,
        json.dumps({"run": run.id, "attempt": attempt}),
    )


@job_kind(store.CHECK_JOB)
async def check_digest(
    core: Services, session: AsyncSession, view: CommunityView, job: ScheduledJob, now: datetime
) -> list[Action]:
    """A claimed run whose post was never reported is sent again, with the same marker: the
    adapter finds it if it was posted after all, and posts it otherwise."""
    details = payload(job)
    run = await store.run(session, int(details["run"]))
    if run is None:
        return []
    if await store.confirmed(session, run):
        await store.mark_posted(session, run, run.posted_at or now)
        return []
    attempt = int(details.get("attempt", 1))
    log.warning("digest run %s not reported as posted; sending it again", run.id)
    period = Period(run.period_start, run.period_end, view.timezone)
    schedule = await _schedule_of(core, session, view.id)
    data = await _data(core, session, view, period, schedule, concurrent=True)
    image = await _image(core, view, data)  # before the write below, as in run_digest
    if attempt < CHECK_ATTEMPTS:
        await _check_later(session, view.id, run, now, attempt + 1)
    return await _posts(core, session, view, run, data, image)


# -- commands ------------------------------------------------------------------------------------


def _today_end(view: CommunityView, at: datetime) -> date:
    return view.local_day(at) + timedelta(days=1)


def _last_day(period: Period) -> date:
    return period.end - timedelta(days=1)


@command("admin", "digest", "preview", permission=MOD)
async def preview(ctx: CommandContext) -> list[Action]:
    view = ctx.community
    start = await current_start(ctx.core, ctx.session, view, ctx.at)
    period = Period(start, max(_today_end(view, ctx.at), start + timedelta(days=1)), view.timezone)
    data = await build(
        ctx.core, ctx.session, view, period, quote=ctx.settings.digest.quote_messages, quiet=True
    )
    card = cards.digest_card(
        view, ctx.settings, data, preview=True, questions=_questions(ctx.core, view, data)
    )
    replies: list[Action] = [Reply(card=card)]
    replies.append(Reply(card=cards.quiet_card(view, data)))
    return replies


@command("admin", "digest", "now", permission=MOD)
async def post_now(ctx: CommandContext) -> list[Action]:
    """Post the digest now. Once the period has ended, it is that period's digest on this
    platform. While it is still running, the period is closed at the start of today: the
    digest of its whole days so far is posted on every platform, once, with its real
    title, and the next period starts today (no day is told twice or lost). Asked again
    the same day, there is nothing to post yet."""
    view, core = ctx.community, ctx.core
    start = await current_start(core, ctx.session, view, ctx.at)
    schedule = await _schedule_of(core, ctx.session, view.id)
    end = schedule.ended_by(start, ctx.at, view.timezone, fired=False)
    if end is None:
        return await _close_early(ctx, start, schedule)
    period = Period(start, end, view.timezone)
    data = await _data(core, ctx.session, view, period, schedule)
    run = await store.claim(ctx.session, view.id, start, end, ctx.platform, core.jobs.owner, ctx.at)
    if run is None:
        raise UserError("digest.error.already_posted", period=cards.period_label(view, period))
    await _check_later(ctx.session, view.id, run, ctx.at, 1)
    posts = await _posts(core, ctx.session, view, run, data, await _image(core, view, data))
    await audit.by(ctx, "digest_now", start=period.start, last=_last_day(period), partial=False)
    return [*posts, Reply(ctx.t("digest.now.posted", period=cards.period_label(view, period)))]


async def _close_early(ctx: CommandContext, start: date, schedule: Schedule) -> list[Action]:
    view, core, session = ctx.community, ctx.core, ctx.session
    end = view.local_day(ctx.at)
    if end <= start:
        raise UserError("digest.error.nothing_yet", next=_next_label(view, schedule, start))
    if await store.state(session, view.id) is None:  # before the planner's first pass
        await store.start_chain(
            session, view.id, start, schedule.due_for(start, view.timezone), ctx.at
        )
    period = Period(start, end, view.timezone)
    destinations = await store.platforms(session, view.id)
    data = await _data(core, session, view, period, schedule)
    image = await _image(core, view, data)
    if not await store.advance(session, view.id, start, end, ctx.at):
        raise UserError("digest.error.already_posted", period=cards.period_label(view, period))
    await store.drop_pending(session, view.id)
    await store.schedule(session, view.id, end, schedule.due_for(end, view.timezone))
    actions: list[Action] = []
    for platform in destinations:
        run = await store.claim(session, view.id, start, end, platform, core.jobs.owner, ctx.at)
        if run is not None:
            actions += await _posts(core, session, view, run, data, image)
            await _check_later(session, view.id, run, ctx.at, 1)
    await audit.by(ctx, "digest_now", start=period.start, last=_last_day(period), early=True)
    label = cards.period_label(view, period)
    next_label = _next_label(view, schedule, end)
    return [*actions, Reply(ctx.t("digest.now.closed", period=label, next=next_label))]


def _next_label(view: CommunityView, schedule: Schedule, start: date) -> str:
    due = schedule.due_for(start, view.timezone).astimezone(view.timezone)
    return f"{cards.day_label(view, due.date())} {due.strftime('%H:%M')}"


@command(
    "admin",
    "digest",
    "schedule",
    permission=MOD,
    options=(
        OptionSpec("day", OptionKind.CHOICE, required=False, choices=(*DAYS, MONTHLY)),
        OptionSpec("time", OptionKind.TEXT, required=False, min_length=4, max_length=5),
        OptionSpec("channel", OptionKind.CHANNEL, required=False),
        OptionSpec("on", OptionKind.INTEGER, required=False, min_value=1, max_value=28),
    ),
)
async def set_schedule(
    ctx: CommandContext,
    day: str | None,
    time: str | None,
    channel: ChannelMention | None,
    on: int | None = None,
) -> list[Action]:
    """`mon 09:00` (weekly), `monthly 09:00 on=1` (monthly, on the 1st), `on=15` (a monthly
    schedule's day), `channel=#name`; nothing: show the schedule."""
    view, session = ctx.community, ctx.session
    if day is None and time is None and channel is None and on is None:
        return [Reply(card=await schedule_card(ctx))]
    current = await _schedule_of(ctx.core, session, view.id)
    changes: dict[str, str] = {}
    if day is not None or time is not None or on is not None:
        if on is not None and day is not None and day != MONTHLY:
            raise UserError("digest.error.on_weekly", day=day)
        at = time or current.at.strftime("%H:%M")
        monthly = day == MONTHLY or (day is None and (current.monthly or on is not None))
        if monthly:
            text = f"{MONTHLY} {on or current.monthday or 1} {at}"
        else:
            text = f"{day or DAYS[current.weekday]} {at}"
        new = Schedule.parse(text)
        await community_store.set_runtime_setting(
            session, view.id, SCHEDULE_KEY, json.dumps(str(new)), ctx.caller.id, ctx.at
        )
        start = await current_start(ctx.core, session, view, ctx.at)
        await store.reschedule(session, view.id, new.due_for(start, view.timezone))
        changes["schedule"] = str(new)
    if channel is not None:
        await community_store.set_runtime_setting(
            session,
            view.id,
            channel_key(ctx.platform),
            json.dumps(channel.id.lstrip("#")),
            ctx.caller.id,
            ctx.at,
        )
        changes["channel"] = "#" + channel.name.lstrip("#")
    await audit.by(ctx, "schedule", **changes)
    ctx.core.settings_changed(view.id)
    return [Reply(card=await schedule_card(ctx, changed=True))]


async def schedule_card(ctx: CommandContext, *, changed: bool = False) -> Card:
    return Card(
        kind="digest_schedule",
        title=ctx.t("digest.schedule.changed" if changed else "digest.schedule.title"),
        fields=tuple(await config_fields(ctx)),
    )


async def config_fields(ctx: CommandContext) -> list[CardField]:
    """The digest settings of the community with where each comes from (`/admin config`)."""
    view, session = ctx.community, ctx.session
    runtime = await community_store.runtime_settings(session, view.id)
    schedule, source = effective_schedule(ctx.settings, runtime)
    channel, channel_source = effective_channel(ctx.settings, runtime, ctx.platform)
    due = await store.pending_due(session, view.id)
    if due is None:  # no chain yet (nothing ran since the community began)
        due = schedule.due_for(await current_start(ctx.core, session, view, ctx.at), view.timezone)
    fields = [
        CardField(
            "digest schedule",
            ctx.t(
                "admin.config.value",
                value=f"{schedule} ({view.timezone})",
                source=ctx.t(f"admin.config.source.{source}"),
            ),
        ),
        CardField(
            f"digest channel ({ctx.platform})",
            ctx.t(
                "admin.config.value",
                value="#" + (channel or view.default_channel),
                source=ctx.t(f"admin.config.source.{channel_source}"),
            ),
        ),
    ]
    fields.append(
        CardField(
            ctx.t("digest.schedule.next"),
            formatting.moment(view.locale, due, view.timezone),
        )
    )
    return fields
