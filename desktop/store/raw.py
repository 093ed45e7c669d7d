"""Reading one call's raw record back from its source, for the detail pane.

The store keeps where each call came from, not the record itself: the byte
offset of its line (JSONL, also gzip/zstd: offsets count decompressed bytes),
the offset of its unit in a whole-file JSON document, or the table and rowid
of a SQLite row. Sources are read-only and may have changed or gone since
they were read; that is said in plain words rather than raised.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from desktop.logs.formats import get_format
from desktop.logs.source import sse_data
from desktop.store.dataset import Dataset
from desktop.store.schema import quote

TEXT_LIMIT = 8 << 20  # bytes of one raw record read at most


@dataclass(frozen=True, slots=True)
class RawRecord:
    text: str  # pretty-printed JSON, or the raw text when it is not JSON
    value: Any = None  # the parsed record (dict of a SQLite row), None if unreadable
    note: str = ""  # why it could not be read, or why it may not be this call's
    location: str = ""  # where it was read from, for people

    @property
    def found(self) -> bool:
        return self.value is not None


@dataclass(frozen=True, slots=True)
class SourceInfo:
    path: Path
    format: str
    size: int | None
    mtime_ns: int | None
    options: Any


def source_info(dataset: Dataset, source_id: int) -> SourceInfo | None:
    row = (
        dataset.read()
        .execute(
            "SELECT path, format, size, mtime_ns, options FROM sources WHERE id = ?", (source_id,)
        )
        .fetchone()
    )
    if row is None:
        return None
    options = orjson.loads(row[4]) if row[4] else None
    return SourceInfo(Path(row[0]), row[1], row[2], row[3], options)


def read_raw(dataset: Dataset, call: dict[str, Any]) -> RawRecord:
    """The raw record of a stored call (a row from :meth:`Dataset.row`)."""
    info = source_info(dataset, call.get("source_id", -1))
    if info is None:
        return RawRecord("", note="This call's source is not in the store any more.")
    return read_raw_at(info, call.get("line"), call.get("offset"), call.get("dedup_key"))


def read_raw_at(
    info: SourceInfo, line: int | None, offset: int | None, dedup_key: str | None
) -> RawRecord:
    path = info.path
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return RawRecord("", note=f"The source file is no longer there: {path}")
    except OSError as exc:
        return RawRecord("", note=f"The source file cannot be read: {path} ({exc.strerror})")
    changed = _changed_note(info, st)
    try:
        fmt = get_format(info.format)
    except KeyError:
        return RawRecord("", note=f"Unknown log format {info.format!r}.")
    try:
        if fmt.kind == "sqlite":
            record = _read_sqlite_row(info, line, dedup_key)
        else:
            record = _read_text_unit(info, line, offset)
    except (OSError, EOFError, ValueError, sqlite3.Error) as exc:
        return RawRecord("", note=f"Could not read the record from {path}: {exc}")
    if changed:
        note = f"{changed} {record.note}".strip()
        return RawRecord(record.text, record.value, note, record.location)
    return record


def _changed_note(info: SourceInfo, st: os.stat_result) -> str:
    if info.size is None or info.mtime_ns is None:
        return ""
    if st.st_size < info.size:
        return "The source file is shorter than when it was read (rotated or rewritten?):"
    if st.st_mtime_ns != info.mtime_ns and st.st_size != info.size:
        return ""  # appended to since: earlier records are where they were
    if st.st_mtime_ns != info.mtime_ns:
        return "The source file was modified since it was read; this may not be the same record."
    return ""


def _read_text_unit(info: SourceInfo, line: int | None, offset: int | None) -> RawRecord:
    from desktop.logs import json_document
    from desktop.logs.csv_document import row_at
    from desktop.logs.source import read_raw_line

    path = info.path
    if offset is None:
        return RawRecord("", note="The store has no position for this record.")
    layout = json_document.file_layout(path)
    where = f"{path}, line {line:,}" if line is not None else str(path)
    if layout.csv is not None:
        row = row_at(path, layout.csv, offset)
        if row is None:
            return RawRecord("", note=f"No CSV row at byte {offset:,} of {path}: the file changed.")
        return RawRecord(pretty(row), row, "", where)
    document = layout.document
    data = (
        json_document.read_raw_unit(path, offset, TEXT_LIMIT)
        if document
        else read_raw_line(path, offset, TEXT_LIMIT)
    )
    where += f" (byte {offset:,})"
    if not data:
        return RawRecord("", note=f"Nothing at byte {offset:,} of {path}: the file changed.")
    if data.startswith(json_document.BOM):
        data = data[len(json_document.BOM) :]
    try:
        value = orjson.loads(sse_data(data) or data)  # (the JSON of an SSE data: line)
    except orjson.JSONDecodeError:
        text = data.decode("utf-8", errors="replace")
        cut = " (cut at 8 MB)" if len(data) >= TEXT_LIMIT else ""
        return RawRecord(text, None, f"Not a JSON record{cut}: the file may have changed.", where)
    return RawRecord(pretty(value), value, "", where)


def _read_sqlite_row(info: SourceInfo, rowid: int | None, dedup_key: str | None) -> RawRecord:
    from desktop.logs.formats.llm_cli import raw_row
    from desktop.logs.formats.sqlite_generic import connect_readonly, table_columns

    path = info.path
    if rowid is None:
        return RawRecord("", note="The store has no rowid for this record.")
    if info.format == "llm-logs":
        parts = (dedup_key or "").split(":")
        table = parts[1] if len(parts) >= 3 and parts[0] == "llm" else "responses"
        row = raw_row(path, table, rowid)
    else:
        table = _mapped_table(info)
        conn = connect_readonly(path)
        try:
            if table is None:
                from desktop.logs.formats.base import Sample
                from desktop.logs.mapping import propose

                mapping = propose(Sample(path=path, sqlite_tables=table_columns(conn)))
                table = mapping.table if mapping is not None else None
            if table is None:
                return RawRecord("", note=f"No table with token columns in {path} any more.")
            cursor = conn.execute(f"SELECT * FROM {quote(table)} WHERE rowid = ?", (rowid,))
            values = cursor.fetchone()
            row = (
                None
                if values is None
                else dict(zip([d[0] for d in cursor.description], values, strict=True))
            )
        finally:
            conn.close()
    where = f"{path}, table {table}, rowid {rowid:,}"
    if row is None:
        return RawRecord(
            "", note=f"Row {rowid:,} of table {table} is no longer there.", location=where
        )
    return RawRecord(pretty(row, expand_json_text=True), row, "", where)


def _mapped_table(info: SourceInfo) -> str | None:
    if not isinstance(info.options, dict):
        return None
    from desktop.logs.mapping import MappingError, mapping_from_options

    try:
        mapping = mapping_from_options(info.options)
    except MappingError:
        return None
    return mapping.table if mapping is not None else None


def pretty(value: Any, expand_json_text: bool = False) -> str:
    """Indented JSON; SQLite text cells holding JSON are shown as JSON too."""
    if expand_json_text and isinstance(value, dict):
        value = {k: _maybe_json(v) for k, v in value.items()}
    return orjson.dumps(
        value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=_fallback
    ).decode()


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "[") and len(value) < TEXT_LIMIT:
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _fallback(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value):,} bytes>"
    return str(value)


def turn_text(format_id: str, raw: Any) -> tuple[str | None, str | None]:
    """Prompt and response text of a raw record, when its log has them."""
    if raw is None:
        return None, None
    try:
        return get_format(format_id).turn_text(raw)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None, None


def turn_text_around(
    path: Path, format_id: str, offset: int, raw: Any
) -> tuple[str | None, str | None] | None:
    """Prompt and response gathered from the lines around a record (formats that spread
    a call over several lines); None when the format does not, or the file cannot say."""
    if raw is None:
        return None
    try:
        return get_format(format_id).turn_text_around(path, offset, raw)
    except (KeyError, TypeError, ValueError, AttributeError, OSError):
        return None
