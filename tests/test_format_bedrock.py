"""AWS Bedrock Converse responses and model-invocation logs."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import orjson
import pytest

from desktop.logs import usage as usage_mod
from desktop.logs.formats import get_format
from desktop.logs.formats.bedrock import MODEL_NOTE
from desktop.logs.reader import deduplicate
from desktop.record import BadRecord
from tests.api_fixtures import by_id, detected, fixture, read, totals


def test_converse_usage_buckets() -> None:
    # 1h writes first, as Bedrock sorts them; 300 of 1000 written have no detail: 5m
    usage = {
        "inputTokens": 12,
        "outputTokens": 3,
        "cacheReadInputTokens": 50,
        "cacheWriteInputTokens": 1000,
        "cacheDetails": [{"ttl": "1h", "inputTokens": 400}, {"ttl": "5m", "inputTokens": 300}],
    }
    assert usage_mod.bedrock_converse(usage) == (12, 50, 1000 - 400, 400, 3, 0)
    only_detail = {
        "inputTokens": 1,
        "outputTokens": 1,
        "cacheDetails": [{"ttl": "1h", "inputTokens": 9}],
    }
    assert usage_mod.bedrock_converse(only_detail) == (1, 0, 0, 9, 1, 0)
    with pytest.raises(BadRecord, match="cacheDetails"):
        usage_mod.bedrock_converse(
            {
                "inputTokens": 1,
                "outputTokens": 1,
                "cacheWriteInputTokens": 5,
                "cacheDetails": [{"ttl": "5m", "inputTokens": 6}],
            }
        )


def test_converse_responses_cache_excluded_and_model_unknown() -> None:
    path = fixture("bedrock-converse/converse.jsonl")
    found = detected(path)
    assert found.format_id == "bedrock-converse"
    assert found.reason.startswith("AWS Bedrock Converse responses: usage.inputTokens")
    records, problems = read(path, "bedrock-converse")
    assert problems == []
    assert totals(records) == {
        "input_tokens": 25 + 10 + 100,  # inputTokens excludes cache reads and writes
        "cache_read_tokens": 3524,
        "cache_write_5m_tokens": 6875 + 1000,
        "cache_write_1h_tokens": 2000,
        "output_tokens": 5 + 4 + 50,
        "reasoning_tokens": 0,
        "web_search_requests": 0,
        "calls": 3,
    }
    first = records[0]
    assert first.model is None  # unpriced, never $0: the response names no model
    assert first.labels == {"model_note": MODEL_NOTE, "stop_reason": "end_turn"}
    assert first.ts == 1783936931.0  # HTTP date header, Mon, 13 Jul 2026 10:02:11 GMT
    assert (first.request_id, first.latency_ms) == ("5c1e-01", 1840.0)
    assert first.provider == "aws-bedrock"
    assert first.dedup_key == "aws-bedrock:5c1e-01"
    raw = orjson.loads(path.read_text().splitlines()[0])
    assert get_format("bedrock-converse").turn_text(raw) == (None, "Hello")


def test_wrapped_converse_takes_the_model_from_the_request() -> None:
    path = fixture("bedrock-converse/converse-wrapped.jsonl")
    found = detected(path)
    assert found.format_id == "bedrock-converse"
    assert 'wrapped under "response"' in found.reason
    records, problems = read(path, "bedrock-converse")
    assert problems == []
    first, second = records
    assert first.model == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert first.ts == 1783940400.25  # no date header: the wrapper's ts
    assert first.labels == {"stop_reason": "end_turn", "feature": "incident-bot"}
    assert second.model == "amazon.nova-pro-v1:0"
    assert second.ts == 1783940462.0  # the response's own date beats the wrapper's ts
    raw = orjson.loads(path.read_text().splitlines()[0])
    assert get_format("bedrock-converse").turn_text(raw) == (
        "Summarise the incident.",
        "The outage lasted 12 minutes.",
    )


def test_invocation_logs(tmp_path: Path) -> None:
    path = fixture("bedrock-invocation/invocations.jsonl")
    found = detected(path)
    assert found.format_id == "bedrock-invocation"
    assert "schemaType=ModelInvocationLog" in found.reason
    records, problems = read(path, "bedrock-invocation")
    assert problems == []
    assert totals(records) == {
        "input_tokens": 25 + 800 + 64,  # inputTokenCount is uncached only
        "cache_read_tokens": 4000,
        "cache_write_5m_tokens": 6875,  # no TTL in invocation logs: 5-minute writes
        "cache_write_1h_tokens": 0,
        "output_tokens": 5 + 120 + 16,
        "reasoning_tokens": 0,
        "web_search_requests": 0,
        "calls": 3,
    }
    calls = by_id(records)
    second = calls["9d40-07"]
    assert second.model == "anthropic.claude-haiku-4-5-20251001-v1:0"
    assert second.ts == 1783937385.0  # 2026-07-13T10:09:45Z
    assert second.labels == {
        "identity.arn": "arn:aws:sts::123456789012:assumed-role/dev/alice",
        "requestMetadata.team": "billing",
        "region": "us-east-1",
        "accountId": "123456789012",
        "operation": "Converse",
        "inferenceRegion": "us-west-2",
    }
    assert calls["9d40-08"].labels["operation"] == "InvokeModel"
    # S3 exports are gzip JSONL
    packed = tmp_path / "invocations.json.gz"
    with open(path, "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert detected(packed).format_id == "bedrock-invocation"
    assert totals(read(packed, "bedrock-invocation")[0])["calls"] == 3


def test_converse_and_invocation_log_of_one_request_are_one_call_with_the_model() -> None:
    converse, _ = read(fixture("bedrock-converse/converse.jsonl"), "bedrock-converse")
    logs, _ = read(fixture("bedrock-invocation/invocations.jsonl"), "bedrock-invocation")
    kept = deduplicate([*converse, *logs])
    assert len(kept) == 3 + 3 - 1  # request 5c1e-01 is in both
    merged = by_id(kept)["5c1e-01"]
    assert merged.model == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert (merged.input_tokens, merged.cache_write_5m_tokens, merged.output_tokens) == (
        25,
        6875,
        5,
    )


def test_missing_invocation_counts_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "inv.jsonl"
    path.write_text(
        '{"schemaType":"ModelInvocationLog","timestamp":"2026-07-13T10:02:11Z",'
        '"modelId":"m","requestId":"r","input":{},"output":{"outputTokenCount":1}}\n'
    )
    records, problems = read(path, "bedrock-invocation")
    assert records == []
    assert [(p.line, p.reason) for p in problems] == [(1, "missing input.inputTokenCount")]


def test_batch_inference_output_is_billed_at_the_batch_tier() -> None:
    path = fixture("bedrock/batch-output.jsonl.out")
    assert detected(path).format_id == "bedrock-batch"
    records, problems = read(path, "bedrock-batch")
    assert problems == []
    # Claude 812/96 and 40 + 2000 read + 300 written/150; a failed record (a zero row);
    # Nova 25/3 (Converse usage); Llama 11/2.
    assert totals(records) == {
        "input_tokens": 812 + 40 + 0 + 25 + 11,
        "cache_read_tokens": 2000,
        "cache_write_5m_tokens": 300,
        "cache_write_1h_tokens": 0,
        "output_tokens": 96 + 150 + 0 + 3 + 2,
        "reasoning_tokens": 0,
        "web_search_requests": 0,
        "calls": 5,
    }
    assert {(r.provider, r.service_tier) for r in records} == {("aws-bedrock", "batch")}
    claude, cached, failed, nova, llama = records
    assert (claude.model, claude.message_id) == ("claude-sonnet-4-5-20250929", "msg_bdrk_01AAA")
    assert cached[4:8] == (40, 2000, 300, 0)  # Anthropic's input excludes the cache
    assert claude.labels is not None and claude.labels["recordId"] == "CALL0000001"
    assert claude.labels["ts_source"] == "file mtime"  # batch output has no time
    assert (failed.status, failed.error) == (
        "error",
        "Malformed input request: max_tokens must be positive",
    )
    for record in (nova, llama):  # their output does not name the model: unpriced, said why
        assert record.model is None
        assert record.labels is not None and "modelId" in record.labels["model_note"]
    fmt = get_format("bedrock-batch")
    lines = [orjson.loads(raw) for raw in path.read_text().splitlines()]
    assert fmt.turn_text(lines[0]) == ("Summarise ticket 4411.", "Refund approved.")
    assert fmt.turn_text(lines[4]) == ("Translate: bonjour", "hello")


def test_batch_output_without_token_counts_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl.out"
    path.write_text('{"recordId":"X1","modelOutput":{"results":[{"outputText":"hi"}]}}\n')
    records, problems = read(path, "bedrock-batch")
    assert records == []
    assert [p.reason for p in problems] == ["modelOutput has no token counts this reader knows"]
