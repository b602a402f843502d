"""Moderator commands of ideas: `/admin idea status` moves an idea through its lifecycle,
always with a reason, and `/admin idea testers` runs a call for testers.

A status change is kept as history (who, from, to, reason, when), updates the idea's card
wherever it was posted, tells the author by direct message with the reason and, when
`ideas.notify_voters` is on, its voters too — at most `MAX_VOTER_DMS` of them, supporters
first then earliest first, so one change never floods a platform's rate limits (the
moderator is told how many were left out). Reaching planned (or a later step, if one was
skipped) scores the author `idea_planned_points` once; shipped scores
`idea_shipped_points` once and counts in `ideas_shipped`; a declined or duplicate idea
keeps its submission points, and reopening takes nothing back.

`duplicate of=<n>` merges the idea into another, non-merged one: its votes move there,
one per member (a member who voted on both keeps their vote on the target; the target's
author gets none), its author counts as a supporter of the target, its volunteers become
the target's, and ideas merged into it follow it. Reopening a duplicate leaves the moved
votes where they are: the reopened idea starts again from no votes.
"""

from __future__ import annotations

from bot import audit, i18n
from bot.actions import Action, Card, PostToChannel, Reply
from bot.awards import award
from bot.commands import OptionKind, OptionSpec, Permission, command
from bot.context import CommandContext
from bot.errors import UserError
from bot.features.ideas import rules
from bot.features.ideas.cards import card_updates, status_label, title_text
from bot.features.ideas.votes import direct_messages, find, refuse_if_merged
from bot.text import member_text
from storage import ideas as store
from storage import member_counters
from storage.models.ideas import REASON_MAX, Idea

MOD = Permission.MODERATOR
MAX_VOTER_DMS = 50
# Volunteers asked to hear when a prototype is ready: a wider bound than voters, still one.
MAX_VOLUNTEER_DMS = 500

IDEA = OptionSpec("idea", OptionKind.NUMBER_REF)


def _told(
    ctx: CommandContext, author: bool, sent: int, total: int, limit: int, unit: str = "voters"
) -> str:
    """`Told the author and 3 voters.`, with a note when the bound left some out."""
    locale = ctx.community.locale
    voters = i18n.plural(locale, f"idea.unit.{unit}", sent)
    if author and sent:
        text = ctx.t("idea.told.author_and_voters", voters=voters)
    elif author:
        text = ctx.t("idea.told.author")
    elif sent:
        text = ctx.t("idea.told.voters", voters=voters)
    else:
        return ""
    if total > sent:
        text += " " + ctx.t("idea.told.capped", max=limit, left=total - sent)
    return text


# -- status -----------------------------------------------------------------------------------


async def _target_of(ctx: CommandContext, idea: Idea, status: str, of: int | None) -> Idea | None:
    """The idea a duplicate is merged into, checked; None for any other status."""
    if status != "duplicate":
        if of is not None:
            raise UserError("idea.error.of_without_duplicate")
        return None
    if of is None:
        raise UserError("idea.error.duplicate_needs_of", number=idea.number)
    if of == idea.number:
        raise UserError("idea.error.duplicate_of_itself", number=idea.number)
    target = await find(ctx, of, lock=True)
    if target.merged_into_id is not None:
        final = (await store.ideas_by_id(ctx.session, [target.merged_into_id]))[
            target.merged_into_id
        ]
        raise UserError("idea.error.duplicate_of_merged", target=of, final=final.number)
    return target


@command(
    "admin",
    "idea",
    "status",
    permission=MOD,
    options=(
        IDEA,
        OptionSpec("status", OptionKind.CHOICE, choices=rules.STATUSES),
        OptionSpec("reason", OptionKind.TEXT, min_length=1, max_length=REASON_MAX),
        OptionSpec("of", OptionKind.NUMBER_REF, required=False),
    ),
)
async def change_status(
    ctx: CommandContext, idea: int, status: str, reason: str, of: int | None
) -> list[Action]:
    found = await find(ctx, idea, lock=True)
    reason = reason.strip()
    old = found.status
    if old == status:
        raise UserError("idea.error.same_status", number=idea, status=status_label(ctx, old))
    if not rules.can_move(old, status):
        raise UserError("idea.error.decided_move", number=idea, status=status_label(ctx, old))
    target = await _target_of(ctx, found, status, of)
    assert found.id is not None
    # Who hears about it is read before votes move.
    voter_ids, voter_total = await store.voters(ctx.session, found.id, MAX_VOTER_DMS)
    found.status, found.status_reason, found.updated_at = status, reason, ctx.at
    if target is not None:
        await _merge(ctx, found, target)
    elif old == "duplicate":
        found.merged_into_id = None
    await store.add_event(
        ctx.session,
        found,
        "status",
        old,
        status,
        ctx.caller.id,
        reason,
        ctx.at,
        other_idea_id=target.id if target is not None else None,
    )
    earned = await _score(ctx, found, status, reason)
    await audit.by(
        ctx,
        "idea_merge" if target is not None else "idea_status",
        target=f"#{found.number}",
        reason=reason,
        old=old,
        status=status,
        **({"of": target.number} if target is not None else {}),
    )

    actions: list[Action] = [*await card_updates(ctx, found)]
    if target is not None:
        actions += await card_updates(ctx, target)
    if status == "shipped" and old != "shipped":
        actions.append(await _shipped_post(ctx, found))
    told, told_text = await _tell(ctx, found, target, reason, earned, voter_ids, voter_total)
    done = ctx.t(
        "idea.changed",
        number=found.number,
        title=title_text(found),
        status=status_label(ctx, status),
    )
    return [Reply(f"{done} {told_text}".strip()), *actions, *told]


