"""The bulk reader of Claude Code transcripts gives exactly what reading every line does.

The line way: every line through ``normalise``, then the dedup rule. The bulk way:
:func:`desktop.logs.columns.read_items` (common-shape lines merged and read as
columns, the rest line by line, keys settled across both). Same records, same
problems, same count of records read.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.logs.columns import RECORD_FIELDS, read_items
from desktop.logs.formats.base import ReadContext
from desktop.logs.formats.claude_code import ClaudeCodeTranscript
from desktop.logs.reader import ChunkParser, deduplicate
from desktop.logs.source import Chunk
from desktop.record import CallRecord, Problem

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = Path(__file__).parent / "fixtures" / "claude_code" / "projects"
CTX = ReadContext(Path("session.jsonl"))


def parsed(lines: list[bytes], typed: bool) -> tuple[list[tuple[Any, ...]], list[Problem]]:
    """The lines as the ingest's parser yields them: plain JSON, or typed where the
    format's decoder takes a line; and the lines that are not JSON at all."""
    fmt = ClaudeCodeTranscript()
    parser = ChunkParser(fmt.prefilter, fmt.line_decoder() if typed else None)
    items = list(parser.parse(Chunk(b"".join(raw + b"\n" for raw in lines), 1, 0, True)))
    return items, parser.problems


def line_way(lines: list[bytes]) -> tuple[list[CallRecord], list[Problem], int]:
    fmt = ClaudeCodeTranscript()
    items, problems = parsed(lines, typed=False)
    records = []
    for item in fmt.records(iter(items), CTX):
        (records if isinstance(item, CallRecord) else problems).append(item)
    return deduplicate(records), problems, len(records)


def bulk_way(lines: list[bytes]) -> tuple[list[CallRecord], list[Problem], int]:
    items, bad_json = parsed(lines, typed=True)
    columns, records, problems, read = read_items(ClaudeCodeTranscript(), iter(items), CTX)
    assert columns is not None
    cols = [columns.columns[name] for name in RECORD_FIELDS]
    rows = [CallRecord(*(col[i] for col in cols), columns.row_labels(i)) for i in range(columns.n)]
    return rows + records, problems + bad_json, read


def assert_same_both_ways(lines: list[bytes]) -> list[CallRecord]:
    want, want_problems, want_read = line_way(lines)
    got, got_problems, got_read = bulk_way(lines)
    by_line = lambda r: r.line  # noqa: E731
    assert sorted(got, key=by_line) == sorted(want, key=by_line)
    assert sorted(got_problems) == sorted(want_problems)
    assert got_read == want_read
    return want


def encoded(objects: list[Any]) -> list[bytes]:
    return [orjson.dumps(o) for o in objects]


