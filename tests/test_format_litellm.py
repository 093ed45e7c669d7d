"""LiteLLM StandardLoggingPayload JSONL and SpendLogs JSON exports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.logs.detect import rank, sample_source
from desktop.logs.formats import get_format
from desktop.logs.reader import collect, deduplicate

FIXTURES = Path(__file__).parent / "fixtures" / "litellm"
PAYLOADS = FIXTURES / "standard_logging.jsonl"
SPEND = FIXTURES / "spend_logs.json"
FMT = get_format("litellm")


def test_detects_both_shapes() -> None:
    claim = rank(sample_source(PAYLOADS))[0]
    assert claim.format_id == "litellm"
    assert "StandardLoggingPayload" in claim.reason
    assert "wrapped" in claim.reason
    claim = rank(sample_source(SPEND))[0]
    assert claim.format_id == "litellm"
    assert "SpendLogs" in claim.reason


def test_standard_logging_payloads() -> None:
    records, problems = collect(PAYLOADS, FMT)
    assert [r.line for r in records] == [1, 2, 4, 5, 6, 7, 8]
    assert [(p.line, p.reason) for p in problems] == [
        (9, "prompt_tokens is a string ('12'), not a number")
    ]
    by_line = {r.line: r for r in records}
    claude = by_line[1]
    # prompt_tokens 43,111 = 4 uncached + 1,830 cache writes + 41,277 cache reads.
    assert (
        claude.input_tokens,
        claude.cache_read_tokens,
        claude.cache_write_5m_tokens,
        claude.output_tokens,
    ) == (4, 41277, 1830, 212)
    assert claude.provider == "anthropic"
    assert claude.model == "claude-sonnet-4-5-20250929"
    assert claude.latency_ms == pytest.approx(3850.0)
    assert (claude.reported_cost_usd, claude.trace_id, claude.message_id) == (
        0.0291,
        "tr-1",
        "chatcmpl-9c1",
    )
    assert claude.dedup_key == "litellm:chatcmpl-9c1"
    assert claude.labels == {
        "request_tags": "feature:search, env:prod",
        "end_user": "u_77",
        "key_alias": "ci-bot",
        "team": "search",
        "user": "usr_1",
        "model_group": "sonnet",
        "call_type": "acompletion",
        "cache_hit": False,
        "spend_logs_metadata.ticket": "ENG-42",
    }
    openai = by_line[2]
    # 2,048 prompt includes 1,536 cached -> 512; 128 reasoning inside 310 output.
    assert (openai.input_tokens, openai.cache_read_tokens, openai.output_tokens) == (512, 1536, 310)
    assert openai.reasoning_tokens == 128
    assert openai.service_tier == "standard"
    assert openai.ts == datetime(2025, 1, 24, 9, 20, 46, 847371, tzinfo=UTC).timestamp()
    assert openai.latency_ms == pytest.approx(2500.0)
    wrapped = by_line[4]
    # 5,000 = 1,000 uncached + 1,000 reads + 3,000 writes (1,000 at 5m, 2,000 at 1h).
    assert (
        wrapped.input_tokens,
        wrapped.cache_read_tokens,
        wrapped.cache_write_5m_tokens,
        wrapped.cache_write_1h_tokens,
    ) == (1000, 1000, 1000, 2000)
    assert wrapped.provider == "aws-bedrock"
    assert wrapped.latency_ms == 2500.0
    old = by_line[5]
    # Older LiteLLM: 1,000 = 100 + 900 reads; the 500 writes were not added.
    assert (old.input_tokens, old.cache_read_tokens, old.cache_write_5m_tokens) == (100, 900, 500)
    failed = by_line[6]
    assert (failed.status, failed.error, failed.input_tokens) == (
        "error",
        "RateLimitError: quota exceeded",
        0,
    )
    assert failed.latency_ms == pytest.approx(400.0)
    hit = by_line[7]
    assert hit.labels is not None
    assert hit.labels["cache_hit"] is True
    # A response-cache hit never reached the provider: nothing billed, counts kept aside.
    assert hit.input_tokens + hit.output_tokens == 0
    assert hit.labels["cached_answer_tokens"] > 0
    unique = deduplicate(records)
    assert len(unique) == 6  # line 8 repeats line 1
    # Sums over the unique calls (lines 1, 2, 4, 5, 6; line 7 is the cache hit):
    assert sum(r.input_tokens for r in unique) == 4 + 512 + 1000 + 100 + 0
    assert sum(r.cache_read_tokens for r in unique) == 41277 + 1536 + 1000 + 900
    assert sum(r.cache_write_5m_tokens for r in unique) == 1830 + 1000 + 500
    assert sum(r.cache_write_1h_tokens for r in unique) == 2000
    # the cache hit (30 output tokens) was not billed
    assert sum(r.output_tokens for r in unique) == 212 + 310 + 100 + 50 + 0


def test_spend_logs_json_array() -> None:
    records, problems = collect(SPEND, FMT)
    assert problems == []
    assert len(records) == 3
    first, claude, hit = records
    # A pretty JSON array: each element's line is where it starts.
    assert first.line == 2
    assert first.offset == 4
    # 300 prompt includes 256 cached (metadata.usage_object, JSON text) -> 44.
    assert (first.input_tokens, first.cache_read_tokens, first.output_tokens) == (44, 256, 30)
    assert (first.latency_ms, first.reported_cost_usd, first.conversation_id) == (
        900,
        0.00041,
        "sess-1",
    )
    assert first.labels == {
        "request_tags": "prod",
        "end_user": "cust-9",
        "key_alias": "backend",
        "model_group": "mini",
        "call_type": "acompletion",
        "cache_hit": False,
        "team_id": "team-a",
        "user": "usr_2",
        "api_key": "88dc28d0f030c55e",
    }
    assert (claude.input_tokens, claude.cache_read_tokens, claude.cache_write_5m_tokens) == (
        4,
        41277,
        1830,
    )
    assert claude.labels == {"call_type": "acompletion", "api_key": "77aa"}
    assert hit.labels is not None
    assert hit.labels["cache_hit"] is True


def test_same_call_in_payloads_and_spend_logs_counts_once() -> None:
    payloads, _ = collect(PAYLOADS, FMT)
    spend, _ = collect(SPEND, FMT)
    # 7 payload records (one repeated) + 3 SpendLogs rows, chatcmpl-9c1 in both.
    assert len(deduplicate(payloads + spend)) == 6 + 3 - 1


def test_turn_text() -> None:
    raw = {
        "standard_logging_object": {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
            ],
            "response": {"choices": [{"message": {"role": "assistant", "content": "Hello"}}]},
        }
    }
    assert FMT.turn_text(raw) == ("Hi", "Hello")
    assert FMT.turn_text({"messages": "{}"}) == (None, None)
