"""Spendtrail's own JSONL format and the generic reader: buckets, labels, bad lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from desktop.logs.detect import NotALog, detect
from desktop.logs.formats import get_format
from desktop.logs.formats.base import ReadContext
from desktop.logs.reader import collect
from desktop.record import BadRecord, CallRecord, Problem
from tests.conftest import FIXTURES

HERE = FIXTURES / "spendtrail"
CTX = ReadContext(Path("test.jsonl"))


def sums(records: list[CallRecord]) -> dict[str, int]:
    names = (
        "input_tokens",
        "cache_read_tokens",
        "cache_write_5m_tokens",
        "cache_write_1h_tokens",
        "output_tokens",
        "reasoning_tokens",
    )
    return {n: sum(getattr(r, n) for r in records) for n in names}


def test_good_lines_give_disjoint_buckets() -> None:
    records, problems = collect(HERE / "good.jsonl", get_format("spendtrail"))
    assert problems == []
    assert len(records) == 3
    # 1000 + 300 + 50 uncached input; 500 + 10000 cache reads; output includes reasoning.
    assert sums(records) == {
        "input_tokens": 1350,
        "cache_read_tokens": 10500,
        "cache_write_5m_tokens": 2000,
        "cache_write_1h_tokens": 1000,
        "output_tokens": 605,
        "reasoning_tokens": 100,
    }
    first = records[0]
    assert first.labels == {"tenant": "acme", "feature": "search"}
    assert first.line == 1 and first.offset == 0
    assert records[2].ts == 1782986400.0  # epoch seconds accepted
    assert records[2].status == "error" and records[2].error == "rate_limit_error: 429"


def test_gzip_is_read_transparently() -> None:
    plain, _ = collect(HERE / "good.jsonl", get_format("spendtrail"))
    packed, problems = collect(HERE / "good.jsonl.gz", get_format("spendtrail"))
    assert problems == []
    assert packed == plain  # same records, same lines and offsets


def test_every_kind_of_bad_line_is_a_problem_with_its_line() -> None:
    records, problems = collect(HERE / "mixed.jsonl", get_format("spendtrail"))
    assert [r.line for r in records] == [1, 3, 14]  # blank lines 2 and 13 are ignored
    by_line = {p.line: p.reason for p in problems}
    expected = {
        4: "input_tokens is a string",
        5: "input_tokens is a fraction",
        6: "input_tokens is negative",
        7: "NaN",
        8: "missing output_tokens",
        9: "reasoning_tokens (9) is larger than output_tokens (5)",
        10: "not a JSON object",
        11: "unreadable timestamp",
        12: "invalid JSON",
        15: "invalid UTF-8",
        16: "truncated last line",
    }
    assert set(by_line) == set(expected)
    for line, fragment in expected.items():
        assert fragment in by_line[line], (line, by_line[line])
    assert all(isinstance(p, Problem) and p.offset is not None for p in problems)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("true", "boolean"),
        ("null", "null"),
        ('{"a":1}', "dict"),
        ("1e400", "inf"),
    ],
)
def test_token_counts_must_be_integers(value: str, reason: str) -> None:
    line = f'{{"ts":"2026-07-01T00:00:00Z","input_tokens":{value},"output_tokens":1}}'
    fmt = get_format("spendtrail")
    with pytest.raises(BadRecord, match=reason):
        fmt.normalise(orjson.loads(line) if value != "1e400" else _inf_obj(), 1, 0, CTX)


def _inf_obj() -> dict:
    return {"ts": "2026-07-01T00:00:00Z", "input_tokens": float("inf"), "output_tokens": 1}


def test_integral_float_counts_are_accepted() -> None:
    obj = {"ts": "2026-07-01T00:00:00Z", "input_tokens": 1200.0, "output_tokens": 3}
    record = get_format("spendtrail").normalise(obj, 1, 0, CTX)
    assert record is not None and record.input_tokens == 1200


def test_cache_write_without_ttl_counts_as_five_minutes() -> None:
    obj = {
        "ts": "2026-07-01T00:00:00Z",
        "input_tokens": 1,
        "output_tokens": 1,
        "cache_write_tokens": 500,
        "cache_write_5m_tokens": 100,
    }
    record = get_format("spendtrail").normalise(obj, 1, 0, CTX)
    assert record is not None
    assert (record.cache_write_5m_tokens, record.cache_write_1h_tokens) == (600, 0)


def test_extra_fields_and_nested_objects_become_labels() -> None:
    obj = {
        "ts": "2026-07-01T00:00:00Z",
        "input_tokens": 1,
        "output_tokens": 1,
        "labels": {"tenant": "acme", "meta": {"region": "eu"}},
        "route": "/v1/x",
        "prompt": "the user's question",
    }
    record = get_format("spendtrail").normalise(obj, 1, 0, CTX)
    assert record is not None
    assert record.labels == {"tenant": "acme", "meta.region": "eu", "route": "/v1/x"}


def test_generic_reader_follows_each_naming_family() -> None:
    records, problems = collect(HERE / "generic.jsonl", get_format("jsonl"))
    assert len(records) == 4
    chat, responses, anthropic, flat = records
    # OpenAI Chat: cached 1536 is inside prompt 2048 → 512 uncached; reasoning inside output.
    assert (chat.input_tokens, chat.cache_read_tokens, chat.output_tokens) == (512, 1536, 310)
    assert chat.reasoning_tokens == 64
    assert chat.labels == {
        "metadata.tenant": "acme",
        "metadata.route": "/v1/chat",
        "feature": "chat",
    }
    # Responses: input 3120 includes cached 2048 → 1072 uncached.
    assert (responses.input_tokens, responses.cache_read_tokens) == (1072, 2048)
    assert (responses.output_tokens, responses.reasoning_tokens) == (540, 384)
    assert responses.ts == 1783069200.0
    # Anthropic: input excludes cache; 2200 written, 2000 of them with the 1h TTL.
    assert (anthropic.input_tokens, anthropic.cache_read_tokens) == (512, 18000)
    assert (anthropic.cache_write_5m_tokens, anthropic.cache_write_1h_tokens) == (200, 2000)
    assert anthropic.ts == datetime(2026, 7, 2, 7, 10, tzinfo=UTC).timestamp()  # +02:00
    # Top-level OpenAI naming with a sibling cached_tokens; epoch milliseconds.
    assert (flat.input_tokens, flat.cache_read_tokens, flat.output_tokens) == (60, 40, 20)
    assert flat.ts == 1783069800.0
    assert flat.labels == {"tags": "a, b", "env": "prod", "nested.deep.x": 1}
    assert sums(records) == {
        "input_tokens": 2156,
        "cache_read_tokens": 21624,
        "cache_write_5m_tokens": 200,
        "cache_write_1h_tokens": 2000,
        "output_tokens": 1603,
        "reasoning_tokens": 448,
    }
    reasons = {p.line: p.reason for p in problems}
    assert "larger than prompt_tokens" in reasons[5]
    assert "no token counts" in reasons[6]


def test_detection_explains_itself() -> None:
    found = detect(HERE / "good.jsonl")
    assert not isinstance(found, NotALog)
    assert found.format_id == "spendtrail"
    assert "canonical token buckets" in found.reason
    generic = detect(HERE / "generic.jsonl")
    assert not isinstance(generic, NotALog)
    assert generic.format_id in ("jsonl", "openai-chat", "openai-responses")


def test_not_a_log(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 10)
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"note": "hello"}\n{"note": "again"}\n')
    assert detect(empty) == NotALog("empty file")
    assert isinstance(detect(binary), NotALog)
    assert "no LLM calls" in detect(notes).reason  # type: ignore[union-attr]
