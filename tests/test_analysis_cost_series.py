"""Cost over time for the chart: buckets as the report has them, stacks, zoom ranges, CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import numpy as np
import pytest

from desktop.analysis.cost_series import (
    MAX_BUCKETS,
    OTHER,
    choose_unit,
    compute_range,
    cost_series,
    needs_recompute,
    snap_to_edges,
)
from desktop.commands.report import build_report
from desktop.store.dataset import Filters
from desktop.timeutil import resolve_zone
from tests.charts_data import (  # noqa: F401 - fixtures
    BERLIN,
    BERLIN_DAYS,
    UTC_DAYS,
    demo_dataset,
    small_dataset,
)

ZONE = resolve_zone(BERLIN)
UTC = resolve_zone("UTC")


@pytest.mark.parametrize(("zone", "days"), [(ZONE, BERLIN_DAYS), (UTC, UTC_DAYS)])
def test_day_buckets_in_the_chosen_zone_with_empty_days(small_dataset, zone, days) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    series = cost_series(small_dataset, mask, zone, stack_by=("tenant",), unit="day")
    got = {
        label: (round(float(series.cost[i]), 6), int(series.calls[i]), int(series.unpriced[i]))
        for i, label in enumerate(series.labels)
    }
    assert got == days
    if zone is ZONE:
        widths = np.diff(series.edges) / 3600
        assert widths[series.labels.index("2026-03-29")] == 23


def test_buckets_agree_with_the_report(demo_dataset) -> None:  # noqa: F811
    for unit in ("day", "week"):
        report = build_report(demo_dataset, Filters(), ZONE, "computed", [], unit)
        mask = demo_dataset.mask(Filters())
        series = cost_series(
            demo_dataset, mask, ZONE, "computed", ("provider", "model"), unit, sums=True
        )
        rows = list(csv.DictReader(io.StringIO(series.csv_text())))
        assert len(rows) == len(report["buckets"])
        for ours, theirs in zip(rows, report["buckets"], strict=True):
            assert ours["bucket"] == theirs["label"]
            assert ours["bucket_start"] == theirs["start"]
            assert int(ours["calls"]) == theirs["calls"]
            assert float(ours["cost_usd"]) == theirs["cost_usd"]
            assert int(ours["unpriced_calls"]) == theirs["unpriced_calls"]
            assert int(ours["cache_read_tokens"]) == theirs["cache_read_tokens"]


def test_a_time_range_buckets_like_the_report(demo_dataset) -> None:  # noqa: F811
    since = datetime(2026, 6, 3, tzinfo=ZONE).timestamp()
    until = datetime(2026, 6, 10, tzinfo=ZONE).timestamp()
    filters = Filters(since=since, until=until)
    report = build_report(demo_dataset, filters, ZONE, "computed", [], "day")
    mask = demo_dataset.mask(filters, ZONE)
    series = cost_series(
        demo_dataset, mask, ZONE, "computed", ("provider",), "day", since, until - 1e-6
    )
    assert series.labels == [b["label"] for b in report["buckets"]]
    assert [round(float(c), 10) for c in series.cost] == [b["cost_usd"] for b in report["buckets"]]
    assert len(series) == 7


def test_stacks_add_up_to_the_bucket_cost(demo_dataset) -> None:  # noqa: F811
    mask = demo_dataset.mask(Filters())
    series = cost_series(demo_dataset, mask, ZONE, stack_by=("model",), unit="day", top=3)
    assert [s.name for s in series.series][-1] == OTHER
    assert series.series[-1].key is None
    assert len(series.series) == 4
    bottom, height = series.stacks()[-1]
    np.testing.assert_allclose(bottom + height, series.cost, rtol=1e-9, atol=1e-12)
    total = sum(s.values for s in series.series)
    np.testing.assert_allclose(total, series.cost, rtol=1e-9, atol=1e-12)


def test_no_other_series_when_all_groups_fit(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    series = cost_series(small_dataset, mask, ZONE, stack_by=("tenant",), unit="day")
    assert [s.name for s in series.series] == ["acme", "globex", "(none)", "=cmd"]


def test_hover_facts(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    series = cost_series(small_dataset, mask, ZONE, stack_by=("tenant",), unit="day")
    i = series.labels.index("2026-03-30")
    facts = series.hover(i)
    assert facts.title == "2026-03-30 (day)"
    assert facts.rows == [("globex", "$1.20")]
    assert facts.total == "$1.20" and facts.calls == "2" and facts.unpriced == 1
    x = float(series.edges[i]) + 3600
    assert series.bucket_at(x) == i
    assert series.bucket_at(float(series.edges[-1]) + 1) is None
    empty = series.hover(series.labels.index("2026-03-31"))
    assert empty.rows == [] and empty.total == "$0.00"


def test_auto_unit_follows_the_span(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    assert cost_series(small_dataset, mask, ZONE).unit == "day"
    assert choose_unit(3600 * 30, None) == "hour"
    assert choose_unit(86400 * 400, None) == "week"
    assert choose_unit(86400 * 4000, None) == "month"
    assert choose_unit(86400 * 4000, "day") == "day"
    one_day = cost_series(small_dataset, mask, ZONE, start=1774692000.0, end=1774692000.0 + 86400)
    assert one_day.unit == "hour" and one_day.auto


def test_zoom_recompute_decisions(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    series = cost_series(small_dataset, mask, ZONE, stack_by=("tenant",))
    assert not needs_recompute(series, series.start, series.end, None)
    assert needs_recompute(series, series.start, series.start + 86400, None)  # hours now
    assert not needs_recompute(series, series.start, series.end, "day")
    assert needs_recompute(series, series.start, series.end, "hour")
    lo, hi = compute_range(series.start + 86400, series.start + 2 * 86400, *_data(series), "hour")
    assert lo == series.data_start and hi == series.start + 3 * 86400


def test_compute_range_is_bounded() -> None:
    lo, hi = compute_range(0, 3600 * MAX_BUCKETS * 2, 0, 3600 * MAX_BUCKETS * 10, "hour")
    assert (lo, hi) == (0, 3600 * MAX_BUCKETS * 2)


def test_snap_to_whole_buckets() -> None:
    start = datetime(2026, 3, 29, tzinfo=ZONE).timestamp()
    lo, hi = snap_to_edges(start + 3600 * 5, start + 86400 + 60, "day", ZONE)
    assert lo == start
    assert hi == datetime(2026, 3, 31, tzinfo=ZONE).timestamp()
    lo, hi = snap_to_edges(start + 10, start + 23 * 3600, "day", ZONE)  # ends on a day start
    assert (lo, hi) == (start, start + 23 * 3600)


def test_empty_selection(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters(search="no such thing"))
    series = cost_series(small_dataset, mask, ZONE, stack_by=("tenant",))
    assert series.empty and len(series) == 0 and series.visible_max(0, 1) == 0.0


def test_csv_has_a_column_per_series(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    series = cost_series(small_dataset, mask, ZONE, stack_by=("tenant",), unit="day", sums=True)
    rows = list(csv.reader(io.StringIO(series.csv_text())))
    with pytest.raises(ValueError, match="without token sums"):
        cost_series(small_dataset, mask, ZONE, stack_by=("tenant",)).csv_text()
    assert rows[0][-4:] == [
        "cost_usd: acme",
        "cost_usd: globex",
        "cost_usd: (none)",
        "cost_usd: =cmd",
    ]
    assert rows[0][0] == "bucket_start" and len(rows) == 1 + len(series)


def _data(series):  # type: ignore[no-untyped-def]
    return series.data_start, series.data_end
