"""Anthropic's fast mode: ``usage.speed == "fast"`` is priced by the model's fast variant."""

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
from desktop.record import tier_with_speed
from desktop.store.dataset import Filters
from desktop.store.pricer import PricingSpec
from desktop.store.reprice import persist_reprice, plan_reprice, reprice_frame
from pricing import CostFlag, PricingEngine, Usage
from pricing.bundled import bundled_catalog
from pricing.litellm_import import catalog_from_litellm
from tests.api_fixtures import read
from tests.helpers import open_logs

FAST = Path(__file__).parent / "fixtures" / "claude_code" / "fast_mode"
TRANSCRIPT = FAST / "-home-dev-rush" / "7a1c0de5-0b9e-4c6a-9f3e-5d2a8b4c1f00.jsonl"


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("tier", "speed", "expected"),
    [
        (None, "fast", "fast"),
        ("standard", "fast", "fast"),
        ("standard", "FAST", "fast"),
        ("standard", "standard", "standard"),
        (None, None, None),
        ("batch", "fast", "batch"),  # a batch call keeps its tier
        ("priority", "fast", "priority"),
        ("standard", 2, "standard"),  # not a speed we know
    ],
)
def test_tier_with_speed(tier: str | None, speed: object, expected: str | None) -> None:
    assert tier_with_speed(tier, speed) == expected


def test_transcript_lines_in_fast_mode_get_the_fast_tier() -> None:
    records, problems = collect(TRANSCRIPT, get_format("claude-code"))
    assert problems == []
    tiers = {
        r.message_id: (r.service_tier, r.output_tokens, r.labels.get("speed")) for r in records
    }
    assert tiers == {
        "msg_fast_0001": ("fast", 2000, "fast"),  # the larger streamed copy
        "msg_fast_0002": ("fast", 1000, "fast"),
        "msg_fast_0003": ("standard", 1000, "standard"),
        "msg_fast_0004": ("fast", 1000, "fast"),
    }


def test_report_prices_fast_mode_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", str(FAST), "--by", "model,service_tier", "--format", "json", "-q"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    # Opus 4.6 fast mode is 6x, Opus 5 2x; rates per million: 5 in, 25 out, 0.5 read, 6.25 write.
    opus46_fast = (1000 * 5 + 2000 * 25 + 10000 * 0.5) / 1e6 * 6  # 0.36
    opus5_fast = (2000 * 5 + 1000 * 25 + 4000 * 6.25) / 1e6 * 2  # 0.12
    opus5_standard = (1000 * 5 + 1000 * 25) / 1e6  # 0.03
    sonnet45 = (1000 * 3 + 1000 * 15) / 1e6  # no fast price: standard rates, 0.018
    groups = {
        (g["key"]["model"], g["key"]["service_tier"]): g["cost_usd"] for g in report["groups"]
    }
    assert groups == pytest.approx(
        {
            ("claude-opus-4-6", "fast"): opus46_fast,
            ("claude-opus-5", "fast"): opus5_fast,
            ("claude-opus-5", "standard"): opus5_standard,
            ("claude-sonnet-4-5-20250929", "fast"): sonnet45,
        }
    )
    assert report["totals"]["calls"] == 4
    assert report["totals"]["cost_usd"] == pytest.approx(0.528)
    assert report["totals"]["unpriced_calls"] == 0


@pytest.fixture(scope="module")
def engine() -> PricingEngine:
    return PricingEngine(bundled_catalog())


def test_fast_variant_is_explained(engine: PricingEngine) -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    fast = engine.explain("claude-opus-5", "anthropic", ts("2026-10-01"), "fast", usage)
    assert fast.total == Decimal(60)  # (5 + 25) x 2
    assert fast.flags == CostFlag.VARIANT_FAST
    assert "fast (×2 on every token rate)" in fast.variant
    slow = engine.explain("claude-opus-4-7", "anthropic", ts("2026-10-01"), "fast", usage)
    assert slow.total == Decimal(180)  # (5 + 25) x 6
    plain = engine.explain("claude-sonnet-4-5", "anthropic", ts("2026-10-01"), "fast", usage)
    assert plain.total == Decimal(18)
    assert plain.flags & CostFlag.ASSUMED_VARIANT
    assert "fast has no price" in plain.variant


def test_openai_fast_tier_is_still_priority(engine: PricingEngine) -> None:
    usage = Usage(input_tokens=1_000_000)
    explanation = engine.explain("gpt-5", "openai", ts("2026-01-01"), "fast", usage)
    assert explanation.flags == CostFlag.VARIANT_PRIORITY
    assert 'the price of the "fast" tier' in explanation.variant


