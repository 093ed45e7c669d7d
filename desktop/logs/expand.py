"""From the paths a user opens to the files to read, each with its format.

Directories are walked recursively. Files that are not logs we can read
(pictures, notes, configuration) are skipped quietly: they are listed with the
reason, not counted as problems.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.logs.detect import NotALog, detect
from desktop.logs.formats import get_format
from desktop.logs.formats.base import Detection
from desktop.logs.formats.codex import superseded_archives
from desktop.logs.source import SourceError

# File name endings worth sniffing inside a folder; anything else is skipped
# without opening it.
LOG_SUFFIXES = (
    ".jsonl",
    ".ndjson",
    ".json",
    ".log",
    ".jsonl.gz",
    ".ndjson.gz",
    ".json.gz",
    ".log.gz",
    ".jsonl.zst",
    ".ndjson.zst",
    ".json.zst",
    ".log.zst",
    ".gz",
    ".zst",
    ".db",
    ".sqlite",
    ".sqlite3",
    ".out",
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file to read, with the format chosen for it and why."""

    path: Path
    format_id: str
    reason: str
    confidence: float = 1.0
    options: Any = None  # e.g. a field mapping, passed to the format as ReadContext.options


@dataclass(slots=True)
class Expansion:
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # quietly, with why
    errors: list[tuple[Path, str]] = field(default_factory=list)  # a path given that can't be read


def expand_paths(paths: Iterable[Path], force_format: str | None = None) -> Expansion:
    """Files to read for the given files and folders, in a stable order."""
    result = Expansion()
    seen: set[Path] = set()
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            result.errors.append((path, "no such file or folder"))
            continue
        if path.is_dir():
            for file in _walk(path):
                _add(file, result, seen, force_format, explicit=False)
        else:
            _add(path, result, seen, force_format, explicit=True)
    _drop_superseded(result)
    return result


def _drop_superseded(result: Expansion) -> None:
    """Skip archived Codex rollouts whose live copy is read too (the live one wins)."""
    superseded = superseded_archives(f.path for f in result.files if f.format_id == "codex")
    if not superseded:
        return
    result.files = [f for f in result.files if f.path not in superseded]
    for archived, live in superseded.items():
        result.skipped.append((archived, f"archived copy of {live} (the sessions/ copy is read)"))


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            found.append(Path(root) / name)
    return found


def _add(
    path: Path, result: Expansion, seen: set[Path], force_format: str | None, explicit: bool
) -> None:
    resolved = path.resolve()
    if resolved in seen:
        return
    seen.add(resolved)
    if not explicit and not path.name.lower().endswith(LOG_SUFFIXES):
        result.skipped.append((path, "not a log file name"))
        return
    if force_format is not None:
        fmt = get_format(force_format)
        result.files.append(SourceFile(resolved, fmt.id, f"{fmt.title} (chosen by the user)"))
        return
    try:
        found = detect(path)
    except (SourceError, OSError) as exc:
        if explicit:
            result.errors.append((path, str(exc)))
        else:
            result.skipped.append((path, str(exc)))
        return
    if isinstance(found, NotALog):
        if explicit:
            result.errors.append((path, found.reason))
        else:
            result.skipped.append((path, found.reason))
        return
    assert isinstance(found, Detection)
    result.files.append(SourceFile(resolved, found.format_id, found.reason, found.confidence))
