"""Whole-file JSON documents: pretty-printed arrays, single objects, concatenated objects.

UI exports write one pretty-printed array (``[{…},{…}]``); some tools write one
pretty object per file, and Python's ``ConsoleSpanExporter`` prints pretty
objects one after another. None of these is JSON Lines, so each *unit* is cut
out of the byte stream here and handed to the formats exactly like a line:
``(line, offset, value)`` where ``line`` is the line the unit starts on and
``offset`` its byte offset in the (decompressed) file. Units are:

- the elements of a top-level array (each array in the file, if several), and
- every top-level object.

The splitter streams: it keeps only the unit being read in memory. It tracks
bracket depth and skips strings whole with a regular expression, so it does not
need to understand the JSON inside a unit; :func:`orjson.loads` does that, and a
broken unit becomes a :class:`Problem` while its neighbours are still read.

Resuming: the read end is just after the last complete unit. Reading again from
there works because separators (``,`` and ``]``) outside any unit are skipped,
so the rest of an array that is still being written reads as units too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from desktop.logs.csv_document import sniff_delimiter
from desktop.logs.source import CHUNK_SIZE, SourceError, _skip, compression_of, open_binary
from desktop.record import Problem

BOM = b"\xef\xbb\xbf"
HEAD_BYTES = 64 << 10

# Outside a unit commas separate array elements; inside one only brackets and
# strings matter. JSON strings never span lines, so a lone quote is either a
# string that goes on past the buffer or a stray quote in non-JSON text.
_STRING = rb'"[^"\\\n]*(?:\\[^\n][^"\\\n]*)*"'
_OUTER = re.compile(_STRING + rb'|[{}\[\],]|"')
_INNER = re.compile(_STRING + rb'|[{}\[\]]|"')
_WHITESPACE = b" \t\r\n"
_OPEN = frozenset(b"{[")


class Unit(NamedTuple):
    """A piece of the document: a value to parse, or text that is not JSON."""

    kind: str  # "value" | "garbage" | "truncated"
    line: int
    offset: int
    data: bytes


class Layout(NamedTuple):
    document: bool
    reason: str
    csv: str | None = None  # the delimiter of a CSV file with a header row


def head_layout(head: bytes) -> Layout:
    """Whether the start of a file is a JSON document (not JSON Lines), and why."""
    text = head[len(BOM) :] if head.startswith(BOM) else head
    text = text.lstrip(_WHITESPACE)
    if not text:
        return Layout(False, "empty")
    if text[:1] == b"[":
        return Layout(True, "a JSON array")
    if text[:1] != b"{":
        delimiter = sniff_delimiter(text)
        if delimiter is not None:
            return Layout(True, "CSV with a header row", delimiter)
        return Layout(False, "not JSON")
    cut = text.find(b"\n")
    first = (text if cut < 0 else text[:cut]).strip()
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        pass
    else:
        return Layout(False, "JSON Lines")
    if first == b"{":
        return Layout(True, "pretty-printed JSON objects")
    # A pretty object's second line is a key or the closing brace; a JSONL
    # file whose first line is broken has another object on its next line.
    following = _next_line(text, cut, 63)
    if following[:1] in (b'"', b"}", b"]"):
        return Layout(True, "pretty-printed JSON objects")
    return Layout(False, "JSON Lines")


def _next_line(text: bytes, cut: int, lines: int) -> bytes:
    """The first non-blank line (stripped) among the ``lines`` after the line ending at
    ``cut``, or ``b""`` (found line by line: splitting would copy the whole head)."""
    end = len(text)
    pos = end if cut < 0 else cut + 1
    for _ in range(lines):
        if pos >= end:
            break
        cut = text.find(b"\n", pos)
        if cut < 0:
            cut = end
        line = text[pos:cut].strip()
        if line:
            return line
        pos = cut + 1
    return b""


def file_layout(path: Path) -> Layout:
    """The layout of a text source; a binary or UTF-16 file is a :class:`SourceError`."""
    with open_binary(path) as fh:
        try:
            head = fh.read(HEAD_BYTES)
        except (OSError, EOFError) as exc:
            raise SourceError(f"{path}: cannot read ({exc})") from exc
    return text_layout(path, head)


def text_layout(path: Path, head: bytes) -> Layout:
    """:func:`head_layout` of a file's first ``HEAD_BYTES``, which must be UTF-8 text."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(f"{path}: UTF-16 text; save the log as UTF-8 to read it")
    if b"\x00" in head[:4096]:
        raise SourceError(f"{path}: binary file, not a text log")
    return head_layout(head)


@dataclass(slots=True)
class _Scan:
    """Splitter state between blocks."""

    depth: int = 0
    in_array: bool = False
    unit_start: int = -1  # buffer index where the open unit starts, -1 if none
    unit_end_depth: int = 0  # depth at which the open unit is complete
    gap_start: int = 0  # start of the bytes since the last token outside units


