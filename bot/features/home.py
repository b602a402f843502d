"""A member's own page (Slack's App Home tab; any platform with such a page).

What `/profile` shows (points, rank and progress to the next, badges), the top of this
week's leaderboard and the open ideas with For/Against buttons, read through the core's
own commands and idea queries, so the page and the commands never disagree."""

from __future__ import annotations

from bot import i18n
from bot.actions import Button, Card, Reply
from bot.events import ChannelRef, CommandInvoked, MemberRef
from bot.features.ideas.rules import OPEN_STATUSES
from bot.services import Services
from bot.text import member_text
from storage import ideas as idea_store

SECTIONS = (("profile",), ("leaderboard",))
IDEAS_SHOWN = 5
TITLE_MAX = 150


async def page(core: Services, invoker: MemberRef, space_id: str) -> list[Card]:
    cards: list[Card] = []
    for path in SECTIONS:
        event = CommandInvoked(
            platform=invoker.platform,
            space_id=space_id,
            at=core.clock.now(),
            interaction_id=f"home:{invoker.user_id}:{'-'.join(path)}",
            channel=ChannelRef(""),
            invoker=invoker,
            path=path,
        )
        for action in await core.handle(event):
            if isinstance(action, Reply) and action.card is not None:
                cards.append(action.card)
            elif isinstance(action, Reply) and action.text:
                cards.append(Card(kind="text", title="", body=action.text))
    return cards + await idea_cards(core, invoker.platform, space_id)


async def idea_cards(core: Services, platform: str, space_id: str) -> list[Card]:
    async with core.db.transaction() as session:
        community = await core.community(session, platform, space_id, core.clock.now())
        shown, _ = await idea_store.ranked_ideas(
            session, community.id, OPEN_STATUSES, "top", IDEAS_SHOWN
        )
    locale = community.locale
    cards = [
        Card(
            kind="home.ideas",
            title=i18n.t(locale, "home.ideas"),
            body="" if shown else i18n.t(locale, "home.no_ideas"),
        )
    ]
    for idea in shown:
        ref = f"idea:{idea.number}"
        line = i18n.t(
            locale,
            "home.idea",
            number=idea.number,
            title=member_text(idea.title, TITLE_MAX),
            votes_for=idea.votes_for,
            votes_against=idea.votes_against,
        )
        buttons = (
            Button(i18n.t(locale, "idea.button.for"), f"{ref}:vote:for", "success"),
            Button(i18n.t(locale, "idea.button.against"), f"{ref}:vote:against", "danger"),
        )
        cards.append(Card(kind="home.idea", title="", body=line, buttons=buttons))
    return cards
