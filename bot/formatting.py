"""Dates, times and numbers as a community reads them, through Babel (CLDR) in its locale.

Every date, time, count, decimal and percentage Cercle shows goes through this module, so
French reads "23 mars 2026", "0,85", "1 234", "72 %" and English "23 March 2026", "0.85".
Cercle's `en` is international English (CLDR `en_GB`: day before month, 24-hour clock),
its `fr` is CLDR `fr_FR`.

A date and time that a reader would rather see in their own time zone (a poll's deadline,
a schedule) is a **moment** (`moment()`): text carrying the instant and, as its fallback,
the community-zone wording. Each platform adapter renders moments its own way
(`bot.text.render_moments`): Discord's `<t:…:f>`, Slack's `<!date^…>`, the console's plain
text. The core itself stays platform-neutral.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_timezone_gmt
from babel.numbers import (
    format_decimal,
    format_percent,
    get_group_symbol,
    get_minus_sign_symbol,
)

from bot.text import Moment, moment_token

BABEL_LOCALES = {"en": "en_GB", "fr": "fr_FR"}


@cache
def babel_locale(locale: str) -> Locale:
    """The CLDR locale behind one of Cercle's locales (English when unknown)."""
    return Locale.parse(BABEL_LOCALES.get(locale, BABEL_LOCALES["en"]))


def number(locale: str, value: int | float) -> str:
    """A count with the locale's grouping: `1,234` / `1 234` (narrow no-break space)."""
    if type(value) is int:
        symbols = _integer_symbols(locale)
        if symbols is not None:
            return _grouped(value, *symbols)
    return format_decimal(value, locale=babel_locale(locale))


def _grouped(value: int, group: str, minus: str) -> str:
    text = f"{abs(value):,}".replace(",", group)
    return minus + text if value < 0 else text


@cache
def _integer_symbols(locale: str) -> tuple[str, str] | None:
    """(group, minus) symbols of a locale that groups whole numbers by threes from the first
    thousand on, checked against Babel's own formatting; None for any other locale (Babel
    then formats every count). A leaderboard formats dozens of counts, and Babel's general
    pattern costs more than the board's reading."""
    where = babel_locale(locale)
    group, minus = get_group_symbol(where), get_minus_sign_symbol(where)
    probes = (0, 7, 999, 1000, 12_345, -1_234, 1_234_567_890)
    if all(_grouped(v, group, minus) == format_decimal(v, locale=where) for v in probes):
        return group, minus
    return None


def decimal(locale: str, value: float, digits: int = 2) -> str:
    """A decimal with exactly `digits` fraction digits: `0.85` / `0,85`."""
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=babel_locale(locale))


def percent(locale: str, fraction: float) -> str:
    """A share as a whole percentage, rounded half up like every count Cercle reports:
    `13%` for 1 of 8 / `13 %` (no-break space in French)."""
    whole = int(fraction * 100 + 0.5)
    return format_percent(whole / 100, locale=babel_locale(locale))


def day(locale: str, when: date, *, year: bool = True) -> str:
    """`23 March 2026` / `23 mars 2026`; without the year `23 March` / `23 mars`."""
    if year:
        return format_date(when, "long", locale=babel_locale(locale))
    return format_skeleton("MMMMd", when, locale=babel_locale(locale))


def short_day(locale: str, when: date) -> str:
    """`5 Jan` / `5 janv.`: a day on a chart's axis."""
    return format_skeleton("MMMd", when, locale=babel_locale(locale))


def weekday(locale: str, when: date, *, short: bool = True) -> str:
    """`Mon` / `lun.` (short) or `Monday` / `lundi`."""
    return format_date(when, "EEE" if short else "EEEE", locale=babel_locale(locale))


def month(locale: str, when: date) -> str:
    """`March 2026` / `mars 2026`."""
    return format_skeleton("yMMMM", when, locale=babel_locale(locale))


def clock_time(locale: str, at: time | datetime) -> str:
    """A time of day on the locale's clock: `09:05`."""
    return format_time(at, "short", locale=babel_locale(locale))


def days(locale: str, first: date, last: date) -> str:
    """A span of days, both included, said once: `5–11 January 2026`,
    `29 December – 4 January 2026`, `29 December 2025 – 4 January 2026`."""
    if first == last:
        return day(locale, first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{day(locale, last)}"
    start = day(locale, first, year=first.year != last.year)
    return f"{start} – {day(locale, last)}"


def zone_name(locale: str, local: datetime) -> str:
    """The zone a local time is in, short: `UTC`, `CET`, else `UTC+04:00` / `GMT+04:00`."""
    name = local.tzname() or ""
    if name.isalpha():
        return name
    return get_timezone_gmt(local, "long", locale=babel_locale(locale))


def when(locale: str, instant: datetime, timezone: ZoneInfo) -> str:
    """A date and time in the community's zone, named: `7 January 2026, 09:00 CET`
    (`7 janvier 2026 à 09:00 CET`)."""
    local = instant.astimezone(timezone)
    both = babel_locale(locale).datetime_formats["long"]
    text = str(both).replace("'", "").format(clock_time(locale, local), day(locale, local.date()))
    return f"{text} {zone_name(locale, local)}"


def moment(locale: str, instant: datetime, timezone: ZoneInfo) -> Moment:
    """An instant each reader may see in their own time zone where the platform can show it
    (Discord, Slack), and as `when()` in the community's zone everywhere else."""
    return moment_token(int(instant.timestamp()), when(locale, instant, timezone))
