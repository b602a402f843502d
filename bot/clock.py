"""The injected clock: the only way the core learns what time it is.

The core never reads the system clock itself, so the console and the tests can move time
forward and everything that falls due (digests, poll deadlines) runs as it would live.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

# The latest time a moved clock may show: a year short of datetime's end, so that what the
# core computes from "now" (the end of this month, next Monday, a poll's deadline) still fits.
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


class ClockOutOfRange(ValueError):
    """The clock was asked to move past `LATEST` (it did not move)."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """Wall-clock time, for the live bot."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (console, tests)."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move on by `delta`; past `LATEST` raises ClockOutOfRange and the clock stays."""
        if delta > LATEST - self._now:
            raise ClockOutOfRange(f"{self._now} + {delta} is past {LATEST}")
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        when = as_utc(when)
        if when < self._now:
            raise ValueError("the clock never goes back")
        self._now = when


def as_utc(when: datetime) -> datetime:
    """Return `when` as an aware UTC datetime (naive values are taken as UTC)."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
