"""The weekly digest on time and exactly once: in the community's time zone (across a DST
change), after a restart, after downtime, after a crash between claiming and posting, and
with two processes on one database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from transcript import Transcript

from adapters.console.session import ConsoleSession
from bot.actions import PostToChannel
from bot.clock import ManualClock
from bot.config import Settings
from bot.config_sections import CommunityDefaults, DigestSettings
from bot.core import Cercle
from storage.db import Database

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


def digest_posts(pairs: list) -> list[PostToChannel]:
    return [
        a for _, a in pairs if isinstance(a, PostToChannel) and a.card and a.card.kind == "digest"
    ]


async def delivered(core: Cercle, pairs: list) -> list[PostToChannel]:
    """The digests among `pairs`, reported as posted the way an adapter reports them."""
    posts = digest_posts(pairs)
    for number, post in enumerate(posts, start=100):
        assert post.card_ref is not None
        await core.card_posted("console", "test", post.card_ref, "general", str(number))
    return posts


async def console_at(core: Cercle, start: datetime = START) -> Transcript:
    session = ConsoleSession(core, "test")
    await session.start(start)
    return Transcript(session)


async def test_first_digest_is_due_the_monday_after_and_covers_the_week(
    console: Transcript, core: Cercle
) -> None:
    await console.play("alice: hello everyone, this is my first message")
    assert (
        await delivered(core, await core.run_due(START + timedelta(days=7) - timedelta(minutes=1)))
        == []
    )
    posts = await delivered(core, await core.run_due(START + timedelta(days=7)))
    assert len(posts) == 1
    assert posts[0].card.title == "📰 Community digest, 5–11 January 2026"
    assert posts[0].marker is not None and posts[0].card_ref == "digest:2026-01-05"
    # Nothing more until the next Monday, and then only the next week.
    assert await delivered(core, await core.run_due(START + timedelta(days=13))) == []
    posts = await delivered(core, await core.run_due(START + timedelta(days=14)))
    assert [p.card.title for p in posts] == ["📰 Community digest, 12–18 January 2026"]


async def test_schedule_fires_at_local_time_across_a_dst_change(database_url) -> None:
    settings = Settings(defaults=CommunityDefaults(timezone="Europe/Paris"))
    db = Database(database_url())
    start = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)  # Monday 09:00 in Paris (winter time)
    core = Cercle(db, settings, ManualClock(start))
    try:
        await console_at(core, start)
        # 23 March, still winter time: 09:00 in Paris is 08:00 UTC.
        assert (
            await delivered(core, await core.run_due(datetime(2026, 3, 23, 7, 59, tzinfo=UTC)))
            == []
        )
        assert (
            len(await delivered(core, await core.run_due(datetime(2026, 3, 23, 8, 0, tzinfo=UTC))))
            == 1
        )
        # Clocks go forward on 29 March: on 30 March 09:00 in Paris is 07:00 UTC.
        assert (
            await delivered(core, await core.run_due(datetime(2026, 3, 30, 6, 59, tzinfo=UTC)))
            == []
        )
        posts = await delivered(core, await core.run_due(datetime(2026, 3, 30, 7, 0, tzinfo=UTC)))
        assert [p.card.title for p in posts] == ["📰 Community digest, 23–29 March 2026"]
    finally:
        await db.dispose()


async def test_a_restart_mid_period_does_not_post_twice(
    console: Transcript, core: Cercle, db: Database, settings: Settings
) -> None:
    await console.play("alice: hello everyone, this is my first message")
    first = await core.run_due(START + timedelta(days=7))
    assert len(await delivered(core, first)) == 1
    # A new process on the same database, mid-week and at the same moment.
    restarted = Cercle(db, settings, ManualClock(START + timedelta(days=9)))
    assert await delivered(restarted, await restarted.run_due(START + timedelta(days=7))) == []
    assert await delivered(restarted, await restarted.run_due(START + timedelta(days=9))) == []
    posts = await delivered(restarted, await restarted.run_due(START + timedelta(days=14)))
    assert [p.card.title for p in posts] == ["📰 Community digest, 12–18 January 2026"]


async def test_a_missed_digest_is_posted_late_once_with_its_own_period(
    console: Transcript, core: Cercle
) -> None:
    await console.play("alice: hello everyone, this is my first message")
    # Down from Sunday to Wednesday: the Monday digest comes on Wednesday, once.
    posts = await delivered(core, await core.run_due(START + timedelta(days=9)))
    assert [p.card.title for p in posts] == ["📰 Community digest, 5–11 January 2026"]
    assert await delivered(core, await core.run_due(START + timedelta(days=9, hours=1))) == []


async def test_after_two_missed_weeks_one_digest_covers_both(
    console: Transcript, core: Cercle
) -> None:
    await console.play("alice: hello everyone, this is my first message")
    posts = await delivered(core, await core.run_due(START + timedelta(days=15)))
    assert [p.card.title for p in posts] == [
        "📰 Community digest, 5–18 January 2026 (catching up on missed weeks)"
    ]
    assert await delivered(core, await core.run_due(START + timedelta(days=16))) == []
    posts = await delivered(core, await core.run_due(START + timedelta(days=21)))
    assert [p.card.title for p in posts] == ["📰 Community digest, 19–25 January 2026"]


async def test_a_crash_before_posting_gives_a_late_post_and_never_two(
    console: Transcript, core: Cercle, db: Database, settings: Settings
) -> None:
    await console.play("alice: hello everyone, this is my first message")
    # The run is claimed, then the process dies before the post reaches the platform.
    assert len(digest_posts(await core.run_due(START + timedelta(days=7)))) == 1
    restarted = Cercle(db, settings, ManualClock(START + timedelta(days=7, minutes=10)))
    shown = await console_at(restarted, START + timedelta(days=7))
    lines = await shown.play("after 10m")
    assert sum("Community digest, 5–11 January 2026" in line for line in lines) == 1
    # The post was reported: later checks send nothing more.
    lines = await shown.play("after 1h")
    assert not any("Community digest" in line for line in lines)


async def test_a_crash_after_posting_never_posts_twice(
    console: Transcript, core: Cercle, db: Database
) -> None:
    await console.play("alice: hello everyone, this is my first message")
    lines = await console.play("after 7d")
    assert sum("Community digest, 5–11 January 2026" in line for line in lines) == 1
    # The post happened but its report was lost (the process died right after posting).
    async with db.transaction() as session:
        from sqlalchemy import delete

        from storage.models import PostedCard

        await session.execute(delete(PostedCard).where(PostedCard.card_ref.like("digest:%")))
    lines = await console.play("after 10m")
    # Sent again with the same marker: the console finds it in its history and skips it.
    assert not any("Community digest" in line for line in lines)


async def test_two_processes_post_a_period_once(
    console: Transcript, db: Database, settings: Settings, database_url
) -> None:
    await console.play("alice: hello everyone, this is my first message")
    other = Database(db.url)
    try:
        when = START + timedelta(days=7)
        one = Cercle(db, settings, ManualClock(when))
        two = Cercle(other, settings, ManualClock(when))
        results = await asyncio.gather(one.run_due(when), two.run_due(when))
        assert len(await delivered(one, [pair for r in results for pair in r])) == 1
        again = await asyncio.gather(one.run_due(when), two.run_due(when + timedelta(hours=1)))
        assert sum(len(digest_posts(r)) for r in again) == 0
    finally:
        await other.dispose()


async def test_a_week_without_activity_gives_a_short_friendly_digest(
    console: Transcript,
) -> None:
    lines = await console.play("after 7d")
    text = "\n".join(lines)
    assert "Community digest, 5–11 January 2026" in text
    # Nobody is there yet: one honest line, not "our 0 members".
    assert "A quiet start: nobody has posted, reacted or voted yet." in text
    assert "0 members" not in text
    assert "Top contributors" not in text
    lines = await console.play("dave joins\nerin joins\nafter 7d")
    text = "\n".join(lines)
    # Members joined, nobody acted: the health numbers, and nobody thanked for taking part.
    assert "Nobody posted, reacted or voted in this period." in text
    assert "New members: 2" in text
    assert "took part" not in text
    text = "\n".join(await console.play("after 7d"))
    assert "A quiet week: nobody posted, reacted or voted. Our 2 members are still here" in text
    assert "took part" not in text


async def test_moderators_move_the_schedule_at_runtime_and_see_it_in_the_config(
    console: Transcript,
) -> None:
    lines = await console.play(
        """
        nora is moderator
        nora: /admin digest schedule fri 17:30 channel=#news
        nora: /admin config
        """
    )
    text = "\n".join(lines)
    assert "digest schedule: fri 17:30 (UTC) (set by a moderator)" in text
    assert "digest channel (console): #news (set by a moderator)" in text
    assert "next digest: 9 January 2026, 17:30 UTC" in text
    lines = await console.play("after 4d8h30m")
    # The community began on Monday the 5th: its first digest starts there.
    assert any("#news Cercle: 📰 Community digest, 5–8 January 2026" in line for line in lines)


async def test_digest_now_counts_once_the_period_has_ended(console: Transcript) -> None:
    lines = await console.play(
        """
        nora is moderator
        alice: hello everyone, this is my first message
        nora: /admin digest now
        """
    )
    text = "\n".join(lines)
    # The period began today: no whole day to tell yet, and nothing is posted.
    assert "No whole day to report yet" in text
    assert "Community digest" not in text
    lines = await console.play(
        """
        after 2d
        bob: good morning
        nora: /admin digest now
        nora: /admin digest now
        nora: /admin digest now
        """
    )
    text = "\n".join(lines)
    # Mid-period: the days so far are posted once, with a real title, publicly.
    assert text.count("#general Cercle: 📰 Community digest, 5–6 January 2026") == 1
    assert "Digest preview" not in text
    assert "The next period starts today; its digest is due 12 January 2026 09:00." in text
    assert text.count("No whole day to report yet") == 2
    # The scheduled digest tells the rest of the week, from today on (bob's message).
    lines = await console.play("after 5d")
    titles = [line for line in lines if "Community digest" in line]
    assert len(titles) == 1 and "7–11 January 2026" in titles[0]
    shown = [row.strip() for line in lines for row in line.splitlines()]
    assert any(row.endswith("Messages: 1") for row in shown)
    # The week before (2–6 January) holds only the community's first two days: no
    # comparison with it.
    assert any("the community began on 5 January 2026" in line for line in lines)
    lines = await console.play(
        """
        after 6d23h
        nora: /admin digest now
        nora: /admin digest now
        """
    )
    text = "\n".join(lines)
    assert text.count("Community digest, 12–18 January 2026") == 1
    assert "was already posted here" in text
    lines = await console.play("after 9h")  # the scheduled time: already posted here
    assert not any("Community digest" in line for line in lines)


async def test_preview_is_only_for_the_caller_and_members_cannot_run_it(
    console: Transcript,
) -> None:
    lines = await console.play(
        """
        nora is moderator
        alice: hello everyone, this is my first message
        nora: /admin digest preview
        alice: /admin digest preview
        """
    )
    text = "\n".join(lines)
    assert "(only you) 📰 Digest preview, 5 January 2026 so far" in text
    assert "Regulars who went quiet" in text
    assert "No regular has gone quiet" in text
    assert "A friendly word" not in text  # nobody to bring back: no advice
    assert "only for moderators" in text or "moderators" in lines[-1]


def test_digest_settings_accept_per_platform_channels() -> None:
    digest = DigestSettings(channel="#news", discord_channel="digest")
    assert digest.channel == "#news" and digest.channels == {"discord": "digest"}


async def test_a_catch_up_after_years_is_one_bounded_digest(console: Transcript) -> None:
    lines = await console.play(
        """
        alice: hello everyone
        bob: hi alice
        after 10000d
        """
    )
    titles = [line for line in lines if "Community digest" in line]
    assert len(titles) == 1
    assert "5 January 2026 – " in titles[0] and "catching up on missed weeks" in titles[0]
    chart = next(line for line in lines if "[image]" in line)
    # At most 31 bars, each a whole number of weeks; the first holds the week's messages.
    assert chart.count(";") < 31
    assert "Activity by weeks" in chart and ": 2, 2;" in chart
    assert len("\n".join(lines)) < 6000


async def test_members_who_left_or_joined_later_are_not_counted_as_present(
    console: Transcript,
) -> None:
    await console.play("dave joins\nerin joins\nfrank joins\nhelper is a bot\nhelper joins")
    await console.play("after 7d")
    # frank leaves during the second week; gina joins after it ended (Monday 01:00), before
    # it is posted at 09:00.
    await console.play("after 2d\nfrank leaves\nafter 4d\nafter 16h\ngina joins")
    text = "\n".join(await console.play("after 8h"))
    assert "A quiet week: nobody posted, reacted or voted. Our 2 members are still here" in text
