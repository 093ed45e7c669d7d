"""Writing a table (the requests, a pivot…) to CSV or JSON Lines, without Qt.

A view describes what to write as an :class:`ExportJob`; the app's export
dialog runs :func:`write_export` on a worker with progress and Cancel. CSV
cells that a spreadsheet would run as a formula (text starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) are neutralised with a
leading apostrophe, as ``spendtrail report --format csv`` does.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from desktop.commands.report import safe_cell

FORMATS: dict[str, tuple[str, str]] = {
    # id: (title, file suffix)
    "csv": ("CSV (spreadsheets)", ".csv"),
    "jsonl": ("JSON Lines (one JSON object per line)", ".jsonl"),
}


class ExportCancelled(Exception):
    """The user stopped the export; nothing was written."""


@dataclass(frozen=True, slots=True)
class ExportJob:
    """What to export: column names and the rows, produced in chunks on a worker.

    ``chunks(fmt)`` yields lists of rows (one value per header); it is called
    on the worker thread, so it may read the dataset. ``fmt`` lets a view
    write, e.g., "unpriced" in a CSV cost cell but ``null`` in JSON.
    """

    title: str
    headers: Sequence[str]
    chunks: Callable[[str], Iterator[Sequence[Sequence[Any]]]]
    total: int
    suggested_name: str = "export"


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: formula-like text neutralised, None empty."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        value = orjson.dumps(value).decode()
    return safe_cell(value)


def write_export(
    job: ExportJob,
    path: Path,
    fmt: str,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Write every row of ``job`` to ``path``; returns the number of rows.

    Written to ``path.part`` first and renamed at the end, so a cancelled or
    failed export never leaves half a file under the chosen name.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    tmp = path.with_name(path.name + ".part")
    written = 0
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n") if fmt == "csv" else None
            if writer is not None:
                writer.writerow([csv_cell(h) for h in job.headers])
            headers = list(job.headers)
            for chunk in job.chunks(fmt):
                if cancel is not None and cancel.is_set():
                    raise ExportCancelled
                if writer is not None:
                    writer.writerows([csv_cell(v) for v in row] for row in chunk)
                else:
                    fh.write(
                        "".join(
                            orjson.dumps(dict(zip(headers, row, strict=True)), default=str).decode()
                            + "\n"
                            for row in chunk
                        )
                    )
                written += len(chunk)
                if progress is not None:
                    progress(written)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return written
