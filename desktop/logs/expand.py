"""From the paths a user opens to the files to read, each with its format.

Directories are walked recursively. Files that are not logs we can read
(pictures, notes, configuration) are skipped quietly: they are listed with the
reason, not counted as problems.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
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
    ".csv",  # spreadsheets and UI exports with a header row
    ".tsv",
    ".csv.gz",
    ".csv.zst",
    ".sse",  # a streamed response saved as Server-Sent Events
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
    detected_as: dict[Path, Path] = field(default_factory=dict)  # resolved -> path detected


# Given a file (resolved), the format it was read with before, if it has not changed
# since: detection is skipped for it (a projects folder has thousands of files).
Known = Callable[[Path], SourceFile | None]
# Detects many files at once (e.g. in worker processes), results in the same order.
DetectMany = Callable[[Sequence[Path]], list[Detection | NotALog | Exception]]


def detect_each(paths: Sequence[Path]) -> list[Detection | NotALog | Exception]:
    return [detect_safely(path) for path in paths]


def detect_safely(path: Path) -> Detection | NotALog | Exception:
    """:func:`detect`, with a file that cannot be read as the error instead of raised."""
    try:
        return detect(path)
    except (SourceError, OSError) as exc:
        return exc


def expand_paths(
    paths: Iterable[Path],
    force_format: str | None = None,
    known: Known | None = None,
    detect_many: DetectMany = detect_each,
) -> Expansion:
    """Files to read for the given files and folders, in a stable order."""
    result = Expansion()
    seen: set[Path] = set()
    # (path as found, resolved, given by the user) of the files whose format is wanted
    wanted: list[tuple[Path, Path, bool]] = []
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            result.errors.append((path, "no such file or folder"))
            continue
        if path.is_dir():
            found = [(f, real, False) for f, real in _walk(path)]
        else:
            found = [(path, path.resolve(), True)]
        for file, resolved, explicit in found:
            if resolved in seen:
                continue
            seen.add(resolved)
            if not explicit and not file.name.lower().endswith(LOG_SUFFIXES):
                result.skipped.append((file, "not a log file name"))
                continue
            wanted.append((file, resolved, explicit))
    chosen: dict[Path, SourceFile] = {}
    unknown: list[tuple[Path, Path, bool]] = []
    for file, resolved, explicit in wanted:
        before = None
        if force_format is not None:
            fmt = get_format(force_format)
            before = SourceFile(resolved, fmt.id, f"{fmt.title} (chosen by the user)")
        elif known is not None:
            before = known(resolved)
        if before is not None:
            chosen[resolved] = before
        else:
            unknown.append((file, resolved, explicit))
    detections = detect_many([file for file, _, _ in unknown]) if unknown else []
    for (file, resolved, explicit), found in zip(unknown, detections, strict=True):
        if isinstance(found, Detection):
            chosen[resolved] = SourceFile(resolved, found.format_id, found.reason, found.confidence)
            result.detected_as[resolved] = file
            continue
        reason = found.reason if isinstance(found, NotALog) else str(found)
        (result.errors if explicit else result.skipped).append((file, reason))
    result.files = [chosen[resolved] for _, resolved, _ in wanted if resolved in chosen]
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


def _walk(folder: Path) -> list[tuple[Path, Path]]:
    """Every file under ``folder`` but hidden ones, in a stable order, with its resolved
    path. As ``os.walk``: folders are sorted, files of a folder come before its
    subfolders, links to folders are not followed. Only the folder itself and linked
    files are resolved: resolving each of a projects folder's 14k paths costs a stat
    per path component."""
    found: list[tuple[Path, Path]] = []
    _walk_into(str(folder), folder.resolve(), found)
    return found


def _walk_into(path: str, real: Path, found: list[tuple[Path, Path]]) -> None:
    try:
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return  # an unreadable folder is left out, as os.walk does
    folders = []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if not entry.is_symlink():
                folders.append(entry)
            continue
        file = Path(entry.path)
        found.append((file, file.resolve() if entry.is_symlink() else real / name))
    for entry in folders:
        _walk_into(entry.path, real / entry.name, found)
