"""The digest's activity chart, drawn with matplotlib (the Agg backend, no display).

Two panels share the period's days: messages above, active members below, each bar with
its value and each panel with its own labelled axis from zero, so neither number borrows
the other's scale. The chart carries its own opaque light background and dark text, so
it reads the same in a light or a dark chat theme, and its colours (Okabe–Ito blue and
green) stay apart for colour-blind readers. Each panel's legend sits above the panel,
outside the plotting area, so it never hides a tall bar. Every word on it (title, axis
and legend labels, the bars' day names) comes from the caller in the community's
language, and every number (bar values, axis ticks) is written in its locale ("12,840" /
"12 840"); this module only draws. Drawing is CPU work: the bot calls `activity_png`
through `bot.drawing`, in a process of its own. A `Figure` is used directly (never
`pyplot`'s global state), so threads never share one.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import formatting

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BACKGROUND = "#ffffff"
TEXT = "#1f2328"
GRID = "#d0d7de"
MESSAGES = "#0072b2"  # Okabe–Ito blue
MEMBERS = "#009e73"  # Okabe–Ito bluish green
WIDTH_IN, HEIGHT_IN, DPI = 9.0, 5.6, 120


@dataclass(frozen=True)
class ActivityChart:
    """What the chart shows, every word already in the community's language."""

    title: str
    labels: Sequence[str]  # one per bar, e.g. "Mon 5"
    messages: Sequence[int]
    members: Sequence[int]
    messages_label: str  # legend and axis of the upper panel
    members_label: str  # legend and axis of the lower panel
    axis_label: str  # under the bars, e.g. "Day"
    locale: str = "en"  # how the numbers on it are written


def activity_png(chart: ActivityChart) -> bytes:
    """The chart as PNG bytes."""
    out = io.BytesIO()
    activity_figure(chart).savefig(out, format="png", facecolor=BACKGROUND)
    return out.getvalue()


def activity_figure(chart: ActivityChart) -> Figure:
    """The chart as a matplotlib figure (what the PNG shows)."""
    # Imported on first drawing (once a week), so a process that never draws does not
    # carry matplotlib; a Figure with its own Agg canvas: no display, no pyplot state.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(
        figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor=BACKGROUND, layout="constrained"
    )
    FigureCanvasAgg(figure)
    upper, lower = figure.subplots(2, 1, sharex=True)
    positions = list(range(len(chart.labels)))
    for axes, values, colour, label in (
        (upper, chart.messages, MESSAGES, chart.messages_label),
        (lower, chart.members, MEMBERS, chart.members_label),
    ):
        _panel(axes, positions, list(values), colour, label, chart.locale)
    rotate = len(positions) > 10
    lower.set_xticks(positions, list(chart.labels), rotation=45 if rotate else 0)
    if rotate:
        for tick in lower.get_xticklabels():
            tick.set_horizontalalignment("right")
    lower.set_xlabel(chart.axis_label, color=TEXT)
    figure.suptitle(chart.title, color=TEXT, fontsize=13, fontweight="bold")
    figure.align_ylabels((upper, lower))
    return figure


def _panel(
    axes: Any, positions: list[int], values: list[int], colour: str, label: str, locale: str
) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    def written(value: float, _position: object = None) -> str:
        return formatting.number(locale, round(value))

    axes.set_facecolor(BACKGROUND)
    bars = axes.bar(positions, values, color=colour, width=0.7, label=label, zorder=2)
    if len(positions) <= 31:
        axes.bar_label(bars, labels=[written(v) for v in values], padding=2, color=TEXT, fontsize=8)
    top = max(values, default=0)
    axes.set_ylim(0, max(1, top) * 1.2)  # from zero, with room for the values on top
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    axes.yaxis.set_major_formatter(FuncFormatter(written))
    axes.set_ylabel(label, color=TEXT)
    axes.grid(axis="y", color=GRID, linewidth=0.8, zorder=0)
    axes.tick_params(colors=TEXT)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(GRID)
    # Above the panel's top-right corner, outside the bars' area: never over a bar.
    axes.legend(
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        borderaxespad=0.1,
        frameon=False,
        labelcolor=TEXT,
        fontsize=9,
    )