async def _tell(
    ctx: CommandContext,
    idea: Idea,
    target: Idea | None,
    reason: str,
    earned: int,
    voter_ids: list[int],
    voter_total: int,
) -> tuple[list[Action], str]:
    """Direct messages to the author (with the points earned) and, when the community
    wants it, to the voters read before the change; and what to tell the moderator."""
    params = {
        "number": idea.number,
        "title": title_text(idea),
        "status": status_label(ctx, idea.status),
        "reason": member_text(reason, REASON_MAX),
        "target": target.number if target is not None else "",
        "target_title": title_text(target) if target is not None else "",
    }
    merged = "_merged" if target is not None else ""
    told: list[Action] = []
    author_told = idea.author_id != ctx.caller.id  # a moderator's own idea: they know
    if author_told:
        text = ctx.t(f"idea.dm.author{merged}", **params)
        if earned:
            text += " " + ctx.t("idea.dm.points", points=i18n.points(ctx.community.locale, earned))
        told += await direct_messages(ctx, [idea.author_id], text)
    sent = 0
    if ctx.settings.ideas.notify_voters:
        recipients = [m for m in voter_ids if m != ctx.caller.id]
        to_voters = await direct_messages(
            ctx, recipients, ctx.t(f"idea.dm.voter{merged}", **params)
        )
        told += to_voters
        sent = len(to_voters)
        voter_total -= len(voter_ids) - len(recipients)
    else:
        voter_total = 0
    return told, _told(ctx, author_told, sent, voter_total, MAX_VOTER_DMS)


async def _merge(ctx: CommandContext, duplicate: Idea, target: Idea) -> None:
    assert duplicate.id is not None and target.id is not None
    duplicate.merged_into_id = target.id
    if duplicate.testers == "open":
        duplicate.testers = "closed"
    await store.merge_votes(ctx.session, duplicate, target, extra_supporter=duplicate.author_id)
    await store.move_volunteers(ctx.session, duplicate, target)
    # Ideas merged into the duplicate now belong to the target: no chain to follow.
    await store.repoint_merged(ctx.session, duplicate, target)
    await store.recount(ctx.session, duplicate, rules.scores)
    await store.recount(ctx.session, target, rules.scores)


async def _score(ctx: CommandContext, idea: Idea, status: str, reason: str) -> int:
    """Points the author earns with this change (each milestone once per idea)."""
    author = (await member_counters.members_by_id(ctx.session, [idea.author_id]))[idea.author_id]
    scoring = ctx.settings.scoring
    milestones: list[tuple[str, int, tuple[tuple[int, str, int], ...]]] = []
    if status in rules.PLANNED_OR_LATER:
        milestones.append(("planned", scoring.idea_planned_points, ()))
    if status == "shipped":
        milestones.append(
            ("shipped", scoring.idea_shipped_points, ((author.id, "ideas_shipped", 1),))
        )
    earned = 0
    for milestone, points, effects in milestones:
        entry = await award(
            ctx,
            member_id=idea.author_id,
            excluded=author.excluded,
            kind=f"idea_{milestone}",
            points=points,
            source_key=f"idea:{idea.number}:{milestone}",
            actor_id=ctx.caller.id,
            reason=reason[:REASON_MAX],
            effects=effects,
        )
        earned += entry.points if entry is not None else 0
    return earned


