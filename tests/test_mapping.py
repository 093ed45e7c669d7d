"""Field mappings: files, validation, guessing, and the `mapped` JSONL format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.logs.detect import rank, sample_source
from desktop.logs.formats import get_format
from desktop.logs.formats.base import ReadContext, Sample
from desktop.logs.mapping import (
    CompiledMapping,
    FieldMapping,
    MappingError,
    mapping_from_options,
    propose,
    resolve,
)
from desktop.logs.reader import collect, read_records
from desktop.logs.source import SourceError
from desktop.record import MISSING, BadRecord, CallRecord, Problem

FIXTURES = Path(__file__).parent / "fixtures" / "mapped"
SHAPE = FIXTURES / "unknown_shape.jsonl"
FMT = get_format("mapped")


def read_with(path: Path, options: dict) -> tuple[list[CallRecord], list[Problem]]:
    items = list(read_records(path, FMT, ReadContext(path=path, options=options)))
    records = [i for i in items if isinstance(i, CallRecord)]
    problems = [i for i in items if isinstance(i, Problem)]
    return records, problems


def test_load_round_trip_and_defaults() -> None:
    mapping = FieldMapping.load(FIXTURES / "mapping.json")
    assert mapping.input_tokens == "usage.in"
    assert mapping.input_includes_cache is True
    assert mapping.labels == ["meta.app", "ticket"]
    again = FieldMapping.from_dict(json.loads(mapping.to_json()))
    assert again == mapping
    # Only non-default values are written.
    assert "output_includes_reasoning" not in json.loads(mapping.to_json())


def test_validation_messages(tmp_path: Path) -> None:
    bad = FieldMapping(timestamp_unit="days", latency_unit="min", labels="some", model="")
    problems = bad.validate(sqlite=True)
    assert "timestamp_unit 'days' is not one of auto, iso, s, ms, us, ns" in problems
    assert "latency_unit 'min' is not one of ms, s" in problems
    assert "map at least input_tokens or output_tokens" in problems
    assert 'labels must be "all" or a list of field paths' in problems
    assert "model must be a field path such as 'usage.input_tokens'" in problems
    assert "a SQLite source needs the table to read (table)" in problems
    with pytest.raises(MappingError, match="unknown field\\(s\\) in mapping: input"):
        FieldMapping.from_dict({"input": "usage.in"})
    broken = tmp_path / "broken.json"
    broken.write_text("{oops")
    with pytest.raises(MappingError, match=r"broken\.json: not valid JSON"):
        FieldMapping.load(broken)
    with pytest.raises(MappingError, match=r"nope\.json: cannot read"):
        FieldMapping.load(tmp_path / "nope.json")
    with pytest.raises(MappingError, match="map at least input_tokens"):
        mapping_from_options({"mapping": {"model": "m"}})


def test_resolve_paths() -> None:
    flat = {"gen_ai.usage.input_tokens": 5, "attrs": {"a.b": {"c": 1}}}
    assert resolve(flat, ("gen_ai", "usage", "input_tokens")) == 5
    assert resolve(flat, ("attrs", "a", "b", "c")) == 1
    assert resolve({"meta": '{"x": {"y": 3}}'}, ("meta", "x", "y")) == 3
    assert resolve({"list": [{"v": 1}, {"v": 2}]}, ("list", "1", "v")) == 2
    assert resolve({"a": 1}, ("a", "b")) is MISSING
    assert resolve({"a": "{broken"}, ("a", "b")) is MISSING


def test_propose_from_an_unknown_shape() -> None:
    mapping = propose(sample_source(SHAPE))
    assert mapping is not None
    assert (mapping.input_tokens, mapping.output_tokens, mapping.cache_read_tokens) == (
        "usage.in",
        "usage.out",
        "usage.cached",
    )
    assert mapping.input_includes_cache is True  # "cached" and never larger than "in"
    assert (mapping.timestamp, mapping.timestamp_unit, mapping.model) == ("meta.ts", "iso", "llm")
    assert mapping.labels == "all"


def test_propose_picks_token_meaning_from_names_and_values(tmp_path: Path) -> None:
    anthropic_style = Sample(
        path=tmp_path,
        objects=[
            {
                "at": 1783050000,
                "model": "claude",
                "input_tokens": 10,
                "cache_read_input_tokens": 500,
                "output_tokens": 5,
            }
        ],
    )
    mapping = propose(anthropic_style)
    assert mapping is not None
    assert mapping.input_includes_cache is False
    assert mapping.timestamp == "at"
    assert mapping.timestamp_unit == "auto"
    gemini_style = Sample(
        path=tmp_path,
        objects=[
            {
                "ts": "2026-01-01T00:00:00Z",
                "promptTokenCount": 10,
                "candidatesTokenCount": 4,
                "thoughtsTokenCount": 30,
            }
        ],
    )
    mapping = propose(gemini_style)
    assert mapping is not None
    assert mapping.output_tokens == "candidatesTokenCount"
    assert mapping.output_includes_reasoning is False  # thoughts are additive
    # "cached" larger than "in" cannot be inside it.
    exclusive = Sample(
        path=tmp_path,
        objects=[{"ts": "2026-01-01T00:00:00Z", "tokens": {"in": 10, "out": 2, "cached": 900}}],
    )
    mapping = propose(exclusive)
    assert mapping is not None
    assert mapping.input_includes_cache is False
    assert propose(Sample(path=tmp_path, objects=[{"ts": 1, "text": "no usage"}])) is None


def test_propose_for_a_sqlite_table_list(tmp_path: Path) -> None:
    tables = {
        "_meta": ["k", "v"],
        "notes": ["id", "input", "output"],  # text columns, not token counts
        "calls": ["id", "ts", "model_name", "tokens_in", "tokens_out", "cost_usd", "team"],
    }
    mapping = propose(Sample(path=tmp_path, sqlite_tables=tables))
    assert mapping is not None
    assert mapping.table == "calls"
    assert (mapping.input_tokens, mapping.output_tokens, mapping.timestamp) == (
        "tokens_in",
        "tokens_out",
        "ts",
    )
    assert (mapping.model, mapping.reported_cost_usd, mapping.message_id) == (
        "model_name",
        "cost_usd",
        "id",
    )


def test_mapped_format_detects_and_reads_with_a_guess() -> None:
    claim = rank(sample_source(SHAPE))[0]
    assert claim.format_id == "mapped"
    assert "usage.in/usage.out" in claim.reason
    records, problems = collect(SHAPE, FMT)
    assert [r.line for r in records] == [1, 2, 5]
    # Input includes the cache: (1200-1024) + 300 + (2000-512) uncached.
    assert sum(r.input_tokens for r in records) == 1964
    assert sum(r.cache_read_tokens for r in records) == 1024 + 512
    assert sum(r.output_tokens for r in records) == 85 + 40 + 100
    assert records[0].labels == {"meta.app": "helpdesk", "ticket": "T-1"}
    assert [(p.line, p.reason) for p in problems] == [
        (4, "input_tokens (usage.in) is a string ('many'), not a number")
    ]


def test_mapped_format_with_a_mapping_file() -> None:
    records, problems = read_with(SHAPE, {"mapping": str(FIXTURES / "mapping.json")})
    assert len(records) == 3
    assert len(problems) == 1
    assert {r.provider for r in records} == {"openai"}
    assert records[2].labels == {"meta.app": "billing", "ticket": "T-4"}
    assert records[0].ts == 1782900000.0  # 2026-07-01T10:00:00Z


def test_mapped_format_without_any_usage_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl"
    path.write_text('{"ts": 1, "msg": "hello"}\n')
    with pytest.raises(SourceError, match="no field mapping given"):
        collect(path, FMT)


def test_compiled_mapping_units_and_exclusive_checks() -> None:
    mapping = FieldMapping(
        timestamp="t",
        timestamp_unit="ns",
        input_tokens="i",
        output_tokens="o",
        reasoning_tokens="r",
        output_includes_reasoning=False,
        latency="lat",
        latency_unit="s",
        reported_cost_usd="cost",
        status="ok",
        labels=[],
    )
    compiled = CompiledMapping(mapping)
    record = compiled.record(
        {
            "t": 1783050000123456789,
            "i": 10,
            "o": 5,
            "r": 7,
            "lat": 1.5,
            "cost": "0.25",
            "ok": False,
        },
        1,
        0,
        0.0,
    )
    assert record is not None
    assert record.ts == pytest.approx(1783050000.1234567)
    assert (record.output_tokens, record.reasoning_tokens) == (12, 7)  # 5 + 7 additive
    assert record.latency_ms == 1500.0
    assert record.reported_cost_usd == 0.25
    assert record.status == "error"
    assert record.labels is None
    with pytest.raises(BadRecord, match="not a number of ns"):
        compiled.record({"t": "yesterday", "i": 1, "o": 1}, 1, 0, 0.0)
    assert compiled.record({"t": 1, "other": 1}, 1, 0, 0.0) is None  # not a call
    with pytest.raises(BadRecord, match="no usage recorded"):
        compiled.record({"t": 1, "i": None, "o": None}, 1, 0, 0.0)
    no_time = CompiledMapping(FieldMapping(input_tokens="i", output_tokens="o"))
    record = no_time.record({"i": 1, "o": 2}, 3, 9, 1700000000.0)
    assert record is not None
    assert record.ts == 1700000000.0
