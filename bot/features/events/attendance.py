"""Attendance: who was at an event, by check-in code (`/event checkin N CODE`, during the
event and `events.checkin_grace` after it) or named by the host (`/event attended N
@a @b`). Each attendee earns `scoring.event_attended` once per event, and the host
`scoring.event_hosted` once, when the first attendee is recorded: an event nobody came to
earns nothing. Both are ledger rows under keys naming the event, so nothing counts twice;
attendances count toward the events badges (`events_attended`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.awards import award
from bot.context import CommandContext
from bot.events import MemberRef
from storage import events as store
from storage.models import Member
from storage.models.events import Event


async def _excluded(session: AsyncSession, member_id: int) -> bool:
    member = await session.get(Member, member_id)
    return bool(member is not None and member.excluded)


async def record(
    ctx: CommandContext, event: Event, member_id: int, ref: MemberRef | None, how: str
) -> int | None:
    """Mark `member_id` as there; the points they earned (None: already marked)."""
    assert event.id is not None
    if not await store.attend(ctx.session, event.id, member_id, ctx.at, how):
        return None
    scoring = ctx.settings.scoring
    entry = await award(
        ctx,
        member_id=member_id,
        excluded=await _excluded(ctx.session, member_id),
        ref=ref,
        kind="event_attended",
        points=scoring.event_attended,
        source_key=f"event:{event.id}:attended:{member_id}",
        effects=((member_id, "events_attended", 1),),
        reason=f"event #{event.number}",
    )
    await award(
        ctx,
        member_id=event.host_id,
        excluded=await _excluded(ctx.session, event.host_id),
        kind="event_hosted",
        points=scoring.event_hosted,
        source_key=f"event:{event.id}:hosted",
        reason=f"event #{event.number}",
    )
    return entry.points if entry is not None else 0
