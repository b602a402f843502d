"""The App Home tab: the member's own page in Cercle, as Slack blocks.

What it shows is the core's (`CoreFace.home`: the member's profile, the week's
leaderboard, the open ideas with For/Against buttons); this module only lays the cards
out as blocks within Slack's limit. A press on a Home button republishes the tab with
the answer on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from bot.actions import Card

if TYPE_CHECKING:
    from adapters.slack.app import SlackBridge

HOME_BLOCKS = 100  # Slack's limit for a view
CARD_BLOCKS = 30


def card_blocks(card: Card) -> list[dict[str, Any]]:
    found = blocks.card_blocks(card, max_blocks=CARD_BLOCKS)
    # Each idea line stays with its buttons; the other cards are sections of their own.
    return found if card.kind.startswith("home.") else [*found, {"type": "divider"}]


async def view(
    bridge: SlackBridge, client: AsyncWebClient, team: str, user: str, notice: str = ""
) -> dict[str, Any]:
    found: list[dict[str, Any]] = []
    if notice:
        found.append({"type": "section", "text": blocks.mrkdwn(notice)})
        found.append({"type": "divider"})
    invoker = await bridge.directory(team).member(client, user)
    for card in await bridge.core.home(invoker, team):
        found += card_blocks(card)
    while found and found[-1]["type"] == "divider":
        found.pop()
    return {"type": "home", "blocks": found[:HOME_BLOCKS]}


async def publish(
    bridge: SlackBridge, client: AsyncWebClient, team: str, user: str, notice: str = ""
) -> None:
    await client.views_publish(user_id=user, view=await view(bridge, client, team, user, notice))
