""""Interested" on the platform's own copy of an event (a Discord guild scheduled event)
counts as Maybe on Cercle's card: marking it answers Maybe for a member who had not
answered, and taking it back withdraws a Maybe. An answer given on the card (Going, the
waitlist, Can't go) stands: the card's buttons say more than the platform's one flag."""

from __future__ import annotations

from bot.actions import Action
from bot.context import CommandContext
from bot.events import InterestMarked
from bot.features.events.state import SCHEDULED, card_updates
from storage import cards as card_store
from storage import events as store


async def marked(ctx: CommandContext, event: InterestMarked) -> list[Action]:
    """The card updated after a member's interest changed (nothing when it changes no
    answer, or when the copy is not one of Cercle's events)."""
    ref = await card_store.card_at(
        ctx.session, ctx.community.id, event.platform, event.external_id, SCHEDULED
    )
    if ref is None or ctx.caller.is_bot:
        return []
    found = await store.find(ctx.session, ctx.community.id, int(ref.rsplit(":", 1)[1]), lock=True)
    if found is None or found.id is None or found.cancelled_at is not None:
        return []
    if ctx.at >= found.ends_at:
        return []
    current = await store.answer_of(ctx.session, found.id, ctx.caller.id)
    if event.interested and current is None:
        await store.set_answer(ctx.session, found.id, ctx.caller.id, "maybe", ctx.at)
    elif not event.interested and current == "maybe":
        await store.clear_answer(ctx.session, found.id, ctx.caller.id)
    else:
        return []
    return await card_updates(ctx.session, ctx.community, found)
