"""The column-at-a-time reader of our own format gives exactly what the line reader gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson

from desktop.demo import write_demo_data
from desktop.logs.formats import get_format
from desktop.logs.formats.base import ReadContext
from desktop.logs.formats.spendtrail_columns import read_columns
from desktop.record import CallRecord, Problem
from desktop.store.batch import Batch
from desktop.store.pricer import Pricer
from pricing import PricingEngine
from tests.helpers import TEST_CATALOG

T = "2026-07-01T10:00:00Z"
ODD_LINES = [
    # fine, but spelled differently: the line reader handles these
    {"ts": "2026-07-01T10:00:00+02:00", "input_tokens": 1, "output_tokens": 2},
    {"ts": 1782900000, "input_tokens": 1, "output_tokens": 2},
    {"ts": T, "input_tokens": 1.0, "output_tokens": 2, "model": "m"},
    {
        "ts": "2026-07-01T10:00:00Z",
        "input_tokens": 1,
        "output_tokens": 2,
        "service_tier": "default",
    },
    {"ts": T, "input_tokens": 1, "output_tokens": 2, "status": "success"},
    {
        "ts": "2026-07-01T10:00:00Z",
        "input_tokens": 1,
        "output_tokens": 2,
        "error": {"message": "x"},
    },
    {
        "ts": "2026-07-01T10:00:00Z",
        "input_tokens": 1,
        "output_tokens": 2,
        "labels": {"a": {"b": 1}},
    },
    {"ts": T, "input_tokens": 1, "output_tokens": 2, "extra": "field"},
    {"ts": T, "input_tokens": 1, "output_tokens": 2, "cache_write_tokens": 5},
    {"ts": "2026-07-01T10:00:00.500Z", "input_tokens": 3, "output_tokens": 4, "latency_ms": 1.5},
    # bad: problems with exact reasons from the line reader
    {"ts": T, "input_tokens": -1, "output_tokens": 2},
    {"ts": "2026-13-01T10:00:00.000Z", "input_tokens": 1, "output_tokens": 2},
    {"ts": T, "input_tokens": "7", "output_tokens": 2},
    {"ts": T, "input_tokens": 1, "output_tokens": 2, "reasoning_tokens": 3},
    [1, 2],
    # a number where text belongs is read as its text
    {"ts": T, "input_tokens": 1, "output_tokens": 2, "model": 5},
]


def both_ways(items: list[tuple[int, int, object]]) -> tuple[Batch, Batch, list, list]:
    fmt = get_format("spendtrail")
    ctx = ReadContext(Path("x.jsonl"))
    pricer = Pricer(PricingEngine.from_file(TEST_CATALOG))
    slow_records, slow_problems = [], []
    for item in fmt.records(iter(items), ctx):
        (slow_records if isinstance(item, CallRecord) else slow_problems).append(item)
    fast, rest = read_columns(items)
    fast_problems = []
    for item in fmt.records(iter(rest), ctx):
        if isinstance(item, CallRecord):
            fast.add_records([item])
        else:
            fast_problems.append(item)
    by_line = sorted(slow_records, key=lambda r: r.line)
    expected = Batch.from_records(by_line, 1, pricer)
    got = Batch.from_columns(fast.n, fast.columns, fast.labels, 1, pricer)
    return expected, got, slow_problems, fast_problems


def assert_same(expected: Batch, got: Batch) -> None:
    assert got.n == expected.n
    order = np.argsort(got.num["line"], kind="stable")
    for name, arr in expected.num.items():
        np.testing.assert_array_equal(got.num[name][order], arr, err_msg=name)
    for name, values in expected.text.items():
        assert [got.text[name][i] for i in order] == values, name
    got_labels = {k: [v[i] for i in order] for k, v in zip(got.label_keys, got.labels, strict=True)}
    want_labels = dict(zip(expected.label_keys, expected.labels, strict=True))
    assert got_labels == want_labels


def test_demo_data_reads_the_same_both_ways(tmp_path: Path) -> None:
    paths = write_demo_data(tmp_path, calls=2000, seed=11)
    items = []
    for line_no, raw in enumerate(paths[1].read_bytes().splitlines(), start=1):
        items.append((line_no, line_no * 1000, orjson.loads(raw)))
    expected, got, slow_problems, fast_problems = both_ways(items)
    assert slow_problems == fast_problems == []
    assert_same(expected, got)


def test_odd_and_bad_lines_take_the_line_reader(tmp_path: Path) -> None:
    items = [(i + 1, i * 100, obj) for i, obj in enumerate(ODD_LINES)]
    expected, got, slow_problems, fast_problems = both_ways(items)
    assert_same(expected, got)
    assert sorted(fast_problems) == sorted(slow_problems)
    assert len(slow_problems) == 5
    assert all(isinstance(p, Problem) for p in slow_problems)


def test_every_service_tier_is_read_as_columns() -> None:
    tiers = ["standard", "batch", "flex", "priority", "fast", None]
    items = [
        (i + 1, i * 100, {"ts": T, "input_tokens": 1, "output_tokens": 2, "service_tier": tier})
        for i, tier in enumerate(tiers)
    ]
    fast, rest = read_columns(items)
    assert rest == [] and fast.n == len(tiers)
    assert fast.columns["service_tier"] == tiers
    expected, got, _, _ = both_ways(items)
    assert_same(expected, got)
