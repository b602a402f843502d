"""Moderators' event commands: `/admin event cancel N reason` (everyone who answered is
told), `/admin event edit N ...` (what changed is shown on the card; a new time is told to
everyone who answered and gets its own reminder), and `/admin event attended N @a @b`,
which the event's host runs as `/event attended N @a @b` (a host need not be a moderator)."""

from __future__ import annotations

from datetime import timedelta

from bot import audit, i18n
from bot.actions import Action, Reply
from bot.command_text import check_options
from bot.commands import CommandSpec, Mention, OptionKind, OptionSpec, Permission, command
from bot.context import CommandContext
from bot.errors import NotAllowed, UsageError, UserError
from bot.features.events import attendance
from bot.features.events.cards import title_text
from bot.features.events.cards import when as moment_of
from bot.features.events.commands import (
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    LONGEST,
    TITLE_MAX,
    WHEN_MAX,
    checked_start,
    checked_title,
)
from bot.features.events.reminders import schedule_jobs
from bot.features.events.state import (
    card_updates,
    direct_messages,
    fill_places,
    find_event,
    refuse_if_cancelled,
    scheduled_copies,
)
from storage import events as store

REASON_MAX = 300
_ONE_MEMBER = CommandSpec(("event",), (OptionSpec("member", OptionKind.MEMBER),))


@command(
    "admin",
    "event",
    "cancel",
    options=(
        OptionSpec("event", OptionKind.NUMBER_REF),
        OptionSpec("reason", OptionKind.TEXT, min_length=1, max_length=REASON_MAX),
    ),
    permission=Permission.MODERATOR,
)
async def cancel(ctx: CommandContext, event: int, reason: str) -> list[Action]:
    found = await find_event(ctx.session, ctx.community.id, event, lock=True)
    assert found.id is not None
    refuse_if_cancelled(found)
    if ctx.at >= found.ends_at:
        raise UserError("event.error.over", number=event, title=title_text(found))
    why = reason.strip()
    await store.cancel(ctx.session, found.id, ctx.at, why)
    await ctx.session.refresh(found)
    told = [a.member_id for a in await store.answerers(ctx.session, found.id)]
    text = ctx.t(
        "event.cancel_notice",
        number=event,
        title=title_text(found),
        start=moment_of(ctx.community, found.starts_at),
        reason=why,
    )
    notices = await direct_messages(ctx.session, ctx.community, found, told, text)
    await audit.by(ctx, "event_cancel", target=f"#{event}", reason=why)
    told_text = i18n.plural(ctx.community.locale, "event.unit.members", len(notices))
    reply = Reply(ctx.t("event.cancelled_now", number=event, told=told_text))
    copies = await scheduled_copies(ctx.session, ctx.community, found)
    return [reply, *notices, *await card_updates(ctx.session, ctx.community, found), *copies]


