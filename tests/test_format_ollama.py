"""Ollama final response objects."""

from __future__ import annotations

import orjson

from desktop.logs.formats import get_format
from tests.api_fixtures import detected, fixture, read, totals


def test_final_objects_only_and_unknown_prompt_counts_are_flagged() -> None:
    path = fixture("ollama/responses.jsonl")
    found = detected(path)
    assert found.format_id == "ollama"
    assert found.reason.startswith("Ollama responses: done=true with prompt_eval_count")
    records, problems = read(path, "ollama")
    assert problems == []
    # line 1 is a stream chunk (done false), line 4 a model load (nothing evaluated)
    assert [r.line for r in records] == [2, 3, 5]
    assert totals(records) == {
        # 812 incl. 640 cached; the old-version line has no prompt count (0, flagged); embed 8
        "input_tokens": (812 - 640) + 0 + 8,
        "cache_read_tokens": 640,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        "output_tokens": 233 + 40,
        "reasoning_tokens": 0,
        "web_search_requests": 0,
        "calls": 3,
    }
    chat, old, embed = records
    assert (chat.provider, chat.model) == ("ollama", "qwen3:8b")
    assert chat.latency_ms == 2750.123456  # total_duration is in nanoseconds
    assert chat.ts == 1784545325.870114  # nine fractional digits
    assert chat.labels == {"done_reason": "stop"}
    assert old.labels == {"input_tokens_unknown": True}  # unknown, not a measured zero
    assert embed.labels == {"ts_source": "file mtime"}
    raw = orjson.loads(path.read_text().splitlines()[2])
    assert get_format("ollama").turn_text(raw) == (None, "Again.")