class Splitter:
    """Cuts a stream of blocks into units.

    After the stream is exhausted, ``end_offset``/``end_line`` mark where a
    later read of the same (growing) file should start.
    """

    def __init__(self, offset: int = 0, line: int = 1) -> None:
        self.end_offset = offset
        self.end_line = line
        self._base = offset  # absolute offset of buf[0]
        self._line_pos = 0  # buffer index whose line number is _line_no
        self._line_no = line

    def _line_at(self, buf: bytearray, index: int) -> int:
        if index >= self._line_pos:
            self._line_no += buf.count(b"\n", self._line_pos, index)
        else:
            self._line_no -= buf.count(b"\n", index, self._line_pos)
        self._line_pos = index
        return self._line_no

    def _mark_end(self, buf: bytearray, index: int) -> None:
        self.end_offset = self._base + index
        self.end_line = self._line_at(buf, index)

    def split(self, blocks: Iterable[bytes]) -> Iterator[Unit]:
        buf = bytearray()
        st = _Scan()
        pos = 0
        source = iter(blocks)
        eof = False
        if self._base == 0:
            while len(buf) < len(BOM):
                block = next(source, b"")
                if not block:
                    eof = True
                    break
                buf += block
            if buf.startswith(BOM):
                pos = st.gap_start = len(BOM)
                self._line_pos = len(BOM)
        while True:
            pattern = _INNER if st.unit_start >= 0 else _OUTER
            m = pattern.search(buf, pos)
            wait = None  # where to search again once more data has arrived
            if m is None:
                wait = len(buf)
            elif m.end() - m.start() == 1 and buf[m.start()] == 0x22:
                if buf.find(b"\n", m.start()) >= 0:
                    pos = m.end()  # a stray quote: its line ends without closing it
                    continue
                wait = m.start()  # a string that goes on past the buffer
            elif st.unit_start < 0 and st.depth == 0 and buf[m.start()] in _OPEN:
                line_start = buf.rfind(b"\n", st.gap_start, m.start()) + 1 or st.gap_start
                if buf[line_start : m.start()].strip():
                    # A bracket inside a line of other text ("INFO got [3] items")
                    # does not start JSON: that whole line is text.
                    end_of_line = buf.find(b"\n", m.start())
                    if end_of_line >= 0:
                        pos = end_of_line
                        continue
                    wait = m.start()
            if wait is not None:
                if eof:
                    yield from self._finish(buf, st)
                    return
                block = next(source, b"")
                if not block:
                    eof = True
                    pos = wait
                    continue
                keep = st.unit_start if st.unit_start >= 0 else st.gap_start
                keep = min(keep, wait)
                if keep > 0:
                    self._line_at(buf, keep)
                    del buf[:keep]
                    self._base += keep
                    self._line_pos -= keep
                    wait -= keep
                    st.gap_start -= keep
                    if st.unit_start >= 0:
                        st.unit_start -= keep
                buf += block
                pos = wait
                continue
            assert m is not None
            start, pos = m.start(), m.end()
            char = buf[start]
            if char == 0x22:  # a whole string
                continue
            if st.unit_start >= 0:  # inside a unit only depth matters
                if char in _OPEN:
                    st.depth += 1
                    continue
                st.depth -= 1
                if st.depth == st.unit_end_depth:
                    yield self._unit(buf, "value", st.unit_start, pos)
                    st.unit_start = -1
                    st.gap_start = pos
                    self._mark_end(buf, pos)
                continue
            at_array = st.in_array and st.depth == 1
            if char in _OPEN:
                yield from self._gap(buf, st, start, at_array)
                if at_array or char == 0x7B:  # an element, or a top-level object
                    st.unit_start = start
                    st.unit_end_depth = st.depth
                    st.depth += 1
                else:  # a top-level array: its elements are the units
                    st.in_array = True
                    st.depth = 1
                    st.gap_start = pos
                    self._mark_end(buf, pos)
                continue
            if char == 0x2C:  # comma
                yield from self._gap(buf, st, start, at_array)
                st.gap_start = pos
                continue
            if char == 0x5D and at_array:  # the end of a top-level array
                yield from self._gap(buf, st, start, at_array)
                st.in_array = False
                st.depth = 0
                st.gap_start = pos
                self._mark_end(buf, pos)
                continue
            if char == 0x5D and st.depth == 0:  # the end of an array begun before a resume
                yield from self._gap(buf, st, start, False)
                st.gap_start = pos
                self._mark_end(buf, pos)
                continue
            # A closing brace that closes nothing.
            yield from self._gap(buf, st, start, at_array)
            yield self._unit(buf, "garbage", start, pos)
            st.gap_start = pos

    def _unit(self, buf: bytearray, kind: str, start: int, end: int) -> Unit:
        return Unit(kind, self._line_at(buf, start), self._base + start, bytes(buf[start:end]))

    def _gap(self, buf: bytearray, st: _Scan, end: int, element: bool) -> Iterator[Unit]:
        """Text between tokens outside units: a scalar array element, or garbage."""
        start = st.gap_start
        while start < end and buf[start] in _WHITESPACE:
            start += 1
        stop = end
        while stop > start and buf[stop - 1] in _WHITESPACE:
            stop -= 1
        if stop > start:
            yield self._unit(buf, "value" if element else "garbage", start, stop)
            if element:
                self._mark_end(buf, stop)

    def _finish(self, buf: bytearray, st: _Scan) -> Iterator[Unit]:
        if st.unit_start >= 0:
            yield self._unit(buf, "truncated", st.unit_start, len(buf))
            return
        start = st.gap_start
        while start < len(buf) and buf[start] in _WHITESPACE:
            start += 1
        if start < len(buf):
            yield self._unit(buf, "truncated" if st.in_array else "garbage", start, len(buf))
            return
        self._mark_end(buf, len(buf))


