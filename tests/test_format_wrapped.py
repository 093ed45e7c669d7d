"""API objects wrapped by the developer's own logger, for every provider format."""

from __future__ import annotations

from pathlib import Path

import orjson

from desktop.logs.detect import rank, sample_source
from desktop.logs.formats import get_format
from tests.api_fixtures import detected, fixture, read, totals

T_1000 = 1784541600.0  # 2026-07-20T10:00:00Z


def test_mixed_providers_under_every_container_key() -> None:
    path = fixture("wrapped/mixed.jsonl")
    found = detected(path)
    # Three of nine lines are OpenAI objects; the other providers' lines are read too.
    assert found.format_id == "openai"
    assert found.reason == (
        "OpenAI Chat Completions: object=chat.completion with usage.prompt_tokens, wrapped "
        'under "response", "response.body" (2 of 9 sampled lines); '
        "OpenAI Embeddings: object=list of embeddings with usage.prompt_tokens, wrapped "
        'under "result" (1 of 9 sampled lines); '
        "also 4 other API object lines (Anthropic Messages, Google Gemini / Vertex AI "
        "responses, Ollama responses, AWS Bedrock Converse responses), read too"
    )
    records, problems = read(path, "openai")
    # line 8 is an error response (no usage, not billed), line 9 a plain log line
    assert problems == []
    assert [r.line for r in records] == [1, 2, 3, 4, 5, 6, 7]
    assert totals(records) == {
        # chat 1000-800 | anthropic 20 | gemini 400 | ollama 70 | embed 9 | bedrock 30 | chat 50
        "input_tokens": 200 + 20 + 400 + 70 + 9 + 30 + 50,
        "cache_read_tokens": 800 + 3000,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 0,
        # 100 | 200 | 50 + 25 thoughts | 7 | 0 | 6 | 5
        "output_tokens": 100 + 200 + 75 + 7 + 0 + 6 + 5,
        "reasoning_tokens": 25,
        "web_search_requests": 0,
        "calls": 7,
    }
    chat, claude, gemini, ollama, embed, bedrock, nested = records
    assert chat.labels == {
        "finish_reason": "stop",
        "feature": "support",
        "metadata.tenant": "acme",  # from the request's metadata
    }
    assert (chat.request_id, chat.latency_ms) == ("req_w1", 812.0)
    assert claude.ts == T_1000 + 60  # the message has no time: the wrapper's
    assert claude.conversation_id == "conv-7"
    assert claude.labels == {"stop_reason": "end_turn", "metadata.tenant": "globex"}
    assert (gemini.provider, gemini.ts) == ("google", T_1000 + 120)
    assert ollama.ts == T_1000 + 179  # the object's own created_at beats the wrapper's
    assert (embed.ts, embed.labels) == (T_1000 + 240, None)
    assert (bedrock.provider, bedrock.model) == (
        "aws-bedrock",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
    )
    assert nested.model == "gpt-4.1-mini-2025-04-14"  # the response's own model wins
    fmt = get_format("openai")
    lines = [orjson.loads(x) for x in path.read_text().splitlines()]
    assert fmt.turn_text(lines[0]) == ("Where is my order?", "It ships today.")
    assert fmt.turn_text(lines[6]) == ("Translate: hola", "hello")
    assert fmt.turn_text(lines[8]) == (None, None)


def test_every_format_reads_the_same_mixed_file_the_same_way() -> None:
    path = fixture("wrapped/mixed.jsonl")
    expected = read(path, "openai")[0]
    for format_id in ("anthropic", "gemini", "bedrock-converse", "openrouter", "ollama"):
        assert read(path, format_id)[0] == expected


def test_wrapped_stream_events_interleaved_by_request_id() -> None:
    path = fixture("wrapped/anthropic-stream.jsonl")
    found = detected(path)
    assert found.format_id == "anthropic-stream"
    assert 'wrapped under "data"' in found.reason
    records, problems = read(path, "anthropic-stream")
    assert problems == []
    b, a = records  # B stops first
    assert (a.message_id, a.input_tokens, a.cache_read_tokens, a.output_tokens) == (
        "msg_01WA",
        300,
        1000,
        150,
    )
    assert (b.message_id, b.input_tokens, b.output_tokens) == ("msg_01WB", 40, 12)
    assert a.ts == T_1000 + 7200  # message_start's wrapper time
    assert a.latency_ms == 2250.0  # message_stop - message_start
    assert b.latency_ms == 1500.0
    assert a.labels == {"stop_reason": "end_turn", "tenant": "acme"}
    assert (a.request_id, b.request_id) == ("req_A", "req_B")
    assert totals(records)["calls"] == 2


