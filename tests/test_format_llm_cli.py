"""The llm CLI logs.db: legacy responses + new turns, token meaning per plugin, read-only access."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.logs.detect import rank, sample_source
from desktop.logs.formats import get_format, sqlite_generic
from desktop.logs.formats.llm_cli import NO_USAGE, raw_row
from desktop.logs.reader import collect, deduplicate
from desktop.logs.source import SourceError

FMT = get_format("llm-logs")

LEGACY_SCHEMA = """
CREATE TABLE _llm_migrations (name TEXT PRIMARY KEY, applied_at TEXT);
CREATE TABLE conversations (id TEXT PRIMARY KEY, name TEXT, model TEXT);
CREATE TABLE schemas (id TEXT PRIMARY KEY, content TEXT);
CREATE TABLE responses (
  id TEXT PRIMARY KEY, model TEXT, prompt TEXT, system TEXT, prompt_json TEXT,
  options_json TEXT, response TEXT, response_json TEXT,
  conversation_id TEXT REFERENCES conversations(id), duration_ms INTEGER,
  datetime_utc TEXT, input_tokens INTEGER, output_tokens INTEGER, token_details TEXT,
  schema_id TEXT REFERENCES schemas(id), resolved_model TEXT);
"""
NEW_SCHEMA = """
CREATE TABLE messages (hash TEXT PRIMARY KEY, parent_hash TEXT, role TEXT,
  provider_metadata TEXT);
CREATE TABLE parts (id INTEGER PRIMARY KEY, message_hash TEXT, position INTEGER, type TEXT,
  tool_name TEXT, text TEXT, payload TEXT);
CREATE TABLE threads (id TEXT PRIMARY KEY, name TEXT, tip_message_hash TEXT, forked_from TEXT,
  datetime_utc TEXT);
CREATE TABLE turns (id TEXT PRIMARY KEY, thread_id TEXT, parent_message_hash TEXT,
  tip_message_hash TEXT, model TEXT, resolved_model TEXT, options_json TEXT, schema_id TEXT,
  input_tokens INTEGER, output_tokens INTEGER, token_details TEXT, duration_ms INTEGER,
  datetime_utc TEXT);