def _blocks(path: Path, start_offset: int, chunk_size: int) -> Iterator[bytes]:
    compressed = compression_of(path) is not None
    with open_binary(path) as fh:
        if start_offset:
            if compressed:
                _skip(fh, start_offset)
            else:
                fh.seek(start_offset)
        while True:
            try:
                block = fh.read(chunk_size)
            except (OSError, EOFError) as exc:
                raise SourceError(f"{path}: stream ends early ({exc})") from exc
            if not block:
                return
            yield block


def _clip(data: bytes, limit: int = 60) -> str:
    text = data[:limit].decode("utf-8", "replace").replace("\n", " ")
    return text if len(data) <= limit else text + "…"


class DocumentReader:
    """Parsed units of a JSON document file, with problems and the resume point."""

    def __init__(
        self, path: Path, start_offset: int = 0, start_line: int = 1, chunk_size: int = CHUNK_SIZE
    ) -> None:
        self.path = path
        self.start_offset = start_offset
        self.chunk_size = chunk_size
        self.problems: list[Problem] = []
        self.splitter = Splitter(start_offset, start_line)

    def values(self) -> Iterator[tuple[int, int, Any]]:
        blocks = _blocks(self.path, self.start_offset, self.chunk_size)
        yield from parse_units(self.splitter.split(blocks), self.problems)

    @property
    def end(self) -> tuple[int, int]:
        return self.splitter.end_offset, self.splitter.end_line


def parse_units(units: Iterable[Unit], problems: list[Problem]) -> Iterator[tuple[int, int, Any]]:
    """(line, offset, value) for each parsable unit; the rest become problems."""
    for unit in units:
        if unit.kind == "value":
            try:
                value = orjson.loads(unit.data)
            except orjson.JSONDecodeError as exc:
                problems.append(Problem(unit.line, _json_error(unit.data, exc), unit.offset))
                continue
            yield unit.line, unit.offset, value
        elif unit.kind == "truncated":
            problems.append(
                Problem(
                    unit.line,
                    "truncated JSON: the file ends inside this element (it may still be written)",
                    unit.offset,
                )
            )
        else:
            problems.append(Problem(unit.line, f"not JSON: {_clip(unit.data)!r}", unit.offset))


def _json_error(data: bytes, exc: Exception) -> str:
    message = str(exc)
    if "UTF-8" in message or "utf-8" in message:
        return "invalid UTF-8 in element"
    if b"NaN" in data or b"Infinity" in data:
        return "invalid JSON: NaN/Infinity is not a JSON number"
    return "invalid JSON element: " + message.split(": line")[0]


def sample_values(head: bytes, max_units: int) -> tuple[list[Any], int, int]:
    """Parsed values of the first units in ``head``, units seen, and unparsable ones.

    ``head`` may stop in the middle of a unit; that unit is not counted.
    """
    values: list[Any] = []
    seen = bad = 0
    for unit in Splitter().split([head]):
        if unit.kind == "truncated":
            break
        if seen >= max_units:
            break
        seen += 1
        if unit.kind != "value":
            bad += 1
            continue
        try:
            values.append(orjson.loads(unit.data))
        except orjson.JSONDecodeError:
            bad += 1
    return values, seen, bad


def read_raw_unit(path: Path, offset: int, limit: int = 8 << 20) -> bytes:
    """The raw bytes of the unit starting at ``offset`` (for the detail pane)."""
    splitter = Splitter(offset, 1)
    read = 0

    def limited() -> Iterator[bytes]:
        nonlocal read
        for block in _blocks(path, offset, 1 << 20):
            yield block
            read += len(block)
            if read >= limit:
                return

    for unit in splitter.split(limited()):
        return unit.data[:limit]
    return b""
