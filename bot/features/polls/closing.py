"""Closing a poll, once: at its deadline (the `poll_close` job that `run_due` runs) or
early by a moderator (`/admin poll close`).

Closing is one conditional update (`storage.polls.close`), so whichever comes first closes
the poll, posts its result card and turns its card into a closed one without buttons; the
other, later, finds it closed and does nothing. A poll whose deadline has passed is
closed as at its deadline, even when a moderator asks after a missed or failed job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.actions import Action, PostToChannel, Reply
from bot.cards import updates
from bot.commands import OptionKind, OptionSpec, Permission, command
from bot.community import CommunityView
from bot.context import CommandContext
from bot.errors import UserError
from bot.features.polls.cards import poll_card, result_card
from bot.features.polls.state import card_ref, find_poll, outcome_of, shown_poll
from bot.jobs import job_kind, payload
from bot.services import Services
from storage import polls as store
from storage.models import ScheduledJob
from storage.models.polls import Poll

CLOSE_JOB = "poll_close"


async def close_poll(
    session: AsyncSession, view: CommunityView, poll: Poll, at: datetime, closed_by: int | None
) -> list[Action]:
    """Close `poll` unless it already is; then post its result card and update its card.

    Returns nothing when someone else closed it first, so the results are posted once.
    """
    assert poll.id is not None
    if not await store.close(session, poll.id, at, closed_by):
        return []
    await session.refresh(poll)
    if poll.anonymous:
        await store.unlink_voters(session, poll)
    shown = await shown_poll(session, poll)
    outcome = await outcome_of(session, poll, len(shown.labels))
    updated = await updates(
        session, view.id, card_ref(poll.number), poll_card(view, shown, outcome)
    )
    result = PostToChannel(
        poll.platform,
        poll.channel_id,
        card=result_card(view, shown, outcome),
        marker=f"poll-result:{view.id}:{poll.number}",
    )
    return [*updated, result]


@command(
    "admin",
    "poll",
    "close",
    options=(OptionSpec("poll", OptionKind.NUMBER_REF),),
    permission=Permission.MODERATOR,
)
async def admin_close(ctx: CommandContext, poll: int) -> list[Action]:
    found = await find_poll(ctx.session, ctx.community.id, poll)
    if found.closed_at is None and ctx.at >= found.closes_at:
        # Past its deadline already (the job is late or failed): it closes as it would have.
        actions = await close_poll(ctx.session, ctx.community, found, found.closes_at, None)
    elif found.closed_at is None:
        actions = await close_poll(ctx.session, ctx.community, found, ctx.at, ctx.caller.id)
    else:
        actions = []
    if not actions:
        raise UserError("poll.error.already_closed", number=poll)
    await audit.by(ctx, "poll_close", target=f"#{poll}")
    return [*actions, Reply(ctx.t("poll.closed_now", number=poll))]


@job_kind(CLOSE_JOB)
async def close_at_deadline(
    core: Services, session: AsyncSession, view: CommunityView, job: ScheduledJob, now: datetime
) -> list[Action]:
    """The deadline: close the poll, unless a moderator closed it first (then nothing)."""
    number = int(payload(job).get("poll", 0))
    poll = await store.find(session, view.id, number)
    if poll is None or poll.closed_at is not None:
        return []
    return await close_poll(session, view, poll, poll.closes_at, None)
