"""The digest chart: a titled, labelled picture whose two numbers never share a hidden scale,
drawn from the digest's own numbers in the community's words."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from matplotlib.image import imread
from transcript import Transcript

from adapters.console.session import ConsoleSession
from bot.actions import Image, PostToChannel
from bot.charts import ActivityChart, activity_figure, activity_png
from bot.config import CommunityDefaults, Settings
from bot.core import Cercle

WEEK = ActivityChart(
    title="Community activity, 5–11 January 2026",
    labels=["Mon 5", "Tue 6", "Wed 7", "Thu 8", "Fri 9", "Sat 10", "Sun 11"],
    messages=[53, 51, 82, 59, 73, 72, 72],
    members=[32, 30, 30, 34, 36, 32, 39],
    messages_label="Messages",
    members_label="Active members",
    axis_label="Day",
)


def test_the_chart_has_a_title_labelled_axes_legends_and_day_names() -> None:
    figure = activity_figure(WEEK)
    upper, lower = figure.axes
    assert figure.get_suptitle() == WEEK.title
    assert upper.get_ylabel() == "Messages" and lower.get_ylabel() == "Active members"
    assert lower.get_xlabel() == "Day"
    assert [t.get_text() for t in upper.get_legend().get_texts()] == ["Messages"]
    assert [t.get_text() for t in lower.get_legend().get_texts()] == ["Active members"]
    assert [t.get_text() for t in lower.get_xticklabels()] == list(WEEK.labels)


def test_each_number_has_its_own_axis_from_zero_and_bars_at_their_true_height() -> None:
    upper, lower = activity_figure(WEEK).axes
    assert upper.get_ylim()[0] == 0 and lower.get_ylim()[0] == 0
    # 39 members never stand above 72 messages on a shared, unlabelled scale: each panel's
    # bars are their own values against their own ticks.
    assert [round(b.get_height()) for b in upper.patches] == list(WEEK.messages)
    assert [round(b.get_height()) for b in lower.patches] == list(WEEK.members)
    assert max(upper.get_yticks()) >= 75 and max(lower.get_yticks()) >= 39
    # Every bar carries its value, so the reader needs no scale at all.
    shown = [t.get_text() for t in upper.texts + lower.texts]
    assert "82" in shown and "39" in shown


def test_no_legend_hides_a_bar_even_when_the_first_bars_are_the_tallest() -> None:
    # The first weeks of a catch-up are often its busiest: a legend in the panel's corner
    # stood over their values.
    chart = replace(WEEK, messages=[130, 120, 9, 9, 9, 9, 9], members=[30, 20, 1, 1, 1, 1, 1])
    figure = activity_figure(chart)
    renderer = figure.canvas.get_renderer()
    figure.draw(renderer)
    for axes in figure.axes:
        legend = axes.get_legend().get_window_extent(renderer)
        covered = [
            artist
            for artist in [*axes.patches, *axes.texts]
            if artist.get_window_extent(renderer).overlaps(legend)
        ]
        assert covered == []
        assert legend.y0 >= axes.get_window_extent(renderer).y1 - 1  # above the bars' area


def test_numbers_on_the_chart_are_written_in_the_community_locale() -> None:
    busy = replace(WEEK, messages=[12840, 15311, 14002, 13977, 16210, 8030, 7212])
    upper_en = activity_figure(busy).axes[0]
    upper_fr = activity_figure(replace(busy, locale="fr")).axes[0]
    assert "12,840" in [t.get_text() for t in upper_en.texts]
    assert "12\u202f840" in [t.get_text() for t in upper_fr.texts]  # French narrow space
    ticks = upper_fr.yaxis.get_major_formatter()
    assert ticks(10000, 0) == "10\u202f000" and ticks(0, 0) == "0"


def test_the_png_is_opaque_so_it_reads_in_dark_and_light_themes() -> None:
    pixels = imread(io.BytesIO(activity_png(WEEK)), format="png")
    height, width = pixels.shape[:2]
    assert width >= 800 and height >= 450
    if pixels.shape[2] == 4:
        assert pixels[..., 3].min() == 1.0  # no transparent pixel shows the chat's theme
    assert pixels[0, 0, :3].tolist() == [1.0, 1.0, 1.0]  # its own light background


@pytest.mark.parametrize(
    ("locale", "title", "axis"),
    [
        ("en", "Community activity, 5–11 January 2026", "Day"),
        ("fr", "Activité de la communauté, 5–11 janvier 2026", "Jour"),
    ],
)
async def test_the_digest_draws_its_own_numbers_in_the_community_language(
    core: Cercle, locale: str, title: str, axis: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[ActivityChart] = []
    from bot.features.digests import cards

    what_to_draw = cards.activity_chart

    def spy(*args: Any) -> ActivityChart:
        drawn.append(what_to_draw(*args))
        return drawn[-1]

    # What is drawn (the drawing itself is done in a process of its own).
    monkeypatch.setattr(cards, "activity_chart", spy)
    core.settings = Settings(defaults=CommunityDefaults(locale=locale))
    session = ConsoleSession(core, "charted")
    await session.start(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    posted: list[Image] = []
    session.on_action = lambda a: (
        posted.append(a.card.image)
        if isinstance(a, PostToChannel) and a.card and a.card.image
        else None
    )
    await Transcript(session).play(
        "alice: hello\nbob: hi\ncarol reacts 1 :+1:\nafter 1d\nalice: again\nafter 6d"
    )
    assert len(drawn) == 1 and len(posted) == 1
    chart = drawn[0]
    assert chart.title == title and chart.axis_label == axis and chart.locale == locale
    assert list(chart.messages) == [2, 1, 0, 0, 0, 0, 0]
    assert list(chart.members) == [3, 1, 0, 0, 0, 0, 0]
    assert posted[0].png.startswith(b"\x89PNG")


def test_drawing_the_chart_stays_within_its_memory_budget() -> None:
    # Drawn in a fresh process that holds the core, as the bot's first digest is: the peak
    # it adds (matplotlib's import included) is what `make bench` checks.
    from benchmarks.chart import CHART_MEMORY_MIB, measure

    run = measure(WEEK)
    assert run.bars == 7 and run.png_kib > 1
    assert 0 < run.added_mib <= CHART_MEMORY_MIB
