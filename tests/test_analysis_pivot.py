"""The nested pivot: levels agree with the report, stats per subset, sorting, export, drill-down."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from desktop.analysis.keys import key_filters, key_text, time_ranges, value_text
from desktop.analysis.pivot import build_pivot
from desktop.commands.report import build_report
from desktop.store.dataset import Filters
from desktop.timeutil import resolve_zone
from tests.charts_data import BERLIN, demo_dataset, small_dataset  # noqa: F401 - fixtures

ZONE = resolve_zone(BERLIN)


def test_levels_agree_with_the_report_row_for_row(demo_dataset) -> None:  # noqa: F811
    columns = ("tenant", "feature", "model")
    mask = demo_dataset.mask(Filters())
    pivot = build_pivot(demo_dataset, mask, columns, ZONE, "auto")
    for depth in range(len(columns)):
        by = list(columns[: depth + 1])
        report = build_report(demo_dataset, Filters(), ZONE, "auto", by, None)
        ours = [n.group.as_dict(by) for n in pivot.nodes if n.depth == depth]
        assert ours == report["groups"]
    assert pivot.totals.as_dict() == report["totals"]


def test_each_node_has_the_stats_of_its_own_subset(demo_dataset) -> None:  # noqa: F811
    mask = demo_dataset.mask(Filters())
    pivot = build_pivot(demo_dataset, mask, ("tenant", "model"), ZONE)
    tenant = pivot.root.children[0]
    sub = demo_dataset.mask(pivot.filters_for(tenant), ZONE)
    cost = demo_dataset.cost()[sub]
    cost = cost[~np.isnan(cost)]
    assert tenant.group.calls == int(sub.sum())
    assert tenant.group.p95_cost_usd == pytest.approx(float(np.percentile(cost, 95)), rel=1e-12)
    # Children partition the parent: calls and cost add up, percentiles do not roll up.
    assert sum(c.group.calls for c in tenant.children) == tenant.group.calls
    assert sum(c.group.cost_usd for c in tenant.children) == pytest.approx(tenant.group.cost_usd)
    child = tenant.children[0]
    child_sub = demo_dataset.mask(pivot.filters_for(child), ZONE)
    assert child.group.calls == int(child_sub.sum())
    assert all(c.parent is tenant and c.depth == 1 for c in tenant.children)


def test_small_pivot_by_hand(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    pivot = build_pivot(small_dataset, mask, ("tenant", "feature"), ZONE)
    top = [
        (n.label, round(n.group.cost_usd, 6), n.group.unpriced_calls) for n in pivot.root.children
    ]
    assert top == [("acme", 1.4, 0), ("globex", 1.3, 1), ("(none)", 0.4, 0), ("=cmd", 0.1, 0)]
    acme = pivot.root.children[0]
    assert [c.label for c in acme.children] == ["chat", "search"]
    assert acme.children[1].group.p50_cost_usd == pytest.approx(0.3)
    assert pivot.overall.max_cost_usd == pytest.approx(1.2)
    assert pivot.count() == 10 and pivot.count(0) == 4


def test_sorting_by_any_column_keeps_missing_values_last(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    pivot = build_pivot(small_dataset, mask, ("model",), ZONE)
    pivot.sort("mean_cost_usd", descending=False)
    labels = [n.label for n in pivot.root.children]
    assert labels == ["gpt-4.1-mini", "mystery"]  # the unpriced model has no mean: last
    pivot.sort("mean_cost_usd", descending=True)
    assert [n.label for n in pivot.root.children] == ["gpt-4.1-mini", "mystery"]
    pivot.sort("calls", descending=False)
    assert [n.label for n in pivot.root.children] == ["mystery", "gpt-4.1-mini"]
    assert [n.row for n in pivot.root.children] == [0, 1]
    pivot.sort("group", descending=False)
    assert [n.label for n in pivot.root.children] == ["gpt-4.1-mini", "mystery"]


def test_group_sort_is_natural_and_stable(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    pivot = build_pivot(small_dataset, mask, ("tenant",), ZONE)
    pivot.sort("group", descending=False)
    assert [n.label for n in pivot.root.children] == ["=cmd", "acme", "globex", "(none)"]
    pivot.sort("group", descending=True)
    assert [n.label for n in pivot.root.children] == ["globex", "acme", "=cmd", "(none)"]


def test_csv_export_is_formula_safe_and_flat(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    pivot = build_pivot(small_dataset, mask, ("tenant", "feature"), ZONE)
    rows = list(csv.reader(io.StringIO(pivot.csv_text())))
    assert rows[0][:4] == ["level", "tenant", "feature", "calls"]
    assert rows[1][:4] == ["1", "acme", "", "3"]
    assert rows[2][:3] == ["2", "acme", "chat"]
    cells = [r[1] for r in rows[1:]]
    assert "'=cmd" in cells and "=cmd" not in cells
    globex = next(r for r in rows if r[:3] == ["1", "globex", ""])
    header = rows[0]
    assert globex[header.index("unpriced_calls")] == "1"
    assert float(globex[header.index("cost_usd")]) == pytest.approx(1.3)
    assert len(rows) == 1 + pivot.count()


def test_json_export_is_nested(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    pivot = build_pivot(small_dataset, mask, ("tenant", "feature"), ZONE)
    data = pivot.as_json()
    assert data["by"] == ["tenant", "feature"]
    first = data["groups"][0]
    assert first["key"] == {"tenant": "acme"}
    assert first["children"][0]["key"] == {"tenant": "acme", "feature": "chat"}
    assert data["totals"]["unpriced_calls"] == 1


def test_drill_down_filters_select_exactly_the_node(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    pivot = build_pivot(small_dataset, mask, ("tenant", "day", "feature"), ZONE)
    for node in pivot.walk():
        chosen = small_dataset.mask(pivot.filters_for(node), ZONE)
        assert int(chosen.sum()) == node.group.calls, node.key
    none_node = next(n for n in pivot.root.children if n.value is None)
    assert pivot.filters_for(none_node).where == (("tenant", ("",)),)


def test_day_keys_become_a_time_range_in_the_chosen_zone(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    ranges = time_ranges(small_dataset, mask, ["day"], ZONE)
    start, end = ranges["day"]["2026-03-29"]
    assert end - start == 23 * 3600  # the spring-forward day
    filters = key_filters(["day", "tenant"], ["2026-03-29", "acme"], ranges)
    assert (filters.since, filters.until) == (start, end)
    assert filters.where == (("tenant", ("acme",)),)


def test_key_text() -> None:
    assert key_text(("anthropic", None)) == "anthropic · (none)"
    assert value_text(True) == "true" and value_text(3) == "3"
