"""Dates and numbers read as the community's locale writes them (through Babel), and a
moment (a deadline, a schedule) is shown by each platform in the reader's own zone."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from adapters.discord.embeds import content, embed_for
from adapters.slack.blocks import message
from bot import formatting, i18n
from bot.actions import Card, CardField
from bot.text import member_text, render_moments, shorten

NNBSP = "\u202f"  # French groups digits with a narrow no-break space
DEADLINE = datetime(2026, 3, 23, 9, 5, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def test_dates_are_written_in_the_communitys_language() -> None:
    assert formatting.day("fr", date(2026, 3, 23)) == "23 mars 2026"
    assert formatting.day("en", date(2026, 3, 23)) == "23 March 2026"
    assert formatting.days("fr", date(2026, 1, 5), date(2026, 1, 11)) == "5–11 janvier 2026"
    assert (
        formatting.days("fr", date(2025, 12, 29), date(2026, 1, 4))
        == "29 décembre 2025 – 4 janvier 2026"
    )
    assert formatting.month("fr", date(2026, 3, 1)) == "mars 2026"


def test_numbers_use_the_locales_decimal_mark_grouping_and_percent_sign() -> None:
    assert formatting.decimal("fr", 0.8512) == "0,85"
    assert formatting.decimal("en", 0.8512) == "0.85"
    assert formatting.number("fr", 1234) == f"1{NNBSP}234"
    assert formatting.percent("fr", 0.72) == "72\u00a0%"
    assert formatting.percent("en", 1 / 8) == "13%"  # half up, like every count Cercle shows
    assert i18n.points("fr", 0) == "0 point"  # CLDR: French singular covers 0 and 1
    assert i18n.points("fr", 2_000_000) == f"2{NNBSP}000{NNBSP}000 points"  # "many" → other


def test_every_whole_number_reads_as_babel_writes_it() -> None:
    """Counts are grouped without Babel's general pattern (a leaderboard writes dozens):
    each one reads exactly as Babel writes it, in both languages, signs and floats too."""
    rng = random.Random(3)
    values = [
        0,
        1,
        -1,
        999,
        1000,
        -1000,
        10**12,
        *(rng.randint(-(10**9), 10**9) for _ in range(500)),
    ]
    for locale in ("en", "fr"):
        where = formatting.babel_locale(locale)
        for value in values:
            assert formatting.number(locale, value) == format_decimal(value, locale=where)
        assert formatting.number(locale, 1234.5) == format_decimal(1234.5, locale=where)


def test_a_moment_reads_in_the_community_zone_where_no_platform_renders_it() -> None:
    moment = formatting.moment("fr", DEADLINE, PARIS)
    text = i18n.t("fr", "poll.hidden", closes=moment)
    assert render_moments(text) == (
        "Les résultats restent cachés jusqu'à la clôture du sondage (23 mars 2026, 10:05 CET)."
    )


def test_member_text_cannot_forge_a_moment_and_cutting_never_splits_one() -> None:
    forged = "\ue0001\ue001x\ue002 hi"
    assert member_text(forged) == "1x hi"
    text = "Closes " + formatting.moment("en", DEADLINE, PARIS)
    cut = shorten(text, 20)
    assert cut == "Closes…"
    assert render_moments(cut) == cut


def test_discord_shows_a_deadline_as_its_own_timestamp_in_text_and_embed_values() -> None:
    epoch = int(DEADLINE.timestamp())
    moment = formatting.moment("en", DEADLINE, PARIS)
    assert content(f"Open until {moment}.") == f"Open until <t:{epoch}:f>."
    embed = embed_for(Card("poll", f"Poll until {moment}", fields=(CardField("Closes", moment),)))
    assert embed.fields[0].value == f"<t:{epoch}:f>"
    # Discord does not render timestamps in a title: the community-zone words stand there.
    assert embed.title == "Poll until 23 March 2026, 10:05 CET"


def test_slack_shows_a_deadline_as_date_markup_with_the_words_as_fallback() -> None:
    epoch = int(DEADLINE.timestamp())
    moment = formatting.moment("en", DEADLINE, PARIS)
    body = message(f"Open until {moment} <b>", Card("poll", f"Until {moment}"))
    assert body["text"] == (
        f"Open until <!date^{epoch}^{{date_short_pretty}} {{time}}|23 March 2026, 10:05 CET>"
        " &lt;b&gt;"
    )
    header = next(b for b in body["blocks"] if b["type"] == "header")
    assert header["text"]["text"] == "Until 23 March 2026, 10:05 CET"
