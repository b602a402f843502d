"""Digest schedule arithmetic (local days, DST) and the card's platform limits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.actions import Card, CardField
from bot.errors import UserError
from bot.features.digests.cards import TOTAL_MAX, _size, fit
from bot.features.digests.schedule import Schedule

PARIS = ZoneInfo("Europe/Paris")


def test_fire_times_keep_local_time_across_dst() -> None:
    monday = Schedule.parse("Mon 09:00")
    assert monday.fire_on(date(2026, 3, 23), PARIS) == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)
    assert monday.fire_on(date(2026, 3, 30), PARIS) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert monday.fire_on(date(2026, 10, 26), PARIS) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_a_period_ends_on_the_latest_fire_at_least_a_week_after_its_start() -> None:
    monday = Schedule.parse("mon 09:00")
    start = date(2026, 1, 5)
    utc = ZoneInfo("UTC")
    assert monday.due_for(start, utc) == datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    early = datetime(2026, 1, 12, 8, 59, tzinfo=UTC)
    assert monday.ended_by(start, early, utc, fired=True) is None
    assert monday.ended_by(start, early, utc, fired=False) == date(2026, 1, 12)
    later = datetime(2026, 1, 20, tzinfo=UTC)
    assert monday.ended_by(start, later, utc, fired=True) == date(2026, 1, 19)


@pytest.mark.parametrize("text", ["monday 9", "sun 24:00", "", "fri 9:7"])
def test_bad_schedules_are_refused(text: str) -> None:
    with pytest.raises(UserError):
        Schedule.parse(text)


def test_cards_fit_discord_limits_whatever_the_content() -> None:
    card = Card(
        kind="digest",
        title="t" * 400,
        body="b" * 5000,
        fields=tuple(CardField(f"f{i}", "x" * 3000) for i in range(30)),
    )
    fitted = fit(card)
    assert len(fitted.title) <= 256 and len(fitted.fields) == 25
    assert all(len(f.value) <= 1024 for f in fitted.fields)
    assert _size(fitted) <= TOTAL_MAX
