"""US-only inference (Anthropic's ``usage.inference_geo == "us"``): the call's tier, then
the model's US-only uplift on top of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from desktop.cli import main
from desktop.logs.formats import get_format
from desktop.logs.reader import collect
from desktop.record import tier_with_geo
from pricing import CostFlag, PricingEngine, Usage
from pricing.bundled import bundled_catalog
from pricing.catalog_json import catalog_from_document
from pricing.errors import PricingValidationError
from pricing.litellm_import import catalog_from_litellm
from tests.api_fixtures import read

US = Path(__file__).parent / "fixtures" / "claude_code" / "us_only"
TRANSCRIPT = US / "-home-dev-vault" / "0c5e7a21-4b1d-4e2f-8a60-3d9f1b7e2c44.jsonl"


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("tier", "geo", "expected"),
    [
        (None, "us", "standard+us"),
        ("standard", "US", "standard+us"),
        ("batch", "us", "batch+us"),
        ("fast", "us", "fast+us"),
        ("standard", "global", "standard"),
        ("standard", "not_available", "standard"),
        (None, None, None),
        ("priority", 1, "priority"),  # not a place we know
    ],
)
def test_tier_with_geo(tier: str | None, geo: object, expected: str | None) -> None:
    assert tier_with_geo(tier, geo) == expected


def test_transcript_lines_served_in_the_us_only() -> None:
    records, problems = collect(TRANSCRIPT, get_format("claude-code"))
    assert problems == []
    assert [r.service_tier for r in records] == [
        "standard+us",
        "standard",
        "fast+us",
        "standard+us",
    ]


def test_report_prices_us_only_calls_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", str(US), "--by", "model,service_tier", "--format", "json", "-q"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    # Opus 4.8 per million: 5 in, 25 out, 0.5 read, 6.25 5m write; US-only 1.1x, fast 2x.
    us = (1000 * 5 + 10000 * 0.5 + 4000 * 6.25 + 2000 * 25) / 1e6 * 1.1  # 0.0935
    global_ = (1000 * 5 + 1000 * 25) / 1e6  # 0.03
    fast_us = (2000 * 5 + 1000 * 25) / 1e6 * 2 * 1.1  # 0.077
    sonnet = (1000 * 3 + 1000 * 15) / 1e6  # Sonnet 4.5 has no uplift: 0.018
    groups = {
        (g["key"]["model"], g["key"]["service_tier"]): g["cost_usd"] for g in report["groups"]
    }
    assert groups == pytest.approx(
        {
            ("claude-opus-4-8", "standard+us"): us,
            ("claude-opus-4-8", "standard"): global_,
            ("claude-opus-4-8", "fast+us"): fast_us,
            ("claude-sonnet-4-5-20250929", "standard+us"): sonnet,
        }
    )
    assert report["totals"]["cost_usd"] == pytest.approx(0.2185)


@pytest.fixture(scope="module")
def engine() -> PricingEngine:
    return PricingEngine(bundled_catalog())


def test_the_uplift_is_explained_on_top_of_the_tier(engine: PricingEngine) -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    when = ts("2026-10-01")
    batch = engine.explain("claude-opus-5", "anthropic", when, "batch+us", usage)
    assert batch.total == Decimal("16.5")  # (5 + 25) x 0.5 x 1.1
    assert batch.flags == CostFlag.VARIANT_BATCH | CostFlag.GEO_US
    assert "US-only inference (×1.1 on every token rate)" in batch.variant
    plain = engine.explain("claude-sonnet-4-5", "anthropic", when, "standard+us", usage)
    assert plain.total == Decimal(18)  # no uplift for this model, and nothing assumed
    assert plain.flags == CostFlag.NONE
    assert "costs no more for this model" in plain.variant


def test_a_raw_message_served_in_the_us_only(tmp_path: Path) -> None:
    message = {
        "id": "msg_raw_us",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-6",
        "content": [],
        "usage": {"input_tokens": 10, "output_tokens": 2, "inference_geo": "us"},
    }
    path = tmp_path / "messages.jsonl"
    path.write_bytes(orjson.dumps(message) + b"\n")
    records, problems = read(path, "anthropic")
    assert problems == []
    assert [(r.service_tier, r.labels["inference_geo"]) for r in records] == [("standard+us", "us")]


def test_the_uplift_must_be_a_multiplier() -> None:
    entry = {
        "id": "anthropic/claude-opus-x",
        "provider": "anthropic",
        "model": "claude-opus-x",
        "versions": [
            {
                "effective_from": None,
                "rates": {"input": "5", "output": "25"},
                "variants": {"us": {"rates": {"input": "6"}}},
            }
        ],
    }
    with pytest.raises(PricingValidationError, match="US-only inference is an uplift"):
        catalog_from_document(
            {"format": "spendtrail-pricing", "format_version": 1, "models": [entry]},
            origin="user",
            name="prices.json",
        )


def test_litellm_us_entry_becomes_the_uplift() -> None:
    spec = {
        "input_cost_per_token": 5e-06,
        "output_cost_per_token": 2.5e-05,
        "litellm_provider": "anthropic",
        "mode": "chat",
        "provider_specific_entry": {"us": 1.1},
    }
    imported = catalog_from_litellm(
        {"claude-opus-4-7": spec}, name="map.json", checked=datetime(2026, 11, 27).date()
    )
    version = imported.catalog.by_id()["litellm:claude-opus-4-7"].versions[0]
    us = version.variant("us")
    assert us is not None and us.multiplier == Decimal("1.1")
