"""OpenAI API objects: Chat Completions, stream chunks, Responses, Embeddings, Batch output."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import orjson

from desktop.logs.formats import get_format
from desktop.logs.reader import deduplicate
from tests.api_fixtures import by_id, calls, detected, fixture, read, totals


def test_chat_completions_cached_and_reasoning_are_subsets() -> None:
    path = fixture("openai/chat.jsonl")
    found = detected(path)
    assert found.format_id == "openai"
    assert found.reason.startswith(
        "OpenAI Chat Completions: object=chat.completion with usage.prompt_tokens"
    )
    records, problems = read(path, "openai")
    # line 4 repeats line 1 (same id and created); line 5 is not a call; line 6 is bad
    assert len(records) == 4
    assert [p.line for p in problems] == [6]
    assert "cached + cache-write tokens (200) is larger than prompt_tokens (100)" in (
        problems[0].reason
    )
    kept = deduplicate(records)
    assert totals(kept) == {
        # A1: 2048 - 1536 cached; A2: 5000 - 1024 cached - 2000 written; A3: 120
        "input_tokens": 512 + 1976 + 120,
        "cache_read_tokens": 1536 + 1024,
        "cache_write_5m_tokens": 2000,  # cache_write_tokens carry no TTL: 5-minute writes
        "cache_write_1h_tokens": 0,
        "output_tokens": 310 + 900 + 30,  # reasoning is inside completion_tokens
        "reasoning_tokens": 640,
        "web_search_requests": 0,
        "calls": 3,
    }
    calls_by_id = by_id(kept)
    a1 = calls_by_id["chatcmpl-A1"]
    assert a1.ts == 1783050000.0
    assert a1.provider == "openai"
    assert a1.model == "gpt-4.1-mini-2025-04-14"
    assert a1.service_tier == "standard"  # "default"
    assert a1.labels == {
        "metadata.tenant": "acme",
        "metadata.feature": "search",
        "finish_reason": "stop",
    }
    assert a1.dedup_key == "openai:chatcmpl-A1:1783050000"
    assert calls_by_id["chatcmpl-A2"].service_tier == "flex"
    assert calls_by_id["chatcmpl-A3"].service_tier == "priority"
    assert calls_by_id["chatcmpl-A3"].labels == {"finish_reason": "length"}


def test_stream_chunks_one_call_per_completion_with_usage() -> None:
    path = fixture("openai/chat-stream.jsonl")
    found = detected(path)
    assert found.format_id == "openai"
    assert "object=chat.completion.chunk" in found.reason
    records, problems = read(path, "openai")
    assert problems == []
    # S1 and S2 each end with a usage chunk; S3 was streamed without include_usage,
    # so it has no usage anywhere and is not billed.
    assert totals(deduplicate(records)) == {
        "input_tokens": (700 - 512) + 300,
        "cache_read_tokens": 512,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "output_tokens": 50 + 20,
        "reasoning_tokens": 0,
        "web_search_requests": 0,
        "calls": 2,
    }
    assert [r.line for r in records] == [5, 7]


def test_responses_api() -> None:
    path = fixture("openai/responses.jsonl")
    assert detected(path).format_id == "openai"
    records, problems = read(path, "openai")
    assert problems == []
    # R4 is in progress (no usage yet): not a call. R3 failed unbilled: a zero row.
    assert totals(records) == {
        "input_tokens": (3120 - 2048) + (4000 - 3000),
        "cache_read_tokens": 2048 + 3000,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "output_tokens": 540 + 1000,
        "reasoning_tokens": 384 + 1000,
        "web_search_requests": 0,
        "calls": 3,
    }
    r1, r2, r3 = records
    assert r1.status == "ok"
    assert r1.latency_ms == 4500.0  # completed_at - created_at
    assert r1.conversation_id == "conv_9"
    assert r1.labels == {
        "metadata.job": "triage",
        "user": "u_77",
        "prompt_cache_key": "kb-v2",
    }
    assert r2.status == "incomplete"  # still billed
    assert r2.service_tier == "priority"
    assert r2.parent_id == "resp_R1"
    assert r2.conversation_id == "resp_R1"
    assert r2.labels == {"incomplete_reason": "max_output_tokens"}
    assert (r3.status, r3.output_tokens, r3.input_tokens) == ("error", 0, 0)
    assert r3.error == "The server had an error while processing your request."
    fmt = get_format("openai")
    raw = fixture("openai/responses.jsonl").read_text().splitlines()[0]
    assert fmt.turn_text(orjson.loads(raw)) == (None, "Ticket triaged as billing.")


def test_a_dump_with_a_float_creation_time_is_the_same_call(tmp_path: Path) -> None:
    # The SDK types created_at as a float: model_dump_json() writes 1783050000.0 where
    # the HTTP body said 1783050000. Both logs hold one call.
    line = fixture("openai/responses.jsonl").read_text().splitlines()[0]
    obj = orjson.loads(line)
    assert type(obj["created_at"]) is int
    dumped = dict(obj, created_at=float(obj["created_at"]))
    path = tmp_path / "both.jsonl"
    path.write_bytes(line.encode() + b"\n" + orjson.dumps(dumped) + b"\n")
    records, problems = read(path, "openai")
    assert problems == [] and len(records) == 2
    (kept,) = deduplicate(records)
    assert kept.line == 1 and kept.input_tokens == records[0].input_tokens


def test_responses_stream_events_count_the_completed_response_once() -> None:
    path = fixture("openai/responses-stream.jsonl")
    assert detected(path).format_id == "openai"
    records, problems = read(path, "openai")
    assert problems == []
    (record,) = records  # response.created had no usage yet; the delta is not a call
    assert (record.input_tokens, record.output_tokens) == (800, 60)
    assert record.latency_ms == 2000.0
    assert record.labels is None  # event bookkeeping (type, sequence_number) is not a label


def test_embeddings_have_no_time_so_the_file_time_is_flagged() -> None:
    path = fixture("openai/embeddings.jsonl")
    found = detected(path)
    assert found.format_id == "openai"
    assert found.reason.startswith("OpenAI Embeddings")
    records = calls(path, "openai")
    assert totals(records)["input_tokens"] == 12 + 30
    assert totals(records)["output_tokens"] == 0
    mtime = path.stat().st_mtime
    assert all(r.ts == mtime for r in records)
    assert all(r.labels == {"ts_source": "file mtime"} for r in records)
    assert [r.model for r in records] == ["text-embedding-3-small", "text-embedding-3-large"]
    assert all(r.dedup_key is None for r in records)  # no id: never merged


def test_batch_output_errors_are_visible_zero_rows(tmp_path: Path) -> None:
    path = fixture("openai-batch/batch_output.jsonl")
    found = detected(path)
    assert found.format_id == "openai-batch"
    records, problems = read(path, "openai-batch")
    assert problems == []
    assert len(records) == 6
    kept = deduplicate(records)  # line 6 is line 1 again (a re-downloaded file)
    assert totals(kept) == {
        # B1 chat 1000; B2 responses 2000 - 500 cached; B5 embedding 64
        "input_tokens": 1000 + 1500 + 64,
        "cache_read_tokens": 500,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "output_tokens": 200 + 300,
        "reasoning_tokens": 100,
        "web_search_requests": 0,
        "calls": 5,
    }
    assert {r.service_tier for r in kept} == {"batch"}
    assert [r.status for r in kept] == ["ok", "ok", "error", "error", "ok"]
    b1, b2, b3, b4, b5 = kept
    assert b1.labels == {"custom_id": "ticket-0001", "finish_reason": "stop"}
    assert b1.dedup_key == "openai-batch:batch_req_B1:ticket-0001"
    assert b1.request_id == "req_b1"
    assert b1.message_id == "chatcmpl-B1"
    assert b2.latency_ms == 5000.0
    assert b3.error.startswith("This request could not be executed")
    assert b3.labels == {"custom_id": "ticket-0003", "ts_source": "file mtime"}
    assert b4.error == "Invalid model: gpt-9"
    assert b4.request_id == "req_b4"
    assert b5.model == "text-embedding-3-small"
    # A gzip copy reads the same (batch files are often kept compressed).
    packed = tmp_path / "batch_output.jsonl.gz"
    with open(path, "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert detected(packed).format_id == "openai-batch"
    assert totals(deduplicate(read(packed, "openai-batch")[0]))["input_tokens"] == 2564


def test_chat_without_usage_is_a_problem_and_chunks_without_usage_are_not_calls(
    tmp_path: Path,
) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_text(
        '{"id":"chatcmpl-X","object":"chat.completion","created":1783050000,"model":"m",'
        '"choices":[]}\n'
        '{"id":"chatcmpl-Y","object":"chat.completion.chunk","created":1783050000,'
        '"model":"m","choices":[],"usage":null}\n'
        '["not","an","object"]\n'
    )
    records, problems = read(path, "openai")
    assert records == []
    assert [(p.line, p.reason) for p in problems] == [
        (1, "chat completion without usage"),
        (3, "not a JSON object (a list)"),
    ]


def test_a_server_sent_events_capture_of_a_chat_stream(tmp_path: Path) -> None:
    # A comment, data: chunks and data: [DONE]: one call from the final usage chunk.
    path = fixture("openai/chat-stream.sse")
    assert detected(path).format_id == "openai"
    records, problems = read(path, "openai")
    assert problems == []
    (chunk,) = records
    # 1,200 prompt tokens include 1,024 cached.
    assert (chunk.input_tokens, chunk.cache_read_tokens, chunk.output_tokens) == (176, 1024, 3)
    assert chunk.line == 9
    # A broken data: line is a problem like any line that is not JSON.
    broken = tmp_path / "broken.sse"
    broken.write_bytes(path.read_bytes().replace(b'data: {"id":"chatcmpl-Sse1"', b"data: {", 1))
    records, problems = read(broken, "openai")
    assert [p.line for p in problems] == [3] and len(records) == 1
