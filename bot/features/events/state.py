"""An event as the event modules read and change it: finding it, its card now and its
updates, answering (with the waitlist moving up), and direct messages to who answered.
Shared by `commands`, `admin`, `attendance` and `reminders`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, DirectMessage, SyncScheduledEvent
from bot.cards import updates
from bot.community import CommunityView
from bot.errors import NotFound, UserError
from bot.features.events.cards import EventShown, event_card, title_text, when
from storage import cards as card_store
from storage import events as store
from storage.ideas import contacts, names
from storage.models.events import Event


def card_ref(number: int) -> str:
    """What the event's card is known as, to update it in place (`event:3`)."""
    return f"event:{number}"


SCHEDULED = "scheduled:"


def scheduled_ref(number: int) -> str:
    """What the platform's own copy of the event is known as (`scheduled:event:3`)."""
    return SCHEDULED + card_ref(number)


def _copy(view: CommunityView, event: Event, platform: str, external_id: str | None) -> Action:
    return SyncScheduledEvent(
        platform=platform,
        card_ref=scheduled_ref(event.number),
        name=event.title,
        description=event.description,
        location=view.t("event.location", number=event.number),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        external_id=external_id,
        cancelled=event.cancelled_at is not None,
    )


async def scheduled_copies(
    session: AsyncSession, view: CommunityView, event: Event, *, new: bool = False
) -> list[Action]:
    """The platform's own copy of the event, kept in step: made on the platform the event
    was created on (`new`), else every copy already made, edited or cancelled."""
    if new:
        return [_copy(view, event, event.platform, None)]
    found = await card_store.locations(session, view.id, scheduled_ref(event.number))
    return [_copy(view, event, platform, external) for platform, _space, external in found]


async def find_event(
    session: AsyncSession, community_id: int, number: int, *, lock: bool = False
) -> Event:
    """The event `number` of the community, or the localised "no such event" refusal."""
    event = await store.find(session, community_id, number, lock=lock)
    if event is None:
        raise NotFound("event.error.not_found", number=number)
    return event


def refuse_if_cancelled(event: Event) -> None:
    if event.cancelled_at is not None:
        raise UserError("event.error.cancelled", number=event.number, title=title_text(event))


async def shown_event(session: AsyncSession, event: Event) -> EventShown:
    assert event.id is not None
    host = (await names(session, [event.host_id])).get(event.host_id, "?")
    return EventShown(event, host, await store.counts(session, event.id))


async def card_updates(session: AsyncSession, view: CommunityView, event: Event) -> list[Action]:
    """The event's card, as it is now, wherever it was posted."""
    shown = await shown_event(session, event)
    return list(await updates(session, view.id, card_ref(event.number), event_card(view, shown)))


async def direct_messages(
    session: AsyncSession, view: CommunityView, event: Event, member_ids: Sequence[int], text: str
) -> list[Action]:
    """The same `text` to each member, on the event's platform when they are on it."""
    found = await contacts(session, view.id, list(member_ids), event.platform)
    return [DirectMessage(c.platform, c.user_id, c.name, text) for c in found]


async def answer(
    session: AsyncSession,
    view: CommunityView,
    event: Event,
    member_id: int,
    wanted: str,
    at: datetime,
) -> tuple[str, list[Action]]:
    """Record `member_id`'s answer (going, maybe, no) and move the waitlist up if a place
    was freed. Returns the status given (going may become waitlist when the event is full)
    and the direct messages to the members who moved up."""
    assert event.id is not None
    before = await store.answer_of(session, event.id, member_id)
    if wanted == "going" and before in ("going", "waitlist"):
        return before, []  # already in, or already queued: keep their place
    status = wanted
    full = event.capacity is not None and (
        (await store.counts(session, event.id))["going"] >= event.capacity
    )
    if wanted == "going" and full:
        status = "waitlist"
    await store.set_answer(session, event.id, member_id, status, at)
    moved = await fill_places(session, view, event) if before == "going" else []
    return status, moved


async def fill_places(session: AsyncSession, view: CommunityView, event: Event) -> list[Action]:
    """Move members up from the waitlist while there are places, first asked first; each
    one moved is told by direct message."""
    assert event.id is not None
    if event.capacity is None:
        free = (await store.counts(session, event.id))["waitlist"]
    else:
        free = event.capacity - (await store.counts(session, event.id))["going"]
    promoted = await store.waitlisted(session, event.id, free)
    if not promoted:
        return []
    await store.promote(session, event.id, promoted)
    text = view.t(
        "event.promoted",
        number=event.number,
        title=title_text(event),
        start=when(view, event.starts_at),
    )
    return await direct_messages(session, view, event, promoted, text)
