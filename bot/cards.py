"""Updating a card in place wherever it was posted (votes, status changes, results)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Card, UpdateCard
from storage import cards as card_store


async def updates(
    session: AsyncSession, community_id: int, card_ref: str, card: Card
) -> list[UpdateCard]:
    """An `UpdateCard` for every platform where the card `card_ref` was posted."""
    return [
        UpdateCard(platform, channel, message, card)
        for platform, channel, message in await card_store.locations(
            session, community_id, card_ref
        )
    ]
