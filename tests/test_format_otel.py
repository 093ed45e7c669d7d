"""OpenTelemetry GenAI spans: OTLP/JSON batches, flat span dumps, pretty console output."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from desktop.logs.detect import rank, sample_source
from desktop.logs.formats import get_format
from desktop.logs.formats.base import ReadContext
from desktop.logs.formats.otel import normalise_id
from desktop.logs.reader import collect, deduplicate

FIXTURES = Path(__file__).parent / "fixtures" / "otel"
COLLECTOR = FIXTURES / "collector.jsonl"
FLAT = FIXTURES / "spans_flat.jsonl"
CONSOLE = FIXTURES / "console_pretty.json"
FMT = get_format("otel")
NS = 1783050000


def test_ids_hex_and_base64() -> None:
    assert normalise_id("4BF92F3577B34DA6A3CE929D0E0E4736") == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert normalise_id("W4qlotLIcugyHPNzCNad8g==") == "5b8aa5a2d2c872e8321cf37308d69df2"
    assert normalise_id("BRWBvzy1XBM=") == "051581bf3cb55c13"
    assert normalise_id("0xa1b2c3d4e5f60718") == "a1b2c3d4e5f60718"
    assert normalise_id("") is None


def test_detection() -> None:
    claim = rank(sample_source(COLLECTOR))[0]
    assert claim.format_id == "otel"
    assert "OTLP/JSON" in claim.reason
    claim = rank(sample_source(FLAT))[0]
    assert claim.format_id == "otel"
    assert "span dump" in claim.reason
    claim = rank(sample_source(CONSOLE))[0]
    assert claim.format_id == "otel"


def test_otlp_collector_file() -> None:
    records, problems = collect(COLLECTOR, FMT)
    by_span = {r.message_id: r for r in records}
    # A1, A3 (trace A; the invoke_agent root is a roll-up), B1, and C's innermost span.
    assert sorted(by_span) == [
        "00f067aa0ba902b1",
        "00f067aa0ba902b3",
        "051581bf3cb55c13",
        "c1b0000000000002",
    ]
    a1 = by_span["00f067aa0ba902b1"]
    # input 2,048 includes 1,536 cache reads -> 512 uncached.
    assert (a1.input_tokens, a1.cache_read_tokens, a1.output_tokens) == (512, 1536, 310)
    assert a1.model == "gpt-4.1-mini-2025-04-14"  # response model over request model
    assert a1.provider == "openai"
    assert a1.request_id == "chatcmpl-1"
    assert a1.conversation_id == "conv_77"
    assert (a1.trace_id, a1.parent_id) == ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b0")
    assert a1.ts == pytest.approx(NS + 0.12)
    assert a1.latency_ms == pytest.approx(3850.0)
    assert a1.dedup_key == "otel:4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b1"
    assert (a1.line, a1.offset) == (1, 0)
    assert a1.labels == {
        "service.name": "ticket-bot",
        "deployment.environment": "prod",
        "span.name": "chat gpt-4.1-mini",
        "gen_ai.operation.name": "chat",
        "gen_ai.request.temperature": 0.2,
    }
    a3 = by_span["00f067aa0ba902b3"]
    # cache reads (3,000) exceed input (1,000): this input is already uncached.
    assert (
        a3.input_tokens,
        a3.cache_read_tokens,
        a3.cache_write_5m_tokens,
        a3.output_tokens,
    ) == (1000, 3000, 200, 50)
    b1 = by_span["051581bf3cb55c13"]
    # Deprecated names, base64 ids, numbers instead of strings, error status.
    assert (b1.input_tokens, b1.output_tokens, b1.reasoning_tokens) == (500, 20, 10)
    assert b1.trace_id == "5b8aa5a2d2c872e8321cf37308d69df2"
    assert b1.provider == "aws-bedrock"
    assert (b1.status, b1.error) == ("error", "ThrottlingException")
    assert b1.line == 2
    c1b = by_span["c1b0000000000002"]
    assert (c1b.input_tokens, c1b.cache_read_tokens, c1b.output_tokens) == (200, 600, 100)
    assert c1b.labels is not None
    assert c1b.labels["service.name"] == "rag-api"
    # Totals: input 512+1000+500+200, cache reads 1536+3000+600, output 310+50+20+100.
    assert sum(r.input_tokens for r in records) == 2212
    assert sum(r.cache_read_tokens for r in records) == 5136
    assert sum(r.output_tokens for r in records) == 480
    assert [(p.line, p.reason) for p in problems] == [
        (5, "resourceSpans is not a list"),
        (6, "span 'chat broken': input tokens is a string ('abc'), not a number"),
    ]


def test_flat_span_dump_copilot_and_vercel() -> None:
    records, problems = collect(FLAT, FMT)
    assert problems == []
    names = sorted((r.labels or {}).get("span.name", "") for r in records)
    # The invoke_agent and ai.generateText parents repeat their children: skipped.
    assert names == [
        "ai.generateText.doGenerate",
        "ai.generateText.doGenerate",
        "chat claude-sonnet-4.5",
    ]
    copilot = next(r for r in records if r.model == "claude-sonnet-4.5")
    # 5,200 input includes 4,096 cache reads -> 1,104.
    assert (copilot.input_tokens, copilot.cache_read_tokens, copilot.output_tokens) == (
        1104,
        4096,
        120,
    )
    assert copilot.conversation_id == "sess-9"
    assert copilot.ts == pytest.approx(1783050000.12)
    assert copilot.latency_ms == pytest.approx(1880.0)
    vercel = sorted((r for r in records if r.model == "gpt-4o"), key=lambda r: r.ts)
    assert [(r.input_tokens, r.output_tokens) for r in vercel] == [(100, 20), (150, 25)]
    assert vercel[0].provider == "openai"
    assert vercel[0].ts == 1783050100.0  # µs timestamp
    assert vercel[0].latency_ms == pytest.approx(800.0)
    assert vercel[1].latency_ms == pytest.approx(500.0)  # [s, ns] duration
    assert vercel[0].labels is not None
    assert vercel[0].labels["ai.telemetry.metadata.feature"] == "faq"
    assert "ai.prompt.messages" not in vercel[0].labels
    assert sum(r.input_tokens for r in records) == 1104 + 100 + 150
    assert sum(r.output_tokens for r in records) == 120 + 20 + 25


def test_python_console_exporter_pretty_objects() -> None:
    records, problems = collect(CONSOLE, FMT)
    assert [(p.line, p.reason) for p in problems] == [
        (32, "not JSON: 'WARNING:root:retrying after a timeout'")
    ]
    first, second = records
    assert first.line == 1
    assert second.line == 33
    assert (first.input_tokens, first.output_tokens) == (300, 40)
    assert first.ts == datetime(2026, 7, 1, 10, tzinfo=UTC).timestamp()
    assert first.latency_ms == pytest.approx(1250.0)
    assert first.trace_id == "9f86d081884c7d659a2feaa0c55ad015"
    assert first.labels is not None
    assert first.labels["service.name"] == "cli-tool"
    # Traceloop's cache attribute name; 1,000 input includes 800 cached.
    assert (second.input_tokens, second.cache_read_tokens) == (200, 800)
    assert second.status == "error"


def test_rollup_equal_to_children_is_skipped_but_a_distinct_parent_call_counts(
    tmp_path: Path,
) -> None:
    def span(sid: str, parent: str, inp: int, out: int) -> dict:
        return {
            "traceId": "cd" * 16,
            "spanId": sid,
            "parentSpanId": parent,
            "name": f"chat {sid}",
            "startTimeUnixNano": str((NS + 1) * 10**9),
            "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(inp)}},
                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": str(out)}},
            ],
        }

    batch = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            span("0000000000000003", "0000000000000002", 10, 1),
                            # A chat span that wraps an identical chat span: a repeat.
                            span("0000000000000002", "0000000000000001", 10, 1),
                            # A chat span whose own usage differs: a call of its own.
                            span("0000000000000001", "", 70, 7),
                        ]
                    }
                ]
            }
        ]
    }
    path = tmp_path / "t.jsonl"
    path.write_bytes(orjson.dumps(batch) + b"\n")
    records, problems = collect(path, FMT)
    assert problems == []
    assert sorted(r.input_tokens for r in records) == [10, 70]


def test_spans_seen_twice_dedup_on_trace_and_span() -> None:
    records, _ = collect(COLLECTOR, FMT)
    assert len(deduplicate(records + records)) == len(records)


def test_turn_text_of_flat_spans() -> None:
    raw = {
        "attributes": {
            "gen_ai.prompt.0.role": "system",
            "gen_ai.prompt.0.content": "Be brief.",
            "gen_ai.prompt.1.role": "user",
            "gen_ai.prompt.1.content": "Hi",
            "gen_ai.completion.0.content": "Hello",
        }
    }
    assert FMT.turn_text(raw) == ("Hi", "Hello")
    assert FMT.turn_text({"attributes": {"input.value": "q", "output.value": "a"}}) == ("q", "a")
    assert FMT.turn_text({"resourceSpans": []}) == (None, None)


def test_reads_without_a_mtime_context() -> None:
    ctx = ReadContext(path=COLLECTOR)
    assert len([r for r in FMT.records([(1, 0, {"resourceMetrics": []})], ctx)]) == 0


def _otlp(*spans: dict) -> bytes:
    return orjson.dumps({"resourceSpans": [{"scopeSpans": [{"spans": list(spans)}]}]})


def _span(sid: str, parent: str, inp: int, out: int, operation: str, **extra: str) -> dict:
    attributes = [
        {"key": "gen_ai.operation.name", "value": {"stringValue": operation}},
        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(inp)}},
        {"key": "gen_ai.usage.output_tokens", "value": {"intValue": str(out)}},
    ]
    attributes += [{"key": k, "value": {"stringValue": v}} for k, v in extra.items()]
    return {
        "traceId": "ef" * 16,
        "spanId": sid,
        "parentSpanId": parent,
        "name": f"{operation} {sid}",
        "startTimeUnixNano": str((NS + 1) * 10**9),
        "attributes": attributes,
    }


def test_a_rollup_written_before_its_children_is_not_counted(tmp_path: Path) -> None:
    # Lines are not in time order: the agent span that sums its two chat calls comes
    # first, in a batch of its own. Only the two calls are billed (1000 + 2000 in).
    root = _span("00000000000000a0", "", 3000, 300, "invoke_agent")
    children = [
        _span("00000000000000a1", "00000000000000a0", 1000, 100, "chat"),
        _span("00000000000000a2", "00000000000000a0", 2000, 200, "chat"),
    ]
    path = tmp_path / "root-first.jsonl"
    path.write_bytes(_otlp(root) + b"\n" + _otlp(*children) + b"\n")
    records, problems = collect(path, FMT)
    assert problems == []
    assert sorted((r.input_tokens, r.output_tokens) for r in records) == [(1000, 100), (2000, 200)]


def test_vercel_provider_names_and_reported_costs(tmp_path: Path) -> None:
    lines = [
        # The AI SDK writes "<provider>.<api>" into gen_ai.system and ai.model.provider.
        _span("00000000000000b1", "", 1200, 80, "chat", **{"gen_ai.system": "openai.chat"}),
        _span(
            "00000000000000b2",
            "",
            10,
            5,
            "chat",
            **{"ai.model.provider": "anthropic.messages", "cost_usd": "ignored: text"},
        ),
        # Langfuse's OTel spans: the cost details are a JSON string.
        _span(
            "00000000000000b3",
            "",
            512,
            310,
            "chat",
            **{"langfuse.observation.cost_details": '{"input":0.0005,"total":0.000855}'},
        ),
    ]
    flat_cost = {
        "traceId": "12" * 16,
        "spanId": "00000000000000c1",
        "name": "chat",
        "startTime": "2026-07-03T00:00:01Z",
        "attributes": {
            "gen_ai.usage.input_tokens": 7,
            "gen_ai.usage.output_tokens": 3,
            "cost_usd": 0.0123,
        },
    }
    path = tmp_path / "spans.jsonl"
    path.write_bytes(b"\n".join(_otlp(s) for s in lines) + b"\n" + orjson.dumps(flat_cost) + b"\n")
    records, problems = collect(path, FMT)
    assert problems == []
    by_span = {r.message_id: r for r in records}
    assert by_span["00000000000000b1"].provider == "openai"
    assert by_span["00000000000000b2"].provider == "anthropic"
    assert by_span["00000000000000b2"].reported_cost_usd is None  # not a number
    assert by_span["00000000000000b3"].reported_cost_usd == 0.000855
    assert by_span["00000000000000c1"].reported_cost_usd == 0.0123


def test_a_huge_file_decides_finished_traces_early_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import desktop.logs.formats.otel as otel

    lines = []
    for trace in ("aa", "bb", "cc"):
        root = _span("00000000000000f0", "", 3000, 300, "invoke_agent")
        child = _span("00000000000000f1", "00000000000000f0", 1000, 100, "chat")
        lines += [_otlp(dict(child, traceId=trace * 16)), _otlp(dict(root, traceId=trace * 16))]
    path = tmp_path / "many.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    everything_kept, _ = collect(path, FMT)
    monkeypatch.setattr(otel, "PENDING_SPANS", 3)  # decide as soon as more are held
    early, problems = collect(path, FMT)
    assert problems == []
    key = lambda r: (r.trace_id, r.message_id)  # noqa: E731
    assert sorted(early, key=key) == sorted(everything_kept, key=key)
    assert [r.input_tokens for r in early] == [1000, 1000, 1000]  # the roll-ups skipped
