"""Bad input never stops a read and loses nothing: each bad piece is a Problem with its line."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from desktop.logs import reader
from desktop.logs.detect import NotALog, detect
from desktop.logs.formats import get_format, sqlite_generic
from desktop.logs.json_document import read_raw_unit
from desktop.logs.reader import ReadEnd, collect, read_records
from desktop.logs.source import Chunk, SourceError, read_chunks
from desktop.record import CallRecord, Problem

SPENDTRAIL = get_format("spendtrail")


def good(n: int) -> bytes:
    """A valid Spendtrail line with ``n`` input tokens."""
    return orjson.dumps(
        {
            "ts": 1783050000 + n,
            "model": "gpt-4.1",
            "input_tokens": n,
            "output_tokens": 1,
            "cache_read_tokens": 0,
        }
    )


def read_all(path: Path, fmt=SPENDTRAIL, start: ReadEnd | None = None):
    items = list(
        read_records(path, fmt, None, start.offset if start else 0, start.line if start else 1)
    )
    records = [i for i in items if isinstance(i, CallRecord)]
    problems = sorted((i for i in items if isinstance(i, Problem)), key=lambda p: p.line)
    end = items[-1]
    assert isinstance(end, ReadEnd)
    return records, problems, end


def test_bad_lines_between_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        good(1),
        b'{"ts": 1783050000, "input_tokens": 5, "output_tokens": \xff\xfe}',  # bad UTF-8
        good(2),
        b'{"ts": 1783050000, "input_tokens": 5,',  # invalid JSON
        b'{"ts": 1783050000, "input_tokens": NaN, "output_tokens": 1}',
        b'{"ts": 1783050000, "input_tokens": "12", "output_tokens": 1}',  # wrong type
        b'{"ts": 1783050000, "input_tokens": -3, "output_tokens": 1}',  # negative
        b"[1, 2, 3]",  # not an object
        b"42",
        good(3),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    records, problems, end = read_all(path)
    assert [r.input_tokens for r in records] == [1, 2, 3]
    assert [r.line for r in records] == [1, 3, 10]
    reasons = {p.line: p.reason for p in problems}
    assert reasons[2] == "invalid UTF-8 in line"
    assert reasons[4].startswith("invalid JSON")
    assert reasons[5] == "invalid JSON: NaN/Infinity is not a JSON number"
    assert reasons[6] == "input_tokens is a string ('12'), not a number"
    assert reasons[7] == "input_tokens is negative (-3)"
    assert reasons[8] == "not a JSON object (a list)"
    assert reasons[9] == "not a JSON object (a int)"
    assert all(p.offset is not None for p in problems)
    assert end == ReadEnd(path.stat().st_size, 11)


@pytest.mark.parametrize(
    ("format_id", "line"),
    [
        (
            "litellm",
            b'{"id":"x","call_type":"completion","startTime":1783050000,'
            b'"prompt_tokens":-1,"completion_tokens":1,"response_cost":0}',
        ),
        (
            "langfuse",
            b'{"id":"o","traceId":"t","type":"GENERATION","startTime":"2026-01-01T00:00:00Z",'
            b'"usageDetails":{"input":1.5,"output":1}}',
        ),
        (
            "otel",
            b'{"type":"span","traceId":"ab","spanId":"cd","name":"chat",'
            b'"startTime":"yesterday","attributes":{"gen_ai.usage.input_tokens":1}}',
        ),
        ("mapped", b'{"meta":{"ts":"2026-07-01T10:00:00Z"},"llm":"m","usage":{"in":true,"out":1}}'),
    ],
)
def test_format_level_problems_keep_neighbours(tmp_path: Path, format_id: str, line: bytes) -> None:
    fmt = get_format(format_id)
    path = tmp_path / "f.jsonl"
    neighbours = {
        "litellm": b'{"id":"ok","call_type":"completion","startTime":1783050000,'
        b'"prompt_tokens":3,"completion_tokens":1,"response_cost":0}',
        "langfuse": b'{"id":"ok","traceId":"t","type":"GENERATION","startTime":'
        b'"2026-01-01T00:00:00Z","usageDetails":{"input":3,"output":1}}',
        "otel": b'{"type":"span","traceId":"ab","spanId":"ef","name":"chat","startTime":'
        b'[1783050000,0],"attributes":{"gen_ai.usage.input_tokens":3}}',
        "mapped": b'{"meta":{"ts":"2026-07-01T10:00:00Z"},"llm":"m","usage":{"in":3,"out":1}}',
    }
    ok = neighbours[format_id]
    path.write_bytes(b"\n".join([ok, line, b'"a string"', ok]) + b"\n")
    records, problems = collect(path, fmt)
    assert [r.input_tokens for r in records] == [3, 3]
    assert [p.line for p in problems] == [2, 3]


def test_truncated_last_line_is_read_again_later(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(good(1) + b"\n" + good(2)[:20])
    records, problems, end = read_all(path)
    assert [r.input_tokens for r in records] == [1]
    assert [(p.line, p.reason.split(" (")[0]) for p in problems] == [(2, "truncated last line")]
    assert end == ReadEnd(len(good(1)) + 1, 2)
    with path.open("ab") as fh:
        fh.write(good(2)[20:] + b"\n" + good(3) + b"\n")
    records, problems, end = read_all(path, start=end)
    assert [(r.line, r.input_tokens) for r in records] == [(2, 2), (3, 3)]
    assert problems == []


def test_complete_last_line_without_newline_resumes_on_the_right_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(good(1) + b"\n" + good(2))  # line 2 complete, newline not yet written
    records, _, end = read_all(path)
    assert [r.line for r in records] == [1, 2]
    with path.open("ab") as fh:
        fh.write(b"\n" + good(3) + b"\n")
    records, problems, _ = read_all(path, start=end)
    assert [(r.line, r.input_tokens) for r in records] == [(3, 3)]
    assert problems == []


def test_file_growing_between_chunks_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "growing.jsonl"
    path.write_bytes(b"".join(good(n) + b"\n" for n in range(1, 6)))

    def small_chunks(p: Path, start_offset: int = 0, start_line: int = 1) -> Iterator[Chunk]:
        appended = False
        for chunk in read_chunks(p, start_offset, start_line, chunk_size=100):
            yield chunk
            if not appended:  # the writer appends while we are reading
                with p.open("ab") as fh:
                    fh.write(good(6) + b"\n" + good(7) + b"\n" + good(8)[:15])
                appended = True

    monkeypatch.setattr(reader, "read_chunks", small_chunks)
    records, problems, end = read_all(path)
    assert [r.input_tokens for r in records] == [1, 2, 3, 4, 5, 6, 7]
    assert [p.line for p in problems] == [8]  # the partial line, reported as truncated
    monkeypatch.undo()
    with path.open("ab") as fh:
        fh.write(good(8)[15:] + b"\n")
    records, problems, _ = read_all(path, start=end)
    assert [(r.line, r.input_tokens) for r in records] == [(8, 8)]
    assert problems == []


@pytest.mark.slow
def test_fifty_megabyte_lines(tmp_path: Path) -> None:
    big_text = "x" * (50 << 20)
    valid = orjson.dumps(
        {
            "ts": 1783050000,
            "input_tokens": 7,
            "output_tokens": 1,
            "cache_read_tokens": 0,
            "prompt": big_text,
        }
    )
    garbage = b'{"ts": 1783050000, "input_tokens": 7, "note": "' + b"y" * (50 << 20)
    path = tmp_path / "big.jsonl"
    path.write_bytes(good(1) + b"\n" + valid + b"\n" + garbage + b"\n" + good(4) + b"\n")
    records, problems, _ = read_all(path)
    assert [(r.line, r.input_tokens) for r in records] == [(1, 1), (2, 7), (4, 4)]
    assert [p.line for p in problems] == [3]
    assert problems[0].reason.startswith("invalid JSON")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    records, problems, end = read_all(path)
    assert (records, problems, end) == ([], [], ReadEnd(0, 1))
    found = detect(path)
    assert isinstance(found, NotALog)
    assert found.reason == "empty file"


def test_binary_and_utf16_files_are_source_errors(tmp_path: Path) -> None:
    binary = tmp_path / "image.jsonl"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(SourceError, match="binary file"):
        collect(binary, SPENDTRAIL)
    found = detect(binary)
    assert isinstance(found, NotALog)
    assert found.reason.startswith("binary file")
    utf16 = tmp_path / "powershell.jsonl"
    utf16.write_bytes((good(1).decode() + "\n").encode("utf-16"))
    with pytest.raises(SourceError, match="UTF-16"):
        collect(utf16, SPENDTRAIL)


def test_utf8_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + good(1) + b"\n" + good(2) + b"\n")
    records, problems, _ = read_all(path)
    assert [r.input_tokens for r in records] == [1, 2]
    assert problems == []
    assert detect(path).format_id == "spendtrail"  # type: ignore[union-attr]


def test_json_array_with_a_broken_element(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(
        "[\n"
        '  {"ts": 1783050001, "input_tokens": 1, "output_tokens": 1, "cache_read_tokens": 0},\n'
        '  {"ts": 1783050002, "input_tokens": tru, "output_tokens": 1},\n'
        '  {"ts": 1783050003, "input_tokens": 3, "output_tokens": 1, "cache_read_tokens": 0},\n'
        "  17,\n"
        '  {"ts": 1783050004, "input_tokens": 4, "output_tokens": 1, "cache_read_tokens": 0}\n'
        "]\n"
    )
    records, problems, end = read_all(path)
    assert [(r.line, r.input_tokens) for r in records] == [(2, 1), (4, 3), (6, 4)]
    assert [(p.line, p.reason.split(":")[0]) for p in problems] == [
        (3, "invalid JSON element"),
        (5, "not a JSON object (a int)"),
    ]
    assert end == ReadEnd(path.stat().st_size, 8)
    first = records[0]
    assert first.offset is not None
    assert read_raw_unit(path, first.offset).startswith(b'{"ts": 1783050001')


def test_growing_json_document_resumes_after_the_last_whole_object(tmp_path: Path) -> None:
    def pretty(n: int) -> bytes:
        obj = orjson.loads(good(n))
        return orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n"

    path = tmp_path / "console.json"
    second = pretty(2)
    path.write_bytes(pretty(1) + second[:30])
    records, problems, end = read_all(path)
    assert [r.input_tokens for r in records] == [1]
    assert [p.reason.split(":")[0] for p in problems] == ["truncated JSON"]
    with path.open("ab") as fh:
        fh.write(second[30:])
    records, problems, _ = read_all(path, start=end)
    assert [(r.line, r.input_tokens) for r in records] == [(end.line + 1, 2)]
    assert problems == []


def _usage_db(path: Path, wal: bool = False) -> Path:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE calls (ts TEXT, model TEXT, input_tokens INTEGER, output_tokens INTEGER)"
    )
    conn.execute("INSERT INTO calls VALUES ('2026-01-01T00:00:00Z', 'm', 'ten', 1)")
    conn.execute("INSERT INTO calls VALUES ('2026-01-01T00:00:01Z', 'm', 10, 1)")
    conn.commit()
    conn.close()
    return path


def test_sqlite_bad_row_locked_and_corrupt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fmt = get_format("sqlite")
    db = _usage_db(tmp_path / "usage.db")
    records, problems = collect(db, fmt)
    assert [r.input_tokens for r in records] == [10]
    assert [(p.line, p.reason) for p in problems] == [
        (1, "calls row 1: input_tokens (input_tokens) is a string ('ten'), not a number")
    ]
    monkeypatch.setattr(sqlite_generic, "BUSY_TIMEOUT_S", 0.05)
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN EXCLUSIVE")
        with pytest.raises(SourceError, match="locked"):
            collect(db, fmt)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\x07" * 2048)
    with pytest.raises(SourceError, match="damaged or not a database"):
        collect(corrupt, fmt)
    with pytest.raises(SourceError):
        detect(corrupt)


def test_text_with_a_stray_quote_between_pretty_objects(tmp_path: Path) -> None:
    def pretty(n: int) -> bytes:
        return orjson.dumps(orjson.loads(good(n)), option=orjson.OPT_INDENT_2) + b"\n"

    path = tmp_path / "stdout.log"
    path.write_bytes(pretty(1) + b'INFO user said "hello [sic]\n' + pretty(2))
    records, problems, _ = read_all(path)
    assert [r.input_tokens for r in records] == [1, 2]
    assert [p.reason for p in problems] == ["not JSON: 'INFO user said \"hello [sic]'"]


def test_absurd_token_counts_are_problems_not_a_failed_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A count beyond 64 bits cannot even be stored, and none near a trillion is real:
    # the line is a problem, the calls around it are billed (through the bulk readers,
    # as a load reads them, and through the line reader).
    from desktop.cli import main

    def with_count(line: bytes, count: int) -> bytes:
        return line.replace(b"987654", str(count).encode())  # past what orjson writes

    ours = tmp_path / "logs" / "app.jsonl"
    ours.parent.mkdir()
    ours.write_bytes(
        b"\n".join([good(1), with_count(good(987654), 2**64 + 1), good(2)])
        + b"\n"
        + orjson.dumps(dict(orjson.loads(good(4)), output_tokens=10**13))
        + b"\n"
        + with_count(good(987654), 2**63 + 5)  # an integer to a JSON parser, but not to int64
        + b"\n"
    )
    transcript = tmp_path / "logs" / "projects" / "-home-dev-app" / "s-1.jsonl"
    transcript.parent.mkdir(parents=True)
    line = orjson.loads(get_format("claude-code").samples[0])
    lines = []
    for n, output in enumerate((3, 987654, 10**13, 4)):
        line["message"] = dict(line["message"], id=f"msg_{n}")
        line["message"]["usage"] = dict(line["message"]["usage"], output_tokens=output)
        lines.append(with_count(orjson.dumps(line), 2**63 + 5))
    transcript.write_bytes(b"\n".join(lines) + b"\n")

    code = main(["report", str(tmp_path / "logs"), "--format", "json", "-q"])
    out, err = capsys.readouterr()
    assert code == 0, err
    sources = {Path(s["path"]).name: s for s in orjson.loads(out)["sources"]}
    app, claude = sources["app.jsonl"], sources["s-1.jsonl"]
    assert (app["calls"], claude["calls"]) == (2, 2)
    assert {p["line"]: p["reason"] for p in app["problems"]} == {
        # (beyond 64 bits JSON parsers give a float)
        2: f"input_tokens is implausibly large ({float(2**64 + 1):,.0f})",
        4: f"output_tokens is implausibly large ({10**13:,})",
        5: f"input_tokens is implausibly large ({2**63 + 5:,})",
    }
    assert {p["line"]: p["reason"] for p in claude["problems"]} == {
        2: f"output_tokens is implausibly large ({2**63 + 5:,})",
        3: f"output_tokens is implausibly large ({10**13:,})",
    }
    for path in (ours, transcript):
        fmt = get_format("spendtrail" if path == ours else "claude-code")
        records, problems = collect(path, fmt)
        assert len(records) == 2
        assert [p.line for p in problems] == ([2, 4, 5] if path == ours else [2, 3])