async def _shipped_post(ctx: CommandContext, idea: Idea) -> PostToChannel:
    """Shipping is the community's win: say so where ideas live, crediting the author."""
    author = (await store.names(ctx.session, [idea.author_id])).get(idea.author_id, "?")
    locale = ctx.community.locale
    card = Card(
        kind="idea_shipped",
        title=ctx.t("idea.shipped.title", number=idea.number, title=title_text(idea)),
        body=ctx.t(
            "idea.shipped.body",
            author=member_text(author, 50),
            supporters=i18n.plural(locale, "idea.unit.members", idea.votes_for),
        ),
    )
    channel = (ctx.settings.ideas.channel or "").lstrip("#") or None
    return PostToChannel(ctx.platform, channel, card=card)


# -- testers ----------------------------------------------------------------------------------


@command(
    "admin",
    "idea",
    "testers",
    permission=MOD,
    options=(
        IDEA,
        OptionSpec("action", OptionKind.CHOICE, choices=("open", "close", "notify")),
        OptionSpec("message", OptionKind.TEXT, required=False, max_length=REASON_MAX),
    ),
)
async def testers(ctx: CommandContext, idea: int, action: str, message: str | None) -> list[Action]:
    found = await find(ctx, idea, lock=True)
    await refuse_if_merged(ctx, found)
    message = (message or "").strip() or None
    # Written first: a refusal below rolls the whole transaction back, entry included.
    await audit.by(ctx, "idea_testers", target=f"#{idea}", reason=message, action=action)
    if action == "open":
        return await _open_call(ctx, found, message)
    if action == "close":
        if found.testers != "open":
            raise UserError("idea.error.testers_not_open", number=idea)
        await _set_call(ctx, found, "closed", "closed", message)
        reply = ctx.t("idea.testers_cmd.closed", number=idea)
        return [Reply(reply), *await card_updates(ctx, found)]
    return await _notify_volunteers(ctx, found, message)


async def _set_call(
    ctx: CommandContext, idea: Idea, state: str, event: str, message: str | None
) -> None:
    old = idea.testers
    idea.testers, idea.updated_at = state, ctx.at
    await store.add_event(ctx.session, idea, "testers", old, event, ctx.caller.id, message, ctx.at)


async def _open_call(ctx: CommandContext, idea: Idea, message: str | None) -> list[Action]:
    if not rules.accepts_testers(idea.status):
        raise UserError(
            "idea.error.testers_not_possible",
            number=idea.number,
            status=status_label(ctx, idea.status),
        )
    if idea.testers == "open":
        raise UserError("idea.error.testers_already_open", number=idea.number)
    idea.testers_note = message
    await _set_call(ctx, idea, "open", "open", message)
    assert idea.id is not None
    # The members who asked for it are the first to want to try it.
    supporters: list[int] = []
    total = 0
    if ctx.settings.ideas.notify_voters:
        supporters, total = await store.voters(ctx.session, idea.id, MAX_VOTER_DMS, "for")
    note = member_text(message, REASON_MAX) if message else ""
    text = ctx.t(
        "idea.dm.call_note" if note else "idea.dm.call",
        number=idea.number,
        title=title_text(idea),
        note=note,
    )
    author_told = idea.author_id != ctx.caller.id
    to_author = await direct_messages(ctx, [idea.author_id] if author_told else [], text)
    recipients = [m for m in supporters if m != ctx.caller.id]
    to_supporters = await direct_messages(ctx, recipients, text)
    total -= len(supporters) - len(recipients)
    reply = ctx.t("idea.testers_cmd.opened", number=idea.number)
    told_text = _told(ctx, author_told, len(to_supporters), total, MAX_VOTER_DMS, "supporters")
    return [
        Reply(f"{reply} {told_text}".strip()),
        *await card_updates(ctx, idea),
        *to_author,
        *to_supporters,
    ]


async def _notify_volunteers(ctx: CommandContext, idea: Idea, message: str | None) -> list[Action]:
    assert idea.id is not None
    members, total = await store.volunteers(ctx.session, idea.id, MAX_VOLUNTEER_DMS)
    if not total:
        raise UserError("idea.error.no_volunteers", number=idea.number)
    await store.add_event(
        ctx.session, idea, "testers", idea.testers, "notify", ctx.caller.id, message, ctx.at
    )
    params = {"number": idea.number, "title": title_text(idea)}
    if message:
        text = ctx.t("idea.dm.ready", message=member_text(message, REASON_MAX), **params)
    else:
        text = ctx.t("idea.dm.ready_plain", **params)
    told = await direct_messages(ctx, members, text)
    locale = ctx.community.locale
    reply = ctx.t(
        "idea.testers_cmd.notified",
        number=idea.number,
        volunteers=i18n.plural(locale, "idea.unit.volunteers", len(told)),
    )
    if total > len(members):
        reply += " " + ctx.t("idea.told.capped", max=MAX_VOLUNTEER_DMS, left=total - len(members))
    return [Reply(reply), *told]
