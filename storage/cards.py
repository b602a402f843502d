"""Where each card Cercle posted lives on each platform, so it can be updated in place."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import dialect_insert
from storage.models import PostedCard


async def remember(
    session: AsyncSession,
    community_id: int,
    card_ref: str,
    platform: str,
    channel_id: str,
    message_id: str,
) -> None:
    stmt = dialect_insert(session, PostedCard.__table__)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["community_id", "card_ref", "platform"],
            set_={"channel_id": stmt.excluded.channel_id, "message_id": stmt.excluded.message_id},
        ).values(
            community_id=community_id,
            card_ref=card_ref,
            platform=platform,
            channel_id=channel_id,
            message_id=message_id,
        )
    )


async def locations(
    session: AsyncSession, community_id: int, card_ref: str
) -> list[tuple[str, str, str]]:
    """(platform, channel id, message id) of every post of the card `card_ref`."""
    rows = await session.execute(
        select(PostedCard.platform, PostedCard.channel_id, PostedCard.message_id).where(
            PostedCard.community_id == community_id, PostedCard.card_ref == card_ref
        )
    )
    return [(platform, channel, message) for platform, channel, message in rows]


async def card_at(
    session: AsyncSession, community_id: int, platform: str, message_id: str, prefix: str
) -> str | None:
    """The card (whose ref starts with `prefix`) posted on `platform` as `message_id`."""
    return await session.scalar(
        select(PostedCard.card_ref).where(
            PostedCard.community_id == community_id,
            PostedCard.platform == platform,
            PostedCard.message_id == message_id,
            PostedCard.card_ref.startswith(prefix),  # type: ignore[attr-defined]
        )
    )
