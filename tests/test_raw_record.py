"""Reading a call's raw record back from its source: JSONL (plain, gz, zst), JSON documents,
SQLite sources, and sources that changed or vanished since."""

from __future__ import annotations

import gzip
import os
import sqlite3
from pathlib import Path

import orjson
import zstandard

from desktop.logs.source import lines_around
from desktop.store.call_detail import call_detail, comparison
from desktop.store.pricer import PricingSpec
from desktop.store.raw import read_raw, turn_text
from desktop.timeutil import resolve_zone
from tests.helpers import TEST_CATALOG, call, open_logs, write_jsonl

RECORDS = [
    call("2026-05-01T10:00:00Z", request_id="a", prompt="Hello", response="Hi there"),
    call("2026-05-01T10:01:00Z", request_id="b", labels={"tenant": "acme"}),
    call("2026-05-01T10:02:00Z", request_id="c", prompt="Third", response="Answer"),
]


def call_row(ds, request_id: str) -> dict:
    row = next(r for r in ds.rows(ds.frame.ids.tolist()) if r["request_id"] == request_id)
    return row


def test_plain_jsonl_line_by_offset(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "calls.jsonl", RECORDS)
    ds, _ = open_logs([path])
    raw = read_raw(ds, call_row(ds, "c"))
    assert raw.note == ""
    assert raw.value["request_id"] == "c"
    assert '\n  "request_id": "c"' in raw.text  # indented JSON
    assert "line 3" in raw.location
    fmt = ds.sources[call_row(ds, "c")["source_id"]][1]
    assert turn_text(fmt, raw.value) == ("Third", "Answer")


