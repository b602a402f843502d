"""What falls due for an event, through `run_due`: the reminder to everyone going
(`events.remind_before` ahead) and, at the start, the check-in code to the host.

Each is a job keyed by the event and its start time, so it runs once even across restarts
or with several processes; an event moved to another time gets jobs of its own, and a job
of the old time (or of a cancelled event) finds nothing to do.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action
from bot.community import CommunityView
from bot.config import Settings
from bot.features.events.cards import length, title_text, when
from bot.features.events.state import direct_messages
from bot.jobs import job_kind, payload
from bot.services import Services
from storage import events as store
from storage import jobs as job_store
from storage.models import ScheduledJob
from storage.models.events import Event

REMIND_JOB = "event_remind"
START_JOB = "event_start"


def _stamp(event: Event) -> int:
    return int(event.starts_at.timestamp())


async def schedule_jobs(
    session: AsyncSession, community_id: int, event: Event, settings: Settings, now: datetime
) -> None:
    """The event's reminder (unless its time is already past) and its start."""
    data = json.dumps({"event": event.number, "starts": _stamp(event)})
    base = f"{community_id}:{event.number}:{_stamp(event)}"
    remind_at = event.starts_at - settings.events.remind_before
    if remind_at > now:
        await job_store.schedule(
            session, community_id, REMIND_JOB, f"event-remind:{base}", remind_at, data
        )
    await job_store.schedule(
        session, community_id, START_JOB, f"event-start:{base}", event.starts_at, data
    )


async def _current(session: AsyncSession, view: CommunityView, job: ScheduledJob) -> Event | None:
    """The job's event, if it still starts when the job was planned and is not cancelled."""
    data = payload(job)
    event = await store.find(session, view.id, int(data.get("event", 0)))
    if event is None or event.cancelled_at is not None or _stamp(event) != data.get("starts"):
        return None
    return event


@job_kind(REMIND_JOB)
async def remind(
    core: Services, session: AsyncSession, view: CommunityView, job: ScheduledJob, now: datetime
) -> list[Action]:
    event = await _current(session, view, job)
    if event is None or event.id is None:
        return []
    if now >= event.ends_at:
        return []  # reached only after the event (the process was down): nothing to remind
    going = [a.member_id for a in await store.answerers(session, event.id, ("going",))]
    left = event.starts_at - now
    if left < timedelta(minutes=1):
        # A reminder that runs late (the process was down until the start) says so.
        text = view.t(
            "event.reminder_started",
            number=event.number,
            title=title_text(event),
            start=when(view, event.starts_at),
        )
    else:
        text = view.t(
            "event.reminder",
            number=event.number,
            title=title_text(event),
            start=when(view, event.starts_at),
            left=length(view, left),
        )
    return await direct_messages(session, view, event, going, text)


@job_kind(START_JOB)
async def start(
    core: Services, session: AsyncSession, view: CommunityView, job: ScheduledJob, now: datetime
) -> list[Action]:
    event = await _current(session, view, job)
    if event is None:
        return []
    text = view.t(
        "event.host_code",
        number=event.number,
        title=title_text(event),
        code=event.checkin_code,
        until=when(view, event.ends_at + core.settings.events.checkin_grace),
    )
    return await direct_messages(session, view, event, [event.host_id], text)
