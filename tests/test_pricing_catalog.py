"""The catalog format, its validation and the bundled catalog's content."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pricing import PricingEngine, PricingFileError, PricingValidationError, Usage
from pricing.bundled import bundled_catalog, bundled_text
from pricing.catalog import RATE_KEYS
from pricing.catalog_json import catalog_from_document, catalog_to_document, dumps, load_json_text

PROVIDERS_REQUIRED = {
    "openai",
    "anthropic",
    "google",
    "deepseek",
    "mistral",
    "xai",
    "bedrock",
    "vertex",
}

# (model as logged, provider, input, output, cache read) per 1M tokens, prices in force
# in November 2026; the demo data uses these models
DEMO_MODELS = [
    ("gpt-4.1", "openai", "2", "8", "0.5"),
    ("gpt-4.1-mini", "openai", "0.4", "1.6", "0.1"),
    ("gpt-4o-mini", "openai", "0.15", "0.6", "0.075"),
    ("gpt-5", "openai", "1.25", "10", "0.125"),
    ("gpt-5-mini", "openai", "0.25", "2", "0.025"),
    ("o4-mini", "openai", "1.1", "4.4", "0.275"),
    ("claude-sonnet-4-5-20250929", "anthropic", "3", "15", "0.3"),
    ("claude-haiku-4-5-20251001", "anthropic", "1", "5", "0.1"),
    ("claude-opus-4-5-20251101", "anthropic", "5", "25", "0.5"),
    ("gemini-2.5-flash", "google", "0.3", "2.5", "0.03"),
    ("gemini-2.5-pro", "google", "1.25", "10", "0.125"),
    ("deepseek-chat", "deepseek", "0.15", "0.6", "0.003"),  # off-peak, V4 Flash
    ("deepseek-reasoner", "deepseek", "0.15", "0.6", "0.003"),
    ("text-embedding-3-small", "openai", "0.02", "0", "0.02"),
]


def test_bundled_catalog_size_and_coverage() -> None:
    catalog = bundled_catalog()
    assert len(catalog.entries) >= 80
    assert {e.provider for e in catalog.entries} >= PROVIDERS_REQUIRED
    assert catalog.checked is not None


def test_every_bundled_version_has_source_and_checked_date() -> None:
    for entry in bundled_catalog().entries:
        assert entry.versions[0].effective_from is None, entry.id  # earliest = since launch
        for version in entry.versions:
            assert version.source, (entry.id, version.label)
            assert version.checked is not None, (entry.id, version.label)
            assert version.rates.input is not None
            assert version.rates.output is not None


@pytest.mark.parametrize(("model", "provider", "inp", "out", "cached"), DEMO_MODELS)
def test_demo_models_have_correct_prices(
    model: str, provider: str, inp: str, out: str, cached: str
) -> None:
    engine = PricingEngine.load(user_file=Path("/nonexistent/pricing.json"))
    when = datetime(2026, 11, 21, 12, tzinfo=UTC).timestamp()  # a Saturday: off-peak
    usage = Usage(input_tokens=100_000, cache_read_tokens=10_000, output_tokens=20_000)
    explanation = engine.explain(model, provider, when, None, usage)
    rates = {b.name: b.rate for b in explanation.buckets}
    assert rates["input"] == Decimal(inp)
    assert rates["output"] == Decimal(out)
    assert rates["cache read"] == Decimal(cached)


def test_bundled_file_is_in_canonical_layout() -> None:
    # reviewed like code: regenerating through the writer must not change it
    assert dumps(catalog_to_document(bundled_catalog())) == bundled_text()


def test_litellm_corrections_are_documented() -> None:
    catalog = bundled_catalog().by_id()
    haiku = catalog["anthropic/claude-3-5-haiku"].versions[-1]
    assert haiku.rates.cache_write_1h == Decimal("1.6")
    assert "data error" in haiku.note
    flash = catalog["google/gemini-1.5-flash"].versions[0]
    assert flash.rates.output == Decimal("0.3")
    assert "data error" in flash.note


def _doc(*models: dict[str, object]) -> dict[str, object]:
    return {"format": "spendtrail-pricing", "format_version": 1, "models": list(models)}


def _model(**overrides: object) -> dict[str, object]:
    model: dict[str, object] = {
        "id": "acme/large",
        "provider": "acme",
        "model": "acme-large",
        "versions": [{"effective_from": None, "rates": {"input": "1", "output": "2"}}],
    }
    model.update(overrides)
    return model


def test_round_trip_keeps_blank_and_zero_apart() -> None:
    version = {
        "effective_from": None,
        "rates": {"input": "1.10", "output": 4.4, "cache_read": "0", "cache_write_1h": "2"},
        "long_context": {"threshold": 128000, "op": ">=", "rates": {"input": "2.2"}},
        "variants": {"batch": {"multiplier": "0.5"}, "priority": {"rates": {"input": "2"}}},
        "web_search_per_1k": "10",
    }
    later = {"effective_from": "2026-01-01T16:30Z", "rates": {"input": "1", "output": "4"}}
    document = json.loads(json.dumps(_doc(_model(versions=[later, version]))))
    catalog, problems = catalog_from_document(
        load_json_text(json.dumps(document), "x"), origin="user", name="x"
    )
    assert problems == []
    entry = catalog.entries[0]
    first = entry.versions[0]  # versions are sorted by date, undated first
    assert first.effective_from is None
    assert first.rates.input == Decimal("1.10")
    assert first.rates.output == Decimal("4.4")  # a JSON number is read exactly
    assert first.rates.cache_read == Decimal(0)  # explicit 0 = free
    assert first.rates.cache_write_5m is None  # blank = fallback
    assert first.tiers[0].inclusive
    assert entry.versions[1].effective_from == datetime(2026, 1, 1, 16, 30, tzinfo=UTC)
    again, _ = catalog_from_document(
        load_json_text(dumps(catalog_to_document(catalog)), "y"), origin="user", name="y"
    )
    assert again.entries[0].versions == entry.versions


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"versions": [{"rates": {"input": "-1", "output": "2"}}]}, "must not be negative"),
        ({"versions": [{"rates": {"output": "2"}}]}, "the input rate is required"),
        (
            {"versions": [{"rates": {"input": "1", "output": "2", "cach_read": "1"}}]},
            "unknown rate 'cach_read'",
        ),
        ({"versions": [{"rates": {"input": "abc", "output": "2"}}]}, "'abc' is not a number"),
        (
            {
                "versions": [
                    {"effective_from": "2025-02-30", "rates": {"input": "1", "output": "2"}}
                ]
            },
            "not a valid date",
        ),
        (
            {"versions": [{"effective_from": "June 1", "rates": {"input": "1", "output": "2"}}]},
            "is not a date",
        ),
        (
            {
                "versions": [
                    {"effective_from": "2025-01-01", "rates": {"input": "1", "output": "2"}},
                    {"effective_from": "2025-01-01", "rates": {"input": "2", "output": "2"}},
                ]
            },
            "dates must be unique",
        ),
        (
            {
                "versions": [
                    {
                        "rates": {"input": "1", "output": "2"},
                        "long_context": {"threshold": 0, "rates": {"input": "2"}},
                    }
                ]
            },
            "threshold must be a positive token count",
        ),
        (
            {
                "versions": [
                    {
                        "rates": {"input": "1", "output": "2"},
                        "variants": {"turbo": {"multiplier": "2"}},
                    }
                ]
            },
            "variant 'turbo' is not one of",
        ),
        (
            {
                "versions": [
                    {
                        "rates": {"input": "1", "output": "2"},
                        "variants": {"batch": {"multiplier": "-0.5"}},
                    }
                ]
            },
            "multiplier must be positive",
        ),
        ({"match": [{"kind": "regex", "pattern": "("}]}, "is invalid"),
        ({"scope": "moon"}, "scope 'moon' is not one of"),
        ({"colour": "blue"}, "unknown field 'colour'"),
        ({"versions": []}, "must be a non-empty list"),
    ],
)
def test_validation_messages(change: dict[str, object], message: str) -> None:
    with pytest.raises(PricingValidationError, match=message):
        catalog_from_document(_doc(_model(**change)), origin="user", name="x")


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(PricingValidationError, match="used twice"):
        catalog_from_document(_doc(_model(), _model()), origin="user", name="x")


def test_lenient_reading_skips_bad_entries_with_a_message() -> None:
    catalog, problems = catalog_from_document(
        _doc(_model(), _model(id="bad", versions=[{"rates": {"input": "-1", "output": "1"}}])),
        origin="user",
        name="pricing.json",
        strict=False,
    )
    assert [e.id for e in catalog.entries] == ["acme/large"]
    assert len(problems) == 1
    assert problems[0].startswith("pricing.json: model 'bad', version since launch:")
    assert "entry ignored" in problems[0]


def test_invalid_json_reports_the_line() -> None:
    with pytest.raises(PricingFileError, match=r"pricing.json: line 3: invalid JSON"):
        load_json_text('{\n "format": "spendtrail-pricing",\n "models": [,]\n}', "pricing.json")


def test_rate_keys_are_the_cell_buckets() -> None:
    assert RATE_KEYS == (
        "input",
        "output",
        "cache_read",
        "cache_write_5m",
        "cache_write_1h",
        "reasoning",
    )
