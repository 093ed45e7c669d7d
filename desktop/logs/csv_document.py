"""CSV files with a header row: each row a record, its cells typed as JSON would be.

Spreadsheets and UI exports (a team's own sheet, LiteLLM spend logs, Langfuse,
``spendtrail export --format csv``) hold calls as CSV. Each row becomes an object
keyed by the header and is handed to the formats like a JSON line:
``(line, offset, value)`` with the line and byte offset the row starts at.

Cells are typed the way a JSON export would have them: an empty cell is null,
an integer or decimal is a number (``007`` and ``+5`` stay text, like ids), a
cell holding a JSON object or array is that value, anything else is text. A
dotted header (``usage.prompt_tokens``, ``labels.tenant``) nests, as
``pandas.json_normalize`` and our own export flatten them.

A row with another number of cells than the header, or bad UTF-8, is a
problem with its line; the rows around it are read.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from math import isfinite
from pathlib import Path
from typing import Any

import orjson

from desktop.logs.source import _skip, open_binary
from desktop.record import Problem

BOM = b"\xef\xbb\xbf"
TRUNCATED = "truncated last row (no newline at the end of the file; it may still be written)"
DELIMITERS = (",", "\t", ";")
_HEADER_CELL = re.compile(r"[A-Za-z_][\w .:/()\-]{0,79}")
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NUMBER_START = frozenset("-0123456789")

# A JSON cell (a request body, metadata) may be long: well past the module's 128 kB.
csv.field_size_limit(min(sys.maxsize, 1 << 31))


def sniff_delimiter(head: bytes) -> str | None:
    """The delimiter of a text whose first line is a CSV header row (three or more
    distinct names), and whose next line has as many cells; None otherwise (a header
    alone has no calls to read, and cannot be told from a line of prose)."""
    text = head[len(BOM) :] if head.startswith(BOM) else head
    lines = [line for line in text.split(b"\n", 3)[:3] if line.strip()]
    if len(lines) < 2 or lines[0].lstrip()[:1] in (b"{", b"["):
        return None
    try:
        first = lines[0].decode().rstrip("\r")
    except UnicodeDecodeError:
        return None
    for delimiter in DELIMITERS:
        names = next(csv.reader([first], delimiter=delimiter))
        if (
            len(names) < 3
            or len(set(names)) != len(names)
            or not all(_HEADER_CELL.fullmatch(n.strip()) for n in names)
        ):
            continue
        second = lines[1].decode(errors="replace").rstrip("\r")
        cells = next(csv.reader([second], delimiter=delimiter), [])
        # (a quoted cell may go on over the next line: fewer cells is fine then)
        if len(cells) > len(names) or (len(cells) < len(names) and '"' not in second):
            continue
        return delimiter
    return None


def cell_value(text: str) -> Any:
    """A cell as JSON would have it (see the module notes)."""
    if not text:
        return None
    first = text[0]
    if first in _NUMBER_START:
        if _INTEGER.fullmatch(text):
            return int(text)
        if _DECIMAL.fullmatch(text):
            value = float(text)
            return value if isfinite(value) else text
        return text
    if first in "[{":
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
    return text


class _Shape:
    """How a header's columns become an object: top-level keys, and nested key paths
    when dotted names nest without a clash ("usage" and "usage.tokens" both: flat)."""

    def __init__(self, names: list[str]) -> None:
        paths = [tuple(name.split(".")) for name in names]
        leaves = set(paths)
        if any(path[:cut] in leaves for path in paths for cut in range(1, len(path))):
            paths = [(name,) for name in names]
        self.flat = [(i, path[0]) for i, path in enumerate(paths) if len(path) == 1]
        self.nested = [(i, path) for i, path in enumerate(paths) if len(path) > 1]

    def object(self, row: list[str]) -> dict[str, Any]:
        obj = {key: cell_value(row[i]) for i, key in self.flat}
        for i, path in self.nested:
            value = cell_value(row[i])
            if value is None:
                continue  # an empty nested cell: the key is absent, as in the JSON
            node = obj
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = value
        return obj


class CsvReader:
    """The rows of a CSV file as objects, with problems and where the read ended."""

    def __init__(
        self, path: Path, delimiter: str, start_offset: int = 0, start_line: int = 1
    ) -> None:
        self.path = path
        self.delimiter = delimiter
        self.start = (start_offset, start_line)  # a file that grew: read on from here
        self.problems: list[Problem] = []
        self.end = (start_offset, start_line)  # (offset, next line) after the last whole row

    def values(self) -> Iterator[tuple[int, int, dict[str, Any]]]:
        with open_binary(self.path) as fh:
            yield from self._rows(fh)

    def _rows(self, fh: Any) -> Iterator[tuple[int, int, dict[str, Any]]]:
        starts: list[tuple[int, int]] = []  # (line, offset) of the lines of the current row
        bad: set[int] = set()  # lines that are not UTF-8
        position = {"line": 0, "offset": 0, "ended": True}  # ended: the last line had "\n"
        start_offset, start_line = self.start

        def lines() -> Iterator[str]:
            for raw in fh:
                line, offset = position["line"] + 1, position["offset"]
                position["line"], position["offset"] = line, offset + len(raw)
                position["ended"] = raw.endswith(b"\n")
                if offset == 0 and raw.startswith(BOM):
                    raw = raw[len(BOM) :]
                try:
                    text = raw.decode()
                except UnicodeDecodeError:
                    bad.add(line)
                    text = raw.decode(errors="replace")
                starts.append((line, offset))
                yield text

        reader = csv.reader(lines(), delimiter=self.delimiter)
        try:
            names = [n.strip() for n in next(reader)]
        except StopIteration:
            return
        except csv.Error as exc:
            self.problems.append(Problem(1, f"CSV header: {exc}", 0))
            return
        shape = _Shape(names)
        if start_offset > position["offset"]:  # rows read before: on from the last one
            _skip(fh, start_offset - position["offset"])
            position["offset"], position["line"] = start_offset, start_line - 1
        starts.clear()
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # a NUL byte, a quote left open at the end …
                line, offset = starts[0] if starts else (position["line"], position["offset"])
                starts.clear()
                if not position["ended"]:  # the last row, cut off: read it again next time
                    self.problems.append(Problem(line, TRUNCATED, offset))
                    break
                self.problems.append(Problem(line, f"not a CSV row: {exc}", offset))
                self.end = _after(position)
                continue
            line, offset = starts[0]
            spanned = [n for n, _ in starts]
            starts.clear()
            if not row or (len(row) == 1 and not row[0].strip()):
                self.end = _after(position)
                continue  # a blank line
            if len(row) != len(names) and not position["ended"]:
                self.problems.append(Problem(line, TRUNCATED, offset))
                break  # the last row, still being written: read it again next time
            self.end = _after(position)
            if bad.intersection(spanned):
                self.problems.append(Problem(line, "invalid UTF-8 in line", offset))
                continue
            if len(row) != len(names):
                self.problems.append(
                    Problem(
                        line,
                        f"{len(row)} cells where the header has {len(names)}",
                        offset,
                    )
                )
                continue
            yield line, offset, shape.object(row)


def _after(position: dict[str, Any]) -> tuple[int, int]:
    """Where a read goes on after the row just read: the next line, or, when the file
    ended without a newline, this same line (the newline read next ends it)."""
    return position["offset"], position["line"] + (1 if position["ended"] else 0)


def row_at(path: Path, delimiter: str, offset: int) -> dict[str, Any] | None:
    """The row that starts at ``offset`` (its header read first), or None."""
    reader = CsvReader(path, delimiter)
    with open_binary(path) as fh:
        header = fh.readline()
    reader.start = (max(offset, len(header)), 2)
    for _line, at, value in reader.values():
        return value if at == offset else None
    return None


def sample_rows(head: bytes, delimiter: str, max_rows: int) -> tuple[list[Any], int, int]:
    """The first rows of a CSV head as objects: (objects, rows seen, bad rows). The last
    line of a head that was cut short is left out."""
    text = head[len(BOM) :] if head.startswith(BOM) else head
    cut = text.rfind(b"\n")
    text = text[: cut + 1] if cut >= 0 else text
    lines = text.decode(errors="replace").splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        names = [n.strip() for n in next(reader)]
    except (StopIteration, csv.Error):
        return [], 0, 0
    shape = _Shape(names)
    objects: list[Any] = []
    seen = bad = 0
    try:
        for row in reader:
            if not row:
                continue
            seen += 1
            if len(row) != len(names):
                bad += 1
            else:
                objects.append(shape.object(row))
            if seen >= max_rows:
                break
    except csv.Error:
        bad += 1
    return objects, seen, bad
