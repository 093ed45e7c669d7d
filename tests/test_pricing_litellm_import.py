"""Reading LiteLLM price maps (without LiteLLM installed) and detecting file formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pricing import CostFlag, PricingEngine, PricingFileError, Usage
from pricing.litellm_import import catalog_from_litellm, is_litellm_map

MAP = {
    "sample_spec": {"input_cost_per_token": 0.0, "litellm_provider": "one of …", "mode": "chat"},
    "gpt-5.4": {
        "input_cost_per_token": 2.5e-06,
        "output_cost_per_token": 1.5e-05,
        "cache_read_input_token_cost": 2.5e-07,
        "input_cost_per_token_above_272k_tokens": 5e-06,
        "output_cost_per_token_above_272k_tokens": 2.25e-05,
        "cache_read_input_token_cost_above_272k_tokens": 5e-07,
        "input_cost_per_token_batches": 1.25e-06,
        "output_cost_per_token_batches": 7.5e-06,
        "input_cost_per_token_above_272k_tokens_batches": 2.5e-06,
        "output_cost_per_token_above_272k_tokens_batches": 1.125e-05,
        "input_cost_per_token_priority": 5e-06,
        "output_cost_per_token_priority": 3e-05,
        "search_context_cost_per_query": {"search_context_size_medium": 0.01},
        "litellm_provider": "openai",
        "mode": "chat",
    },
    "claude-sonnet-4-5-20250929": {
        "input_cost_per_token": 3e-06,
        "output_cost_per_token": 1.5e-05,
        "cache_read_input_token_cost": 3e-07,
        "cache_creation_input_token_cost": 3.75e-06,
        "cache_creation_input_token_cost_above_1hr": 6e-06,
        "input_cost_per_token_above_200k_tokens": 6e-06,
        "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 1.2e-05,
        "litellm_provider": "anthropic",
        "mode": "chat",
    },
    "claude-sonnet-latest": {"alias_of": "claude-sonnet-4-5-20250929"},
    "broken-alias": {"alias_of": "nowhere"},
    "xai/grok-4.3": {
        "input_cost_per_token": 1.25e-06,
        "output_cost_per_token": 2.5e-06,
        "input_cost_per_token_above_200k_tokens": 2.5e-06,
        "litellm_provider": "xai",
        "mode": "chat",
    },
    "deepseek/deepseek-v4-flash": {
        "input_cost_per_token": 3e-07,
        "output_cost_per_token": 1.2e-06,
        "input_cost_per_token_cache_hit": 6e-09,
        "litellm_provider": "deepseek",
        "mode": "chat",
        "off_peak_pricing": {
            "input_cost_per_token": 1.5e-07,
            "output_cost_per_token": 6e-07,
            "cache_read_input_token_cost": 3e-09,
            "windows": [
                {
                    "hours_utc": ["00:00-01:00", "04:00-06:00", "10:00-00:00"],
                    "weekdays": [1, 2, 3, 4, 5],
                },
                {"hours_utc": "00:00-00:00", "weekdays": [6, 7]},
            ],
        },
    },
    "gemini/gemini-2.5-flash": {
        "input_cost_per_token": 3e-07,
        "output_cost_per_token": 2.5e-06,
        "output_cost_per_reasoning_token": 2.5e-06,
        "cache_read_input_token_cost": 3e-08,
        "litellm_provider": "gemini",
        "mode": "chat",
    },
    "us.anthropic.claude-haiku-4-5-20251001-v1:0": {
        "input_cost_per_token": 1.1e-06,
        "output_cost_per_token": 5.5e-06,
        "litellm_provider": "bedrock_converse",
        "mode": "chat",
    },
    "text-embedding-3-small": {
        "input_cost_per_token": 2e-08,
        "litellm_provider": "openai",
        "mode": "embedding",
    },
    "dall-e-3": {
        "output_cost_per_image": 0.04,
        "litellm_provider": "openai",
        "mode": "image_generation",
    },
    "qwen-plus": {
        "input_cost_per_token": 4e-07,
        "output_cost_per_token": 1.2e-06,
        "tiered_pricing": [{"range": [0, 256000]}],
        "litellm_provider": "dashscope",
        "mode": "chat",
    },
    "bedrock/us-east-1/1-month-commitment/anthropic.claude-v2:1": {
        "input_cost_per_second": 0.0175,
        "input_cost_per_token": 0.0,
        "output_cost_per_token": 0.0,
        "litellm_provider": "bedrock",
        "mode": "chat",
    },
    "chat-without-output": {
        "input_cost_per_token": 1e-06,
        "litellm_provider": "openai",
        "mode": "chat",
    },
    "negative": {"input_cost_per_token": -1e-06, "output_cost_per_token": 1e-06, "mode": "chat"},
}


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.fixture
def map_file(tmp_path: Path) -> Path:
    path = tmp_path / "model_prices_and_context_window.json"
    path.write_text(json.dumps(MAP))
    return path


def test_conversion_and_skips() -> None:
    imported = catalog_from_litellm(MAP, name="map.json", checked=datetime(2026, 11, 26).date())
    entries = imported.catalog.by_id()
    skipped = "\n".join(imported.skipped)
    assert "sample_spec" not in skipped
    for key, reason in (
        ("broken-alias", "alias_of"),
        ("dall-e-3", "not priced per token"),
        ("qwen-plus", "tiered_pricing"),
        ("1-month-commitment", "commitment"),
        ("chat-without-output", "no output price"),
        ("negative", "negative"),
    ):
        assert any(key in line and reason in line for line in imported.skipped), key
    gpt = entries["litellm:gpt-5.4"].versions[0]
    assert gpt.effective_from is None
    assert gpt.rates.input == Decimal("2.5")
    assert gpt.tiers[0].threshold == 272_000
    assert not gpt.tiers[0].inclusive
    batch = gpt.variant("batch")
    assert batch is not None
    assert batch.rates.input == Decimal("1.25")
    assert batch.rates_for_tier(272_000) is not None
    assert gpt.web_search_per_1k == Decimal(10)
    claude = entries["litellm:claude-sonnet-4-5-20250929"].versions[0]
    assert claude.rates.cache_write_1h == Decimal(6)
    assert claude.tiers[0].rates.cache_write_1h == Decimal(12)
    alias = entries["litellm:claude-sonnet-latest"]
    assert alias.versions[0].rates == claude.rates
    assert entries["litellm:xai/grok-4.3"].versions[0].tiers[0].inclusive
    assert entries["litellm:xai/grok-4.3"].model == "xai/grok-4.3"
    assert entries["litellm:xai/grok-4.3"].display_name == "grok-4.3"
    flash = entries["litellm:deepseek/deepseek-v4-flash"].versions[0]
    assert flash.rates.cache_read == Decimal("0.006")
    assert [w.utc_weekdays for w in flash.windows] == [
        frozenset({0, 1, 2, 3, 4}),
        frozenset({5, 6}),
    ]
    embedding = entries["litellm:text-embedding-3-small"].versions[0]
    assert embedding.rates.output == Decimal(0)
    bedrock = entries["litellm:us.anthropic.claude-haiku-4-5-20251001-v1:0"]
    assert bedrock.provider == "bedrock"
    assert bedrock.scope == "regional"
    assert entries["litellm:gemini/gemini-2.5-flash"].provider == "google"


def test_from_file_prices_with_that_file_alone(map_file: Path) -> None:
    engine = PricingEngine.from_file(map_file)
    assert engine.match("o3", "openai") is None  # not in this file, even though it is bundled
    assert any("dall-e-3" in p for p in engine.problems)
    usage = Usage(input_tokens=300_000, output_tokens=1000)
    long = engine.explain("gpt-5.4", "openai", ts("2026-01-01"), None, usage)
    assert long.total == Decimal("1.5") + Decimal("0.0225")
    assert long.flags & CostFlag.LONG_CONTEXT
    batch = engine.explain("gpt-5.4", "openai", ts("2026-01-01"), "batch", usage)
    assert batch.total == (Decimal("1.5") + Decimal("0.0225")) / 2
    # DeepSeek V4 off-peak from the map's windows: Saturday off-peak, Monday 02:00 peak
    one_m = Usage(input_tokens=1_000_000)
    assert engine.explain(
        "deepseek-v4-flash", "deepseek", ts("2026-11-07T02:00"), None, one_m
    ).total == Decimal("0.15")
    assert engine.explain(
        "deepseek-v4-flash", "deepseek", ts("2026-11-02T02:00"), None, one_m
    ).total == Decimal("0.3")
    assert engine.explain(
        "deepseek-v4-flash", "deepseek", ts("2026-11-02T12:00"), None, one_m
    ).total == Decimal("0.15")
    bedrock = engine.match("us.anthropic.claude-haiku-4-5-20251001-v1:0", "aws-bedrock")
    assert bedrock is not None
    assert bedrock.origin == f"file:{map_file.name}"


def test_from_file_reads_our_format(tmp_path: Path) -> None:
    path = tmp_path / "ours.json"
    path.write_text(
        json.dumps(
            {
                "format": "spendtrail-pricing",
                "models": [
                    {
                        "id": "x/y",
                        "provider": "openai",
                        "model": "y",
                        "versions": [{"rates": {"input": 1, "output": 1}}],
                    }
                ],
            }
        )
    )
    engine = PricingEngine.from_file(path)
    assert [e.id for e in engine.catalog.entries] == ["x/y"]
    assert engine.match("gpt-4o", "openai") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("[1, 2", "invalid JSON"),
        ('{"hello": "world"}', "not a price file we know"),
        (
            '{"sample_spec": {}, "dall-e": {"output_cost_per_image": 1, "mode": "image"}}',
            "no entry has token prices",
        ),
        (
            '{"format": "spendtrail-pricing", "models": [{"id": "a"}]}',
            "prices.json: model 'a': \"versions\" must be",
        ),
        (
            '{"format": "spendtrail-pricing", "models": [{"id": "a", "versions": [{}]}]}',
            "model #1 \\('a'\\): missing 'model'",
        ),
    ],
)
def test_from_file_errors_are_clear(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "prices.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(PricingFileError, match=message):
        PricingEngine.from_file(path)


def test_directory_is_not_a_price_file(tmp_path: Path) -> None:
    with pytest.raises(PricingFileError, match="is a directory"):
        PricingEngine.from_file(tmp_path)


def test_format_detection() -> None:
    assert is_litellm_map(MAP)
    assert is_litellm_map({"my-model": {"input_cost_per_token": 1e-06}})
    assert not is_litellm_map({"format": "spendtrail-pricing", "models": []})
    assert not is_litellm_map([])
    assert not is_litellm_map({})