def test_fixture_transcripts_read_the_same_both_ways() -> None:
    files = sorted(PROJECTS.rglob("*.jsonl"))
    assert len(files) >= 5
    for path in files:
        assert_same_both_ways(path.read_bytes().splitlines())


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
        kept.extend(assert_same_both_ways(path.read_bytes().splitlines()))
    calls = deduplicate(kept)  # resumed sessions repeat calls across files
    # and the bulk reader did the work: most lines merged, few left to the line reader
    biggest = max((tmp_path / "projects").rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    items, _ = parsed(biggest.read_bytes().splitlines(), typed=True)
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
    # A2: equal copies, the later one with another spelling of its timestamp: the
    # first read still wins, though the later one is looked at first
    assistant("msg_A2", output=4),
    assistant("msg_A2", output=4, timestamp="2026-07-14T09:12:45.318+00:00"),
    # A3: copies growing, the middle one with a day that does not exist
    assistant("msg_A3", output=1),
    assistant("msg_A3", output=2, timestamp="2026-02-30T09:12:44.318Z"),
    assistant("msg_A3", output=3, timestamp="2026-07-14T09:12:46Z"),
    # B: an API error copy (line reader) beside a normal one
    assistant("msg_B", output=3),
    assistant("msg_B", output=3, line_extra={"isApiErrorMessage": True}),
    # C: equal copies: the first read wins
    assistant("msg_C", output=7, line_extra={"uuid": "first"}),
    assistant("msg_C", output=7, line_extra={"parentUuid": "p-2"}),
    # C2: equal totals, only the later copy says its speed: it wins (fast mode costs more)
    assistant("msg_C2", output=7),
    assistant("msg_C2", output=7, usage_extra={"speed": "fast"}),
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
    assistant("msg_S2", model="<synthetic>", timestamp="garbage"),
    assistant(
        "msg_S3", model="<synthetic>", timestamp=None, line_extra={"isApiErrorMessage": True}
    ),
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
    # what the typed decoder turns down: the line reader has the last word
    assistant("msg_N2", usage_extra={"output_tokens": 2**63 + 5}),  # beyond 64 bits
    assistant("msg_N3", usage_extra={"input_tokens": 10**13}),  # implausibly large
    assistant("msg_N4", usage_extra={"cache_read_input_tokens": None}),
    assistant("msg_N5", usage_extra={"cache_creation_input_tokens": True}),
    assistant("msg_N6", usage_extra={"server_tool_use": ["web"]}),  # not an object: 0
    assistant("msg_N7", usage_extra={"output_tokens_details": None}),
    assistant("msg_N7b", usage_extra={"output_tokens_details": "thinking"}),
    assistant("msg_N7c", output=5, usage_extra={"output_tokens_details": {"thinking_tokens": 6}}),
    assistant("msg_N8", usage_extra={"service_tier": 3}),
    assistant("msg_N9", line_extra={"costUSD": 1}),  # an integer cost
    assistant("msg_NA", line_extra={"requestId": ""}),
    assistant("msg_NB", line_extra={"message": "text"}),
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
    lines = encoded(ODD_LINES)
    records = assert_same_both_ways(lines)
    _, problems, _ = line_way(lines)
    assert len(problems) >= 4  # bad timestamp, cost, negative tokens, odd cache split …
    by_message = {r.message_id: r for r in records}
    assert by_message["msg_A"].output_tokens == 9
    assert by_message["msg_B"].status == "ok"  # equal copies: the one read first
    assert by_message["msg_A2"].line == 4
    assert by_message["msg_A3"].output_tokens == 3
    assert 7 in {p.line for p in problems if "unreadable timestamp" in p.reason}
    assert by_message["msg_C"].line == 11
    assert by_message["msg_C2"].service_tier == "fast"
    assert by_message["msg_D"].output_tokens == 4
    assert by_message["msg_E"].output_tokens == 8
    assert by_message["msg_E"].service_tier == "fast"
    assert by_message["msg_E"].labels["speed"] == "fast"
    assert by_message["msg_E2"].service_tier == "standard"
    assert "speed" not in by_message["msg_E2"].labels
    assert "msg_S" not in by_message
    assert by_message["msg_J"].web_search_requests == 2
    assert "msg_N2" not in by_message and "msg_N3" not in by_message
    assert "msg_N7c" not in by_message  # more thinking than output
    assert by_message["msg_N6"].web_search_requests == 0
    assert by_message["msg_N9"].reported_cost_usd == 1.0


def test_thinking_tokens_are_read_as_columns() -> None:
    # The Messages API reports thinking inside output: a subset, the reasoning bucket.
    lines = encoded(
        [
            assistant("msg_R1", output=10, usage_extra={"output_tokens_details": {}}),
            assistant(
                "msg_R2", output=10, usage_extra={"output_tokens_details": {"thinking_tokens": 4}}
            ),
            assistant(
                "msg_R3",
                output=10,
                usage_extra={"output_tokens_details": {"thinking_tokens": None, "other": 1}},
            ),
        ]
    )
    records = assert_same_both_ways(lines)
    assert [(r.output_tokens, r.reasoning_tokens) for r in records] == [(10, 0), (10, 4), (10, 0)]
    items, _ = parsed(lines, typed=True)
    columns, rest, _, _ = read_items(ClaudeCodeTranscript(), iter(items), CTX)
    assert columns is not None and columns.n == 3 and rest == []


def test_lines_only_plain_json_turns_down_are_problems_both_ways() -> None:
    # The typed decoder skips the fields it does not read without building them:
    # what is wrong there must still make the line a problem, as plain JSON says.
    good = orjson.dumps(assistant("msg_ok", request_id="r0"))
    content = orjson.dumps(assistant("msg_bad"))
    lines = [
        good,
        content.replace(b'"text":"ok"', b'"text":"\xff\xfe"'),  # invalid UTF-8
        content.replace(b'"text":"ok"', b'"text":"\\ud800"'),  # a lone surrogate
        content.replace(b'"text":"ok"', b'"text":01'),  # not a JSON number
        content.replace(b'"text":"ok"', b'"text":"a\tb"'),  # a raw control character
        content.replace(b'"text":"ok"', b'"text":"caf\xc3\xa9"'),  # fine: UTF-8 text
        content[:-5],  # cut short
    ]
    records = assert_same_both_ways(lines)
    _, problems, _ = line_way(lines)
    assert {p.line: p.reason for p in problems}.keys() == {2, 3, 4, 5, 7}
    assert [r.line for r in records] == [1, 6]
    assert records[1].labels["project"] == "shop-api"


@pytest.mark.parametrize("winner", ["bulk", "line"])
def test_a_key_on_both_sides_keeps_the_larger_copy(winner: str) -> None:
    big, small = (12, 30) if winner == "line" else (30, 12)
    lines = encoded(
        [
            assistant("msg_Z", output=big),
            assistant("msg_Z", output=small, line_extra={"isApiErrorMessage": True}),
        ]
    )
    (record,) = assert_same_both_ways(lines)
    assert record.output_tokens == 30
    assert record.status == ("error" if winner == "line" else "ok")


def test_timestamps_agree_to_the_bit() -> None:
    stamps = ["2026-07-14T09:12:44.318Z", "2026-01-01T00:00:00.001Z", "2026-03-29T01:59:59Z"]
    lines = encoded(
        [assistant(f"msg_{i}", timestamp=s, request_id=f"r{i}") for i, s in enumerate(stamps)]
    )
    records = assert_same_both_ways(lines)
    assert all(math.isfinite(r.ts) for r in records)


def test_fast_mode_lines_are_read_as_columns() -> None:
    lines = encoded(
        [
            assistant("msg_F1", usage_extra={"speed": "fast"}),
            assistant("msg_F2", usage_extra={"speed": "standard"}),
            assistant("msg_F3"),
        ]
    )
    records = assert_same_both_ways(lines)
    items, _ = parsed(lines, typed=True)
    columns, rest, _, _ = read_items(ClaudeCodeTranscript(), iter(items), CTX)
    assert columns is not None and columns.n == 3 and rest == []
    tiers = {r.message_id: (r.service_tier, r.labels.get("speed")) for r in records}
    assert tiers == {
        "msg_F1": ("fast", "fast"),
        "msg_F2": ("standard", "standard"),
        "msg_F3": ("standard", None),
    }


def test_compressed_transcripts_go_through_the_bulk_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gzip
    import shutil

    import zstandard

    from desktop.cli import main
    from desktop.logs.formats import claude_columns

    plain = tmp_path / "plain" / "projects"
    packed = tmp_path / "packed" / "projects"
    shutil.copytree(PROJECTS, plain)
    shutil.copytree(PROJECTS, packed)
    for i, path in enumerate(sorted(packed.rglob("*.jsonl"))):
        data = path.read_bytes()
        if i % 2:
            path.with_name(path.name + ".gz").write_bytes(gzip.compress(data))
        else:
            path.with_name(path.name + ".zst").write_bytes(zstandard.compress(data))
        path.unlink()
    bulk_reads: list[int] = []
    real = claude_columns.read_claude_columns

    def counted(items: Any, labels_of: Any) -> Any:
        bulk_reads.append(1)
        return real(items, labels_of)

    monkeypatch.setattr(claude_columns, "read_claude_columns", counted)

    def report(folder: Path) -> dict[str, Any]:
        assert main(["report", str(folder), "--format", "json", "-q"]) == 0
        return orjson.loads(capsys.readouterr().out)

    want = report(plain)
    reads_plain = len(bulk_reads)
    got = report(packed)
    assert got["totals"] == want["totals"] and want["totals"]["calls"] > 5
    assert len(bulk_reads) - reads_plain == len(list(packed.rglob("*.jsonl.*"))) == reads_plain


# Field values, odd ones included, that each random line picks from (MISSING: absent).
MISSING = object()
FIELD_CHOICES: dict[str, list[Any]] = {
    "input_tokens": [4, 0, None, 4.0],
    "output_tokens": [10, 0, 5, 200, 10.0, "7", None, MISSING],
    "cache_read_input_tokens": [41277, 0, None, True, MISSING],
    "cache_creation_input_tokens": [1830, 0, 1830.0, -5, None, MISSING],
    "cache_creation": [
        {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 1830},
        {},
        {"ephemeral_1h_input_tokens": 1000},
        {"ephemeral_1h_input_tokens": None},
        {"ephemeral_1h_input_tokens": 1.0},
        "x",
        None,
        MISSING,
    ],
    "service_tier": ["standard", "priority", "batch", "default", "fast", "standard_only", 3, None],
    "speed": [MISSING, "fast", "standard", " fast", 5, None],
    "inference_geo": [MISSING, "us", "global", "US", 5, None],
    "server_tool_use": [MISSING, {"web_search_requests": 3}, {"web_search_requests": None}, "x"],
    "output_tokens_details": [MISSING, {"thinking_tokens": 5}, {"thinking_tokens": 10**6}, "s"],
    "model": ["claude-opus-4-6", "<synthetic>", "", 5, MISSING],
    "id": ["msg_1", "msg_2", "msg_3", "", MISSING],
    "requestId": ["req_1", "req_2", "", 5, MISSING],
    "sessionId": ["s1", "s2", "", 7, MISSING],
    "isSidechain": [False, True, "true", MISSING],
    "isApiErrorMessage": [MISSING, True, "yes"],
    "costUSD": [MISSING, 1, 0.5, "x", True],
    "parentUuid": [MISSING, "p", 5, None],
    "cwd": ["/home/dev/a", "", 5, MISSING],
    "timestamp": [
        "2026-07-14T09:12:44.318Z",
        "2026-07-14T09:12:44Z",
        "2026-07-14T09:12:44.318+02:00",
        "2026-02-30T09:12:44.318Z",
        "garbage",
        1783000000,
        None,
        MISSING,
    ],
}
USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "cache_creation",
    "service_tier",
    "speed",
    "inference_geo",
    "server_tool_use",
    "output_tokens_details",
)


def _random_line(draw: Any) -> dict[str, Any]:
    # Mostly the common value (the first); one field in eight odd, so that lines with a
    # single odd field (the telling ones) are common.
    picked = {
        name: values[draw(st.integers(0, len(values) - 1))]
        if draw(st.integers(0, 7)) == 0
        else values[0]
        for name, values in FIELD_CHOICES.items()
    }
    usage = {k: picked[k] for k in USAGE_FIELDS if picked[k] is not MISSING}
    message = {"type": "message", "role": "assistant", "content": [], "usage": usage}
    for key in ("model", "id"):
        if picked[key] is not MISSING:
            message[key] = picked[key]
    line = {"type": "assistant", "message": message, "version": "2.1.40"}
    for key in FIELD_CHOICES:
        if key not in USAGE_FIELDS and key not in ("model", "id") and picked[key] is not MISSING:
            line[key] = picked[key]
    return line


@st.composite
def transcripts(draw: Any) -> list[bytes]:
    return [orjson.dumps(_random_line(draw)) for _ in range(draw(st.integers(1, 10)))]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts())
def test_random_lines_read_the_same_both_ways(lines: list[bytes]) -> None:
    assert_same_both_ways(lines)
