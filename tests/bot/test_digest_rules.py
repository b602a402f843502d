"""Digest schedule arithmetic (local days, DST) and the card's platform limits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.actions import Card, CardField
from bot.community import CommunityView
from bot.errors import UserError
from bot.features.digests.cards import TOTAL_MAX, _size, fit, shape_line, whole_shares
from bot.features.digests.data import DigestData
from bot.features.digests.schedule import Period, Schedule

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


@pytest.mark.parametrize(
    ("counts", "shares"),
    [
        ((31, 49, 221), [10, 16, 74]),  # 10.3 + 16.3 + 73.4: rounded alone they made 99
        ((0, 5, 1), [0, 83, 17]),
        ((1, 1, 1), [34, 33, 33]),
        ((0, 0, 0), [0, 0, 0]),
        ((2, 0, 0), [100, 0, 0]),
    ],
)
def test_participation_shares_add_up_to_one_hundred(
    counts: tuple[int, int, int], shares: list[int]
) -> None:
    assert whole_shares(counts) == shares


def test_the_participation_line_of_the_demo_week_adds_up() -> None:
    period = Period(date(2026, 1, 5), date(2026, 1, 12), ZoneInfo("UTC"))
    data = DigestData(period, period.previous(), members=301, core=31, occasional=49)
    view = CommunityView(
        id=1,
        slug="t",
        locale="fr",
        timezone=ZoneInfo("UTC"),
        default_channel="general",
        announce_channel=None,
        moderator_roles=frozenset(),
        excluded_channels=frozenset(),
        excluded_roles=frozenset(),
        excluded_members=frozenset(),
    )
    line = shape_line(view, data)
    # Babel's French percent sign follows a no-break space; the rule of thumb's too.
    assert "10\u00a0% · occasionnels 16\u00a0% · lecteurs 74\u00a0% sur 301 membres" in line
    assert "1\u00a0% · 9\u00a0% · 90\u00a0%" in line
