"""When digests fall due and which days they cover, in the community's own time zone.

A schedule is weekly, cron-like: a weekday and a local time (`mon 09:00`). A digest covers
whole local days, from where the previous one stopped up to (not including) the day it is
posted on, so a Monday 09:00 digest covers the calendar week before it. Fire times are
computed from local dates with `zoneinfo`, so 09:00 stays 09:00 across a DST change.

The chain: a community's first period starts on the day it was created (never before:
a digest speaks of days the community lived), so it may be shorter than a week; each
later period starts where the last one ended. A period's digest is due at the first fire
on a scheduled day after its start. When it runs late, it covers up to the latest fire
that has passed: one missed week is posted late with its own period; once the next one
is due too, one digest covers the whole missed span.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.errors import UserError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PERIOD_DAYS = 7
SCHEDULE_KEY = "digest_schedule"
_SCHEDULE = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)\s+([01]?\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class Schedule:
    weekday: int  # Monday is 0
    at: time

    @classmethod
    def parse(cls, text: str) -> Schedule:
        match = _SCHEDULE.fullmatch(text.strip().lower())
        if match is None:
            raise UserError("digest.error.schedule", value=text)
        day, hour, minute = match.groups()
        return cls(DAYS.index(day), time(int(hour), int(minute)))

    def __str__(self) -> str:
        return f"{DAYS[self.weekday]} {self.at.strftime('%H:%M')}"

    def fire_on(self, day: date, tz: ZoneInfo) -> datetime:
        """The UTC instant of the local time on `day` (a day that is one of its weekdays)."""
        return datetime.combine(day, self.at, tz).astimezone(UTC)

    def first_day_from(self, day: date) -> date:
        """The first scheduled weekday on or after `day`."""
        return day + timedelta(days=(self.weekday - day.weekday()) % 7)

    def last_day_until(self, day: date) -> date:
        """The last scheduled weekday on or before `day`."""
        return day - timedelta(days=(day.weekday() - self.weekday) % 7)

    def first_end(self, start: date) -> date:
        """The end of the shortest period from `start`: the next scheduled day after it
        (a week later when `start` is itself a scheduled day)."""
        return self.first_day_from(start + timedelta(days=1))

    def due_for(self, start: date, tz: ZoneInfo) -> datetime:
        """When the digest of a period starting on `start` is due."""
        return self.fire_on(self.first_end(start), tz)

    def ended_by(self, start: date, now: datetime, tz: ZoneInfo, *, fired: bool) -> date | None:
        """The end (exclusive) of the longest period from `start` that is complete at `now`:
        the latest scheduled day after `start` that has begun (`fired`: whose fire time has
        passed), or None when the period is still running."""
        day = self.last_day_until(now.astimezone(tz).date())
        if fired and self.fire_on(day, tz) > now:
            day -= timedelta(days=7)
        return day if day >= self.first_end(start) else None


@dataclass(frozen=True)
class Period:
    """Whole local days [start, end) of a community, with their UTC instants."""

    start: date
    end: date
    tz: ZoneInfo

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), self.tz).astimezone(UTC)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(), self.tz).astimezone(UTC)

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start, self.tz)


def first_start(anchor: datetime, tz: ZoneInfo) -> date:
    """The first period of a community starts on the local day it was created (`anchor`):
    no digest covers days before the community existed."""
    return anchor.astimezone(tz).date()


def effective_schedule(settings: Settings, runtime: dict[str, str]) -> tuple[Schedule, str]:
    """The community's schedule and where it comes from (`database` wins over the file)."""
    raw = runtime.get(SCHEDULE_KEY)
    if raw is not None:
        return Schedule.parse(json.loads(raw)), "database"
    source = "file" if "schedule" in settings.digest.model_fields_set else "default"
    return Schedule.parse(settings.digest.schedule), source


def channel_key(platform: str) -> str:
    return f"digest_channel.{platform}"


def effective_channel(
    settings: Settings, runtime: dict[str, str], platform: str
) -> tuple[str | None, str]:
    """The digest channel on a platform (None: the default channel) and its source."""
    raw = runtime.get(channel_key(platform))
    if raw is not None:
        return json.loads(raw), "database"
    digest = settings.digest
    per_platform = digest.channels.get(platform)
    if per_platform:
        return per_platform.lstrip("#"), "file"
    if digest.channel:
        return digest.channel.lstrip("#"), "file"
    return None, "default"