def test_gzip_and_zstd_offsets_count_decompressed_bytes(tmp_path: Path) -> None:
    data = b"".join(orjson.dumps(r) + b"\n" for r in RECORDS)
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(data))
    (tmp_path / "b.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    for name in ("a.jsonl.gz", "b.jsonl.zst"):
        ds, _ = open_logs([tmp_path / name])
        raw = read_raw(ds, call_row(ds, "b"))
        assert raw.value["labels"] == {"tenant": "acme"}, name
        assert raw.note == ""


def test_json_document_units(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(orjson.dumps(RECORDS, option=orjson.OPT_INDENT_2))
    ds, _ = open_logs([path])
    raw = read_raw(ds, call_row(ds, "b"))
    assert raw.value is not None
    assert raw.value["request_id"] == "b"


def test_vanished_and_rewritten_files_are_said_plainly(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "calls.jsonl", RECORDS)
    ds, _ = open_logs([path])
    row = call_row(ds, "c")
    # Rewritten shorter: said, not raised.
    path.write_bytes(orjson.dumps(RECORDS[0]) + b"\n")
    raw = read_raw(ds, row)
    assert "shorter" in raw.note
    # Same size, other content.
    original = b"".join(orjson.dumps(r) + b"\n" for r in RECORDS)
    path.write_bytes(original.replace(b'"c"', b'"x"'))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    raw = read_raw(ds, row)
    assert "modified" in raw.note
    assert raw.value["request_id"] == "x"
    path.unlink()
    raw = read_raw(ds, row)
    assert raw.value is None
    assert "no longer there" in raw.note


def test_garbage_at_the_offset_is_not_json(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "calls.jsonl", RECORDS)
    ds, _ = open_logs([path])
    row = call_row(ds, "c")
    size = path.stat().st_size
    path.write_bytes(b"x" * size)
    raw = read_raw(ds, row)
    assert raw.value is None
    assert "Not a JSON record" in raw.note
    assert raw.text.startswith("xxx")


def test_llm_logs_db_row_by_rowid(tmp_path: Path) -> None:
    from tests.test_format_llm_cli import build_llm_db

    path = build_llm_db(tmp_path / "logs.db")
    ds, _ = open_logs([path])
    rows = ds.rows(ds.frame.ids.tolist())
    assert rows
    texts = []
    for row in rows:
        raw = read_raw(ds, row)
        assert raw.value is not None, raw.note
        assert "rowid" in raw.location
        texts.append(turn_text("llm-logs", raw.value))
    assert any(prompt and response for prompt, response in texts)


def test_generic_sqlite_row_by_rowid(tmp_path: Path) -> None:
    from tests.test_format_sqlite import build_app_db

    path = build_app_db(tmp_path / "app.db")
    ds, _ = open_logs([path])
    row = next(r for r in ds.rows(ds.frame.ids.tolist()) if r["line"] == 2)
    raw = read_raw(ds, row)
    assert raw.value["model"] == "gpt-4.1-mini"
    assert raw.value["prompt"] == "yo"
    assert "table api_calls, rowid 2" in raw.location
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM api_calls WHERE id = 2")
    conn.commit()
    conn.close()
    raw = read_raw(ds, row)
    assert raw.value is None
    assert "no longer there" in raw.note


def test_call_detail_fields_cost_and_comparison(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call(
                "2026-05-01T10:00:00Z",
                input_tokens=1_000_000,
                output_tokens=100_000,
                reported_cost_usd=0.6,
                labels={"tenant": "acme"},
            ),
            call("2026-05-01T10:00:00Z", "no-such-model"),
        ],
    )
    ds, _ = open_logs([path])
    engine = PricingSpec(file=str(TEST_CATALOG)).load()
    zone = resolve_zone("Europe/Berlin")
    first, second = (int(i) for i in ds.frame.ids)
    detail = call_detail(ds, first, engine, zone)
    assert detail is not None
    fields = dict(detail.fields)
    assert fields["Time"].startswith("2026-05-01T12:00:00.000+02:00 (Europe/Berlin)")
    assert fields["Input tokens"] == "1,000,000"
    assert fields["Computed cost"] == "$0.5600"  # 0.4 + 0.16
    assert dict(detail.labels) == {"tenant": "acme"}
    text = "\n".join(detail.cost_lines)
    assert "GPT-4.1 mini (test)" in text
    assert "input" in text
    assert "Reported by the log: $0.6000" in detail.comparison
    assert "+$0.0400" in detail.comparison
    unpriced = call_detail(ds, second, engine, zone)
    assert unpriced is not None
    assert "unpriced" in unpriced.summary
    assert any("unpriced" in line for line in unpriced.cost_lines)
    assert comparison(None, None) == ""


def test_lines_around_an_offset_are_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"aaaa\nbbbb\ncccc\ndddd\neeee")
    offset = 10  # "cccc"
    # 6 bytes back reach into "aaaa" (cut, dropped); 7 bytes on reach into "eeee" (cut too)
    assert lines_around(path, offset, 6, 7) == ([b"bbbb"], [b"cccc", b"dddd"])
    assert lines_around(path, offset, 100) == ([b"aaaa", b"bbbb"], [b"cccc"])
    assert lines_around(path, 20, 6) == ([b"dddd"], [b"eeee"])  # a last line with no newline
    # a window that starts exactly at a line start keeps that line
    assert lines_around(path, offset, 5) == ([b"bbbb"], [b"cccc"])
    assert lines_around(path, offset, 10) == ([b"aaaa", b"bbbb"], [b"cccc"])
    assert lines_around(path, offset, 4) == ([], [b"cccc"])  # "bbbb" is cut: dropped
    gz = tmp_path / "log.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    # offsets count decompressed bytes: the same window from a compressed copy
    assert lines_around(gz, offset, 6, 7) == ([b"bbbb"], [b"cccc", b"dddd"])
    assert lines_around(gz, offset, 5) == ([b"bbbb"], [b"cccc"])
    assert lines_around(gz, offset, 100) == ([b"aaaa", b"bbbb"], [b"cccc"])
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(path.read_bytes())[:12])  # cut inside the stream
    assert lines_around(broken, offset, 6) is None
    assert lines_around(tmp_path / "gone.jsonl", 0, 6) is None


def test_a_call_in_a_server_sent_events_capture_shows_its_json(tmp_path: Path) -> None:
    import shutil

    path = tmp_path / "capture.sse"
    shutil.copyfile(Path(__file__).parent / "fixtures" / "openai" / "chat-stream.sse", path)
    ds, _ = open_logs([path])
    (row,) = ds.rows(ds.frame.ids.tolist())
    raw = read_raw(ds, row)
    assert raw.note == ""
    assert raw.value["usage"]["prompt_tokens"] == 1200  # the data: line's JSON
    assert "line 9" in raw.location
