"""The requests table without Qt: order, filters, facets, cells and exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import orjson
import pytest

from desktop.store.dataset import Filters
from desktop.store.reprice import plan_reprice, reprice_frame
from desktop.store.table_export import ExportJob, write_export
from desktop.store.table_query import (
    LABEL_PREFIX,
    NOT_REPORTED,
    UNPRICED,
    Sort,
    TableQuery,
    add_value,
    available_columns,
    column_of,
    default_keys,
    export_headers,
    export_rows,
    range_name,
    records,
    tsv,
    value_filter,
    window,
    with_range,
    with_values,
    without_column,
)
from desktop.timeutil import resolve_zone
from tests.helpers import call, open_logs, write_jsonl

UTC = resolve_zone("UTC")

CALLS = [
    call("2026-05-01T10:00:00Z", "gpt-4.1-mini", input_tokens=1000, output_tokens=100,
         labels={"tenant": "acme", "feature": "search"}, request_id="r1"),
    call("2026-05-01T09:00:00Z", "claude-sonnet-4-5-20250929", provider="anthropic",
         input_tokens=20, cache_read_tokens=5000, output_tokens=300,
         labels={"tenant": "Globex", "feature": "chat"}, request_id="r2"),
    call("2026-05-02T08:00:00Z", "mystery-model", input_tokens=50, output_tokens=5,
         labels={"tenant": "acme"}, request_id="r3"),
    call("2026-05-01T11:00:00Z", "gpt-4.1-mini", input_tokens=10, output_tokens=1,
         labels={"tenant": "beta", "feature": "=cmd|' /C calc'!A0"}, request_id="r4",
         reported_cost_usd=0.5, cost_usd=0.5),  # cost_usd: a label named like a column
    call("2026-04-30T23:30:00Z", "gpt-4.1-mini", input_tokens=1000, output_tokens=100,
         request_id="r5"),
]  # fmt: skip


@pytest.fixture
def dataset(tmp_path: Path):
    path = write_jsonl(tmp_path / "calls.jsonl", CALLS)
    ds, _ = open_logs([path])
    return ds


def ids_in_order(ds, positions) -> list[str]:
    return [r["request_id"] for r in ds.rows(ds.frame.ids[positions].tolist())]


def test_columns_include_every_label_and_defaults_take_the_first_labels(dataset) -> None:
    keys = [c.key for c in available_columns(dataset)]
    assert "label:tenant" in keys
    assert "label:feature" in keys
    defaults = default_keys(dataset.label_keys())
    assert defaults[:3] == ["ts", "model", "provider"]
    assert "cost" in defaults
    assert defaults[-1].startswith(LABEL_PREFIX)


def test_default_order_and_sorting_numbers_and_text(dataset) -> None:
    q = TableQuery(dataset)
    assert ids_in_order(dataset, q.positions(Filters(), UTC, sort=Sort("ts", True))) == [
        "r3", "r4", "r1", "r2", "r5",
    ]  # fmt: skip
    by_input = q.positions(Filters(), UTC, sort=Sort("input_tokens", False))
    assert ids_in_order(dataset, by_input) == ["r4", "r2", "r3", "r1", "r5"]  # ties by id
    # Text sorts by value, case-insensitively; calls without a value come last both ways.
    up = ids_in_order(dataset, q.positions(Filters(), UTC, sort=Sort("label:tenant", False)))
    down = ids_in_order(dataset, q.positions(Filters(), UTC, sort=Sort("label:tenant", True)))
    assert up == ["r1", "r3", "r4", "r2", "r5"]
    assert down[-1] == "r5"
    assert down[:1] == ["r2"]


def test_unpriced_calls_sort_last_by_cost_in_both_directions(dataset) -> None:
    q = TableQuery(dataset)
    cost = dataset.cost("computed")
    for descending in (False, True):
        pos = q.positions(Filters(), UTC, sort=Sort("cost", descending))
        values = cost[pos]
        assert np.isnan(values[-1])
        priced = values[~np.isnan(values)]
        assert list(priced) == sorted(priced, reverse=descending)


def test_cost_order_is_shared_with_the_groups_and_stable_in_both_cost_modes(dataset) -> None:
    q = TableQuery(dataset)
    for mode in ("computed", "reported"):
        cost = dataset.cost(mode)
        order, nulls = q.global_order("cost", mode)
        valid = np.flatnonzero(~np.isnan(cost))
        expected = valid[np.argsort(cost[valid], kind="stable")]  # ties keep row order
        assert order.tolist() == expected.tolist()
        assert nulls.tolist() == np.flatnonzero(np.isnan(cost)).tolist()
        assert order is dataset.cost_order(mode)[0]  # one sort serves table and groups
    # r1 and r5 cost the same: ascending keeps their row order.
    up = ids_in_order(dataset, q.positions(Filters(), UTC, sort=Sort("cost", False)))
    assert up.index("r1") + 1 == up.index("r5")


def test_sorting_follows_filters_and_search(dataset) -> None:
    q = TableQuery(dataset)
    filters = Filters(where=(("tenant", ("acme",)),))
    pos = q.positions(filters, UTC, sort=Sort("ts", False))
    assert ids_in_order(dataset, pos) == ["r1", "r3"]
    # Same answer as the dataset's own mask, which the report uses.
    mask = dataset.mask(filters, UTC)
    assert sorted(dataset.frame.ids[pos]) == sorted(dataset.frame.ids[mask])
    pos = q.positions(Filters(search="GLOBEX"), UTC, sort=Sort("ts", False))
    assert ids_in_order(dataset, pos) == ["r2"]


def test_cached_order_is_dropped_when_prices_change(dataset) -> None:
    q = TableQuery(dataset)
    before = q.global_order("cost")
    assert q.global_order("cost")[0] is before[0]  # cached
    from desktop.store.pricer import PricingSpec
    from tests.helpers import TEST_CATALOG

    engine = PricingSpec(file=str(TEST_CATALOG)).load()
    reprice_frame(dataset, plan_reprice(dataset, engine))
    dataset.frame.set_num("cost_usd", dataset.frame.num("cost_usd").copy())
    assert q.global_order("cost")[0] is not before[0]


def test_facets_count_under_the_other_filters(dataset) -> None:
    q = TableQuery(dataset)
    values, distinct = q.facet(Filters(), "label:tenant", UTC)
    assert values[0] == ("acme", 2)
    assert (None, 1) in values
    assert distinct == 4
    # The column's own filter is left out, so every value can still be picked.
    filters = with_values(Filters(), "tenant", ["acme"])
    values, _ = q.facet(filters, "label:tenant", UTC)
    assert dict(values)["beta"] == 1
    # Other filters narrow the counts.
    values, _ = q.facet(filters.with_(search="mystery"), "model", UTC)
    assert values == [("mystery-model", 1)]


def test_cells_money_tokens_times_and_unpriced(dataset) -> None:
    q = TableQuery(dataset)
    pos = q.positions(Filters(), UTC, sort=Sort("ts", True))
    keys = ["ts", "model", "input_tokens", "cost", "reported_cost_usd", "label:tenant"]
    rows = window(dataset, pos, keys, ZoneInfo("Europe/Berlin"))
    assert rows[0][0] == "2026-05-02 10:00:00"  # 08:00 UTC in Berlin (CEST)
    mystery = rows[0]
    assert mystery[3] == UNPRICED  # never $0
    assert mystery[4] == NOT_REPORTED
    first = rows[2]  # r1
    assert first[2] == "1,000"
    assert first[3].startswith("$")
    r4 = rows[1]
    assert r4[4] == "$0.5000"
    # In reported mode a call without a reported cost is "not reported", not "unpriced".
    reported = window(dataset, pos, ["cost"], UTC, "reported")
    assert reported[0][0] == NOT_REPORTED
    assert reported[1][0] == "$0.5000"


def test_records_and_tsv(dataset) -> None:
    q = TableQuery(dataset)
    pos = q.positions(Filters(search="mystery"), UTC)
    data = records(dataset, pos, ["ts", "model", "cost", "label:tenant"], UTC)
    assert data == [
        {
            "id": int(dataset.frame.ids[pos[0]]),
            "ts": "2026-05-02T08:00:00.000+00:00",
            "model": "mystery-model",
            "cost": None,
            "tenant": "acme",
        }
    ]
    text = tsv(["A", "B"], [("x\ty", "z"), ("1", "2")])
    assert text == "A\tB\nx y\tz\n1\t2"


def test_export_rows_csv_neutralises_formulas_and_says_unpriced(dataset, tmp_path) -> None:
    q = TableQuery(dataset)
    pos = q.positions(Filters(), UTC, sort=Sort("ts", False))
    keys = ["ts", "model", "cost", "label:feature"]
    job = ExportJob(
        "requests",
        export_headers(keys),
        lambda fmt: export_rows(dataset, pos, keys, UTC, "computed", fmt, chunk=2),
        len(pos),
    )
    seen: list[int] = []
    out = tmp_path / "out.csv"
    assert write_export(job, out, "csv", seen.append) == 5
    assert seen == [2, 4, 5]
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["id", "ts", "model", "cost", "feature"]
    by_model = {r[2]: r for r in rows[1:]}
    assert by_model["mystery-model"][3] == "unpriced"
    assert any(r[4] == "'=cmd|' /C calc'!A0" for r in rows[1:])
    assert not (tmp_path / "out.csv.part").exists()

    out = tmp_path / "out.jsonl"
    write_export(job, out, "jsonl")
    lines = [orjson.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 5
    assert lines[0]["ts"] == "2026-04-30T23:30:00.000+00:00"
    assert next(x for x in lines if x["model"] == "mystery-model")["cost"] is None
    assert next(x for x in lines if x["feature"] and x["feature"].startswith("="))  # JSON as is


def test_export_cancel_leaves_no_file(dataset, tmp_path) -> None:
    import threading

    from desktop.store.table_export import ExportCancelled

    cancel = threading.Event()
    cancel.set()
    job = ExportJob("t", ["a"], lambda fmt: iter([[[1]], [[2]]]), 2)
    with pytest.raises(ExportCancelled):
        write_export(job, tmp_path / "x.csv", "csv", cancel=cancel)
    assert not (tmp_path / "x.csv").exists()
    assert not (tmp_path / "x.csv.part").exists()


def test_filter_helpers() -> None:
    f = with_values(Filters(), "model", ["a", "b"])
    assert f.where == (("model", ("a", "b")),)
    f = add_value(f, "model", "c", exclude=True)
    assert f.where == ()
    assert f.where_not == (("model", ("c",)),)
    assert value_filter(f, "model") == (("c",), True)
    f = add_value(f, "model", "d", exclude=True)
    assert f.where_not == (("model", ("c", "d")),)
    f = with_range(f, "cost", 0.01, None)
    assert f.ranges == (("cost", 0.01, None),)
    assert without_column(f, "model").where_not == ()
    assert range_name(column_of("cost")) == "cost"
    assert range_name(column_of("cache_write")) is None
    assert range_name(column_of("model")) is None


def test_a_label_named_like_a_column_does_not_spoil_the_cached_column(tmp_path) -> None:
    from desktop.store.dataset import Dataset
    from desktop.store.store import Store

    path = write_jsonl(tmp_path / "calls.jsonl", CALLS)
    ds, _ = open_logs([path])
    assert "label:cost_usd" in ds.label_keys()  # reached by its own column name
    ds.mask(Filters(search="zzz"), UTC)  # reads every label column as text
    again = Dataset(Store(ds.path))  # a reopen reads the cached columns from disk
    cost = again.cost("computed")
    assert cost.dtype == np.float64
    assert np.isnan(cost).sum() == 1
