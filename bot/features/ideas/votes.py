"""Votes and volunteers, whether they come from a card's button or a command, and the
direct messages ideas send.

Votes: one per member and idea, changeable and retractable. On a card, pressing the
choice you already hold takes the vote back (so two buttons do it all); by command,
`none` takes it back. The author's own vote is not counted (refused kindly), a merged
idea sends the voter to the idea it was merged into, and a decided idea (shipped,
declined) keeps the support it was decided with. A member's first vote on an idea scores
`scoring.poll_vote_points` once (ledger key `idea:<n>:vote:<member>`): changing or taking
back the vote neither scores again nor reverses it, so flipping a vote earns nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Action, DirectMessage, Reply
from bot.awards import award, mark_active
from bot.context import CommandContext
from bot.errors import NotFound, UserError
from bot.features import gates
from bot.features.ideas import rules
from bot.features.ideas.cards import card_updates, status_label, title_text
from storage import ideas as store
from storage.models.ideas import Idea

CHOICES = ("for", "against")


async def find(ctx: CommandContext, number: int, lock: bool = False) -> Idea:
    """Idea `number` of this community, or a `NotFound` the member can read."""
    idea = await store.find_idea(ctx.session, ctx.community.id, number, lock=lock)
    if idea is None:
        raise NotFound("idea.error.not_found", number=number)
    return idea


async def refuse_if_merged(ctx: CommandContext, idea: Idea) -> None:
    """A merged idea lives on in the one it was merged into: send the member there."""
    if idea.merged_into_id is None:
        return
    target = (await store.ideas_by_id(ctx.session, [idea.merged_into_id]))[idea.merged_into_id]
    raise UserError(
        "idea.error.merged", number=idea.number, target=target.number, title=title_text(target)
    )


async def vote(ctx: CommandContext, number: int, choice: str | None, toggle: bool) -> list[Action]:
    """Make the caller's vote on idea `number` `choice` (None takes it back); with
    `toggle` (a button), asking again for the vote one holds takes it back."""
    await gates.require(ctx, "idea_vote")
    idea = await find(ctx, number, lock=True)
    await refuse_if_merged(ctx, idea)
    if not rules.accepts_votes(idea.status):
        raise UserError(
            "idea.error.decided", number=idea.number, status=status_label(ctx, idea.status)
        )
    if idea.author_id == ctx.caller.id:
        raise UserError("idea.error.own_vote", number=idea.number)
    assert idea.id is not None
    current = await store.vote_of(ctx.session, idea.id, ctx.caller.id)
    held = current.choice if current is not None else None
    if toggle and choice == held:
        choice = None
    if choice == held:
        if choice is None:
            raise UserError("idea.error.no_vote", number=idea.number)
        raise UserError(f"idea.error.already_{choice}", number=idea.number)
    await store.set_vote(ctx.session, ctx.community.id, idea.id, ctx.caller.id, choice, ctx.at)
    await store.recount(ctx.session, idea, rules.scores)
    if held is None:
        await _score_first_vote(ctx, idea)
    elif choice is not None:  # a changed vote is an action of the day too
        await mark_active(ctx, ctx.caller.id, ctx.at)
    if choice is None:
        key = "idea.vote.retracted"
    elif held is None:
        key = f"idea.vote.cast_{choice}"
    else:
        key = f"idea.vote.changed_{choice}"
    reply = Reply(ctx.t(key, number=idea.number, title=title_text(idea)))
    return [reply, *await card_updates(ctx, idea)]


async def _score_first_vote(ctx: CommandContext, idea: Idea) -> None:
    await award(
        ctx,
        member_id=ctx.caller.id,
        excluded=ctx.caller.excluded,
        ref=ctx.invoker,
        kind="idea_vote",
        points=ctx.settings.scoring.poll_vote_points,
        source_key=f"idea:{idea.number}:vote:{ctx.caller.id}",
        actor_id=ctx.caller.id,
        reason=f"idea #{idea.number}",
    )


async def volunteer(ctx: CommandContext, number: int) -> list[Action]:
    """Put the caller on the testers list of idea `number`, while its call is open."""
    await gates.require(ctx, "idea_vote")
    idea = await find(ctx, number, lock=True)
    await refuse_if_merged(ctx, idea)
    if idea.testers != "open" or not rules.accepts_testers(idea.status):
        raise UserError("idea.error.no_call", number=idea.number)
    if not await store.add_volunteer(ctx.session, idea, ctx.caller.id, ctx.at):
        raise UserError("idea.error.already_volunteered", number=idea.number)
    reply = Reply(ctx.t("idea.volunteer.done", number=idea.number, title=title_text(idea)))
    return [reply, *await card_updates(ctx, idea)]


async def direct_messages(
    ctx: CommandContext, member_ids: Sequence[int], text: str
) -> list[DirectMessage]:
    """The same `text` to each member, on the caller's platform when they are on it."""
    found = await store.contacts(ctx.session, ctx.community.id, member_ids, ctx.platform)
    return [DirectMessage(c.platform, c.user_id, c.name, text) for c in found]
