"""The web page's charts as SVG, drawn by matplotlib (its SVG backend: no display, no
pyplot state): a closed poll's rounds as horizontal bars, and the dashboard's weekly
health lines.

Charts carry their own light background and dark text, so they read the same in the
page's light and dark themes, with Okabe–Ito colours that colour-blind readers tell
apart. Every word comes from the caller in the community's language. Drawing is CPU
work: the handlers call these through `asyncio.to_thread`.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot import i18n

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BACKGROUND = "#ffffff"
TEXT = "#1f2328"
GRID = "#d0d7de"
COLOURS = ("#0072b2", "#009e73", "#e69f00", "#cc79a7", "#56b4e9", "#d55e00")
OUT = "#b0b7c0"  # an option eliminated in this round


def _figure(width: float, height: float) -> Figure:
    # Imported when a chart is first drawn: a process that never draws does not load it.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=96, facecolor=BACKGROUND)


def _svg(figure: Figure) -> str:
    """The figure as an `<img>` source: a data URI, so that several charts on one page
    never share the ids matplotlib gives their clip paths (inline, they would)."""
    out = io.BytesIO()
    figure.savefig(out, format="svg", facecolor=BACKGROUND, bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _whole_numbers(axis, locale: str) -> None:  # type: ignore[no-untyped-def]
    """Ticks only at whole numbers (votes, members), written in the locale."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(lambda value, _pos: i18n.number(locale, round(value)))


def _style(axes, title: str) -> None:  # type: ignore[no-untyped-def]
    axes.set_title(title, color=TEXT, loc="left", fontsize=11)
    axes.tick_params(colors=TEXT, labelsize=9)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)


def rounds_svg(
    rounds: Sequence[tuple[str, Sequence[tuple[str, int]], Sequence[str]]], locale: str
) -> str:
    """One panel per round (title, (option, votes) pairs, options eliminated in it)."""
    count = max(1, len(rounds))
    options = max((len(votes) for _, votes, _ in rounds), default=1)
    figure = _figure(7.0, count * (0.45 * options + 0.9))
    for index, (title, votes, eliminated) in enumerate(rounds, start=1):
        axes = figure.add_subplot(count, 1, index)
        names = [name for name, _ in votes][::-1]
        values = [value for _, value in votes][::-1]
        colours = [OUT if n in eliminated else COLOURS[0] for n in names]
        bars = axes.barh(names, values, color=colours)
        axes.bar_label(
            bars, labels=[i18n.number(locale, v) for v in values], color=TEXT, padding=3
        )
        axes.set_xlim(0, max([*values, 1]) * 1.15)
        _whole_numbers(axes.xaxis, locale)
        _style(axes, title)
    figure.tight_layout()
    return _svg(figure)


def weekly_svg(
    title: str, weeks: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], locale: str
) -> str:
    """Lines over the weeks (labels on the x axis), one per (name, values), from zero."""
    figure = _figure(7.5, 3.2)
    axes = figure.add_subplot(1, 1, 1)
    for colour, (name, values) in zip(COLOURS, series, strict=False):
        axes.plot(weeks, values, marker="o", color=colour, label=name, linewidth=2)
    highest = max((max(values, default=0) for _, values in series), default=0)
    axes.set_ylim(0, max(1, highest) * 1.1)
    _whole_numbers(axes.yaxis, locale)
    axes.tick_params(axis="x", rotation=45)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    _style(axes, title)
    axes.grid(axis="x", visible=False)
    if len(series) > 1:
        # Beside the plot, never over a line.
        axes.legend(
            frameon=False, labelcolor=TEXT, fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1)
        )
    figure.tight_layout()
    return _svg(figure)
