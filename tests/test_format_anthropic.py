"""Anthropic Messages objects, streaming event logs and Message Batches results."""

from __future__ import annotations

from pathlib import Path

import orjson

from desktop.logs.formats import get_format
from desktop.logs.formats.base import ReadContext
from desktop.logs.reader import deduplicate
from tests.api_fixtures import by_id, detected, fixture, read, totals


def test_messages_cache_is_outside_input_and_split_by_ttl() -> None:
    path = fixture("anthropic/messages.jsonl")
    found = detected(path)
    assert found.format_id == "anthropic"
    assert found.reason.startswith("Anthropic Messages: type=message with usage.input_tokens")
    records, problems = read(path, "anthropic")
    assert [(p.line, p.reason) for p in problems] == [
        (4, "thinking_tokens (80) is larger than output_tokens (50)")
    ]
    assert totals(records) == {
        "input_tokens": 512 + 40 + 10,  # uncached only: cache is counted apart
        "cache_read_tokens": 18000,
        # M1 2200 (5m); M2 1000 of 3000 are 5m; M3 500 without TTL detail count as 5m
        "cache_write_5m_tokens": 2200 + 1000 + 500,
        "cache_write_1h_tokens": 2000,
        "output_tokens": 733 + 100 + 5,  # thinking is inside output_tokens
        "reasoning_tokens": 410,
        "web_search_requests": 2,
        "calls": 3,
    }
    m1, _m2, m3 = records
    # Message objects have no time: the file's stands in, and says so.
    assert m1.ts == path.stat().st_mtime
    assert m1.labels == {
        "inference_geo": "global",
        "stop_reason": "end_turn",
        "ts_source": "file mtime",
    }
    assert (m1.provider, m1.model, m1.service_tier) == ("anthropic", "claude-opus-4-6", "standard")
    assert m1.dedup_key == "anthropic:msg_01M1"
    assert m3.service_tier == "priority"
    fmt = get_format("anthropic")
    raw = orjson.loads(path.read_text().splitlines()[0])
    assert fmt.turn_text(raw) == (None, "Found three sources.")


def test_stream_events_final_delta_usage_wins_input_too() -> None:
    path = fixture("anthropic-stream/events.jsonl")
    found = detected(path)
    assert found.format_id == "anthropic-stream"
    assert found.reason.startswith("Anthropic streaming events")
    fmt = get_format("anthropic-stream")
    assert fmt.line_independent is False
    records, problems = read(path, "anthropic-stream")
    # Line 1 is a delta whose message_start is not in the file.
    assert [(p.line, p.reason) for p in problems] == [
        (1, "message_delta without a preceding message_start in this file")
    ]
    assert totals(records) == {
        # S1: the delta's 10423 replaces the start's 2039 (server tools added input);
        # S2: the delta has only output, input stays the start's 100; S3 is cut off.
        "input_tokens": 10423 + 100 + 50,
        "cache_read_tokens": 5000,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "output_tokens": 341 + 250 + 1,
        "reasoning_tokens": 0,
        "web_search_requests": 1,
        "calls": 3,
    }
    s1, s2, s3 = records
    assert (s1.message_id, s1.line, s1.status) == ("msg_01S1", 2, "ok")
    assert s1.labels == {"stop_reason": "end_turn", "ts_source": "file mtime"}
    assert (s2.model, s2.labels["stop_reason"]) == ("claude-haiku-4-5", "tool_use")
    assert s3.status == "incomplete"  # only its message_start snapshot is known
    # A later, complete copy of a cut-off stream replaces it in the store.
    assert s3.dedup_key == "anthropic:msg_01S3"


def test_stream_and_raw_copies_of_one_message_are_one_call() -> None:
    stream_records, _ = read(fixture("anthropic-stream/events.jsonl"), "anthropic-stream")
    raw = orjson.loads(fixture("anthropic-stream/events.jsonl").read_text().splitlines()[1])
    message = raw["message"] | {
        "usage": {"input_tokens": 10423, "output_tokens": 341},
        "stop_reason": "end_turn",
    }
    fmt = get_format("anthropic")
    copy = fmt.normalise(message, 1, 0, ReadContext(Path("x"), mtime=1.0))
    kept = deduplicate([*stream_records, copy])
    assert len(kept) == 3
    assert by_id(kept)["msg_01S1"].input_tokens == 10423


def test_batch_results_only_succeeded_are_billed_at_batch_tier() -> None:
    path = fixture("anthropic-batch/results.jsonl")
    found = detected(path)
    assert found.format_id == "anthropic-batch"
    assert "custom_id with result.type" in found.reason
    records, problems = read(path, "anthropic-batch")
    assert problems == []
    assert totals(records) == {
        "input_tokens": 1200 + 300,
        "cache_read_tokens": 800,
        "cache_write_5m_tokens": 100,
        "cache_write_1h_tokens": 0,
        "output_tokens": 90 + 40,
        "reasoning_tokens": 0,
        "web_search_requests": 0,
        "calls": 5,
    }
    assert {r.service_tier for r in records} == {"batch"}
    assert [(r.labels["custom_id"], r.status) for r in records] == [
        ("eval-0009", "ok"),
        ("eval-0002", "error"),
        ("eval-0005", "canceled"),
        ("eval-0004", "expired"),
        ("eval-0001", "ok"),
    ]
    assert records[1].error == "max_tokens: must be at most 8192"
    assert records[1].dedup_key is None  # custom_id repeats across batches
    assert records[0].dedup_key == "anthropic:msg_01B9"


def test_a_server_sent_events_capture_is_read_like_json_events() -> None:
    # event:/data: lines as they came over the wire (CRLF), with a ping: one call, the
    # final delta's usage winning, no problems for the framing lines.
    path = fixture("anthropic-stream/capture.sse")
    found = detected(path)
    assert found.format_id == "anthropic-stream"
    assert "(7 of 7 sampled lines)" in found.reason  # data lines; framing is not counted
    records, problems = read(path, "anthropic-stream")
    assert problems == []
    (call,) = records
    assert (call.input_tokens, call.output_tokens, call.web_search_requests) == (10423, 341, 1)
    assert (call.message_id, call.line) == ("msg_01Sse", 2)