def test_gateway_records_with_their_own_usage_are_left_to_their_format(tmp_path: Path) -> None:
    path = tmp_path / "gateway.jsonl"
    path.write_text(
        '{"startTime":1784541600.5,"call_type":"acompletion","response_cost":0.01,'
        '"prompt_tokens":10,"completion_tokens":2,"response":{"id":"chatcmpl-G",'
        '"object":"chat.completion","created":1784541600,"model":"gpt-4.1-mini","choices":[],'
        '"usage":{"prompt_tokens":10,"completion_tokens":2}}}\n'
    )
    claims = [c.format_id for c in rank(sample_source(path))]
    # LiteLLM's own format reads it (the generic reader would too); no API format claims it.
    assert claims[0] == "litellm"
    assert not {"openai", "openai-batch", "anthropic", "gemini"} & set(claims)


def test_bad_wrapper_time_is_a_problem_and_odd_extras_are_not(tmp_path: Path) -> None:
    message = (
        '{"id":"msg_X","type":"message","model":"claude-haiku-4-5","content":[],'
        '"usage":{"input_tokens":5,"output_tokens":1}}'
    )
    path = tmp_path / "wrapped.jsonl"
    path.write_text(
        f'{{"ts":"yesterday-ish","response":{message}}}\n'
        f'{{"ts":"2026-07-20T10:00:00Z","latency_ms":"fast","response":{message}}}\n'
    )
    records, problems = read(path, "anthropic")
    assert [(p.line, p.reason) for p in problems] == [
        (1, "ts: unreadable timestamp 'yesterday-ish'")
    ]
    (record,) = records
    assert (record.ts, record.latency_ms) == (T_1000, None)
    assert record.labels is None  # a wrapper's latency_ms is never a label, even when odd


def test_wrapper_status_and_error_apply_and_are_not_labels(tmp_path: Path) -> None:
    message = (
        '{"id":"msg_Y","type":"message","model":"claude-haiku-4-5","content":[],'
        '"usage":{"input_tokens":5,"output_tokens":1}}'
    )
    path = tmp_path / "wrapped.jsonl"
    path.write_text(
        f'{{"ts":1784541600,"status":"error","error":"client gave up after 30 s",'
        f'"response":{message}}}\n'
        f'{{"ts":1784541601,"status":200,"error":null,"response":{message}}}\n'
    )
    records, problems = read(path, "anthropic")
    assert problems == []
    failed, ok = records
    assert (failed.status, failed.error, failed.labels) == (
        "error",
        "client gave up after 30 s",
        None,
    )
    assert (ok.status, ok.error, ok.labels) == ("ok", None, None)


def test_azure_openai_objects_are_told_apart_by_content_filter_results(tmp_path: Path) -> None:
    path = tmp_path / "azure.jsonl"
    path.write_text(
        '{"id":"chatcmpl-Z","object":"chat.completion","created":1784541600,'
        '"model":"gpt-4o-2024-08-06","prompt_filter_results":[{"prompt_index":0,'
        '"content_filter_results":{}}],"choices":[],"usage":{"prompt_tokens":10,'
        '"completion_tokens":2,"total_tokens":12}}\n'
    )
    (record,) = read(path, "openai")[0]
    assert (record.provider, record.input_tokens, record.output_tokens) == ("azure", 10, 2)


def all_fixture_objects() -> list[dict]:
    """Every JSON object line of every fixture and format sample, and the objects one
    container down (what ``locate`` classifies)."""
    from desktop.logs.formats import FORMATS
    from desktop.logs.formats.wrapped import CONTAINER_KEYS

    lines = [s.encode() for fmt in FORMATS for s in fmt.samples]
    root = Path(__file__).parent / "fixtures"
    for path in sorted(root.rglob("*.jsonl")):
        lines.extend(path.read_bytes().splitlines())
    found = []
    for line in lines:
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            found.append(obj)
            found.extend(obj[k] for k in CONTAINER_KEYS if isinstance(obj.get(k), dict))
    return found


def test_key_precheck_never_hides_a_shape() -> None:
    from desktop.logs.formats.wrapped import classify, shapes

    objects = all_fixture_objects()
    assert len(objects) > 200
    matched = set()
    for obj in objects:
        slow = next((s for s in shapes() if s.matches(obj)), None)  # every shape asked
        assert classify(obj) is slow
        for shape in shapes():
            if shape.matches(obj):
                matched.add(shape.kind)
                assert not shape.keys or not obj.keys().isdisjoint(shape.keys), shape.kind
    assert all(s.keys for s in shapes())
    assert matched == {s.kind for s in shapes()}  # the fixtures hold every shape
