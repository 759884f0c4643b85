"""Plain-text tables: per stack, the bare app and Tandem side by side, the targets, then the choice of stack.

Percentiles are nearest-rank over every measured request (no interpolation): p99 of 500 samples
is the 495th fastest. "queued" counts waitress's "Task queue depth" warnings (a request waited
for a server thread); "all done" is the median time from a burst's start to Tandem's last
``response_url`` confirmation, i.e. how long the background work of 50 commands takes.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from tests.bench.run import Run
from tests.bench.servers import Memory

RATIO_TARGET = 1.5
P99_TARGET = 0.300
MIB = 1024 * 1024
_COLUMNS = (
    ("app", 7),
    ("start-up", 9),
    ("idle RSS", 9),
    ("idle USS", 9),
    ("RSS after", 10),
    ("p50", 8),
    ("p95", 8),
    ("p99", 8),
    ("max", 8),
    ("acks", 5),
    ("queued", 6),
    ("all done", 9),
)


@dataclass(frozen=True)
class Latency:
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency | None:
        if not seconds:
            return None
        ordered = sorted(seconds)
        return cls(percentile(ordered, 50), percentile(ordered, 95), percentile(ordered, 99), ordered[-1])


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty sequence."""
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}ms"


def _mib(memory: Memory | None, attribute: str) -> str:
    return "-" if memory is None else f"{getattr(memory, attribute) / MIB:.1f}M"


def _row(cells: Sequence[str]) -> str:
    return "  ".join(
        cell.rjust(width) if i else cell.ljust(width)
        for i, (cell, (_, width)) in enumerate(zip(cells, _COLUMNS, strict=True))
    )


def _run_row(run: Run) -> str:
    latency = Latency.of(run.seconds)
    startup = "-" if run.startup is None else f"{run.startup:.2f}s"
    timings = (
        ["-"] * 4
        if latency is None
        else [_ms(latency.p50), _ms(latency.p95), _ms(latency.p99), _ms(latency.max)]
    )
    return _row(
        [
            run.app,
            startup,
            _mib(run.idle, "rss"),
            _mib(run.idle, "uss"),
            _mib(run.after, "rss"),
            *timings,
            str(len(run.seconds)),
            str(run.queued_warnings),
            _ms(statistics.median(run.background)) if run.background else "-",
        ]
    )


def verdict(bare: Run, tandem: Run) -> list[str]:
    """The two targets for Tandem on one stack, each PASS or FAIL with its numbers."""
    ours, floor = Latency.of(tandem.seconds), Latency.of(bare.seconds)
    if ours is None or floor is None:
        return ["targets: not measured (see failures)"]
    ratio = ours.p99 / floor.p99
    return [
        f"Tandem p99 / bare p99 = {ours.p99 * 1000:.1f} / {floor.p99 * 1000:.1f} ms = {ratio:.2f}x "
        f"(target <= {RATIO_TARGET}x): {'PASS' if ratio <= RATIO_TARGET else 'FAIL'}",
        f"Tandem p99 = {ours.p99 * 1000:.1f} ms (target well under {P99_TARGET * 1000:.0f} ms): "
        f"{'PASS' if ours.p99 < P99_TARGET else 'FAIL'}",
    ]


def table(pairs: Sequence[tuple[Run, Run]]) -> str:
    """Every stack's bare and Tandem rows, its verdict, and any failures."""
    header = _row([name for name, _ in _COLUMNS])
    lines = [header, "-" * len(header)]
    for bare, tandem in pairs:
        lines.append(f"[{bare.stack}]")
        lines += [_run_row(bare), _run_row(tandem)]
        lines += [f"  {line}" for line in verdict(bare, tandem)]
        for run in (bare, tandem):
            if run.failed_requests:
                lines.append(
                    f"  FAILED ({run.app}): {run.failed_requests} commands not answered with an empty 200"
                )
            lines += [f"  FAILED ({run.app}): {failure}" for failure in run.failures]
        lines.append("")
    return "\n".join(lines)


def choice(pairs: Sequence[tuple[Run, Run]]) -> str:
    """Stacks ranked by Tandem's p99 (then p50), with each one's difference from the first listed."""
    measured = [(t.stack, lat) for _, t in pairs if (lat := Latency.of(t.seconds)) is not None]
    if len(measured) < 2:
        return ""
    baseline_name, baseline = measured[0]
    ranked = sorted(measured, key=lambda item: (item[1].p99, item[1].p50))
    width = max(len(name) for name, _ in measured)
    lines = [f"Stacks by Tandem's p99 (difference from {baseline_name}):"]
    for name, latency in ranked:
        change = (latency.p99 - baseline.p99) / baseline.p99 * 100
        lines.append(
            f"  {name:<{width}}  p99 {latency.p99 * 1000:7.1f} ms ({change:+.0f}%)"
            f"   p50 {latency.p50 * 1000:6.1f} ms"
        )
    return "\n".join(lines)
