"""Any SQLite database with a table of calls: detection by column names, explicit mappings."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from desktop.logs.detect import rank, sample_source
from desktop.logs.formats import get_format
from desktop.logs.formats.base import ReadContext
from desktop.logs.mapping import FieldMapping
from desktop.logs.reader import collect, read_records
from desktop.logs.source import SourceError
from desktop.record import CallRecord, Problem

FMT = get_format("sqlite")


def build_app_db(path: Path) -> Path:
    """An app's own call log: OpenAI naming (prompt_tokens includes cached_tokens)."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
        CREATE TABLE api_calls (
          id INTEGER PRIMARY KEY, created_at TEXT, model TEXT, prompt_tokens INTEGER,
          completion_tokens INTEGER, cached_tokens INTEGER, tenant TEXT, feature TEXT,
          prompt TEXT);
        """
    )
    conn.executemany(
        "INSERT INTO api_calls VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (1, "2026-05-01 10:00:00", "gpt-4.1", 1500, 200, 1024, "acme", "search", "hi"),
            (2, "2026-05-01 10:05:00", "gpt-4.1-mini", 800, 50, None, "acme", "chat", "yo"),
            (3, "2026-05-01 10:06:00", "gpt-4.1", -5, 10, 0, "globex", "chat", "neg"),
            (4, "not a date", "gpt-4.1", 10, 10, 0, "globex", "chat", "bad ts"),
            (5, "2026-05-01 10:07:00", "gpt-4.1", 100, 10, 300, "globex", "chat", "odd"),
        ],
    )
    conn.commit()
    conn.close()
    return path


def test_detection_names_the_table_and_columns(tmp_path: Path) -> None:
    db = build_app_db(tmp_path / "app.db")
    claim = rank(sample_source(db))[0]
    assert claim.format_id == "sqlite"
    assert "'api_calls'" in claim.reason
    assert "prompt_tokens/completion_tokens" in claim.reason
    assert "cached_tokens (inside input)" in claim.reason
    assert "time created_at" in claim.reason
    assert "model model" in claim.reason


def test_reads_a_detected_table(tmp_path: Path) -> None:
    db = build_app_db(tmp_path / "app.db")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    records, problems = collect(db, FMT)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert [r.line for r in records] == [1, 2]
    first, second = records
    # prompt_tokens 1,500 includes 1,024 cached -> 476 uncached.
    assert (first.input_tokens, first.cache_read_tokens, first.output_tokens) == (476, 1024, 200)
    assert (second.input_tokens, second.cache_read_tokens) == (800, 0)
    assert first.model == "gpt-4.1"
    assert first.message_id == "1"
    # Every other scalar column is a label; prompt text is not.
    assert first.labels == {"tenant": "acme", "feature": "search"}
    assert [p.line for p in problems] == [3, 4, 5]
    assert "negative" in problems[0].reason
    assert "created_at" in problems[1].reason
    assert "more than input_tokens (prompt_tokens)" in problems[2].reason


def test_explicit_mapping_with_json_column(tmp_path: Path) -> None:
    db = tmp_path / "custom.db"
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE log (ts_ms INTEGER, llm TEXT, tok_in INTEGER, tok_out INTEGER,"
        " meta TEXT, who TEXT)"
    )
    conn.execute(
        "INSERT INTO log VALUES (1777629600000, 'claude-sonnet-4-5', 12, 400,"
        ' \'{"cache": {"read": 9000, "write": 500}, "team": "infra"}\', \'ana\')'
    )
    conn.commit()
    conn.close()
    mapping = FieldMapping(
        table="log",
        timestamp="ts_ms",
        timestamp_unit="ms",
        model="llm",
        provider_value="anthropic",
        input_tokens="tok_in",
        output_tokens="tok_out",
        cache_read_tokens="meta.cache.read",
        cache_write_tokens="meta.cache.write",
        input_includes_cache=False,
        labels=["who", "meta.team"],
    )
    ctx = ReadContext(path=db, options={"mapping": mapping})
    items = [i for i in read_records(db, FMT, ctx) if isinstance(i, CallRecord | Problem)]
    (record,) = items
    assert isinstance(record, CallRecord)
    assert record.ts == 1777629600.0
    # Anthropic-style: input 12 is uncached; reads and writes are extra.
    assert (record.input_tokens, record.cache_read_tokens, record.cache_write_5m_tokens) == (
        12,
        9000,
        500,
    )
    assert record.provider == "anthropic"
    assert record.labels == {"who": "ana", "meta.team": "infra"}


def test_mapping_naming_a_missing_column_is_a_source_error(tmp_path: Path) -> None:
    db = build_app_db(tmp_path / "app.db")
    mapping = FieldMapping(table="api_calls", input_tokens="tokens_in", output_tokens="tokens_out")
    ctx = ReadContext(path=db, options={"mapping": mapping})
    with pytest.raises(SourceError, match="no column 'tokens_in', 'tokens_out'"):
        list(read_records(db, FMT, ctx))
    ctx = ReadContext(path=db, options={"mapping": FieldMapping(table="nope", input_tokens="x")})
    with pytest.raises(SourceError, match="no table 'nope'"):
        list(read_records(db, FMT, ctx))


def test_reads_views_and_tables_without_rowid(tmp_path: Path) -> None:
    db = tmp_path / "norowid.db"
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE usage (request_id TEXT PRIMARY KEY, timestamp TEXT, model TEXT,"
        " input_tokens INTEGER, output_tokens INTEGER) WITHOUT ROWID"
    )
    conn.executemany(
        "INSERT INTO usage VALUES (?,?,?,?,?)",
        [("b", "2026-05-01T00:00:00Z", "m", 5, 6), ("a", "2026-05-01T00:00:01Z", "m", 7, 8)],
    )
    conn.commit()
    conn.close()
    records, problems = collect(db, FMT)
    assert problems == []
    assert sorted((r.input_tokens, r.output_tokens) for r in records) == [(5, 6), (7, 8)]
    assert sorted(r.line for r in records) == [1, 2]
    assert {r.request_id for r in records} == {"a", "b"}


def test_sqlite_without_usage_table_is_not_claimed(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, created_at TEXT)")
    conn.commit()
    conn.close()
    assert rank(sample_source(db)) == []


def test_of_two_alike_tables_the_one_with_rows_is_read(tmp_path: Path) -> None:
    # An empty table sorts first by name and looks just like the one with the calls.
    db = build_app_db(tmp_path / "app.db")
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE a_calls_archive AS SELECT * FROM api_calls WHERE 0")
    conn.close()
    assert "'api_calls'" in rank(sample_source(db))[0].reason
    records, _ = collect(db, FMT)
    assert [r.line for r in records] == [1, 2]
