"""Headless ``detect`` and ``discover`` commands (wired into the main CLI).

``spendtrail detect PATH... [--format json]``: which format each file is read as,
how sure detection is and why; skipped files with the reason; unreadable paths.
Exit 0 when something was recognised, 1 when nothing readable was found, 2 for
usage errors (argparse).

``spendtrail discover [--format json]``: the known log locations on this machine
with their size and an estimate of the calls in them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, TextIO

from desktop.logs.discovery import Location, discover
from desktop.logs.expand import Expansion, expand_paths
from desktop.logs.formats import get_format
from desktop.numbers import size as human_size

OUTPUT_FORMATS = ("text", "json")


def add_detect_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "detect",
        help="show which log format each file is read as, and why",
        description="Show which log format each file is read as, how sure the detection "
        "is and why. Folders are searched recursively.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument("--format", choices=OUTPUT_FORMATS, default="text", help="output format")
    parser.set_defaults(func=run_detect)
    return parser


def add_discover_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "discover",
        help="list the LLM tool logs found on this machine",
        description="List the known log locations on this machine (Claude Code, Codex, "
        "the llm CLI, other local agents) with their size and an estimate of the calls.",
    )
    parser.add_argument("--format", choices=OUTPUT_FORMATS, default="text", help="output format")
    parser.set_defaults(func=run_discover)
    return parser


def run_detect(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        expansion = _expand(args.paths)
    except Exception as exc:  # a bug must not show a traceback to the user
        sys.stderr.write(f"spendtrail detect: error: {exc}\n")
        return 1
    if args.format == "json":
        json.dump(_detect_json(expansion), out, indent=2)
        out.write("\n")
    else:
        _detect_text(expansion, out)
    return 0 if expansion.files else 1


def _expand(paths: Sequence[Path]) -> Expansion:
    unreadable: list[tuple[Path, str]] = []
    readable: list[Path] = []
    for path in paths:
        if path.is_dir() and not os.access(path, os.R_OK | os.X_OK):
            unreadable.append((path, "cannot read folder (permission denied)"))
        else:
            readable.append(path)
    expansion = expand_paths(readable)
    expansion.errors[:0] = unreadable
    return expansion


def _detect_json(expansion: Expansion) -> dict[str, Any]:
    return {
        "files": [
            {
                "path": str(f.path),
                "format": f.format_id,
                "title": get_format(f.format_id).title,
                "confidence": f.confidence,
                "reason": f.reason,
            }
            for f in expansion.files
        ],
        "skipped": [{"path": str(p), "reason": r} for p, r in expansion.skipped],
        "errors": [{"path": str(p), "reason": r} for p, r in expansion.errors],
    }


def _detect_text(expansion: Expansion, out: TextIO) -> None:
    if expansion.files:
        rows = [
            (_show(f.path), f.format_id, f"{f.confidence:.2f}", f.reason) for f in expansion.files
        ]
        _table(("FILE", "FORMAT", "CONFIDENCE", "REASON"), rows, out, right={2})
    if expansion.skipped:
        out.write("\nSkipped:\n")
        _table(("FILE", "WHY"), [(_show(p), r) for p, r in expansion.skipped], out)
    if expansion.errors:
        out.write("\nNot read:\n")
        _table(("PATH", "WHY"), [(_show(p), r) for p, r in expansion.errors], out)
    counts = [
        _plural(len(expansion.files), "file") + " recognised",
        f"{len(expansion.skipped)} skipped",
        f"{len(expansion.errors)} not read",
    ]
    if not expansion.files:
        counts[0] = "no log file recognised"
    out.write(("\n" if expansion.files or expansion.skipped else "") + ", ".join(counts) + "\n")


def run_discover(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """List the locations; 0 even when none is found (that is an answer, not an error)."""
    out = out or sys.stdout
    try:
        locations = discover()
    except Exception as exc:  # a bug must not show a traceback to the user
        sys.stderr.write(f"spendtrail discover: error: {exc}\n")
        return 1
    if args.format == "json":
        json.dump([_location_json(loc) for loc in locations], out, indent=2)
        out.write("\n")
        return 0
    if not locations:
        out.write("No logs of known LLM tools found on this machine.\n")
        return 0
    rows = [
        (
            loc.title if loc.readable else f"{loc.title} (not read yet)",
            _show(loc.path),
            human_size(loc.size_bytes),
            f"{loc.files:,}",
            "unknown" if loc.estimated_calls is None else f"~{loc.estimated_calls:,}",
        )
        for loc in locations
    ]
    _table(("SOURCE", "PATH", "SIZE", "FILES", "CALLS"), rows, out, right={2, 3, 4})
    return 0


def _location_json(loc: Location) -> dict[str, Any]:
    return {
        "kind": loc.kind,
        "title": loc.title,
        "path": str(loc.path),
        "size_bytes": loc.size_bytes,
        "files": loc.files,
        "estimated_calls": loc.estimated_calls,
        "readable": loc.readable,
    }


def _show(path: Path) -> str:
    """A path as a person reads it: relative below the current folder, home as ``~``."""
    text = str(path)
    here = os.getcwd()
    if path.is_absolute() and text.startswith(here + os.sep):
        return text[len(here) + 1 :]
    home = str(Path.home())
    if home not in ("/", "") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home) :]
    return text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    out: TextIO,
    right: Collection[int] = (),
) -> None:
    """Columns aligned to their widest cell (numbers to the right)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.write("  ".join(cells).rstrip() + "\n")
