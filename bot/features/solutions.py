"""Accepted solutions: the message that answers a question, marked by the question's author
or a moderator, earns its author points. Marking another answer moves the points: the
previous author is told, and a solutions badge they no longer qualify for is taken back,
so their profile, badges and points agree."""

from __future__ import annotations

from bot import i18n
from bot.actions import Action, DirectMessage, Reply
from bot.awards import award
from bot.context import CommandContext
from bot.errors import NotAllowed, UserError
from bot.events import SolutionMarked
from bot.features import questions
from bot.features.badges import badge_name
from bot.features.contributions import message_key, message_ref
from storage import ideas as contact_store
from storage import ledger, member_counters
from storage.ledger import Entry
from storage.models import Member, Solution


async def mark(ctx: CommandContext, event: SolutionMarked) -> list[Action]:
    if event.question_id is None:
        raise UserError("solution.error.not_a_reply")
    session, community = ctx.session, ctx.community
    question = event.question_author
    refs = [event.solution_author] + ([question] if question else [])
    found = await ctx.core.resolve(session, community, refs, ctx.at)
    author = found[(event.solution_author.platform, event.solution_author.user_id)]
    if question is not None:
        asker_id: int | None = found[(question.platform, question.user_id)].id
    else:
        original = await ledger.find_entry(
            session, community.id, message_key(event.platform, event.question_id)
        )
        asker_id = original.member_id if original else None
    if ctx.caller.id != asker_id and not ctx.is_moderator:
        raise NotAllowed("solution.error.not_asker")
    if author.id == asker_id:
        raise UserError("solution.error.own_question")
    if author.is_bot:
        raise UserError("solution.error.bot")
    question_ref = message_ref(event.platform, event.question_id)
    solution_ref = message_ref(event.platform, event.solution_id)
    current = await session.get(Solution, (community.id, question_ref))
    if current is not None and current.solution_ref == solution_ref:
        raise UserError("solution.error.already")
    entries: list[Entry] = []
    told: list[Action] = []
    if current is not None and current.contribution_id is not None:
        previous = await session.get(ledger.Contribution, current.contribution_id)
        if previous is not None:
            entries.append(
                ctx.entry(
                    member_id=previous.member_id,
                    kind="solution_reversed",
                    points=-previous.points,
                    source_key=f"{previous.source_key}:moved:{ctx.interaction_id}",
                    at=previous.occurred_at,  # taken back in the period it was given
                    channel_id=previous.channel_id,
                    message_ref=previous.message_ref,
                    reverses_id=previous.id,
                    effects=((previous.member_id, "solutions", -1),),
                )
            )
            ctx.touch(previous.member_id, None)
    if entries and await ledger.record(session, community.id, entries):
        told = await _tell_replaced(ctx, entries[0])
    awarded = await award(
        ctx,
        member_id=author.id,
        excluded=author.excluded,
        ref=event.solution_author,
        kind="solution",
        points=ctx.settings.scoring.solution_points,
        source_key=ctx.source_key("solution"),
        channel_id=event.channel.id,
        message_ref=solution_ref,
        effects=((author.id, "solutions", 1),),
    )
    points = 0 if author.excluded else ctx.settings.scoring.solution_points
    if current is None:
        current = Solution(
            community_id=community.id,
            question_ref=question_ref,
            solution_ref=solution_ref,
            author_id=author.id,
            marked_by=ctx.caller.id,
            marked_at=ctx.at,
        )
        session.add(current)
    current.solution_ref, current.author_id = solution_ref, author.id
    current.marked_by, current.marked_at = ctx.caller.id, ctx.at
    current.contribution_id = awarded.id if awarded is not None else None
    await session.flush()
    # The solution responded when it was posted (if Cercle saw it), not when it was marked.
    posted = await ledger.find_entry(
        session, community.id, message_key(event.platform, event.solution_id)
    )
    answered_at = posted.occurred_at if posted is not None else ctx.at
    await questions.solved(session, community.id, question_ref, author.id, answered_at)
    return [
        *told,
        Reply(
            ctx.t(
                "solution.marked",
                member=author.name,
                points=i18n.points(ctx.community.locale, points),
            ),
            ephemeral=False,
        ),
    ]


async def _tell_replaced(ctx: CommandContext, reversal: Entry) -> list[Action]:
    """Take back the solutions badges the previous author no longer qualifies for, and tell
    them what was taken back."""
    member_id = reversal.member_id
    member = await ctx.session.get(Member, member_id, populate_existing=True)
    if member is None:
        return []
    held = (await member_counters.badges_of(ctx.session, [member_id]))[member_id]
    lost = [
        b
        for b in ctx.settings.badges
        if b.metric == "solutions" and member.solutions < b.threshold and b.key in held
    ]
    await member_counters.revoke_badges(ctx.session, member_id, [b.key for b in lost])
    locale = ctx.community.locale
    points = i18n.points(locale, -reversal.points)
    if lost:
        names = ", ".join(badge_name(b, locale) for b in lost)
        text = ctx.t("solution.replaced_badges", points=points, badges=names)
    else:
        text = ctx.t("solution.replaced", points=points)
    found = await contact_store.contacts(ctx.session, ctx.community.id, [member_id], ctx.platform)
    return [DirectMessage(c.platform, c.user_id, c.name, text) for c in found[:1]]
