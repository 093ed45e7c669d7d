"""Cost over time as a stacked chart needs it: buckets, series, hover facts, CSV.

The numbers come from :meth:`Dataset.buckets`, so every bucket's calls, cost
and unpriced count are those of ``spendtrail report --bucket``. This module
adds what a chart needs on top: the bucket size chosen from the visible span,
the range to compute when the chart is zoomed, cumulative stacks, the values
under the mouse and the chart's data as CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

import numpy as np

from desktop.analysis.keys import key_text
from desktop.commands.report import safe_cell
from desktop.numbers import money, money_total, tokens
from desktop.record import TOKEN_FIELDS
from desktop.store.dataset import Dataset
from desktop.timeutil import BUCKETS, auto_bucket, bucket_edges, iso_utc

OTHER = "Other"
UNIT_SECONDS = {"hour": 3600.0, "day": 86400.0, "week": 7 * 86400.0, "month": 30.44 * 86400.0}
MAX_BUCKETS = 20_000  # beyond this many bars only the visible range is computed
TOP_SERIES = 8


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    key: tuple[Any, ...] | None  # None: the calls outside the top groups
    values: np.ndarray  # cost per bucket


@dataclass(frozen=True, slots=True)
class HoverFacts:
    """What the chart shows for the bucket under the mouse."""

    title: str
    rows: list[tuple[str, str]]  # series name, cost (only series with calls)
    series_index: list[int]  # the series of each row (for its colour)
    total: str
    calls: str
    unpriced: int


@dataclass
class CostSeries:
    unit: str
    auto: bool  # the unit was chosen from the span, not by the user
    edges: np.ndarray  # UTC epoch seconds, len = buckets + 1
    labels: list[str]
    calls: np.ndarray
    cost: np.ndarray
    unpriced: np.ndarray
    sums: dict[str, np.ndarray]
    series: list[Series] = field(default_factory=list)
    stack_by: tuple[str, ...] = ()
    data_start: float | None = None  # first and last call of the selection
    data_end: float | None = None

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def empty(self) -> bool:
        return self.data_start is None

    @property
    def start(self) -> float:
        return float(self.edges[0]) if len(self.edges) else 0.0

    @property
    def end(self) -> float:
        return float(self.edges[-1]) if len(self.edges) else 0.0

    def stacks(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(bottom, height) of each series, stacked in order (biggest group at the bottom)."""
        out = []
        bottom = np.zeros(len(self), dtype=np.float64)
        for s in self.series:
            out.append((bottom.copy(), s.values))
            bottom = bottom + s.values
        return out

    def bucket_at(self, x: float) -> int | None:
        if not len(self) or x < self.edges[0] or x >= self.edges[-1]:
            return None
        return int(np.searchsorted(self.edges, x, side="right") - 1)

    def visible_max(self, x0: float, x1: float) -> float:
        """The tallest bar (total cost) among buckets overlapping ``[x0, x1]``."""
        if not len(self):
            return 0.0
        lo = max(int(np.searchsorted(self.edges, x0, side="right")) - 1, 0)
        hi = min(int(np.searchsorted(self.edges, x1, side="left")), len(self))
        if hi <= lo:
            return 0.0
        return float(self.cost[lo:hi].max())

    def hover(self, index: int) -> HoverFacts:
        rows: list[tuple[str, str]] = []
        which: list[int] = []
        for i, s in enumerate(self.series):
            value = float(s.values[index])
            if value:
                rows.append((s.name, money(value)))
                which.append(i)
        unpriced = int(self.unpriced[index])
        total = money_total(float(self.cost[index]))
        if unpriced and not self.calls[index] - unpriced:
            total = "unpriced"
        return HoverFacts(
            title=f"{self.labels[index]} ({self.unit})",
            rows=rows,
            series_index=which,
            total=total,
            calls=tokens(int(self.calls[index])),
            unpriced=unpriced,
        )

    def csv_text(self) -> str:
        """One row per bucket: totals as in ``spendtrail report --bucket``, then each series.

        Needs the token sums (computed with ``cost_series(..., sums=True)``).
        """
        if any(k not in self.sums for k in TOKEN_FIELDS):
            raise ValueError("the series was computed without token sums")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        series_names = [safe_cell(f"cost_usd: {s.name}") for s in self.series]
        writer.writerow(
            ["bucket_start", "bucket_end", "bucket", "calls", *TOKEN_FIELDS, "cost_usd"]
            + ["unpriced_calls", *series_names]
        )
        for i, label in enumerate(self.labels):
            writer.writerow(
                [
                    iso_utc(float(self.edges[i])),
                    iso_utc(float(self.edges[i + 1])),
                    label,
                    int(self.calls[i]),
                    *(int(self.sums[k][i]) for k in TOKEN_FIELDS),
                    round(float(self.cost[i]), 10),
                    int(self.unpriced[i]),
                    *(round(float(s.values[i]), 10) for s in self.series),
                ]
            )
        return out.getvalue()