@command(
    "admin",
    "event",
    "edit",
    options=(
        OptionSpec("event", OptionKind.NUMBER_REF),
        OptionSpec("title", OptionKind.TEXT, required=False, min_length=1, max_length=TITLE_MAX),
        OptionSpec("when", OptionKind.TEXT, required=False, min_length=1, max_length=WHEN_MAX),
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
        OptionSpec("description", OptionKind.TEXT, required=False, max_length=DESCRIPTION_MAX),
        OptionSpec("private", OptionKind.BOOLEAN, required=False),
    ),
    permission=Permission.MODERATOR,
)
async def edit(
    ctx: CommandContext,
    event: int,
    title: str | None,
    when: str | None,
    duration: timedelta | None,
    capacity: int | None,
    description: str | None,
    private: bool | None,
) -> list[Action]:
    given = (title, when, duration, capacity, description, private)
    if all(value is None for value in given):
        raise UserError("event.error.nothing_to_edit", number=event)
    found = await find_event(ctx.session, ctx.community.id, event, lock=True)
    assert found.id is not None
    refuse_if_cancelled(found)
    if ctx.at >= found.ends_at:
        raise UserError("event.error.over", number=event, title=title_text(found))
    # Everything is checked before anything changes.
    new_title = checked_title(title) if title is not None else found.title
    start = checked_start(ctx, when) if when is not None else found.starts_at
    lasting = duration if duration is not None else found.ends_at - found.starts_at
    moved = start != found.starts_at
    changes = [
        name
        for name, value in zip(
            ("title", "when", "duration", "capacity", "description", "private"), given, strict=True
        )
        if value is not None
    ]
    found.title = new_title
    found.starts_at, found.ends_at = start, start + lasting
    if capacity is not None:
        found.capacity = capacity
    if description is not None:
        found.description = description.strip()
    if private is not None:
        found.private = private
    await ctx.session.flush()
    actions: list[Action] = [Reply(ctx.t("event.edited", number=event, title=title_text(found)))]
    if moved:
        await schedule_jobs(ctx.session, ctx.community.id, found, ctx.settings, ctx.at)
        told = [
            a.member_id
            for a in await store.answerers(ctx.session, found.id, ("going", "waitlist", "maybe"))
        ]
        text = ctx.t(
            "event.moved_notice",
            number=event,
            title=title_text(found),
            start=moment_of(ctx.community, found.starts_at),
        )
        actions += await direct_messages(ctx.session, ctx.community, found, told, text)
    actions += await fill_places(ctx.session, ctx.community, found)
    await audit.by(ctx, "event_edit", target=f"#{event}", changes=",".join(changes))
    copies = await scheduled_copies(ctx.session, ctx.community, found)
    return [*actions, *await card_updates(ctx.session, ctx.community, found), *copies]


def _mentions(text: str) -> list[Mention]:
    """`@a @b` (or Slack's `<@U1|a>`, commas allowed) as the members they name."""
    tokens = [t for t in text.replace(",", " ").split() if t]
    if not tokens:
        raise UserError("event.error.no_members")
    found: list[Mention] = []
    for token in tokens:
        try:
            mention = check_options(_ONE_MEMBER, {"member": token})["member"]
        except UsageError:
            raise UserError("event.error.bad_member", value=token) from None
        # Discord writes a member shown by nickname as `<@!123>`: the account is `123`.
        found.append(Mention(mention.user_id.lstrip("!"), mention.name.lstrip("!")))
    return found


ATTENDED_OPTIONS = (
    OptionSpec("event", OptionKind.NUMBER_REF),
    OptionSpec("members", OptionKind.TEXT, min_length=1, max_length=2000),
)


# The host (who need not be a moderator) marks attendance with `/event attended`; `/admin`
# stays the moderators' own group, so a member typing `/admin` is told it is for them.
@command("admin", "event", "attended", options=ATTENDED_OPTIONS, permission=Permission.MODERATOR)
@command("event", "attended", options=ATTENDED_OPTIONS)
async def attended(ctx: CommandContext, event: int, members: str) -> list[Action]:
    found = await find_event(ctx.session, ctx.community.id, event)
    if not ctx.is_moderator and found.host_id != ctx.caller.id:
        raise NotAllowed("event.error.not_host", number=event)
    refuse_if_cancelled(found)
    if ctx.at < found.starts_at:
        raise UserError(
            "event.error.not_started",
            number=event,
            title=title_text(found),
            start=moment_of(ctx.community, found.starts_at),
        )
    people = [await ctx.member(mention) for mention in _mentions(members)]
    marked: list[str] = []
    already: list[str] = []
    for info, ref in people:
        if info.id == found.host_id or info.is_bot:
            continue
        points = await attendance.record(ctx, found, info.id, ref, "host")
        (already if points is None else marked).append(info.name)
    await audit.by(ctx, "event_attended", target=f"#{event}", count=len(marked))
    joiner = ctx.t("event.joiner")
    lines = [ctx.t("event.attended_marked", number=event, names=joiner.join(marked) or "—")]
    if already:
        lines.append(ctx.t("event.attended_already", names=joiner.join(already)))
    return [Reply("\n".join(lines))]
