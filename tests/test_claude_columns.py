"""The bulk reader of Claude Code transcripts gives exactly what reading every line does.

The line way: every line through ``normalise``, then the dedup rule. The bulk way:
:func:`desktop.logs.columns.read_items` (common-shape lines merged and read as
columns, the rest line by line, keys settled across both). Same records, same
problems, same count of records read.
"""

from __future__ import annotations

import copy
import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from desktop.logs.columns import RECORD_FIELDS, read_items
from desktop.logs.formats.base import ReadContext
from desktop.logs.formats.claude_code import ClaudeCodeTranscript
from desktop.logs.reader import deduplicate
from desktop.record import CallRecord, Problem

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = Path(__file__).parent / "fixtures" / "claude_code" / "projects"
CTX = ReadContext(Path("session.jsonl"))


def items_of(lines: list[bytes]) -> list[tuple[int, int, Any]]:
    items = []
    offset = 0
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            items.append((number, offset, orjson.loads(raw)))
        offset += len(raw) + 1
    return items


def line_way(items: list[tuple[int, int, Any]]) -> tuple[list[CallRecord], list[Problem], int]:
    fmt = ClaudeCodeTranscript()
    records, problems = [], []
    for item in fmt.records(iter(copy.deepcopy(items)), CTX):
        (records if isinstance(item, CallRecord) else problems).append(item)
    return deduplicate(records), problems, len(records)


def bulk_way(items: list[tuple[int, int, Any]]) -> tuple[list[CallRecord], list[Problem], int]:
    columns, records, problems, read = read_items(ClaudeCodeTranscript(), iter(items), CTX)
    assert columns is not None
    cols = [columns.columns[name] for name in RECORD_FIELDS]
    rows = [CallRecord(*(col[i] for col in cols), columns.row_labels(i)) for i in range(columns.n)]
    return rows + records, problems, read


def assert_same_both_ways(items: list[tuple[int, int, Any]]) -> list[CallRecord]:
    want, want_problems, want_read = line_way(items)
    got, got_problems, got_read = bulk_way(items)
    by_line = lambda r: r.line  # noqa: E731
    assert sorted(got, key=by_line) == sorted(want, key=by_line)
    assert sorted(got_problems) == sorted(want_problems)
    assert got_read == want_read
    return want


def test_fixture_transcripts_read_the_same_both_ways() -> None:
    files = sorted(PROJECTS.rglob("*.jsonl"))
    assert len(files) >= 5
    for path in files:
        assert_same_both_ways(items_of(path.read_bytes().splitlines()))


def test_generated_projects_read_the_same_both_ways(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_claude_projects", ROOT / "scripts" / "make_claude_projects.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    totals = module.Generator(tmp_path, 600, 3).run()
    kept: list[CallRecord] = []
    for path in sorted((tmp_path / "projects").rglob("*.jsonl")):
        kept.extend(assert_same_both_ways(items_of(path.read_bytes().splitlines())))
    calls = deduplicate(kept)  # resumed sessions repeat calls across files
    # and the bulk reader did the work: most lines merged, few left to the line reader
    biggest = max((tmp_path / "projects").rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    items = items_of(biggest.read_bytes().splitlines())
    columns, records, _, _ = read_items(ClaudeCodeTranscript(), iter(items), CTX)
    assert columns is not None and columns.n > 10 * len(records)
    assert columns.merged > columns.n
    assert len(calls) == totals.calls == 600
    assert sum(r.output_tokens for r in calls) == totals.output_tokens


def assistant(
    message_id: str,
    *,
    output: int = 10,
    line_extra: dict[str, Any] | None = None,
    usage_extra: dict[str, Any] | None = None,
    timestamp: Any = "2026-07-14T09:12:44.318Z",
    request_id: str | None = "req_1",
    model: str = "claude-sonnet-4-5-20250929",
) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "input_tokens": 6,
        "cache_creation_input_tokens": 1200,
        "cache_read_input_tokens": 30500,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 1200},
        "output_tokens": output,
        "service_tier": "standard",
    }
    usage.update(usage_extra or {})
    line: dict[str, Any] = {
        "parentUuid": "p-1",
        "isSidechain": False,
        "cwd": "/home/dev/shop-api",
        "sessionId": "s-1",
        "version": "2.1.40",
        "gitBranch": "main",
        "type": "assistant",
        "timestamp": timestamp,
        "message": {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": "ok"}],
            "usage": usage,
        },
    }
    if request_id is not None:
        line["requestId"] = request_id
    line.update(line_extra or {})
    return line


