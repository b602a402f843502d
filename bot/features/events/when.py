"""Reading when an event starts: `2031-01-20 18:00` (the community's time zone),
`tomorrow 18:00`, `today 9:30`, `in 3d` (French: `demain 18h`, `aujourd'hui 9h30`,
`dans 3d`). Pure functions of the text, the clock's time and the community's zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError

_DATE = r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
_TIME = r"(?P<h>\d{1,2})(?:[:h](?P<mi>\d{2})?)?"
_ABSOLUTE = re.compile(rf"{_DATE}(?:\s+|T){_TIME}")
_RELATIVE_DAY = re.compile(
    rf"(?P<word>tomorrow|today|demain|aujourd'hui|aujourd’hui)\s+(?:at\s+|à\s+)?{_TIME}"
)
_IN = re.compile(r"(?:in|dans)\s+(?P<span>(?:\d+\s*[mhdw]\s*)+)")
_SPAN_PART = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_DAYS_AHEAD = {"today": 0, "aujourd'hui": 0, "aujourd’hui": 0, "tomorrow": 1, "demain": 1}


def _local(day: date, hour: str, minute: str | None, zone: ZoneInfo) -> datetime:
    at = time(int(hour), int(minute or 0))
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def parse_start(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The instant `text` names, or the refusal that shows the forms it may take."""
    value = " ".join(text.strip().lower().split())
    try:
        if match := _ABSOLUTE.fullmatch(value):
            day = date(int(match["y"]), int(match["mo"]), int(match["d"]))
            return _local(day, match["h"], match["mi"], zone)
        if match := _RELATIVE_DAY.fullmatch(value):
            day = now.astimezone(zone).date() + timedelta(days=_DAYS_AHEAD[match["word"]])
            return _local(day, match["h"], match["mi"], zone)
        if match := _IN.fullmatch(value):
            seconds = sum(int(n) * _UNITS[u] for n, u in _SPAN_PART.findall(match["span"]))
            if seconds > 0:
                return now + timedelta(seconds=seconds)
    except (ValueError, OverflowError):
        pass  # 2031-02-30, 25:00: refused below like any other unreadable date
    raise UserError("event.error.bad_when", value=text.strip())