"""

LEGACY_ROWS = [
    # OpenAI: input includes the 1,024 cached tokens.
    (
        "01k3xa",
        "gpt-4o-mini",
        "Plan a trip",
        "Day 1: …",
        "c1",
        1840,
        "2025-03-02T18:22:10.551203",
        1290,
        77,
        '{"prompt_tokens_details": {"cached_tokens": 1024}}',
        '{"temperature": 0.2}',
        None,
        None,
    ),
    # Anthropic: input excludes the cache; TTL split; web searches; tier.
    (
        "01k3xb",
        "anthropic/claude-3-5-sonnet-latest",
        "Summarise",
        "Summary",
        "c1",
        6120,
        "2025-03-02T18:25:00+00:00",
        14,
        402,
        '{"cache_creation_input_tokens": 1200, "cache_read_input_tokens": 9800,'
        ' "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 200},'
        ' "server_tool_use": {"web_search_requests": 2}, "service_tier": "standard"}',
        None,
        "sch_1",
        "claude-3-5-sonnet-20241022",
    ),
    # Logged before llm recorded usage.
    (
        "01k3xc",
        "gpt-4",
        "hi",
        "hello",
        None,
        900,
        "2024-01-05T10:00:00",
        None,
        None,
        None,
        None,
        None,
        None,
    ),
    # OpenAI reasoning model: reasoning inside output.
    (
        "01k3xd",
        "o3-mini",
        "Prove it",
        "QED",
        "c2",
        20500,
        "2025-03-03T08:00:00.000001",
        500,
        900,
        '{"completion_tokens_details": {"reasoning_tokens": 640}}',
        '{"reasoning_effort": "high", "tools": [{"name": "x"}]}',
        None,
        None,
    ),
    # Broken token_details.
    (
        "01k3xe",
        "gpt-4o",
        "x",
        "y",
        None,
        10,
        "2025-03-03T09:00:00",
        10,
        5,
        "{not json",
        None,
        None,
        None,
    ),
]

TURN_ROWS = [
    # Gemini (current plugin): input includes the cache; output already includes
    # the 320 thoughts (130 candidates + 320 thoughts = 450).
    (
        "resp_g1",
        "t1",
        None,
        "m2",
        "gemini-2.5-flash",
        None,
        '{"temperature": 0.7}',
        None,
        3000,
        450,
        '{"candidatesTokenCount": 130, "thoughtsTokenCount": 320, "cachedContentTokenCount": 2048}',
        2400,
        "2026-08-10T09:14:03.120877+00:00",
    ),
    # Gemini (older plugin): output is only the candidates; thoughts are added.
    (
        "resp_g2",
        "t1",
        "m2",
        "m4",
        "gemini-2.5-flash",
        None,
        None,
        None,
        100,
        130,
        '{"candidatesTokenCount": 130, "thoughtsTokenCount": 320}',
        1500,
        "2026-08-10T09:15:00+00:00",
    ),
    # Anthropic in the new store, details NULL (cache option off).
    (
        "msg_01abc",
        None,
        None,
        None,
        "anthropic/claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
        None,
        None,
        2000,
        300,
        None,
        3000,
        "2026-08-11T12:00:00+00:00",
    ),
]


def build_llm_db(path: Path, legacy: bool = True, new: bool = True, wal: bool = False) -> Path:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(LEGACY_SCHEMA if legacy else LEGACY_SCHEMA.split("CREATE TABLE conv")[0])
    conn.execute("INSERT INTO _llm_migrations VALUES ('m013_usage', '2025-01-01')")
    if legacy:
        conn.execute("INSERT INTO conversations VALUES ('c1', 'Trip planning', 'gpt-4o-mini')")
        conn.execute("INSERT INTO conversations VALUES ('c2', 'Proofs', 'o3-mini')")
        for r in LEGACY_ROWS:
            conn.execute(
                "INSERT INTO responses (id, model, prompt, response, conversation_id, duration_ms,"
                " datetime_utc, input_tokens, output_tokens, token_details, options_json,"
                " schema_id, resolved_model) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                r,
            )
    if new:
        conn.executescript(NEW_SCHEMA)
        conn.execute("INSERT INTO threads VALUES ('t1', 'Refactor', 'm4', NULL, '2026-08-10')")
        conn.executemany(
            "INSERT INTO messages VALUES (?,?,?,NULL)",
            [
                ("m1", None, "user"),
                ("m2", "m1", "assistant"),
                ("m3", "m2", "user"),
                ("m4", "m3", "assistant"),
            ],
        )
        conn.executemany(
            "INSERT INTO parts (message_hash, position, type, text) VALUES (?,?,?,?)",
            [
                ("m1", 0, "text", "Rename foo"),
                ("m2", 0, "reasoning", "thinking…"),
                ("m2", 1, "text", "Renamed."),
                ("m3", 0, "text", "Now bar"),
                ("m4", 0, "text", "Done."),
            ],
        )
        conn.executemany("INSERT INTO turns VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", TURN_ROWS)
    conn.commit()
    conn.close()
    return path


def by_id(records):
    return {r.message_id: r for r in records}


def test_detects_llm_logs_db(tmp_path: Path) -> None:
    db = build_llm_db(tmp_path / "logs.db")
    claims = rank(sample_source(db))
    assert claims[0].format_id == "llm-logs"
    assert "responses" in claims[0].reason
    assert "turns" in claims[0].reason
    legacy_only = build_llm_db(tmp_path / "old.db", new=False)
    assert rank(sample_source(legacy_only))[0].format_id == "llm-logs"


def test_reads_both_generations_with_plugin_token_meaning(tmp_path: Path) -> None:
    records, problems = collect(build_llm_db(tmp_path / "logs.db"), FMT)
    rows = by_id(records)
    assert len(records) == 6  # 3 good legacy rows + 3 turns
    gpt = rows["01k3xa"]
    # 1,290 input includes 1,024 cached -> 266 uncached.
    assert (gpt.input_tokens, gpt.cache_read_tokens, gpt.output_tokens) == (266, 1024, 77)
    assert gpt.provider == "openai"
    assert gpt.model == "gpt-4o-mini"
    assert gpt.ts == datetime(2025, 3, 2, 18, 22, 10, 551203, tzinfo=UTC).timestamp()
    assert gpt.latency_ms == 1840
    assert gpt.conversation_id == "c1"
    assert gpt.labels == {"conversation": "Trip planning", "option.temperature": 0.2}
    assert (gpt.line, gpt.offset, gpt.dedup_key) == (1, None, "llm:responses:01k3xa")
    claude = rows["01k3xb"]
    # Anthropic: input 14 is already uncached; 1,200 writes = 1,000 (5m) + 200 (1h).
    assert (
        claude.input_tokens,
        claude.cache_read_tokens,
        claude.cache_write_5m_tokens,
        claude.cache_write_1h_tokens,
        claude.output_tokens,
        claude.web_search_requests,
    ) == (14, 9800, 1000, 200, 402, 2)
    assert claude.model == "claude-3-5-sonnet-20241022"
    assert claude.provider == "anthropic"
    assert claude.service_tier == "standard"
    assert claude.labels == {
        "conversation": "Trip planning",
        "schema_id": "sch_1",
        "model_alias": "anthropic/claude-3-5-sonnet-latest",
    }
    o3 = rows["01k3xd"]
    assert (o3.input_tokens, o3.output_tokens, o3.reasoning_tokens) == (500, 900, 640)
    assert o3.labels == {"conversation": "Proofs", "option.reasoning_effort": "high"}
    gem = rows["resp_g1"]
    # 3,000 input includes 2,048 cached -> 952; output 450 already has the 320 thoughts.
    assert (gem.input_tokens, gem.cache_read_tokens, gem.output_tokens) == (952, 2048, 450)
    assert gem.reasoning_tokens == 320
    assert gem.provider == "google"
    assert gem.conversation_id == "t1"
    assert gem.labels == {"conversation": "Refactor", "option.temperature": 0.7}
    assert gem.dedup_key == "llm:turns:resp_g1"
    assert gem.line == 1
    old_gem = rows["resp_g2"]
    assert (old_gem.output_tokens, old_gem.reasoning_tokens) == (130 + 320, 320)
    sonnet = rows["msg_01abc"]
    assert (sonnet.input_tokens, sonnet.output_tokens, sonnet.conversation_id) == (2000, 300, None)
    # Totals: input 266+14+500+952+100+2000, cache reads 1024+9800+2048,
    # output 77+402+900+450+450+300.
    assert sum(r.input_tokens for r in records) == 3832
    assert sum(r.cache_read_tokens for r in records) == 12872
    assert sum(r.output_tokens for r in records) == 2579
    assert [(p.line, p.reason) for p in problems] == [
        (3, f"responses row 3: {NO_USAGE}"),
        (5, "responses row 5: token_details is not valid JSON"),
    ]
    assert len(deduplicate(records + records)) == 6


def test_turn_text_for_both_generations(tmp_path: Path) -> None:
    db = build_llm_db(tmp_path / "logs.db")
    assert FMT.turn_text(raw_row(db, "responses", 1)) == ("Plan a trip", "Day 1: …")
    # Turn 2 added m3 (user) and m4 (assistant) after m2.
    assert FMT.turn_text(raw_row(db, "turns", 2)) == ("Now bar", "Done.")
    # Turn 1 added m1 and m2; the reasoning part is not response text.
    assert FMT.turn_text(raw_row(db, "turns", 1)) == ("Rename foo", "Renamed.")
    assert raw_row(db, "turns", 99) is None


def test_never_modifies_the_database(tmp_path: Path) -> None:
    db = build_llm_db(tmp_path / "logs.db", wal=True)
    before = (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns)
    collect(db, FMT)
    sample_source(db)
    raw_row(db, "turns", 1)
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns) == before


def test_reads_while_another_connection_writes_in_wal_mode(tmp_path: Path) -> None:
    db = build_llm_db(tmp_path / "logs.db", wal=True)
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO turns (id, model, input_tokens, output_tokens, datetime_utc)"
            " VALUES ('uncommitted', 'gpt-4o', 1, 1, '2026-08-12T00:00:00+00:00')"
        )
        records, _ = collect(db, FMT)
        assert len(records) == 6  # the open transaction is not visible, and not blocking
        writer.execute("COMMIT")
        records, _ = collect(db, FMT)
        assert len(records) == 7
    finally:
        writer.close()


def test_locked_database_is_a_clear_source_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_generic, "BUSY_TIMEOUT_S", 0.05)
    db = build_llm_db(tmp_path / "logs.db")  # rollback journal
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN EXCLUSIVE")
        with pytest.raises(SourceError, match="locked by another program"):
            collect(db, FMT)
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_corrupt_database_is_a_clear_source_error(tmp_path: Path) -> None:
    db = build_llm_db(tmp_path / "logs.db")
    data = bytearray(db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page after the header
    db.write_bytes(bytes(data))
    with pytest.raises(SourceError, match="damaged or not a database"):
        collect(db, FMT)


def test_system_prompt_is_a_label(tmp_path: Path) -> None:
    path = build_llm_db(tmp_path / "logs.db", new=False)
    long = "You review pull requests.\n\n" + "Be specific. " * 40
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE responses SET system = 'You are terse.' WHERE id = '01k3xa'")
        conn.execute("UPDATE responses SET system = ? WHERE id = '01k3xd'", (long,))
        conn.execute("UPDATE responses SET system = '  ' WHERE id = '01k3xb'")
    conn.close()
    rows = by_id(collect(path, FMT)[0])
    assert rows["01k3xa"].labels["system"] == "You are terse."
    clipped = rows["01k3xd"].labels["system"]
    assert clipped.startswith("You review pull requests. Be specific. Be")  # one line
    assert len(clipped) == 200 and clipped.endswith("…")
    assert "system" not in rows["01k3xb"].labels
