"""Re-pricing after editor edits: quick successive edits and undo stay consistent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest

from desktop.store.dataset import Filters
from desktop.store.pricer import PricingSpec
from desktop.store.reprice import persist_reprice, plan_reprice, reprice_frame
from pricing import Catalog, PricingEngine
from tests.helpers import TEST_CATALOG, call, open_logs, write_jsonl


def _engine(path: Path, data: dict, input_rate: str) -> PricingEngine:
    data["models"][0]["versions"][0]["rates"]["input"] = input_rate
    path.write_bytes(orjson.dumps(data))
    return PricingEngine.from_file(path)


def test_an_undo_before_the_store_caught_up_is_applied(tmp_path: Path) -> None:
    catalog = tmp_path / "prices.json"
    data = orjson.loads(TEST_CATALOG.read_bytes())
    catalog.write_bytes(orjson.dumps(data))
    log = write_jsonl(
        tmp_path / "calls.jsonl",
        [call("2026-07-01T00:00:00Z", input_tokens=1000, output_tokens=100)] * 3,
    )
    dataset, _ = open_logs([log], pricing=PricingSpec(file=str(catalog)))
    total = lambda: dataset.totals(dataset.mask(Filters())).cost_usd  # noqa: E731
    original = total()
    assert original == pytest.approx(3 * (400 + 160) / 1e6)

    edited = _engine(catalog, data, "1.0")
    first = plan_reprice(dataset, edited)
    reprice_frame(dataset, first)  # the views show the edit; the store is not written yet
    assert total() == pytest.approx(3 * (1000 + 160) / 1e6)

    undone = _engine(catalog, data, "0.4")
    second = plan_reprice(dataset, undone)
    assert second.calls == 3, "planned against what the views show, not the stale store"
    reprice_frame(dataset, second)
    assert total() == pytest.approx(original)

    persist_reprice(dataset, first)  # the background writer catches up, in order
    persist_reprice(dataset, second)
    stored = [r[0] for r in dataset.read().execute("SELECT cost_usd FROM calls ORDER BY id")]
    np.testing.assert_array_equal(stored, dataset.frame.num("cost_usd"))
    assert plan_reprice(dataset, undone).changes == []


def test_plan_counts_calls_per_combination_from_the_column_cache(tmp_path: Path) -> None:
    log = write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call("2026-07-01T00:00:00Z"),
            call("2026-07-01T00:01:00Z", service_tier="batch"),
            call("2026-07-01T00:02:00Z", service_tier="batch"),
            call("2026-07-01T00:03:00Z", "claude-sonnet-4-5-20250929", provider="anthropic"),
        ],
    )
    dataset, _ = open_logs([log])
    plan = plan_reprice(dataset, PricingEngine(Catalog(entries=())))  # every combination changes
    assert sorted(plan.combos, key=str) == [
        ("anthropic", "claude-sonnet-4-5-20250929", None),
        (None, "gpt-4.1-mini", "batch"),
        (None, "gpt-4.1-mini", None),
    ]
    assert plan.calls == 4


def test_rows_read_after_a_price_edit_get_the_new_price(tmp_path: Path) -> None:
    """An appended log read after the user's prices changed is priced with the new prices."""
    user_file = tmp_path / "pricing.json"
    data = orjson.loads(TEST_CATALOG.read_bytes())
    user_file.write_bytes(orjson.dumps(data))
    spec = PricingSpec(user_file=str(user_file))
    log = write_jsonl(tmp_path / "calls.jsonl", [call("2026-07-01T00:00:00Z", input_tokens=1000)])
    dataset, _ = open_logs([log], pricing=spec)
    assert dataset.totals(dataset.mask(Filters())).cost_usd == pytest.approx(416e-6)
    dataset.store.close()
    data["models"][0]["versions"][0]["rates"]["input"] = "1"
    user_file.write_bytes(orjson.dumps(data))
    with open(log, "ab") as fh:
        fh.write(orjson.dumps(call("2026-07-01T00:01:00Z", input_tokens=2000)) + b"\n")
    dataset, _ = open_logs([log], pricing=spec)
    costs = dataset.frame.num("cost_usd").tolist()
    # 1,000 x 1 + 10 x 1.6 = 1,016; 2,000 x 1 + 10 x 1.6 = 2,016 (per 1M tokens)
    assert costs == pytest.approx([1016e-6, 2016e-6], rel=1e-12)
