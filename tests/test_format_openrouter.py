"""OpenRouter responses (usage.cost, BYOK) and generation-API records."""

from __future__ import annotations

import pytest

from desktop.logs.reader import deduplicate
from tests.api_fixtures import by_id, detected, fixture, read, totals


def test_responses_cost_and_byok_rule() -> None:
    path = fixture("openrouter/responses.jsonl")
    found = detected(path)
    assert found.format_id == "openrouter"
    assert found.reason.startswith("OpenRouter responses: object=chat.completion with usage.cost")
    records, problems = read(path, "openrouter")
    assert problems == []
    assert totals(records) == {
        "input_tokens": (10339 - 10318) + 2000 + 1000,
        "cache_read_tokens": 10318,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "output_tokens": 60 + 100 + 500,
        "reasoning_tokens": 300,
        "web_search_requests": 0,
        "calls": 3,
    }
    calls = by_id(records)
    plain = calls["gen-1783050000-AbCd"]
    byok = calls["gen-1783050100-EfGh"]
    routed = calls["gen-1783050200-IjKl"]
    assert (plain.provider, plain.model) == ("openrouter", "anthropic/claude-sonnet-4")
    assert plain.labels == {"upstream_provider": "Anthropic", "finish_reason": "stop"}
    assert plain.reported_cost_usd == pytest.approx(0.00431)
    # BYOK: OpenRouter's fee 0.0002 plus what the upstream provider billed, 0.004
    assert byok.reported_cost_usd == pytest.approx(0.0042)
    assert byok.labels["is_byok"] is True
    # Not BYOK: the upstream cost is already inside usage.cost, not added again
    assert routed.reported_cost_usd == pytest.approx(0.0033)
    assert plain.dedup_key == "openrouter:gen-1783050000-AbCd"


def test_generation_records_use_native_counts() -> None:
    path = fixture("openrouter/generations.jsonl")
    found = detected(path)
    assert found.format_id == "openrouter"
    assert "OpenRouter generation records: native_tokens_prompt with total_cost" in found.reason
    records, problems = read(path, "openrouter")
    assert problems == []
    assert totals(records) == {
        # native (billed) counts, not tokens_prompt/tokens_completion
        "input_tokens": (1180 - 1024) + 3000 + (10339 - 10318),
        "cache_read_tokens": 1024 + 10318,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "output_tokens": 77 + 900 + 60,  # reasoning 600 is inside native_tokens_completion
        "reasoning_tokens": 600,
        "web_search_requests": 0,
        "calls": 3,
    }
    first, byok, _ = records
    assert first.ts == 1784545323.12
    assert (first.latency_ms, first.request_id) == (2750.0, "chatcmpl-up-MnOp")
    assert first.reported_cost_usd == pytest.approx(0.00112)
    assert first.labels == {
        "upstream_provider": "OpenAI",
        "origin": "https://app.example.com",
        "api_type": "completions",
        "finish_reason": "stop",
        "streamed": True,
    }
    assert byok.reported_cost_usd == pytest.approx(0.0001 + 0.002)


def test_a_response_and_its_generation_record_are_one_call() -> None:
    responses, _ = read(fixture("openrouter/responses.jsonl"), "openrouter")
    generations, _ = read(fixture("openrouter/generations.jsonl"), "openrouter")
    kept = deduplicate([*responses, *generations])
    assert len(kept) == 3 + 3 - 1  # gen-1783050000-AbCd is in both
