"""Options and helpers shared by the headless commands."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any, TextIO

from desktop.store.dataset import COST_MODES, Filters
from desktop.store.ingest import IngestResult, Progress
from desktop.store.pricer import PricingSpec
from desktop.store.session import OpenRequest
from desktop.timeutil import TimestampError, parse_bound, resolve_zone


class UsageError(Exception):
    """Wrong arguments: exit code 2, with a message that says what to do."""


class Failure(Exception):
    """Nothing could be done (e.g. nothing readable): exit code 1."""


def add_source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="log files or folders")
    parser.add_argument(
        "--log-format",
        metavar="FORMAT",
        help="read every file as this format instead of detecting it (see `spendtrail detect`)",
    )
    parser.add_argument(
        "--map",
        type=Path,
        metavar="FILE",
        help="field mapping (JSON) for logs in a shape Spendtrail does not know",
    )
    parser.add_argument(
        "--pricing",
        type=Path,
        metavar="FILE",
        help="price with this file alone (a Spendtrail catalog or a LiteLLM price map)",
    )
    parser.add_argument(
        "--prices",
        choices=("history", "today"),
        default="history",
        help="history: the price in force at each call (default); today: today's prices",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tz", metavar="ZONE", help="time zone: local (default), UTC or an IANA name"
    )
    parser.add_argument("--since", metavar="T", help="first day or time (e.g. 2026-07-01)")
    parser.add_argument("--until", metavar="T", help="end day or time, exclusive")
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="COL=VALUE",
        help="keep calls whose column has this value (COL!=VALUE excludes); repeat a column "
        "for any of several values; COL= matches missing values",
    )
    parser.add_argument("--search", metavar="TEXT", help="text in model, provider, ids or labels")


def open_request(args: argparse.Namespace) -> OpenRequest:
    from desktop.logs import remembered_mappings

    options = None
    force = args.log_format
    paths = list(args.paths)
    if getattr(args, "map", None) is not None:
        mapping = load_mapping(args.map)
        remembered_mappings.remember(paths, mapping)
        options = {"mapping": mapping}
        force = force or "mapped"
    elif force is None:
        remembered = remembered_mappings.recall(paths)
        if remembered is not None:  # mapped once with --map: read the same way again
            options = {"mapping": remembered}
            force = "mapped"
    if force is not None:
        from desktop.logs.formats import format_ids

        if force not in format_ids():
            raise UsageError(
                f"unknown log format {force!r}; known formats: {', '.join(format_ids())}"
            )
    pricing_file = None
    if args.pricing is not None:
        if not args.pricing.is_file():
            raise UsageError(f"pricing file {args.pricing} does not exist")
        pricing_file = str(args.pricing.resolve())
    spec = PricingSpec(file=pricing_file, mode=args.prices)
    return OpenRequest(tuple(args.paths), spec, force, options)


def load_mapping(path: Path) -> dict[str, Any]:
    import orjson

    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read the mapping file {path}: {exc.strerror or exc}") from exc
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"the mapping file {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageError(f"the mapping file {path} must hold a JSON object")
    return data


def zone_of(args: argparse.Namespace) -> tzinfo:
    try:
        return resolve_zone(args.tz)
    except TimestampError as exc:
        raise UsageError(str(exc)) from exc


def filters_of(args: argparse.Namespace, zone: tzinfo) -> Filters:
    try:
        since = parse_bound(args.since, zone) if args.since else None
        until = parse_bound(args.until, zone) if args.until else None
    except TimestampError as exc:
        raise UsageError(str(exc)) from exc
    where: dict[str, list[str]] = {}
    where_not: dict[str, list[str]] = {}
    for item in args.where:
        if "!=" in item:
            column, value = item.split("!=", 1)
            where_not.setdefault(column.strip(), []).append(value)
        elif "=" in item:
            column, value = item.split("=", 1)
            where.setdefault(column.strip(), []).append(value)
        else:
            raise UsageError(f"--where needs COL=VALUE or COL!=VALUE, got {item!r}")
    return Filters(
        since=since,
        until=until,
        where=tuple((k, tuple(v)) for k, v in where.items()),
        where_not=tuple((k, tuple(v)) for k, v in where_not.items()),
        search=args.search or "",
    )


def check_cost_mode(mode: str) -> str:
    if mode not in COST_MODES:
        raise UsageError(f"--cost-mode must be one of {', '.join(COST_MODES)}")
    return mode


class ProgressLine:
    """A single updating progress line on a terminal; silent otherwise."""

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        stream = stream or sys.stderr  # looked up now: the stream may be replaced
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self._last = 0.0

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.2:
            return
        self._last = now
        if p.phase == "detecting":
            self.stream.write(f"\rLooking at {p.files_done:,}/{p.files_total:,} files   ")
            self.stream.flush()
            return
        pct = 100 * p.bytes_done / p.bytes_total if p.bytes_total else 100
        eta = f", about {p.eta:.0f} s left" if p.eta is not None and p.eta >= 1 else ""
        self.stream.write(
            f"\rReading {p.files_done}/{p.files_total} files: {pct:3.0f}%  "
            f"{p.calls:,} calls ({p.rate:,.0f}/s){eta}   "
        )
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self._last:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()


def report_ingest_problems(result: IngestResult, stream: TextIO | None = None) -> None:
    """Warnings a person should see even when the command succeeds."""
    stream = stream or sys.stderr
    for path, reason in result.errors:
        stream.write(f"spendtrail: warning: {path}: {reason}\n")
    if result.cancelled:
        stream.write("spendtrail: warning: reading was cancelled; figures are incomplete\n")


def require_readable(result: IngestResult, calls: int, paths: Sequence[Path]) -> None:
    if calls == 0 and result.files == 0:
        reasons = "; ".join(f"{p}: {r}" for p, r in result.errors[:3]) or "no log files found"
        raise Failure(
            f"nothing readable in {', '.join(str(p) for p in paths)} ({reasons}). "
            "Point Spendtrail at JSONL, JSON, or SQLite logs; `spendtrail detect PATH` explains "
            "what it recognises."
        )