def choose_unit(span_seconds: float, chosen: str | None) -> str:
    """The user's bucket size, else the one that gives a readable number of bars."""
    if chosen is not None:
        if chosen not in BUCKETS:
            raise ValueError(f"unknown bucket {chosen!r}")
        return chosen
    return auto_bucket(max(span_seconds, 0.0))


def needs_recompute(
    series: CostSeries | None, view_start: float, view_end: float, chosen: str | None
) -> bool:
    """Whether a zoomed or panned chart must be re-bucketed.

    True when the bucket size for the new span differs, or when the view shows
    time the computed buckets do not cover (while the selection has calls there).
    """
    if series is None or series.empty:
        return False
    if choose_unit(view_end - view_start, chosen) != series.unit:
        return True
    lo = max(view_start, series.data_start or view_start)
    hi = min(view_end, series.data_end or view_end)
    return lo < series.start or hi > series.end


def compute_range(
    view_start: float,
    view_end: float,
    data_start: float,
    data_end: float,
    unit: str,
) -> tuple[float, float]:
    """What to compute for a view: the visible span with one span of margin each side.

    The margin lets a short pan show bars at once; the range never leaves the
    selection's data and never holds more than :data:`MAX_BUCKETS` buckets.
    """
    span = max(view_end - view_start, UNIT_SECONDS[unit])
    start = max(view_start - span, data_start)
    end = min(view_end + span, data_end)
    if (end - start) / UNIT_SECONDS[unit] > MAX_BUCKETS:
        start, end = max(view_start, data_start), min(view_end, data_end)
    if end < start:
        start = end = min(max(view_start, data_start), data_end)
    return start, end


def cost_series(
    dataset: Dataset,
    mask: np.ndarray,
    zone: tzinfo,
    mode: str = "computed",
    stack_by: Sequence[str] = (),
    unit: str | None = None,
    start: float | None = None,
    end: float | None = None,
    top: int = TOP_SERIES,
    sums: bool = False,
) -> CostSeries:
    """Cost per bucket over ``[start, end]`` (default: the selection's first to last call).

    ``unit`` None chooses the bucket size from the span. The stacked series are
    the ``top`` groups of ``stack_by`` over the whole selection (so they do not
    change while the chart is zoomed), then "Other". Token sums (for the CSV)
    only with ``sums``: an interactive chart does not need them.
    """
    ts = dataset.frame.num("ts")[mask]
    if not len(ts):
        return _empty(unit or "day", unit is None, tuple(stack_by))
    data_start, data_end = float(ts.min()), float(ts.max())
    lo = data_start if start is None else start
    hi = data_end if end is None else end
    chosen = choose_unit(hi - lo, unit)
    if (hi - lo) / UNIT_SECONDS[chosen] > MAX_BUCKETS * 4:  # a silly request: narrow it
        lo = max(lo, hi - MAX_BUCKETS * UNIT_SECONDS[chosen])
    buckets = dataset.buckets(
        mask, chosen, zone, mode, lo, hi, stack_by=stack_by, top=top, sums=sums
    )
    series = []
    for i, (key, values) in enumerate(buckets.series):
        rest = bool(stack_by) and i == top
        series.append(Series(OTHER if rest else key_text(key), None if rest else key, values))
    if not stack_by:
        series.append(Series("Cost", (), buckets.cost))
    return CostSeries(
        unit=chosen,
        auto=unit is None,
        edges=buckets.edges,
        labels=buckets.labels,
        calls=buckets.calls,
        cost=buckets.cost,
        unpriced=buckets.unpriced,
        sums=buckets.sums,
        series=series,
        stack_by=tuple(stack_by),
        data_start=data_start,
        data_end=data_end,
    )


def _empty(unit: str, auto: bool, stack_by: tuple[str, ...]) -> CostSeries:
    zero = np.zeros(0)
    return CostSeries(
        unit=unit,
        auto=auto,
        edges=np.zeros(0),
        labels=[],
        calls=np.zeros(0, np.int64),
        cost=zero,
        unpriced=np.zeros(0, np.int64),
        sums={k: zero for k in TOKEN_FIELDS},
        stack_by=stack_by,
    )


def snap_to_edges(
    x0: float, x1: float, unit: str, zone: tzinfo, limit: tuple[float, float] | None = None
) -> tuple[float, float]:
    """A dragged time range widened to whole buckets (the bars it touches)."""
    lo, hi = min(x0, x1), max(x0, x1)
    if limit is not None:
        lo, hi = max(lo, limit[0]), min(hi, limit[1])
        if hi < lo:
            lo = hi = limit[0]
    edges = bucket_edges(lo, hi, unit, zone)
    end = float(edges[-1])
    if len(edges) > 2 and float(edges[-2]) >= hi:
        end = float(edges[-2])  # hi fell exactly on a bucket start: that bucket is not touched
    return float(edges[0]), end
