"""The snapshot's chart: a PNG with one small panel per metric, its last 30 days against a dashed
target line. Drawn on a Figure of its own with the Agg renderer (never pyplot, whose global state
other code shares), with fixed sizes and no timestamp, so the same snapshot gives the same bytes."""

from __future__ import annotations

import math
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.metric_format import CHART_PANELS, format_compact
from bot.metrics import MetricFigures, Rollup, Snapshot

WIDTH_PX = 1200
DPI = 100
COLUMNS = 3
PANEL_HEIGHT = 2.3  # inches a row of panels takes
TITLE_HEIGHT = 0.7
NOTE_HEIGHT = 0.45
BAR_POINTS = 6.0  # a day's bar, about three quarters of a day's width in a panel
LABEL_MAX = 36  # a panel's title, within its width
_VALUE_COLOUR = "#2f6f9f"
_TARGET_COLOUR = "#d0822e"
_QUIET = "#7a7a7a"


def snapshot_chart(snapshot: Snapshot) -> bytes | None:
    """The chart as PNG bytes (1,200 px wide), at most CHART_PANELS panels with a "+N more metrics"
    note under them; None when no metric has a value in its series (nothing to draw)."""
    if not any(value is not None for figures in snapshot.figures for _, value in figures.series):
        return None
    charted = snapshot.figures[:CHART_PANELS]
    more = len(snapshot.figures) - len(charted)
    columns = min(COLUMNS, len(charted))
    rows = math.ceil(len(charted) / columns)
    note = NOTE_HEIGHT if more else 0.0
    height = TITLE_HEIGHT + rows * PANEL_HEIGHT + note + 0.2
    figure = Figure(figsize=(WIDTH_PX / DPI, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    figure.text(
        0.01,
        1 - 0.3 / height,
        f"Shared metrics · the last {max(len(f.series) for f in charted)} days through "
        f"{snapshot.through:%a, %b} {snapshot.through.day}",
        fontsize=13,
        fontweight="bold",
        va="center",
        parse_math=False,
    )
    grid = figure.add_gridspec(
        rows,
        columns,
        left=0.07,
        right=0.98,
        top=1 - TITLE_HEIGHT / height,
        bottom=(note + 0.45) / height,
        hspace=0.65,
        wspace=0.28,
    )
    for index, figures in enumerate(charted):
        _panel(figure.add_subplot(grid[index // columns, index % columns]), figures)
    if more:
        figure.text(
            0.01,
            0.25 / height,
            f"+{more} more metrics: /metric <name> shows each one.",
            fontsize=10,
            color=_QUIET,
            va="center",
            parse_math=False,
        )
    buffer = BytesIO()
    # No "Software" entry: the PNG then holds nothing that varies between runs or versions.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _panel(axes: Axes, figures: MetricFigures) -> None:
    """One metric: bars for daily amounts that add up (sum), a line for the others; a missing or
    unavailable day is a gap, never a zero."""
    metric = figures.metric
    label = metric.label if len(metric.label) <= LABEL_MAX else metric.label[: LABEL_MAX - 1] + "…"
    axes.set_title(label, loc="left", fontsize=10, fontweight="bold", parse_math=False)
    days = [day for day, _ in figures.series]
    known = [(index, value) for index, (_, value) in enumerate(figures.series) if value is not None]
    if metric.rollup is Rollup.SUM:
        # Bars as one collection of thick lines: a patch per bar takes ten times as long to draw.
        axes.vlines(
            [i for i, _ in known], 0, [v for _, v in known], color=_VALUE_COLOUR, linewidth=BAR_POINTS
        )
    else:
        values = [math.nan if value is None else value for _, value in figures.series]
        axes.plot(range(len(values)), values, color=_VALUE_COLOUR, linewidth=1.6, marker="o", markersize=2.5)
    if figures.daily_target is not None:
        axes.axhline(figures.daily_target, color=_TARGET_COLOUR, linestyle="--", linewidth=1.2)
        per_day = "/day" if metric.rollup is Rollup.SUM else ""
        # Named at the line's right end (x in the panel's width, y a value), clear of the title.
        axes.text(
            0.99,
            figures.daily_target,
            f"target {_inert(format_compact(figures.daily_target, metric))}{per_day}",
            transform=axes.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize=8,
            color=_TARGET_COLOUR,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85},
        )
    if not known:
        axes.text(
            0.5,
            0.5,
            "no values",
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            color=_QUIET,
        )
    if all(value >= 0 for _, value in known) and (figures.daily_target or 0) >= 0:
        axes.set_ylim(bottom=0)
    axes.set_xlim(-0.7, max(len(days), 1) - 0.3)
    if days:
        ticks = sorted({0, len(days) // 2, len(days) - 1})
        axes.set_xticks(ticks, [f"{days[i]:%b} {days[i].day}" for i in ticks])
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: _inert(format_compact(value, metric))))
    axes.tick_params(labelsize=8, colors="#444444")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _inert(text: str) -> str:
    """A tick label as written: "$1.2M" is an amount, not the start of a formula."""
    return text.replace("$", r"\$")
