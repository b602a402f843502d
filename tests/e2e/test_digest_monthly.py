"""A monthly digest (`digest.cadence = "monthly"`, or `/admin digest schedule monthly`):
due on its day of the month at its local time, covering the calendar month before, once,
and speaking of a month rather than a week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_digest_schedule import START, console_at, delivered

from bot.clock import ManualClock
from bot.config import ConfigError, Settings, load_settings
from bot.config_sections import DigestSettings
from bot.core import Cercle
from storage.db import Database


async def test_a_monthly_digest_covers_the_month_before_once(database_url) -> None:
    settings = Settings(digest=DigestSettings(cadence="monthly"))
    db = Database(database_url())
    core = Cercle(db, settings, ManualClock(START))
    try:
        console = await console_at(core)
        await console.play("alice: hello everyone, this is my first message")
        # Not on the next Monday: on the 1st of the next month at 09:00.
        assert await delivered(core, await core.run_due(START + timedelta(days=7))) == []
        first = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
        assert await delivered(core, await core.run_due(first - timedelta(minutes=1))) == []
        posts = await delivered(core, await core.run_due(first))
        assert [p.card.title for p in posts] == ["📰 Community digest, 5–31 January 2026"]
        assert await delivered(core, await core.run_due(first + timedelta(days=20))) == []
        posts = await delivered(core, await core.run_due(datetime(2026, 3, 1, 9, tzinfo=UTC)))
        assert [p.card.title for p in posts] == ["📰 Community digest, 1–28 February 2026"]
        quiet = posts[0].card
        assert "A quiet month" in quiet.body and quiet.footer == "See you next month!"
    finally:
        await db.dispose()


async def test_moderators_switch_to_monthly_and_back(console, core) -> None:
    out = "\n".join(
        await console.play("""
            nora is moderator
            alice: hello everyone, this is my first message
            nora: /admin digest schedule monthly 08:30 on=15
        """)
    )
    assert "monthly 15 08:30" in out
    # The period that began on 5 January now ends on the 15th, at 08:30.
    assert await delivered(core, await core.run_due(START + timedelta(days=7))) == []
    posts = await delivered(core, await core.run_due(datetime(2026, 1, 15, 8, 30, tzinfo=UTC)))
    assert [p.card.title for p in posts] == ["📰 Community digest, 5–14 January 2026"]
    out = "\n".join(await console.play("nora: /admin digest schedule on=20"))
    assert "monthly 20 08:30" in out
    out = "\n".join(await console.play("nora: /admin digest schedule mon 09:00"))
    assert "mon 09:00" in out
    out = "\n".join(await console.play("nora: /admin digest schedule tue 09:00 on=15"))
    assert "`on` is the day of the month of a monthly digest, and `tue` makes it weekly" in out
    out = "\n".join(await console.play("nora: /admin digest schedule monthly 09:00 on=31"))
    assert "`on` must be between 1 and 28 (got 31)." in out
    assert "digest schedule: mon 09:00" in "\n".join(
        await console.play("nora: /admin digest schedule")
    )


def test_a_monthly_cadence_with_a_weekly_schedule_is_refused(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[digest]\ncadence = "monthly"\nschedule = "mon 09:00"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="cadence is 'monthly' but schedule 'mon 09:00'"):
        load_settings(config, env={})
    config.write_text('[digest]\nschedule = "monthly 1 09:00"\n', encoding="utf-8")
    assert load_settings(config, env={}).digest.cadence == "monthly"
