"""The snapshot's chart: a PNG of a sane size, the same bytes for the same snapshot, nothing when
there is nothing to draw, and matplotlib's shared settings left as they were."""

from __future__ import annotations

from dataclasses import replace

import matplotlib

from bot.metric_chart import WIDTH_PX, snapshot_chart
from bot.metrics import METRICS_MAX, MetricFigures, Rollup, Unit
from tests.test_blocks_metrics import a_metric, a_snapshot, figures_of, the_usual_snapshot, worst_snapshot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def size_of(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG's header chunk (IHDR comes first, right after the signature)."""
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_the_chart_is_a_png_1200_pixels_wide() -> None:
    png = snapshot_chart(the_usual_snapshot())

    assert png is not None
    width, height = size_of(png)
    assert width == WIDTH_PX
    assert 250 <= height <= 500  # one row of three panels
    assert len(png) < 1_000_000


def test_the_same_snapshot_gives_the_same_bytes() -> None:
    assert snapshot_chart(the_usual_snapshot()) == snapshot_chart(the_usual_snapshot())


def test_nothing_to_draw_gives_no_chart() -> None:
    empty = a_snapshot(
        figures_of(a_metric(), with_values=False), figures_of(a_metric("mql"), with_values=False)
    )

    assert snapshot_chart(empty) is None
    assert snapshot_chart(a_snapshot()) is None


def test_a_metric_without_values_beside_one_with_them_is_still_charted() -> None:
    snapshot = a_snapshot(figures_of(a_metric(), with_values=False), figures_of(a_metric("mql", position=1)))
    png = snapshot_chart(snapshot)
    assert png is not None
    assert size_of(png)[0] == WIDTH_PX


def test_past_twelve_metrics_the_chart_keeps_twelve_panels_and_a_note() -> None:
    twelve = snapshot_chart(worst_snapshot(12))
    forty = snapshot_chart(worst_snapshot(METRICS_MAX))

    assert twelve is not None
    assert forty is not None
    width, height = size_of(forty)
    assert width == WIDTH_PX
    assert height < 1500  # four rows of panels, not fourteen
    assert height > size_of(twelve)[1]  # the same panels, and a line saying "+28 more metrics"


def test_amounts_and_labels_with_dollar_signs_are_drawn_as_written() -> None:
    # Two "$" would otherwise start matplotlib's formula syntax, and a stray one break it.
    dollars = a_metric("arr", "ARR $ (US$) $x^2$", unit=Unit.CURRENCY, currency="USD", rollup=Rollup.LATEST)
    png = snapshot_chart(a_snapshot(figures_of(dollars)))
    assert png is not None
    assert png[:8] == PNG_SIGNATURE


def test_gaps_negative_values_and_no_target_are_drawn() -> None:
    figures = figures_of(a_metric("net", "Net new", rollup=Rollup.AVERAGE))
    falling: MetricFigures = replace(
        figures,
        series=tuple((day, None if n % 3 == 0 else -5.0 * n) for n, (day, _) in enumerate(figures.series)),
        daily_target=None,
    )
    png = snapshot_chart(a_snapshot(falling))
    assert png is not None
    assert png[:8] == PNG_SIGNATURE


def test_drawing_leaves_matplotlibs_shared_settings_alone() -> None:
    before = dict(matplotlib.rcParams)
    backend = matplotlib.get_backend()

    snapshot_chart(the_usual_snapshot())

    assert dict(matplotlib.rcParams) == before
    assert matplotlib.get_backend() == backend
