"""The naive baseline: what ingestion costs without batching, one ORM commit per event.

For every event it opens a session, looks the author up through their identity (creating
them if unknown), applies the same message rule as the core (min length and cooldown on
the event time), adds a `Contribution` row through sqlmodel, updates the member's
counters on the ORM object and commits. It does less than the core (no week/month totals,
no active days, no rank review), so the ratio it gives is, if anything, flattering to it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from bot.config import Settings
from bot.events import MessagePosted
from bot.features import scoring
from storage.db import Database
from storage.models import Contribution, Identity, Member


async def ingest_one_by_one(
    db: Database,
    settings: Settings,
    community_id: int,
    events: Sequence[MessagePosted],
    time_box_seconds: float,
) -> tuple[int, float]:
    """Ingest events one commit each until done or out of time; returns (count, seconds)."""
    started = time.perf_counter()
    done = 0
    for event in events:
        await _one(db, settings, community_id, event)
        done += 1
        if time.perf_counter() - started > time_box_seconds:
            break
    return done, time.perf_counter() - started


async def _one(db: Database, settings: Settings, community_id: int, event: MessagePosted) -> None:
    async with db.sessions() as session:
        member = await session.scalar(
            select(Member)
            .join(Identity, Identity.member_id == Member.id)
            .where(
                Identity.community_id == community_id,
                Identity.platform == event.platform,
                Identity.user_id == event.author.user_id,
            )
        )
        if member is None:
            member = Member(
                community_id=community_id, display_name=event.author.name, joined_at=event.at
            )
            session.add(member)
            await session.flush()
            assert member.id is not None
            session.add(
                Identity(
                    community_id=community_id,
                    platform=event.platform,
                    user_id=event.author.user_id,
                    member_id=member.id,
                )
            )
        assert member.id is not None
        points = scoring.message_points(
            settings.scoring,
            text=event.text,
            window_taken=_same_window(settings, member.last_scored_message_at, event.at),
            author_excluded=member.excluded,
            in_excluded_channel=False,
        )
        session.add(
            Contribution(
                community_id=community_id,
                member_id=member.id,
                kind="message",
                points=points,
                source_key=f"{event.platform}:msg:{event.message_id}",
                occurred_at=event.at,
                channel_id=event.channel.id,
                message_ref=f"{event.platform}:{event.message_id}",
            )
        )
        member.points += points
        member.messages += 1
        if points:
            member.last_scored_message_at = _latest(member.last_scored_message_at, event.at)
        await session.commit()


def _same_window(settings: Settings, last: datetime | None, at: datetime) -> bool:
    # The naive baseline reads its events in order, so the latest scored message is the
    # only one that can share the new message's cooldown window.
    if last is None:
        return False
    window = scoring.cooldown_window(settings.scoring, at)
    return window is not None and window == scoring.cooldown_window(settings.scoring, last)


def _latest(current: datetime | None, at: datetime) -> datetime:
    return at if current is None or at > current else current
