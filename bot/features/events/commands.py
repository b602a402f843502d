"""Members' event commands: `/event create`, `/event list`, `/event show`, `/event
checkin`, and the card's Going / Maybe / Can't go buttons (`event:<number>:<answer>`,
which keep working after a restart).

`/event create` numbers the event (its own per-community sequence), posts its card and
schedules its reminder and start (`reminders`). Moderators may create events, and so may
members whose rank is `events.create_min_rank` or above.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from bot import i18n
from bot.actions import Action, PostToChannel, Reply
from bot.commands import ChannelMention, OptionKind, OptionSpec, command
from bot.context import CommandContext
from bot.errors import NotAllowed, UserError
from bot.features.events import attendance
from bot.features.events.cards import (
    EventShown,
    event_card,
    length,
    list_card,
    show_card,
    title_text,
    when,
)
from bot.features.events.reminders import schedule_jobs
from bot.features.events.state import (
    answer,
    card_ref,
    card_updates,
    find_event,
    refuse_if_cancelled,
    scheduled_copies,
    shown_event,
)
from bot.features.events.when import parse_start
from bot.interactions import button
from bot.text import one_line
from storage import events as store
from storage.models import Member
from storage.models.events import Event

TITLE_MAX = 100
DESCRIPTION_MAX = 1000
WHEN_MAX = 40
CAPACITY_MAX = 100_000
LONGEST = timedelta(days=7)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or off a slide
_NUMBER = re.compile(r"[0-9]{1,9}")
ANSWERS = ("going", "maybe", "no")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


async def _may_create(ctx: CommandContext) -> None:
    """Moderators, or members at or above `events.create_min_rank`."""
    if ctx.is_moderator:
        return
    ladder = [rank.name for rank in ctx.settings.ranks]
    lowest = ctx.settings.events.create_min_rank
    if lowest is None or lowest not in ladder:
        raise NotAllowed("event.error.create_moderators")
    member = await ctx.session.get(Member, ctx.caller.id)
    rank = member.rank if member is not None else None
    if rank not in ladder or ladder.index(rank) < ladder.index(lowest):
        raise NotAllowed("event.error.create_rank", rank=lowest)


def checked_start(ctx: CommandContext, text: str) -> datetime:
    start = parse_start(text, ctx.at, ctx.community.timezone)
    if start <= ctx.at:
        raise UserError("event.error.past", value=one_line(text), now=when(ctx.community, ctx.at))
    return start


def checked_title(text: str) -> str:
    title = one_line(text)
    if not title:
        raise UserError("event.error.empty_title")
    return title


@command(
    "event",
    "create",
    options=(
        OptionSpec("title", OptionKind.TEXT, min_length=1, max_length=TITLE_MAX),
        OptionSpec("when", OptionKind.TEXT, min_length=1, max_length=WHEN_MAX),
        OptionSpec(
            "duration",
            OptionKind.DURATION,
            required=False,
            min_value=60,
            max_value=int(LONGEST.total_seconds()),
        ),
        OptionSpec(
            "capacity", OptionKind.INTEGER, required=False, min_value=1, max_value=CAPACITY_MAX
        ),
        OptionSpec("channel", OptionKind.CHANNEL, required=False),
        OptionSpec("description", OptionKind.TEXT, required=False, max_length=DESCRIPTION_MAX),
        OptionSpec("private", OptionKind.BOOLEAN, required=False, default=False),
    ),
)
async def create(
    ctx: CommandContext,
    title: str,
    when: str,
    duration: timedelta | None,
    capacity: int | None,
    channel: ChannelMention | None,
    description: str | None,
    private: bool,
) -> list[Action]:
    await _may_create(ctx)
    name = checked_title(title)
    start = checked_start(ctx, when)
    lasting = duration or ctx.settings.events.default_duration
    configured = ctx.settings.events.channel
    channel_id = channel.id if channel else (configured.lstrip("#") if configured else None)
    number = await store.next_number(ctx.session, ctx.community.id)
    event = await store.create(
        ctx.session,
        Event(
            community_id=ctx.community.id,
            number=number,
            title=name,
            description=(description or "").strip(),
            starts_at=start,
            ends_at=start + lasting,
            capacity=capacity,
            private=private,
            host_id=ctx.caller.id,
            platform=ctx.platform,
            channel_id=channel_id,
            created_at=ctx.at,
            checkin_code=new_code(),
        ),
    )
    await schedule_jobs(ctx.session, ctx.community.id, event, ctx.settings, ctx.at)
    shown = EventShown(event, ctx.caller.name, await store.counts(ctx.session, event.id or 0))
    copies = await scheduled_copies(ctx.session, ctx.community, event, new=True)
    return [
        *copies,
        PostToChannel(
            ctx.platform,
            channel_id,
            card=event_card(ctx.community, shown),
            card_ref=card_ref(number),
        ),
        Reply(
            ctx.t(
                "event.created",
                number=number,
                title=title_text(event),
                start=when_text(ctx, event),
            )
        ),
    ]


def when_text(ctx: CommandContext, event: Event) -> str:
    return when(ctx.community, event.starts_at)


@command("event", "list")
async def upcoming(ctx: CommandContext) -> list[Action]:
    events = await store.upcoming(ctx.session, ctx.community.id, ctx.at)
    shown = [await shown_event(ctx.session, event) for event in events]
    return [Reply(card=list_card(ctx.community, shown))]


@command("event", "show", options=(OptionSpec("event", OptionKind.NUMBER_REF),))
async def show(ctx: CommandContext, event: int) -> list[Action]:
    found = await find_event(ctx.session, ctx.community.id, event)
    assert found.id is not None
    shown = await shown_event(ctx.session, found)
    people: dict[str, tuple[list[str], int]] | None = None
    if not found.private:
        people = {}
        for person in await store.answerers(ctx.session, found.id, ("going", "waitlist", "maybe")):
            names, others = people.get(person.status, ([], 0))
            if person.hidden or not person.name:
                others += 1
            else:
                names.append(person.name)
            people[person.status] = (names, others)
    return [Reply(card=show_card(ctx.community, shown, people))]


@button("event")
async def press(ctx: CommandContext, parts: list[str]) -> list[Action]:
    """`event:<number>:<going|maybe|no>`: the member's answer, changeable until the end."""
    if len(parts) != 2 or not _NUMBER.fullmatch(parts[0]) or parts[1] not in ANSWERS:
        return [Reply(ctx.t("error.unknown_button"))]
    return await respond(ctx, int(parts[0]), parts[1])


