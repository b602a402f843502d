"""Ideas: members propose, the community votes for or against and discusses, moderators
move each idea through its lifecycle with a reason, and authors and voters hear back.

This module holds what members do: `/idea submit|vote|volunteer|list|show|mine` and the
buttons of idea cards (`idea:<n>:vote:for|against`, `idea:<n>:volunteer`) and of the
similar ideas shown before saving (`idea:<n>:support`, `idea:draft:<id>:confirm|cancel`).
Moderator commands are in `moderation`, votes and volunteers in `votes`, cards in
`cards`, rules without storage in `rules`.

Submitting: before an idea is saved, the community's open (and shipped) ideas are
compared with it; when some are alike, the author sees them privately, with buttons to
support one of them, submit anyway or cancel, and the submission waits as a draft in the
database (so the buttons work after a restart; a draft unanswered for a day is dropped).
Otherwise the idea is numbered, its card posted in the ideas channel, and its author
scores `idea_submitted_points` (counted in `ideas_submitted`).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot import i18n
from bot.actions import Action, Button, Card, PostToChannel, Reply
from bot.awards import award
from bot.commands import OptionKind, OptionSpec, command
from bot.context import CommandContext
from bot.errors import NotAllowed, UserError
from bot.features import gates
from bot.features.ideas import rules
from bot.features.ideas.cards import (
    card_ref,
    category_name,
    detail_card,
    idea_card,
    list_line,
    title_text,
)
from bot.features.ideas.votes import find, volunteer, vote
from bot.interactions import button
from bot.text import member_text, one_line
from storage import ideas as store
from storage import ledger
from storage.models.ideas import CATEGORY_MAX, DESCRIPTION_MAX, TITLE_MAX, Idea

DRAFT_LIFETIME = timedelta(days=1)
SIMILAR_SHOWN = 5
SIMILAR_VOTE_BUTTONS = 3
LIST_SIZE = 10
MINE_SIZE = 15
# Shipped ideas are compared too: "it exists already" is the best answer a member can get.
SIMILARITY_STATUSES = (*rules.OPEN_STATUSES, "shipped")

IDEA = OptionSpec("idea", OptionKind.NUMBER_REF)


# -- submitting -------------------------------------------------------------------------------


def _category(ctx: CommandContext, given: str | None) -> str | None:
    """The configured category `given` names (any case, by its key or by its name in the
    community's language), or a clear refusal."""
    if given is None or not given.strip():
        return None
    choices = ctx.settings.ideas.categories
    wanted = given.strip().casefold()
    match = next(
        (c for c in choices if wanted in (c.casefold(), category_name(ctx, c).casefold())), None
    )
    if match is None:
        raise UserError(
            "idea.error.unknown_category",
            value=member_text(given, 50),
            choices=", ".join(category_name(ctx, c) for c in choices) or "—",
        )
    return match[:CATEGORY_MAX]


@command(
    "idea",
    "submit",
    options=(
        OptionSpec("title", OptionKind.TEXT, min_length=1, max_length=TITLE_MAX),
        OptionSpec("description", OptionKind.TEXT, required=False, max_length=DESCRIPTION_MAX),
        OptionSpec("category", OptionKind.TEXT, required=False, max_length=CATEGORY_MAX),
    ),
)
async def submit(
    ctx: CommandContext, title: str, description: str | None, category: str | None
) -> list[Action]:
    await gates.require(ctx, "idea_submit")
    title = one_line(title)
    if not member_text(title).strip():  # nothing left to show (control characters only)
        raise UserError("idea.error.empty_title")
    text = (description or "").strip()
    chosen = _category(ctx, category)
    # Every candidate, however many: compared in a worker thread, the loop stays free.
    candidates = await store.similarity_candidates(
        ctx.session, ctx.community.id, SIMILARITY_STATUSES
    )
    similar = await asyncio.to_thread(
        rules.most_similar,
        title,
        text,
        candidates,
        ctx.settings.ideas.similarity_threshold,
        SIMILAR_SHOWN,
    )
    if not similar:
        return await _save(ctx, title, text, chosen)
    await store.purge_drafts(ctx.session, ctx.community.id, ctx.at - DRAFT_LIFETIME)
    draft = await store.create_draft(
        ctx.session, ctx.community.id, ctx.caller.id, title, text, chosen, ctx.at
    )
    by_id = await store.ideas_by_id(ctx.session, [i for i, _ in similar])
    return [Reply(card=_similar_card(ctx, title, [by_id[i] for i, _ in similar], draft.id))]


def _similar_card(ctx: CommandContext, title: str, ideas: list[Idea], draft_id: int | None) -> Card:
    lines = [ctx.t("idea.similar.intro", title=member_text(title, 100))]
    lines += [list_line(ctx, idea) for idea in ideas]
    votable = [idea for idea in ideas if rules.accepts_votes(idea.status)]
    # `support`, not the card's toggling For: pressing it never takes a vote back.
    vote_buttons = [
        Button(
            ctx.t("idea.button.vote_for", number=idea.number),
            f"{card_ref(idea.number)}:support",
            "success",
        )
        for idea in votable[:SIMILAR_VOTE_BUTTONS]
    ]
    return Card(
        kind="idea_similar",
        title=ctx.t("idea.similar.title"),
        body="\n".join(lines),
        buttons=(
            *vote_buttons,
            Button(ctx.t("idea.button.submit_anyway"), f"idea:draft:{draft_id}:confirm", "primary"),
            Button(ctx.t("idea.button.cancel"), f"idea:draft:{draft_id}:cancel", "secondary"),
        ),
        footer=ctx.t("idea.similar.footer"),
    )


async def _save(
    ctx: CommandContext, title: str, description: str, category: str | None
) -> list[Action]:
    """Number the idea, post its card, score its author."""
    key = ctx.source_key("idea-submit")
    if await ledger.find_entry(ctx.session, ctx.community.id, key) is not None:
        return []  # the same interaction delivered twice: it was handled the first time
    idea = await store.create_idea(
        ctx.session, ctx.community.id, ctx.caller.id, title, description, category, ctx.at
    )
    entry = await award(
        ctx,
        member_id=ctx.caller.id,
        excluded=ctx.caller.excluded,
        ref=ctx.invoker,
        kind="idea_submitted",
        points=ctx.settings.scoring.idea_submitted_points,
        source_key=key,
        actor_id=ctx.caller.id,
        reason=f"idea #{idea.number}",
        effects=((ctx.caller.id, "ideas_submitted", 1),),
    )
    if entry is None:
        # Another process took this very interaction meanwhile: undo ours entirely.
        raise UserError("idea.error.already_submitted")
    channel = (ctx.settings.ideas.channel or "").lstrip("#") or None
    post = PostToChannel(
        ctx.platform,
        channel,
        card=await idea_card(ctx, idea),
        card_ref=card_ref(idea.number),
        thread_name=ctx.t("idea.thread", number=idea.number, title=title_text(idea))[:100],
    )
    points = entry.points
    key = "idea.submitted" if points else "idea.submitted_no_points"
    thanks = ctx.t(
        key,
        number=idea.number,
        title=title_text(idea),
        points=i18n.points(ctx.community.locale, points),
    )
    return [post, Reply(thanks)]


async def _draft_pressed(ctx: CommandContext, draft_id: str, what: str) -> list[Action]:
    if not draft_id.isdigit() or what not in ("confirm", "cancel"):
        raise UserError("error.unknown_button")
    draft = await store.find_draft(ctx.session, ctx.community.id, int(draft_id))
    if draft is None or ctx.at - draft.created_at > DRAFT_LIFETIME:
        raise UserError("idea.error.draft_gone")
    if draft.author_id != ctx.caller.id:
        raise NotAllowed("idea.error.not_your_draft")
    await store.delete_draft(ctx.session, draft)
    if what == "cancel":
        return [Reply(ctx.t("idea.similar.cancelled"))]
    await gates.require(ctx, "idea_submit")
    category = _category(ctx, draft.category)
    return await _save(ctx, draft.title, draft.description, category)


@button("idea")
async def pressed(ctx: CommandContext, parts: list[str]) -> list[Action]:
    """`idea:<n>:vote:for|against` (a card: pressing your choice again takes it back),
    `idea:<n>:support` (for, from the similar ideas), `idea:<n>:volunteer`, and
    `idea:draft:<id>:confirm|cancel`."""
    match parts:
        case ["draft", draft_id, what]:
            return await _draft_pressed(ctx, draft_id, what)
        case [number, "vote", choice] if number.isdigit() and choice in ("for", "against"):
            return await vote(ctx, int(number), choice, toggle=True)
        case [number, "support"] if number.isdigit():
            return await vote(ctx, int(number), "for", toggle=False)
        case [number, "volunteer"] if number.isdigit():
            return await volunteer(ctx, int(number))
    raise UserError("error.unknown_button")


# -- voting and volunteering by command -------------------------------------------------------


@command(
    "idea",
    "vote",
    options=(IDEA, OptionSpec("choice", OptionKind.CHOICE, choices=("for", "against", "none"))),
)
async def vote_command(ctx: CommandContext, idea: int, choice: str) -> list[Action]:
    return await vote(ctx, idea, None if choice == "none" else choice, toggle=False)


@command("idea", "volunteer", options=(IDEA,))
async def volunteer_command(ctx: CommandContext, idea: int) -> list[Action]:
    return await volunteer(ctx, idea)


# -- reading ----------------------------------------------------------------------------------


@command("idea", "show", options=(IDEA,))
async def show(ctx: CommandContext, idea: int) -> list[Action]:
    found = await find(ctx, idea)
    return [Reply(card=await detail_card(ctx, found), ephemeral=False)]


@command(
    "idea",
    "list",
    options=(
        OptionSpec(
            "status", OptionKind.CHOICE, required=False, choices=rules.LIST_FILTERS, default="open"
        ),
        OptionSpec("sort", OptionKind.CHOICE, required=False, choices=rules.SORTS, default="top"),
    ),
)
async def list_ideas(ctx: CommandContext, status: str, sort: str) -> list[Action]:
    statuses = rules.statuses_for(status)
    if sort == "trending":
        shown, total = await _trending(ctx, statuses)
    else:
        shown, total = await store.ranked_ideas(
            ctx.session, ctx.community.id, statuses, sort, LIST_SIZE
        )
    lines = [list_line(ctx, idea) for idea in shown] or [await _empty_list(ctx, status)]
    filter_name = ctx.t(f"idea.filter.{status}") if status in ("open", "all") else None
    card = Card(
        kind="idea_list",
        title=ctx.t(
            "idea.list.title",
            filter=filter_name or ctx.t(f"idea.status.{status}"),
            sort=ctx.t(f"idea.sort.{sort}"),
        ),
        body="\n".join(lines),
        footer=ctx.t("idea.list.footer", shown=len(shown), total=total) if shown else "",
    )
    return [Reply(card=card, ephemeral=False)]


async def _empty_list(ctx: CommandContext, status: str) -> str:
    """Why the list is empty: no idea at all yet, or none left open (all decided)."""
    if status == "open":
        _, decided = await store.ranked_ideas(
            ctx.session, ctx.community.id, rules.statuses_for("all"), "top", 1
        )
        if decided:
            return ctx.t("idea.list.none_open")
    return ctx.t("idea.list.empty")


async def _trending(ctx: CommandContext, statuses: tuple[str, ...]) -> tuple[list[Idea], int]:
    """Ideas with recent votes by recency-weighted support; the newest ideas without recent
    votes compete at zero, so a fresh idea beats one that only gathers votes against."""
    since = ctx.at - rules.TRENDING_WINDOW
    votes = await store.recent_votes(ctx.session, ctx.community.id, statuses, since)
    weights = rules.trending(votes, ctx.at)
    voted = await store.ideas_by_id(ctx.session, weights)
    quiet = await store.newest_ideas(
        ctx.session, ctx.community.id, statuses, LIST_SIZE, exclude=weights
    )

    def rank(idea: Idea) -> tuple[float, float, int]:
        net, attention = weights.get(idea.id or 0, (0.0, 0.0))
        return (-net, -attention, -idea.number)  # ties: more attention, then newer

    pool = sorted([*voted.values(), *quiet], key=rank)
    total = await store.count_in(ctx.session, ctx.community.id, statuses)
    return pool[:LIST_SIZE], total


@command("idea", "mine", private=True)
async def mine(ctx: CommandContext) -> list[Action]:
    ideas, total = await store.ideas_of_author(
        ctx.session, ctx.community.id, ctx.caller.id, MINE_SIZE
    )
    lines = [list_line(ctx, idea) for idea in ideas] or [ctx.t("idea.mine.empty")]
    if total > len(ideas):
        lines.append(ctx.t("idea.mine.more", count=total - len(ideas)))
    card = Card(
        kind="idea_mine",
        title=ctx.t("idea.mine.title", member=ctx.caller.name),
        body="\n".join(lines),
    )
    return [Reply(card=card)]