def test_raw_anthropic_message_in_fast_mode(tmp_path: Path) -> None:
    message = {
        "id": "msg_raw_fast",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-8",
        "content": [{"type": "text", "text": "ok"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 100, "output_tokens": 20, "speed": "fast"},
    }
    batch_line = {
        "custom_id": "r1",
        "result": {"type": "succeeded", "message": {**message, "id": "msg_batch_fast"}},
    }
    path = tmp_path / "messages.jsonl"
    path.write_bytes(orjson.dumps(message) + b"\n")
    records, problems = read(path, "anthropic")
    assert problems == []
    assert [(r.service_tier, r.labels["speed"]) for r in records] == [("fast", "fast")]
    batches = tmp_path / "batch.jsonl"
    batches.write_bytes(orjson.dumps(batch_line) + b"\n")
    records, problems = read(batches, "anthropic-batch")
    assert problems == []
    assert [r.service_tier for r in records] == ["batch"]  # a batch call stays batch


def test_streamed_message_in_fast_mode(tmp_path: Path) -> None:
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_stream_fast",
            "type": "message",
            "role": "assistant",
            "model": "claude-opus-5",
            "content": [],
            "usage": {"input_tokens": 300, "output_tokens": 1, "speed": "fast"},
        },
    }
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn"},
        "usage": {"output_tokens": 40},
    }
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in (start, delta)))
    records, problems = read(path, "anthropic-stream")
    assert problems == []
    assert [(r.service_tier, r.output_tokens) for r in records] == [("fast", 40)]


def test_litellm_fast_multiplier_becomes_the_fast_variant() -> None:
    spec = {
        "input_cost_per_token": 5e-06,
        "output_cost_per_token": 2.5e-05,
        "litellm_provider": "anthropic",
        "mode": "chat",
        "provider_specific_entry": {"us": 1.1, "fast": 2.0},
    }
    imported = catalog_from_litellm(
        {"claude-opus-4-8": spec}, name="map.json", checked=datetime(2026, 11, 27).date()
    )
    version = imported.catalog.by_id()["litellm:claude-opus-4-8"].versions[0]
    fast = version.variant("fast")
    assert fast is not None and fast.multiplier == Decimal(2)
    engine = PricingEngine(imported.catalog)
    usage = Usage(input_tokens=1_000_000)
    explanation = engine.explain("claude-opus-4-8", "anthropic", ts("2026-10-01"), "fast", usage)
    assert explanation.total == Decimal(10)


def test_editing_the_fast_price_reprices_fast_calls_only(tmp_path: Path) -> None:
    """A new fast-mode multiplier re-prices the fast calls, in memory and in the store."""
    catalog = tmp_path / "prices.json"
    opus5 = {
        "id": "anthropic/claude-opus-5",
        "provider": "anthropic",
        "model": "claude-opus-5",
        "versions": [
            {
                "effective_from": None,
                "rates": {"input": "5", "output": "25", "cache_write_5m": "6.25"},
                "variants": {"fast": {"multiplier": "2"}},
            }
        ],
    }
    catalog.write_bytes(
        orjson.dumps({"format": "spendtrail-pricing", "format_version": 1, "models": [opus5]})
    )
    dataset, _ = open_logs([FAST], pricing=PricingSpec(file=str(catalog)))
    fast = (2000 * 5 + 1000 * 25 + 4000 * 6.25) / 1e6  # msg 2 at the standard rates: 0.06
    standard = (1000 * 5 + 1000 * 25) / 1e6  # msg 3: 0.03
    assert dataset.totals(dataset.mask(Filters())).cost_usd == pytest.approx(fast * 2 + standard)
    opus5["versions"][0]["variants"]["fast"]["multiplier"] = "3"
    catalog.write_bytes(
        orjson.dumps({"format": "spendtrail-pricing", "format_version": 1, "models": [opus5]})
    )
    plan = plan_reprice(dataset, PricingEngine.from_file(catalog))
    assert plan.combos == [("anthropic", "claude-opus-5", "fast")]
    reprice_frame(dataset, plan)
    assert dataset.totals(dataset.mask(Filters())).cost_usd == pytest.approx(fast * 3 + standard)
    persist_reprice(dataset, plan)
    stored = dataset.read().execute("SELECT sum(cost_usd) FROM calls").fetchone()[0]
    assert stored == pytest.approx(fast * 3 + standard)
