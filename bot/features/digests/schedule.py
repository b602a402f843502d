"""When digests fall due and which days they cover, in the community's own time zone.

A schedule is weekly, cron-like: a weekday and a local time (`mon 09:00`), or monthly: a day
of the month (1 to 28, so that every month has it) and a local time (`monthly 1 09:00`). A
digest covers whole local days, from where the previous one stopped up to (not including)
the day it is posted on, so a Monday 09:00 digest covers the calendar week before it and a
`monthly 1 09:00` one the calendar month before it. Fire times are
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
_MONTHLY = re.compile(r"monthly\s+([1-9]|1\d|2[0-8])\s+([01]?\d|2[0-3]):([0-5]\d)")
MONTHLY = "monthly"


@dataclass(frozen=True)
class Schedule:
    weekday: int  # Monday is 0 (a weekly schedule)
    at: time
    monthday: int | None = None  # the day of the month, 1 to 28 (a monthly schedule)

    @classmethod
    def parse(cls, text: str) -> Schedule:
        cleaned = text.strip().lower()
        monthly = _MONTHLY.fullmatch(cleaned)
        if monthly is not None:
            day, hour, minute = monthly.groups()
            return cls(0, time(int(hour), int(minute)), int(day))
        match = _SCHEDULE.fullmatch(cleaned)
        if match is None:
            raise UserError("digest.error.schedule", value=text)
        weekday, hour, minute = match.groups()
        return cls(DAYS.index(weekday), time(int(hour), int(minute)))

    @property
    def monthly(self) -> bool:
        return self.monthday is not None

    def __str__(self) -> str:
        if self.monthday is not None:
            return f"{MONTHLY} {self.monthday} {self.at.strftime('%H:%M')}"
        return f"{DAYS[self.weekday]} {self.at.strftime('%H:%M')}"

    def fire_on(self, day: date, tz: ZoneInfo) -> datetime:
        """The UTC instant of the local time on `day` (a day that is one of its weekdays)."""
        return datetime.combine(day, self.at, tz).astimezone(UTC)

    def first_day_from(self, day: date) -> date:
        """The first scheduled day on or after `day`."""
        if self.monthday is not None:
            if day.day <= self.monthday:
                return day.replace(day=self.monthday)
            following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            return following.replace(day=self.monthday)
        return day + timedelta(days=(self.weekday - day.weekday()) % 7)

    def last_day_until(self, day: date) -> date:
        """The last scheduled day on or before `day`."""
        if self.monthday is not None:
            if day.day >= self.monthday:
                return day.replace(day=self.monthday)
            before = day.replace(day=1) - timedelta(days=1)
            return before.replace(day=self.monthday)
        return day - timedelta(days=(day.weekday() - self.weekday) % 7)

    def first_end(self, start: date) -> date:
        """The end of the shortest period from `start`: the next scheduled day after it
        (a week or a month later when `start` is itself a scheduled day)."""
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
            day = self.last_day_until(day - timedelta(days=1))
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
