"""The prompt and response text of one call, read from its source on demand.

The store keeps where each call came from (source file, byte offset or row id),
never the text itself. This reads the raw record back: a line of a JSONL file,
a unit of a JSON document, or a row of a SQLite database (always read-only),
and asks the call's format for the text. The text is the log's own, untrusted:
callers show it as plain text only.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from desktop.store.dataset import Dataset

MAX_TEXT = 200_000  # characters shown per side; a longer text is cut with a note


@dataclass(frozen=True, slots=True)
class TurnText:
    prompt: str | None
    response: str | None
    note: str = ""  # why there is no text, or that it was cut

    @property
    def empty(self) -> bool:
        return not self.prompt and not self.response


def read_turn_text(dataset: Dataset, call_id: int) -> TurnText:
    """Prompt and response of a stored call (never raises for a missing or changed source)."""
    rows = dataset.rows([call_id], ["source_id", "offset", "line", "dedup_key"])
    if not rows:
        return TurnText(None, None, "This call is no longer in the working store.")
    row = rows[0]
    info = dataset.sources.get(row["source_id"])
    if info is None:
        return TurnText(None, None, "The call's source is no longer known.")
    path, format_id = Path(info[0]), info[1]
    try:
        from desktop.logs.formats import get_format

        fmt = get_format(format_id)
    except KeyError:
        return TurnText(None, None, f"Unknown log format {format_id!r}.")
    from desktop.logs.source import SourceError

    try:
        raw = _raw_record(dataset, row, path, fmt)
    except SourceError as exc:
        return TurnText(None, None, f"Could not read the source: {exc}")
    except (OSError, sqlite3.Error, ValueError, EOFError) as exc:
        return TurnText(None, None, f"Could not read {path}: {exc}")
    if raw is None:
        return TurnText(None, None, f"The record is no longer in {path} (the file changed).")
    prompt, response = fmt.turn_text(raw)
    if prompt is None and response is None:
        from desktop.logs.formats.spendtrail import turn_text as generic_text

        prompt, response = generic_text(raw)
    cut = False
    if prompt is not None and len(prompt) > MAX_TEXT:
        prompt, cut = prompt[:MAX_TEXT], True
    if response is not None and len(response) > MAX_TEXT:
        response, cut = response[:MAX_TEXT], True
    note = ""
    if prompt is None and response is None:
        note = "This log does not record the prompt or response text of its calls."
    elif cut:
        note = f"Long text cut to the first {MAX_TEXT:,} characters."
    return TurnText(prompt, response, note)


def _raw_record(dataset: Dataset, row: dict[str, Any], path: Path, fmt: Any) -> Any:
    if getattr(fmt, "kind", "jsonl") == "sqlite":
        return _sqlite_row(dataset, row, path, fmt)
    offset = row.get("offset")
    if offset is None:
        return None
    from desktop.logs import json_document
    from desktop.logs.source import read_raw_line

    if json_document.file_layout(path).document:
        data = json_document.read_raw_unit(path, int(offset))
    else:
        data = read_raw_line(path, int(offset))
    if not data.strip():
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def _sqlite_row(dataset: Dataset, row: dict[str, Any], path: Path, fmt: Any) -> Any:
    rowid = row.get("line")
    if rowid is None:
        return None
    key = row.get("dedup_key") or ""
    if fmt.id == "llm-logs" or key.startswith("llm:"):
        from desktop.logs.formats.llm_cli import raw_row

        parts = key.split(":")
        table = parts[1] if len(parts) >= 3 else "responses"
        return raw_row(path, table, int(rowid))
    table = _mapped_table(dataset, row["source_id"], path)
    if table is None:
        return None
    from desktop.logs.formats.sqlite_generic import connect_readonly, quote

    conn = connect_readonly(path)
    try:
        cursor = conn.execute(f"SELECT * FROM {quote(table)} WHERE rowid = ?", (int(rowid),))
        values = cursor.fetchone()
        if values is None:
            return None
        return dict(zip([d[0] for d in cursor.description], values, strict=True))
    finally:
        conn.close()


def _mapped_table(dataset: Dataset, source_id: int, path: Path) -> str | None:
    """The table a generic SQLite source was read from (its mapping, else the proposal)."""
    from desktop.logs.formats.base import Sample
    from desktop.logs.formats.sqlite_generic import connect_readonly, table_columns
    from desktop.logs.mapping import MappingError, mapping_from_options, propose

    found = dataset.read().execute("SELECT options FROM sources WHERE id = ?", (source_id,))
    options_row = found.fetchone()
    options = orjson.loads(options_row[0]) if options_row and options_row[0] else {}
    try:
        given = mapping_from_options(options)
    except MappingError:
        given = None
    if given is not None and given.table:
        return str(given.table)
    conn = connect_readonly(path)
    try:
        tables = table_columns(conn)
    finally:
        conn.close()
    proposal = propose(Sample(path=path, sqlite_tables=tables))
    return None if proposal is None or not proposal.table else str(proposal.table)
