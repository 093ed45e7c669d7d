"""The working store's tables and columns.

One row per billed call in ``calls``: the canonical columns, the computed cost
(materialised, re-priced in bulk when prices change), the source location of
the raw record, and one column per label key. Raw records are not copied.
"""

from __future__ import annotations

from desktop.record import STORED_FIELDS, CallRecord

# Raised when the rows a reader makes of the same file change (stores are rebuilt):
# 7 = Claude fast mode read into the "fast" service tier; 8 = of two Claude copies with
# equal totals, the one that says its speed wins; OpenAI keys take whole seconds; OTel
# roll-ups written before their children, Vercel provider names and reported costs.
SCHEMA_VERSION = 8

# (name, SQL type) of the canonical columns, in CallRecord order.
_TYPES = {
    "ts": "REAL NOT NULL",
    "provider": "TEXT",
    "model": "TEXT",
    "service_tier": "TEXT",
    "input_tokens": "INTEGER NOT NULL",
    "cache_read_tokens": "INTEGER NOT NULL",
    "cache_write_5m_tokens": "INTEGER NOT NULL",
    "cache_write_1h_tokens": "INTEGER NOT NULL",
    "output_tokens": "INTEGER NOT NULL",
    "reasoning_tokens": "INTEGER NOT NULL",
    "web_search_requests": "INTEGER NOT NULL DEFAULT 0",
    "request_id": "TEXT",
    "message_id": "TEXT",
    "conversation_id": "TEXT",
    "trace_id": "TEXT",
    "parent_id": "TEXT",
    "status": "TEXT",
    "error": "TEXT",
    "latency_ms": "REAL",
    "reported_cost_usd": "REAL",
    "line": "INTEGER",
    "offset": "INTEGER",
    "dedup_key": "TEXT",
    "dedup_rank": "REAL",
}
RECORD_COLUMNS: tuple[str, ...] = CallRecord._fields[:STORED_FIELDS]
assert tuple(_TYPES) == RECORD_COLUMNS, "schema and CallRecord disagree"

# Filled in by the ingest pipeline after the record's own fields.
EXTRA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_id", "INTEGER NOT NULL"),
    ("cost_usd", "REAL"),
    ("price_id", "TEXT"),
    ("cost_flags", "INTEGER NOT NULL DEFAULT 0"),
)
CORE_COLUMNS: tuple[str, ...] = RECORD_COLUMNS + tuple(name for name, _ in EXTRA_COLUMNS)

TEXT_COLUMNS = frozenset(
    name for name, sql in (*_TYPES.items(), *EXTRA_COLUMNS) if sql.startswith("TEXT")
)

# Indexes for the queries SQL answers. Sorting, filtering, grouping and lookups by
# time, cost or id are answered from the column cache (desktop.store.frame), which
# is faster than any index; an index on those columns would only slow loads down.
INDEXES: tuple[tuple[str, str], ...] = (
    # re-pricing rewrites the calls of a (model, provider, service tier)
    ("calls_model", "model, provider, service_tier"),
    # a file read again replaces its calls
    ("calls_source", "source_id"),
)

# Copies of one call share a dedup key: one row per key. A first or bulk load
# applies the rule in memory (see Store.insert_batch) and creates this index with
# the others afterwards; adding to a store goes through it.
DEDUP_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS calls_dedup ON calls (dedup_key) WHERE dedup_key IS NOT NULL"
)

DDL = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    root TEXT,
    format TEXT NOT NULL,
    reason TEXT,
    size INTEGER,
    mtime_ns INTEGER,
    inode INTEGER,
    head BLOB,
    read_offset INTEGER NOT NULL DEFAULT 0,
    next_line INTEGER NOT NULL DEFAULT 1,
    calls INTEGER NOT NULL DEFAULT 0,
    problems INTEGER NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0,
    options TEXT,
    error TEXT
);
CREATE TABLE IF NOT EXISTS problems (
    source_id INTEGER NOT NULL,
    line INTEGER,
    offset INTEGER,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS problems_source ON problems (source_id, line);
CREATE TABLE IF NOT EXISTS skipped (path TEXT PRIMARY KEY, reason TEXT);
CREATE TABLE IF NOT EXISTS priced_combos (combo TEXT PRIMARY KEY, digest TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS labels (key TEXT PRIMARY KEY, col TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    {", ".join(f'"{name}" {sql}' for name, sql in (*_TYPES.items(), *EXTRA_COLUMNS))}
);
"""


def quote(identifier: str) -> str:
    """Quote an SQL identifier (label names come from user data)."""
    return '"' + identifier.replace('"', '""') + '"'
