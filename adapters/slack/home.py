"""The App Home tab: the member's own page in Cercle.

It shows what `/profile` shows (points, rank and progress to the next, badges), the top of
this week's leaderboard and the open ideas with For/Against buttons, read through the
core's own commands and idea queries, so the tab and the commands never disagree. A
press on a Home button republishes the tab with the answer on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from bot import i18n
from bot.actions import Button, Reply
from bot.events import ChannelRef, CommandInvoked
from bot.features.idea_rules import OPEN_STATUSES
from bot.text import member_text
from storage import ideas as idea_store

if TYPE_CHECKING:
    from adapters.slack.app import SlackBridge

PLATFORM = "slack"
HOME_BLOCKS = 100
IDEAS_SHOWN = 5
SECTIONS = (("profile",), ("leaderboard",))


async def _card_blocks(
    bridge: SlackBridge, client: AsyncWebClient, team: str, user: str, path: tuple[str, ...]
) -> list[dict[str, Any]]:
    core = bridge.core
    invoker = await bridge.directory(team).member(client, user)
    event = CommandInvoked(
        platform=PLATFORM,
        space_id=team,
        at=core.clock.now(),
        interaction_id=f"home:{user}:{'-'.join(path)}",
        channel=ChannelRef(""),
        invoker=invoker,
        path=path,
    )
    found: list[dict[str, Any]] = []
    for action in await core.handle(event):
        if isinstance(action, Reply):
            if action.card is not None:
                found += blocks.card_blocks(action.card, action.text, max_blocks=30)
            elif action.text:
                found.append({"type": "section", "text": blocks.mrkdwn(action.text)})
    return found


async def _idea_blocks(bridge: SlackBridge, team: str) -> list[dict[str, Any]]:
    core = bridge.core
    async with core.db.transaction() as session:
        community = await core.community(session, PLATFORM, team, core.clock.now())
        shown, _ = await idea_store.ranked_ideas(
            session, community.id, OPEN_STATUSES, "top", IDEAS_SHOWN
        )
    locale = community.locale
    found: list[dict[str, Any]] = [
        {"type": "header", "text": blocks.plain(i18n.t(locale, "slack.home.ideas"), 150)}
    ]
    if not shown:
        found.append(
            {"type": "section", "text": blocks.mrkdwn(i18n.t(locale, "slack.home.no_ideas"))}
        )
    for idea in shown:
        line = i18n.t(
            locale,
            "slack.home.idea",
            number=idea.number,
            title=member_text(idea.title, 150),
            votes_for=idea.votes_for,
            votes_against=idea.votes_against,
        )
        found.append({"type": "section", "text": blocks.mrkdwn(line)})
        ref = f"idea:{idea.number}"
        found.append(
            {
                "type": "actions",
                "elements": [
                    blocks.button_element(
                        Button(i18n.t(locale, "idea.button.for"), f"{ref}:vote:for", "success")
                    ),
                    blocks.button_element(
                        Button(
                            i18n.t(locale, "idea.button.against"), f"{ref}:vote:against", "danger"
                        )
                    ),
                ],
            }
        )
    return found


async def view(
    bridge: SlackBridge, client: AsyncWebClient, team: str, user: str, notice: str = ""
) -> dict[str, Any]:
    found: list[dict[str, Any]] = []
    if notice:
        found.append({"type": "section", "text": blocks.mrkdwn(notice)})
        found.append({"type": "divider"})
    for path in SECTIONS:
        found += await _card_blocks(bridge, client, team, user, path)
        found.append({"type": "divider"})
    found += await _idea_blocks(bridge, team)
    return {"type": "home", "blocks": found[:HOME_BLOCKS]}


async def publish(
    bridge: SlackBridge, client: AsyncWebClient, team: str, user: str, notice: str = ""
) -> None:
    await client.views_publish(user_id=user, view=await view(bridge, client, team, user, notice))