ODD_LINES: list[dict[str, Any]] = [
    # A: the largest copy has a bad timestamp: it is a problem, the next copy wins
    assistant("msg_A", output=5),
    assistant("msg_A", output=9),
    assistant("msg_A", output=12, timestamp="2026-13-14T09:12:44.318Z"),
    # B: an API error copy (line reader) beside a normal one
    assistant("msg_B", output=3),
    assistant("msg_B", output=3, line_extra={"isApiErrorMessage": True}),
    # C: equal copies: the first read wins
    assistant("msg_C", output=7, line_extra={"uuid": "first"}),
    assistant("msg_C", output=7, line_extra={"parentUuid": "p-2"}),
    # D: a larger sidechain replay loses to the parent copy
    assistant("msg_D", output=50, line_extra={"isSidechain": True}),
    assistant("msg_D", output=4),
    # E: fast mode (the fast tier, and a speed label) beats a smaller plain copy
    assistant("msg_E", output=2),
    assistant("msg_E", output=8, usage_extra={"speed": "fast"}),
    # a speed that is not text (line reader: no label, tier as logged)
    assistant("msg_E2", usage_extra={"speed": 2}),
    # F: a float token count (line reader)
    assistant("msg_F", output=2),
    assistant("msg_F", output=6.0),  # type: ignore[arg-type]
    # synthetic placeholder, a cost that is not a number, an epoch timestamp
    assistant("msg_S", model="<synthetic>"),
    assistant("msg_G", line_extra={"costUSD": True}),
    assistant("msg_H", timestamp=1784020364.318),
    # no requestId: the key is per session
    assistant("msg_I", request_id=None, output=1),
    assistant("msg_I", request_id=None, output=3),
    # web searches, a provider spelling of the tier, an odd cache split, a number parent
    assistant("msg_J", usage_extra={"server_tool_use": {"web_search_requests": 2}}),
    assistant("msg_K", usage_extra={"service_tier": "default"}),
    assistant(
        "msg_L",
        usage_extra={
            "cache_creation": {"ephemeral_5m_input_tokens": 900, "ephemeral_1h_input_tokens": 900}
        },
    ),
    assistant("msg_M", line_extra={"parentUuid": 5}),
    assistant("msg_N", usage_extra={"output_tokens": -1}),
    assistant("msg_O", line_extra={"costUSD": 0.25, "agentId": "a-9", "isSidechain": True}),
    # a sub-agent's line echoed into the parent as a progress line, and its own copy
    {
        "type": "progress",
        "sessionId": "s-1",
        "data": {"agentId": "a-7", "message": assistant("msg_P", output=20)},
    },
    assistant("msg_P", output=11, line_extra={"isSidechain": True, "agentId": "a-7"}),
    # not calls
    {"type": "user", "message": {"role": "user", "content": "usage?"}},
    [1, 2, 3],
]


def test_odd_lines_read_the_same_both_ways() -> None:
    items = [(i + 1, i * 1000, obj) for i, obj in enumerate(ODD_LINES)]
    records = assert_same_both_ways(items)
    _, problems, _ = line_way(items)
    assert len(problems) >= 4  # bad timestamp, cost, negative tokens, odd cache split …
    by_message = {r.message_id: r for r in records}
    assert by_message["msg_A"].output_tokens == 9
    assert by_message["msg_B"].status == "ok"  # equal copies: the one read first
    assert by_message["msg_C"].line == 6
    assert by_message["msg_D"].output_tokens == 4
    assert by_message["msg_E"].output_tokens == 8
    assert by_message["msg_E"].service_tier == "fast"
    assert by_message["msg_E"].labels["speed"] == "fast"
    assert by_message["msg_E2"].service_tier == "standard"
    assert "speed" not in by_message["msg_E2"].labels
    assert "msg_S" not in by_message
    assert by_message["msg_J"].web_search_requests == 2


@pytest.mark.parametrize("winner", ["bulk", "line"])
def test_a_key_on_both_sides_keeps_the_larger_copy(winner: str) -> None:
    big, small = (12, 30) if winner == "line" else (30, 12)
    items = [
        (1, 0, assistant("msg_Z", output=big)),
        (2, 100, assistant("msg_Z", output=small, line_extra={"isApiErrorMessage": True})),
    ]
    (record,) = assert_same_both_ways(items)
    assert record.output_tokens == 30
    assert record.status == ("error" if winner == "line" else "ok")


def test_timestamps_agree_to_the_bit() -> None:
    stamps = ["2026-07-14T09:12:44.318Z", "2026-01-01T00:00:00.001Z", "2026-03-29T01:59:59Z"]
    items = [
        (i + 1, i, assistant(f"msg_{i}", timestamp=s, request_id=f"r{i}"))
        for i, s in enumerate(stamps)
    ]
    records = assert_same_both_ways(items)
    assert all(math.isfinite(r.ts) for r in records)


def test_fast_mode_lines_are_read_as_columns() -> None:
    items = [
        (1, 0, assistant("msg_F1", usage_extra={"speed": "fast"})),
        (2, 100, assistant("msg_F2", usage_extra={"speed": "standard"})),
        (3, 200, assistant("msg_F3")),
    ]
    records = assert_same_both_ways(items)
    columns, rest, _, _ = read_items(ClaudeCodeTranscript(), iter(items), CTX)
    assert columns is not None and columns.n == 3 and rest == []
    tiers = {r.message_id: (r.service_tier, r.labels.get("speed")) for r in records}
    assert tiers == {
        "msg_F1": ("fast", "fast"),
        "msg_F2": ("standard", "standard"),
        "msg_F3": ("standard", None),
    }
