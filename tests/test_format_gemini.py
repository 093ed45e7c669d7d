"""Google Gemini / Vertex AI generateContent responses and stream chunk logs."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from desktop.logs import usage as usage_mod
from desktop.logs.formats import get_format
from desktop.logs.reader import deduplicate
from desktop.record import BadRecord
from tests.api_fixtures import by_id, detected, fixture, read, totals


def test_usage_metadata_buckets() -> None:
    # prompt 100 incl. 40 cached; tool-use 7 and thoughts 9 are additive
    meta = {
        "promptTokenCount": 100,
        "cachedContentTokenCount": 40,
        "toolUsePromptTokenCount": 7,
        "candidatesTokenCount": 20,
        "thoughtsTokenCount": 9,
        "totalTokenCount": 136,
    }
    assert usage_mod.gemini(meta) == (100 - 40 + 7, 40, 0, 0, 20 + 9, 9)
    with pytest.raises(BadRecord, match="cachedContentTokenCount"):
        usage_mod.gemini({"promptTokenCount": 10, "cachedContentTokenCount": 11})
    with pytest.raises(BadRecord, match="missing promptTokenCount"):
        usage_mod.gemini({"candidatesTokenCount": 3})


def test_generate_content_thoughts_and_tool_use_are_added() -> None:
    path = fixture("gemini/generate.jsonl")
    found = detected(path)
    assert found.format_id == "gemini"
    assert found.reason.startswith("Google Gemini / Vertex AI responses: usageMetadata")
    records, problems = read(path, "gemini")
    assert problems == []
    assert totals(records) == {
        # g-1 60; g-2 4100 - 4000 cached; g-3 500 + 1200 tool-use; g-4 (blocked) 30
        "input_tokens": 60 + 100 + 1700 + 30,
        "cache_read_tokens": 4000,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        # g-1 16 + 32 thoughts (thoughts are NOT inside candidatesTokenCount); g-2 20; g-3 80
        "output_tokens": 48 + 20 + 80,
        "reasoning_tokens": 32,
        "web_search_requests": 0,
        "calls": 4,
    }
    calls = by_id(records)
    g1, g2, g4 = calls["g-1"], calls["g-2"], calls["g-4"]
    assert (g1.provider, g1.model, g1.service_tier) == (
        "google",
        "gemini-3-flash-preview",
        "standard",
    )
    assert g1.labels == {
        "serviceTier": "standard",
        "finish_reason": "STOP",
        "ts_source": "file mtime",
    }
    # Vertex: createTime is the call's own time
    assert (g2.provider, g2.ts) == ("vertex", 1784545323.12)
    assert g2.labels == {"trafficType": "ON_DEMAND", "finish_reason": "STOP"}
    assert (g4.status, g4.error) == ("blocked", "SAFETY")
    raw = orjson.loads(path.read_text().splitlines()[0])
    assert get_format("gemini").turn_text(raw) == (None, "Paris.")


def test_stream_chunks_keep_the_last_chunk_per_response_id() -> None:
    path = fixture("gemini/stream.jsonl")
    assert detected(path).format_id == "gemini"
    records, problems = read(path, "gemini")
    assert problems == []
    assert len(records) == 5  # every chunk repeats a growing usageMetadata
    kept = deduplicate(records)
    assert totals(kept) == {
        "input_tokens": 900 + 200,  # not 3 x 900 + 2 x 200
        "cache_read_tokens": 0,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "output_tokens": (55 + 40) + 30,
        "reasoning_tokens": 40,
        "web_search_requests": 0,
        "calls": 2,
    }
    assert [r.line for r in kept] == [5, 4]


def test_python_sdk_snake_case_dump() -> None:
    path = fixture("gemini/sdk-snake.jsonl")
    assert detected(path).format_id == "gemini"
    (record,) = read(path, "gemini")[0]
    # prompt 100 incl. 50 cached; candidates 10 + thoughts 5
    assert record[4:10] == (50, 50, 0, 0, 15, 5)
    assert (record.provider, record.model, record.message_id) == (
        "google",
        "gemini-2.5-flash",
        "snake-1",
    )
    raw = orjson.loads(path.read_text())
    assert get_format("gemini").turn_text(raw) == (None, "42")  # thought parts are left out


def test_sdk_dump_with_null_vertex_fields_is_ai_studio(tmp_path: Path) -> None:
    # model_dump() writes every field: traffic_type and create_time are null for AI Studio.
    raw = orjson.loads(fixture("gemini/sdk-snake.jsonl").read_text())
    raw["usage_metadata"]["traffic_type"] = None
    path = tmp_path / "dump.jsonl"
    path.write_bytes(orjson.dumps(raw) + b"\n")
    (record,) = read(path, "gemini")[0]
    assert record.provider == "google"
    raw["usage_metadata"]["traffic_type"] = "ON_DEMAND"
    path.write_bytes(orjson.dumps(raw) + b"\n")
    (record,) = read(path, "gemini")[0]
    assert record.provider == "vertex"
