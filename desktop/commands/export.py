"""`spendtrail export`: one canonical, priced record per billed call."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from desktop.commands.common import (
    ProgressLine,
    UsageError,
    add_filter_options,
    add_source_options,
    filters_of,
    open_request,
    report_ingest_problems,
    require_readable,
    zone_of,
)
from desktop.commands.report import safe_cell
from desktop.store.dataset import Dataset, Filters, QueryError
from desktop.store.schema import quote
from desktop.store.session import open_dataset
from desktop.timeutil import iso_utc
from pricing.cells import describe_flags

FIELDS = (
    "ts",
    "provider",
    "model",
    "service_tier",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
    "web_search_requests",
    "request_id",
    "message_id",
    "conversation_id",
    "trace_id",
    "parent_id",
    "status",
    "error",
    "latency_ms",
    "reported_cost_usd",
    "cost_usd",
    "price_id",
)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="one priced record per call, as JSONL or CSV",
        description="Export every billed call in Spendtrail's canonical form with its cost.",
    )
    add_source_options(parser)
    add_filter_options(parser)
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    request = open_request(args)
    zone = zone_of(args)
    filters = filters_of(args, zone)
    line = ProgressLine(enabled=not args.quiet)
    dataset, result = open_dataset(request, progress=line)
    line.done()
    report_ingest_problems(result)
    require_readable(result, dataset.store.count_calls(), args.paths)
    try:
        records = export_records(dataset, filters, zone)
        if args.output:
            tmp = args.output.with_name(args.output.name + ".part")
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                write(records, fh, args.format, dataset.label_keys())
            tmp.replace(args.output)
        else:
            write(records, sys.stdout, args.format, dataset.label_keys())
    except QueryError as exc:
        raise UsageError(str(exc)) from exc
    return 0


def write(records: Iterator[dict[str, Any]], out: IO[str], fmt: str, label_keys: list[str]) -> None:
    if fmt == "jsonl":
        for record in records:
            out.write(orjson.dumps(record).decode())
            out.write("\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    extra = ["cost_flags", "source", "format", "line"]
    writer.writerow([*FIELDS, *extra, *(f"labels.{k}" for k in label_keys)])
    for record in records:
        labels = record["labels"]
        row = [safe_cell(record[f]) for f in FIELDS]
        row += [safe_cell(";".join(record["cost_flags"])), safe_cell(record["source"])]
        row += [record["format"], record["line"]]
        row += [safe_cell(labels.get(k)) for k in label_keys]
        writer.writerow(row)


def export_records(
    dataset: Dataset, filters: Filters, zone: Any, chunk: int = 2000
) -> Iterator[dict[str, Any]]:
    """Records in time order; only the calls the filters keep."""
    store = dataset.store
    labels = store.label_columns
    sources = dataset.sources
    columns = [*FIELDS, "cost_flags", "source_id", "line"]
    names = ", ".join(quote(c) for c in [*columns, *labels.values()])
    conn = store.reader()
    try:
        if filters == Filters():
            with closing(conn.execute(f"SELECT {names} FROM calls ORDER BY ts, id")) as cur:
                while True:
                    rows = cur.fetchmany(chunk)
                    if not rows:
                        break
                    for row in rows:
                        yield _record(row, columns, list(labels), sources)
            return
        frame = dataset.frame
        mask = dataset.mask(filters, zone)
        ids = frame.ids[mask]
        order = np.lexsort((ids, frame.num("ts")[mask]))
        ids = ids[order].tolist()
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            marks = ",".join("?" * len(part))
            found = {
                row[0]: row[1:]
                for row in conn.execute(
                    f"SELECT id, {names} FROM calls WHERE id IN ({marks})", part
                )
            }
            for call_id in part:
                yield _record(found[call_id], columns, list(labels), sources)
    finally:
        conn.close()


def _record(
    row: tuple[Any, ...], columns: list[str], label_keys: list[str], sources: dict
) -> dict[str, Any]:
    n = len(columns)
    record = dict(zip(columns, row[:n], strict=True))
    record["ts"] = iso_utc(record["ts"])
    record["cost_flags"] = describe_flags(record["cost_flags"] or 0)
    path, fmt = sources.get(record.pop("source_id"), (None, None))
    record["labels"] = {k: v for k, v in zip(label_keys, row[n:], strict=True) if v is not None}
    record["source"] = path
    record["format"] = fmt
    return record
