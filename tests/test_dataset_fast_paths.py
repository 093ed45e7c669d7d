"""Dataset's fast paths give exactly the plain computation's answers."""

from __future__ import annotations

import numpy as np
import pytest

from desktop.store.dataset import Filters, _combine, _group_quantiles
from desktop.timeutil import resolve_zone
from tests.charts_data import demo_dataset  # noqa: F401 - fixture

ZONE = resolve_zone("Europe/Berlin")


@pytest.mark.parametrize("mode", ["computed", "reported", "auto"])
@pytest.mark.parametrize(
    "filters", [Filters(), Filters(where=(("tenant", ("globex", "hooli")),)), Filters(search="o")]
)
def test_group_percentiles_equal_the_plain_sort(demo_dataset, mode, filters) -> None:  # noqa: F811
    """The cached-order percentiles are bit for bit those of a lexsort of the selection."""
    mask = demo_dataset.mask(filters, ZONE)
    for by in (["model"], ["tenant", "feature"], ["day"]):
        dims = [demo_dataset.dimension(c, ZONE, mask) for c in by]
        inverse, keys = _combine([codes[mask] for codes, _ in dims], [len(v) for _, v in dims])
        cost = demo_dataset.cost(mode)[mask]
        priced = ~np.isnan(cost)
        p50, p95, top = _group_quantiles(inverse[priced], cost[priced], len(keys))
        expected = {}
        for g, codes in enumerate(keys):
            key = tuple(None if c < 0 else dims[i][1][c] for i, c in enumerate(codes))
            has = not np.isnan(top[g])
            expected[key] = (p50[g], p95[g], top[g]) if has else (None, None, None)
        groups = demo_dataset.groups(mask, by, ZONE, mode)
        assert len(groups) == len(expected)
        for g in groups:
            assert (g.p50_cost_usd, g.p95_cost_usd, g.max_cost_usd) == expected[g.key]


def test_the_cost_order_follows_repricing(demo_dataset) -> None:  # noqa: F811
    mask = demo_dataset.mask(Filters())
    before = demo_dataset.groups(mask, ["model"], ZONE)
    frame = demo_dataset.frame
    original = frame.num("cost_usd")
    try:
        frame._num["cost_usd"] = original * 2  # what an in-memory re-price does
        doubled = demo_dataset.groups(mask, ["model"], ZONE)
        assert [g.max_cost_usd for g in doubled] == [
            None if g.max_cost_usd is None else g.max_cost_usd * 2 for g in before
        ]
    finally:
        frame._num["cost_usd"] = original
    assert [g.p95_cost_usd for g in demo_dataset.groups(mask, ["model"], ZONE)] == [
        g.p95_cost_usd for g in before
    ]


def test_buckets_without_sums_have_the_same_cost(demo_dataset) -> None:  # noqa: F811
    mask = demo_dataset.mask(Filters(where=(("tenant", ("globex",)),)), ZONE)
    full = demo_dataset.buckets(mask, "day", ZONE, stack_by=["model"], top=3)
    lean = demo_dataset.buckets(mask, "day", ZONE, stack_by=["model"], top=3, sums=False)
    assert lean.sums == {} and full.sums["input_tokens"].sum() > 0
    assert np.array_equal(full.cost, lean.cost) and np.array_equal(full.calls, lean.calls)
    assert [k for k, _ in full.series] == [k for k, _ in lean.series]
    leaders = [g.key for g in demo_dataset.groups(mask, ["model"], ZONE, stats=False)[:3]]
    assert [k for k, _ in full.series][:3] == leaders


def test_group_order_equals_sorting_by_cost_calls_and_key() -> None:
    from desktop.store.dataset import _group_order, _sort_key

    rng = np.random.default_rng(3)
    n = 400
    cost = rng.choice([0.0, 0.5, 1.25, 2.0], size=n)  # many ties
    calls = rng.choice([1, 2, 3], size=n).astype(np.int64)
    values = ["b", "a", None, "B", 10, "10", 2.5]
    keys = [(values[i % 7], values[(i * 3) % 7]) for i in range(n)]  # equal keys too
    want = sorted(range(n), key=lambda g: (-cost[g], -calls[g], _sort_key(keys[g])))
    assert _group_order(cost, calls, keys) == want
    assert _group_order(cost[:1], calls[:1], keys[:1]) == [0]
    assert _group_order(cost[:0], calls[:0], keys[:0]) == []
