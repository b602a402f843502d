"""Interaction receipts: whether a platform interaction was already handled.

A platform may deliver an interaction twice (a retry after a timeout, a gateway replay, a
signed request replayed within Slack's five minutes). The adapter names the delivery by
the platform's own identity (Discord's interaction id, Slack's trigger id and action
time); the core records it in the transaction that handles it, so the first delivery's
work and its receipt commit together and a second one finds the receipt and does nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_ignore
from storage.models.runtime import InteractionReceipt

# Far longer than any platform retries or accepts a replay (Slack: five minutes).
KEPT_FOR = timedelta(days=2)
_TABLE = InteractionReceipt.__table__  # type: ignore[attr-defined]


async def first_delivery(session: AsyncSession, platform: str, delivery: str, at: datetime) -> bool:
    """Record the delivery; False when it was already recorded (a retry or a replay)."""
    result = await session.execute(
        insert_ignore(session, _TABLE, ["platform", "delivery"]).values(
            platform=platform, delivery=delivery[:200], received_at=at
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_old(session: AsyncSession, now: datetime) -> None:
    """Drop receipts older than any delivery a platform could still repeat."""
    await session.execute(
        delete(InteractionReceipt).where(InteractionReceipt.received_at < now - KEPT_FOR)
    )