async def respond(ctx: CommandContext, number: int, wanted: str) -> list[Action]:
    if ctx.caller.is_bot:
        raise UserError("event.error.bot")
    event = await find_event(ctx.session, ctx.community.id, number, lock=True)
    refuse_if_cancelled(event)
    if ctx.at >= event.ends_at:
        raise UserError("event.error.over", number=number, title=title_text(event))
    status, moved = await answer(ctx.session, ctx.community, event, ctx.caller.id, wanted, ctx.at)
    params = {
        "number": number,
        "title": title_text(event),
        "start": when_text(ctx, event),
        "before": length(ctx.community, ctx.settings.events.remind_before),
    }
    reply = Reply(ctx.t(f"event.answer.{status}", **params))
    return [reply, *moved, *await card_updates(ctx.session, ctx.community, event)]


@command(
    "event",
    "checkin",
    options=(
        OptionSpec("event", OptionKind.NUMBER_REF),
        OptionSpec("code", OptionKind.TEXT, min_length=1, max_length=16),
    ),
)
async def checkin(ctx: CommandContext, event: int, code: str) -> list[Action]:
    if ctx.caller.is_bot:
        raise UserError("event.error.bot")
    found = await find_event(ctx.session, ctx.community.id, event)
    refuse_if_cancelled(found)
    params = {"number": event, "title": title_text(found)}
    if ctx.at < found.starts_at:
        raise UserError("event.error.not_started", start=when_text(ctx, found), **params)
    closes = found.ends_at + ctx.settings.events.checkin_grace
    if ctx.at > closes:
        raise UserError("event.error.checkin_closed", closed=when(ctx.community, closes), **params)
    if found.host_id == ctx.caller.id:
        raise UserError("event.error.host_checkin", **params)
    if code.strip().upper() != found.checkin_code:
        raise UserError("event.error.wrong_code", **params)
    points = await attendance.record(ctx, found, ctx.caller.id, ctx.invoker, "code")
    if points is None:
        return [Reply(ctx.t("event.checkin.again", **params))]
    return [
        Reply(
            ctx.t("event.checkin.done", points=i18n.points(ctx.community.locale, points), **params)
        )
    ]
