"""Any SQLite database with a table of calls, and the read-only access all SQLite formats share.

The user's database is never written: it is opened with ``mode=ro`` and read in
short statements keyed on ``rowid`` so a program writing it at the same time
(WAL or rollback journal) is not held up for the length of our read. A locked
or damaged file is a :class:`SourceError` with a sentence a person can act on.

Detection looks for a table whose columns look like usage (token counts in any
of the known namings, a timestamp, a model) and maps it with
:func:`desktop.logs.mapping.propose`; every other scalar column becomes a label.
An explicit mapping (``ReadContext.options["mapping"]``, naming the table and
its columns) takes precedence.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from desktop.logs.formats.base import Detection, ReadContext, Sample, SqliteFormat
from desktop.logs.mapping import (
    PATH_FIELDS,
    CompiledMapping,
    FieldMapping,
    MappingError,
    mapping_from_options,
    propose,
)
from desktop.logs.source import SourceError
from desktop.record import BadRecord, CallRecord, Problem

# How long to wait for another program's write lock before giving up.
BUSY_TIMEOUT_S = 2.0
BATCH_ROWS = 2000


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def source_error(path: Path, exc: sqlite3.Error) -> SourceError:
    """A readable SourceError for a SQLite failure."""
    message = str(exc)
    low = message.lower()
    if "locked" in low or "busy" in low:
        return SourceError(
            f"{path}: the database is locked by another program that is writing to it; "
            "try again when it has finished"
        )
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return SourceError(f"{path}: the SQLite file is damaged or not a database ({message})")
    if "unable to open" in low:
        return SourceError(f"{path}: cannot open the SQLite file ({message})")
    return SourceError(f"{path}: cannot read the SQLite database ({message})")


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection that has already read the schema (so errors show here)."""
    uri = path.resolve().as_uri()
    try:
        conn = sqlite3.connect(
            uri + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None
        )
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            conn.close()
            if "readonly" not in str(exc).lower() and "unable to open" not in str(exc).lower():
                raise
            # A WAL database in a folder we cannot write (no -shm file to share):
            # nobody can be writing it either, so read the file as it is.
            conn = sqlite3.connect(
                uri + "?mode=ro&immutable=1", uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None
            )
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise source_error(path, exc) from exc
    return conn


def table_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Table (and view) name -> column names: tables with rows first, then by name, so
    that of two tables that look alike the one with rows is proposed."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"
        )
    ]
    names.sort(key=lambda name: not _has_rows(conn, name))
    return {
        name: [r[1] for r in conn.execute(f"PRAGMA table_info({quote(name)})")] for name in names
    }


def _has_rows(conn: sqlite3.Connection, name: str) -> bool:
    try:
        return conn.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(name)})").fetchone()[0] == 1
    except sqlite3.Error:  # a view over a missing table, a virtual table's module …
        return False


def iter_rows(
    conn: sqlite3.Connection,
    path: Path,
    select: str,
    source: str,
    rowid: str = "rowid",
    batch: int = BATCH_ROWS,
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``(rowid, row)`` for ``SELECT {select} FROM {source}``, in short batches.

    Each batch is its own read transaction, so a writer waits at most for one
    batch. ``rowid`` names the source's rowid expression (e.g. ``r.rowid``).
    """
    sql = f"SELECT {rowid}, {select} FROM {source} WHERE {rowid} > ? ORDER BY {rowid} LIMIT {batch}"
    last = -(1 << 63)
    try:
        while True:
            rows = conn.execute(sql, (last,)).fetchall()
            for row in rows:
                yield row[0], row[1:]
            if len(rows) < batch:
                return
            last = rows[-1][0]
    except sqlite3.OperationalError as exc:
        if "rowid" not in str(exc).lower():
            raise source_error(path, exc) from exc
    except sqlite3.Error as exc:
        raise source_error(path, exc) from exc
    # A table WITHOUT ROWID: one pass, rows numbered in their stored order.
    try:
        cursor = conn.execute(f"SELECT {select} FROM {source}")
        for number, row in enumerate(cursor, 1):
            yield number, tuple(row)
    except sqlite3.Error as exc:
        raise source_error(path, exc) from exc


class GenericSqlite(SqliteFormat):
    """A table of calls in any SQLite database, mapped by column names."""

    id = "sqlite"
    fallback = True
    title = "SQLite table with usage columns"
    sample_tables = (
        {
            "api_calls": [
                "id",
                "created_at",
                "model",
                "prompt_tokens",
                "completion_tokens",
                "cached_tokens",
                "tenant",
                "feature",
            ]
        },
    )

    def sniff(self, sample: Sample) -> Detection | None:
        if not sample.sqlite_tables:
            return None
        mapping = propose(sample)
        if mapping is None or not (mapping.input_tokens and mapping.output_tokens):
            return None
        confidence = 0.3 + 0.1 * bool(mapping.timestamp) + 0.05 * bool(mapping.model)
        return Detection(
            self.id,
            round(confidence, 3),
            f"SQLite table {mapping.table!r} with usage columns: {mapping.describe()}",
        )

    def read_sqlite(self, path: Path, ctx: ReadContext) -> Iterator[CallRecord | Problem]:
        try:
            given = mapping_from_options(ctx.options)
        except MappingError as exc:
            raise SourceError(f"{path}: {exc}") from exc
        conn = connect_readonly(path)
        try:
            try:
                tables = table_columns(conn)
            except sqlite3.Error as exc:
                raise source_error(path, exc) from exc
            mapping = given or propose(Sample(path=path, sqlite_tables=tables))
            if mapping is None:
                raise SourceError(f"{path}: no table with token count columns")
            yield from read_mapped_table(conn, path, mapping, tables, ctx.mtime)
        finally:
            conn.close()


def read_mapped_table(
    conn: sqlite3.Connection,
    path: Path,
    mapping: FieldMapping,
    tables: dict[str, list[str]],
    fallback_ts: float,
) -> Iterator[CallRecord | Problem]:
    """Rows of the mapping's table as records; a bad row is a Problem at its rowid."""
    problems = mapping.validate(sqlite=True)
    if problems:
        raise SourceError(f"{path}: {'; '.join(problems)}")
    table = mapping.table
    assert table is not None
    columns = tables.get(table)
    if columns is None:
        known = ", ".join(sorted(tables)) or "none"
        raise SourceError(f"{path}: no table {table!r} (tables: {known})")
    missing = _missing_columns(mapping, columns)
    if missing:
        raise SourceError(
            f"{path}: table {table!r} has no column {', '.join(repr(c) for c in missing)} "
            f"(columns: {', '.join(columns)})"
        )
    compiled = CompiledMapping(mapping)
    select = ", ".join(quote(c) for c in columns)
    for rowid, values in iter_rows(conn, path, select, quote(table)):
        row = dict(zip(columns, values, strict=True))
        try:
            record = compiled.record(row, rowid, None, fallback_ts)
        except BadRecord as exc:
            yield Problem(rowid, f"{table} row {rowid}: {exc}")
            continue
        if record is not None:
            yield record


def _missing_columns(mapping: FieldMapping, columns: Sequence[str]) -> list[str]:
    """Mapped columns the table does not have (a path's first segment is its column)."""
    have = set(columns)
    paths = [getattr(mapping, name) for name in PATH_FIELDS if getattr(mapping, name)]
    if isinstance(mapping.labels, list):
        paths.extend(mapping.labels)
    missing = []
    for path in paths:
        if path in have:
            continue
        head = path.split(".", 1)[0]
        if head not in have and path not in missing:
            missing.append(path)
    return missing
