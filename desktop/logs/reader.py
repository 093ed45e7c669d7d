"""Run a format over a source: lines → parsed JSON → records and problems.

This is the sequential reader; the ingest pipeline uses the same functions on
parallel chunks. Bad lines never stop a read: each becomes a :class:`Problem`
with its line number and a reason. Whole-file JSON documents (pretty arrays or
objects, see :mod:`desktop.logs.json_document`) are read here too, unit by unit;
they cannot be split into byte ranges, so read them with :func:`read_records`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from desktop.logs import json_document
from desktop.logs.csv_document import CsvReader
from desktop.logs.formats.base import LineDecoder, LogFormat, ReadContext, SqliteFormat
from desktop.logs.source import Chunk, read_chunks, split_lines, sse_data
from desktop.record import CallRecord, Problem

_loads = orjson.loads
_SPACE = frozenset(b" \t\r\n\x0b\x0c")
_JSONError = orjson.JSONDecodeError
_NOTHING = object()  # a line that gives no value


@dataclass(frozen=True, slots=True)
class ReadEnd:
    """Where a read stopped: the next read of an appended file starts here."""

    offset: int  # byte offset after the last complete line
    line: int  # number of the next line


def parse_error(raw: bytes, exc: Exception, truncated: bool) -> str:
    """A readable reason for a line that is not valid JSON."""
    if truncated:
        return "truncated last line (no newline at the end of the file; it may still be written)"
    message = str(exc)
    if "UTF-8" in message or "utf-8" in message:
        return "invalid UTF-8 in line"
    if b"NaN" in raw or b"Infinity" in raw:
        return "invalid JSON: NaN/Infinity is not a JSON number"
    return "invalid JSON: " + message.split(": line")[0]


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


class ChunkParser:
    """Parses the lines of chunks, collecting problems and the resume point.

    With a :class:`LineDecoder` (a format's bulk reader), lines of the common
    shape are decoded straight into typed values and come as (line, offset,
    value, raw bytes); every other line is parsed as plain JSON, as without one.
    """

    def __init__(self, prefilter: bytes | None, decoder: LineDecoder | None = None) -> None:
        self.prefilter = prefilter
        self.decoder = decoder
        self.problems: list[Problem] = []
        self.end: ReadEnd | None = None
        self._resume: ReadEnd | None = None

    def _parse_lines(
        self,
        lines: Iterable[tuple[int, int, bytes]],
        prefilter: bytes | None,
        open_tail: bool,
        tail_offset: int,
    ) -> Iterator[tuple[int, int, Any]]:
        for line, offset, raw in lines:
            if prefilter is not None and prefilter not in raw:
                continue
            if not raw or (raw[0] in _SPACE and raw.isspace()):
                continue
            try:
                value = _loads(raw)
            except _JSONError as exc:
                value = self._not_json(line, offset, raw, exc, open_tail and offset == tail_offset)
                if value is _NOTHING:
                    continue
            yield line, offset, value

    def _not_json(self, line: int, offset: int, raw: bytes, exc: Exception, truncated: bool) -> Any:
        """A line plain JSON turned down: the JSON of an SSE ``data:`` line, or nothing
        (SSE framing, or a problem: this one's, or a cut-off last line's)."""
        data = sse_data(raw)
        if data is not None:
            if not data:
                return _NOTHING  # event:, id:, a comment, data: [DONE]
            try:
                return _loads(data)
            except _JSONError as inner:
                exc = inner
        self.problems.append(Problem(line, parse_error(raw, exc, truncated), offset))
        if truncated:
            self._resume = ReadEnd(offset, line)
        return _NOTHING

    def parse(self, chunk: Chunk) -> Iterator[tuple[int, int, Any]]:
        """(line, offset, value) for each parsable line; bad lines become problems."""
        prefilter = self.prefilter
        ends_line = chunk.data.endswith(b"\n")
        open_tail = chunk.last and not ends_line
        tail_offset = chunk.offset + chunk.data.rfind(b"\n") + 1
        end_offset = chunk.offset + len(chunk.data)
        if chunk.offset == 0 and chunk.data.startswith(json_document.BOM):
            resume = ReadEnd(end_offset, chunk.first_line + chunk.data.count(b"\n"))
            lines: Iterable[tuple[int, int, bytes]] = _without_bom(split_lines(chunk))
            yield from self._parse_lines(lines, prefilter, open_tail, tail_offset)
            resume = self._resume or resume
        else:
            # The hot loop, with the line splitting inlined (no generator per line).
            line, offset = chunk.first_line, chunk.offset
            pieces = chunk.data.split(b"\n")
            if ends_line:
                pieces.pop()
            truncated_at: ReadEnd | None = None
            loads = _loads
            decode = self.decoder.decode if self.decoder is not None else None
            rejects = self.decoder.rejects if self.decoder is not None else ()
            for raw in pieces:
                size = len(raw)
                if (
                    (prefilter is None or prefilter in raw)
                    and size
                    and not (raw[0] in _SPACE and raw.isspace())
                ):
                    if decode is not None:
                        try:
                            value = decode(raw)
                        except rejects:
                            pass
                        else:
                            # A typed decoder skips what it does not read without
                            # checking its UTF-8: the line must be all valid, as for
                            # plain JSON (which says what is wrong if it is not).
                            if raw.isascii() or _utf8(raw):
                                yield line, offset, value, raw
                                offset += size + 1
                                line += 1
                                continue
                    try:
                        yield line, offset, loads(raw)
                    except _JSONError as exc:
                        truncated = open_tail and offset == tail_offset
                        value = self._not_json(line, offset, raw, exc, truncated)
                        if value is not _NOTHING:
                            yield line, offset, value
                        elif truncated and self._resume is not None:
                            # Read this line again next time: the writer may finish it.
                            truncated_at = self._resume
                            self._resume = None
                offset += size + 1
                line += 1
            # The next line's number, counted by the loop (counting the newlines of the
            # chunk again would cost a pass over it): an unended last line is this one.
            resume = truncated_at or ReadEnd(end_offset, line if ends_line else line - 1)
        self._resume = None
        # A complete last line without its newline was billed: resume after it.
        # The next byte read will be that newline, which ends this same line,
        # so the line number stays (``resume.line`` is already this line's).
        self.end = resume


def _without_bom(
    lines: Iterator[tuple[int, int, bytes]],
) -> Iterator[tuple[int, int, bytes]]:
    """Drop a UTF-8 byte-order mark (written by some Windows tools) from line 1."""
    for line, offset, raw in lines:
        if offset == 0:
            raw = raw[len(json_document.BOM) :]
        yield line, offset, raw


def read_records(
    path: Path,
    fmt: LogFormat,
    ctx: ReadContext | None = None,
    start_offset: int = 0,
    start_line: int = 1,
) -> Iterator[CallRecord | Problem | ReadEnd]:
    """All records and problems of one source, in order, then one :class:`ReadEnd`."""
    ctx = ctx or ReadContext(path=path, mtime=path.stat().st_mtime)
    if isinstance(fmt, SqliteFormat):
        yield from fmt.read_sqlite(path, ctx)
        yield ReadEnd(0, 0)
        return
    source = open_values(path, fmt.prefilter, start_offset, start_line)
    yield from fmt.records(source.values(), ctx)
    yield from source.problems
    yield ReadEnd(*source.end)


class LineReader:
    """The parsed lines of a JSON Lines source, with problems and the resume point."""

    def __init__(
        self,
        path: Path,
        prefilter: bytes | None,
        start_offset: int = 0,
        start_line: int = 1,
        decoder: LineDecoder | None = None,
    ) -> None:
        self.path = path
        self.start = ReadEnd(start_offset, start_line)
        self.parser = ChunkParser(prefilter, decoder)
        self.problems = self.parser.problems

    def values(self) -> Iterator[tuple[int, int, Any]]:
        for chunk in read_chunks(self.path, self.start.offset, self.start.line):
            yield from self.parser.parse(chunk)

    @property
    def end(self) -> tuple[int, int]:
        end = self.parser.end or self.start
        return end.offset, end.line


def open_values(
    path: Path,
    prefilter: bytes | None = None,
    start_offset: int = 0,
    start_line: int = 1,
    decoder: LineDecoder | None = None,
) -> CsvReader | json_document.DocumentReader | LineReader:
    """The (line, offset, value) reader of a text source, by its layout: CSV rows, the
    units of a JSON document, or JSON lines (typed by ``decoder`` where it takes them).
    Each has ``values()``, ``problems`` and ``end`` (where a later read goes on)."""
    layout = json_document.file_layout(path)
    if layout.csv is not None:
        return CsvReader(path, layout.csv, start_offset, start_line)
    if layout.document:
        return json_document.DocumentReader(path, start_offset, start_line)
    return LineReader(path, prefilter, start_offset, start_line, decoder)


def collect(path: Path, fmt: LogFormat) -> tuple[list[CallRecord], list[Problem]]:
    """Read a whole source into lists (tests and small tools)."""
    records: list[CallRecord] = []
    problems: list[Problem] = []
    for item in read_records(path, fmt):
        if isinstance(item, CallRecord):
            records.append(item)
        elif isinstance(item, Problem):
            problems.append(item)
    problems.sort(key=lambda p: p.line)
    return records, problems


def deduplicate(records: Iterator[CallRecord] | list[CallRecord]) -> list[CallRecord]:
    """Apply the store's dedup rule in memory: one record per ``dedup_key``.

    Among records sharing a key the highest ``dedup_rank`` wins; on a tie the
    first one read is kept. Records without a key are all kept.
    """
    kept: list[CallRecord | None] = []
    where: dict[str, int] = {}
    for record in records:
        key = record.dedup_key
        if key is None:
            kept.append(record)
            continue
        index = where.get(key)
        if index is None:
            where[key] = len(kept)
            kept.append(record)
        else:
            current = kept[index]
            assert current is not None
            if record.dedup_rank > current.dedup_rank:
                kept[index] = record
    return [r for r in kept if r is not None]
