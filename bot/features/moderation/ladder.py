"""The consequence ladder: what the n-th warning within `moderation.window_days` leads to.

Steps come from `moderation.ladder` (`warning`, `timeout 1h`, `ban suggested`, ...); past
the last step, the last one applies again. A step reads back as localised text, and a
timeout step gives its duration, which Discord may apply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot import i18n

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_TIMEOUT = re.compile(r"timeout (\d+)([mhdw])")


@dataclass(frozen=True)
class Step:
    """One rung: its kind (`warning`, `timeout`, `kick`, `ban`) and a timeout's length."""

    kind: str
    written: str
    duration: timedelta | None = None

    def text(self, locale: str) -> str:
        if self.kind == "timeout":
            return i18n.t(locale, "moderation.step.timeout", duration=self.written.split()[1])
        return i18n.t(locale, f"moderation.step.{self.kind}")


def parse(written: str) -> Step:
    match = _TIMEOUT.fullmatch(written)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return Step("timeout", written, timedelta(**{_UNITS[unit]: amount}))
    return Step(written.split()[0], written)


def step_at(ladder: Sequence[str], count: int) -> Step:
    """The step reached by the `count`-th warning (1-based) within the window."""
    return parse(ladder[min(count, len(ladder)) - 1])


def ordinal(locale: str, count: int) -> str:
    """`1st warning`, `2nd warning`, ... (`1er avertissement`, `2e avertissement`)."""
    if count == 1:
        return i18n.t(locale, "moderation.ordinal_first")
    own = i18n.catalog(locale)
    key = f"moderation.suffix_{count % 10}"
    if count % 100 in (11, 12, 13) or key not in own:
        key = "moderation.suffix_other"
    return i18n.t(locale, "moderation.ordinal", count=count, suffix=i18n.t(locale, key))


def ladder_lines(ladder: Sequence[str], locale: str) -> list[str]:
    """`1st warning: a reminder`, ... one line per rung."""
    return [
        i18n.t(locale, "moderation.ladder_line", nth=ordinal(locale, n), step=parse(s).text(locale))
        for n, s in enumerate(ladder, start=1)
    ]
