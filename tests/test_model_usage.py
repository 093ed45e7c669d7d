"""Pricing coverage of the open data (Qt-free): logged models, unpriced ones, match rules."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from desktop.analysis.model_usage import (
    entry_usage,
    logged_models,
    new_entry_target,
    rates_text,
    unpriced_models,
)
from pricing import PricingEngine
from pricing.catalog import Catalog, Rates
from pricing.user_catalog import UserCatalog
from tests.helpers import TEST_CATALOG, call, open_logs, write_jsonl


@pytest.fixture
def dataset(tmp_path: Path):
    log = write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call("2026-07-01T00:00:00Z", input_tokens=1000, output_tokens=100),
            call("2026-07-01T00:01:00Z", input_tokens=10, output_tokens=1),
            call("2026-07-01T00:02:00Z", "gpt-4.2-mini", input_tokens=500, output_tokens=5),
            call("2026-07-01T00:03:00Z", "gpt-4.2-mini", input_tokens=0, output_tokens=0),
            call("2026-07-01T00:04:00Z", "acme-llm", provider="Acme-AI", input_tokens=7),
        ],
    )
    ds, _ = open_logs([log])
    return ds


def test_logged_models_count_calls_tokens_and_unpriced(dataset) -> None:
    logged = {(m.provider, m.model): m for m in logged_models(dataset)}
    mini = logged[(None, "gpt-4.1-mini")]
    assert (mini.calls, mini.tokens, mini.unpriced_calls) == (2, 1111, 0)
    assert mini.cost_usd == pytest.approx((1010 * 0.4 + 101 * 1.6) / 1e6)
    new = logged[(None, "gpt-4.2-mini")]
    # the call with no usage at all costs nothing: it is not unpriced
    assert (new.calls, new.unpriced_calls, new.unpriced_tokens) == (2, 1, 505)
    assert logged[("Acme-AI", "acme-llm")].unpriced_calls == 1


def test_unpriced_models_with_the_nearest_price_as_a_guess(dataset) -> None:
    engine = PricingEngine.from_file(TEST_CATALOG)
    unpriced = unpriced_models(logged_models(dataset), engine)
    assert [u.logged.model for u in unpriced] == ["acme-llm", "gpt-4.2-mini"]
    new = next(u for u in unpriced if u.logged.model == "gpt-4.2-mini")
    assert "gpt-4.1-mini" in new.suggestions
    assert new.guess is not None
    assert new.guess.entry_id == "openai/gpt-4.1-mini"
    assert new.guess.as_text() == {
        "input": "0.4",
        "output": "1.6",
        "cache_read": "0.1",
        "cache_write_5m": "",
        "cache_write_1h": "",
        "reasoning": "",
    }
    assert "no catalog entry matches 'gpt-4.2-mini'" in new.reason


def test_entry_usage_names_the_rule(dataset) -> None:
    engine = PricingEngine.from_file(TEST_CATALOG)
    usage = entry_usage(logged_models(dataset), engine)
    assert list(usage) == ["openai/gpt-4.1-mini"]
    (only,) = usage["openai/gpt-4.1-mini"]
    assert only.logged.model == "gpt-4.1-mini"
    assert only.rule == "exact model id 'gpt-4.1-mini'"


@pytest.mark.parametrize(
    ("model", "provider", "expected"),
    [
        ("gpt-4.2-mini", None, ("openai/gpt-4.2-mini", "openai")),
        ("acme-llm", "Acme-AI", ("acme-ai/acme-llm", "acme-ai")),
        ("house model v2", None, ("custom/house-model-v2", "custom")),
    ],
)
def test_a_new_price_for_a_logged_model_prices_its_calls(
    tmp_path: Path, model: str, provider: str | None, expected: tuple[str, str]
) -> None:
    entry_id, route = new_entry_target(model, provider)
    assert (entry_id, route) == expected
    user = UserCatalog(tmp_path / "pricing.json", bundled=Catalog(entries=()))
    user.add_model(entry_id, provider=route, model=model, rates={"input": "1", "output": "2"})
    engine = PricingEngine(user.effective())
    found = engine.match(model, provider)
    assert found is not None and found.entry_id == entry_id


def test_new_ids_do_not_collide() -> None:
    taken = {"openai/gpt-x", "openai/gpt-x-2"}
    assert new_entry_target("gpt-x", "openai", taken) == ("openai/gpt-x-3", "openai")


def test_rates_text_keeps_blank_and_free_apart() -> None:
    text = rates_text(Rates(input=Decimal("0"), output=Decimal("1.50"), cache_read=None))
    assert text["input"] == "0"
    assert text["output"] == "1.5"
    assert text["cache_read"] == ""
