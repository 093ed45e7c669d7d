"""Re-pricing open data after a price edit: in memory first, then in the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest

from desktop.store.dataset import Filters
from desktop.store.pricer import PricingSpec
from desktop.store.reprice import persist_reprice, plan_reprice, reprice_frame
from pricing import PricingEngine
from tests.helpers import TEST_CATALOG, call, open_logs, write_jsonl


def test_frame_first_then_store_and_both_agree(tmp_path: Path) -> None:
    catalog = tmp_path / "prices.json"
    data = orjson.loads(TEST_CATALOG.read_bytes())
    catalog.write_bytes(orjson.dumps(data))
    log = write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call("2026-07-01T00:00:00Z", input_tokens=1000, output_tokens=100),
            call("2026-07-01T00:01:00Z", model="claude-sonnet-4-5-20250929", output_tokens=50),
            call("2026-07-01T00:02:00Z", model="new-model-x", output_tokens=10),
        ],
    )
    dataset, _ = open_logs([log], pricing=PricingSpec(file=str(catalog)))
    mask = dataset.mask(Filters())
    before = dataset.totals(mask)
    assert before.unpriced_calls == 1
    # Edit: gpt-4.1-mini input 0.4 -> 1.0, and a price for the unpriced model.
    data["models"][0]["versions"][0]["rates"]["input"] = "1.0"
    data["models"].append(
        {
            "id": "example/new-model-x",
            "provider": "example",
            "model": "new-model-x",
            "versions": [{"effective_from": None, "rates": {"input": "2", "output": "8"}}],
        }
    )
    catalog.write_bytes(orjson.dumps(data))
    engine = PricingEngine.from_file(catalog)
    plan = plan_reprice(dataset, engine)
    assert sorted(m for _, m, _ in plan.combos) == ["gpt-4.1-mini", "new-model-x"]
    assert plan.calls == 2
    reprice_frame(dataset, plan)
    after = dataset.totals(dataset.mask(Filters()))
    # gpt: 1000 x 1.0 + 100 x 1.6 = 1160; claude unchanged: 100 x 3 + 50 x 15 = 1050;
    # new model: 100 x 2 + 10 x 8 = 280 (per million tokens)
    assert after.unpriced_calls == 0
    assert after.cost_usd == pytest.approx((1160 + 1050 + 280) / 1e6, rel=1e-12)
    in_memory = dataset.frame.num("cost_usd").copy()
    persist_reprice(dataset, plan)
    rows = dataset.read().execute("SELECT cost_usd, price_id FROM calls ORDER BY id").fetchall()
    np.testing.assert_array_equal(np.array([r[0] for r in rows]), in_memory)
    assert rows[2][1] == "example/new-model-x@launch"
    # Nothing left to do, and the cached columns survived under the new generation.
    assert plan_reprice(dataset, engine).changes == []
    dataset.refresh()
    np.testing.assert_array_equal(dataset.frame.num("cost_usd"), in_memory)
