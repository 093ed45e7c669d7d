"""Reading log files: transparent decompression, line chunks with offsets, raw read-back.

Sources are only ever opened for reading. Offsets are byte offsets in the
decompressed stream, so a raw record can be found again later for display
without copying it into the store.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

CHUNK_SIZE = 4 << 20  # bytes per chunk handed to a parser

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
SQLITE_MAGIC = b"SQLite format 3\x00"


class SourceError(Exception):
    """A whole source cannot be read (missing, unreadable, not a log)."""


def compression_of(path: Path) -> str | None:
    """'gz', 'zst' or None, from the file's magic bytes (not its name)."""
    kind = kind_of(path)
    return None if kind == "sqlite" else kind


def lines_around(
    path: Path, offset: int, before: int, after: int = 0
) -> tuple[list[bytes], list[bytes]] | None:
    """Whole lines of a file around the line that starts at ``offset``: those within
    ``before`` bytes ahead of it, and that line followed by the whole lines within the
    next ``after`` bytes. None when the file cannot be read there.

    In a gzip or zstandard file offsets count decompressed bytes: the stream is
    decompressed up to the window (as reading a record's raw line does).
    """
    try:
        compressed = compression_of(path) is not None
        with open_binary(path) as fh:
            start = max(0, offset - before)
            if start > 0:
                # The byte before the window tells whether it starts at a line start.
                if compressed:
                    _skip(fh, start - 1)
                else:
                    fh.seek(start - 1)
                before_start = fh.read(1)
            else:
                before_start = b"\n"
            head = fh.read(offset - start)
            own = fh.readline()
            tail = fh.read(after) if after else b""
    except Exception:  # gone, unreadable, a corrupt compressed stream: no window
        return None
    earlier = head.split(b"\n")[:-1]  # the last piece is empty: ``offset`` starts a line
    if before_start != b"\n":
        earlier = earlier[1:]  # the first piece is the end of a line
    # The last piece of the tail is empty or the start of a line: either way not one.
    return earlier, [own.rstrip(b"\n"), *tail.split(b"\n")[:-1]]


# A Server-Sent Events capture (a streamed API response saved as it came over the
# wire) is JSON after "data:", between lines that only frame the stream.
SSE_FRAMING = (b"event:", b"id:", b"retry:", b":")
SSE_DONE = (b"", b"[DONE]")


def sse_data(line: bytes) -> bytes | None:
    """The JSON text of an SSE ``data:`` line; ``b""`` for a line that only frames the
    stream (``event:``, ``id:``, ``retry:``, a comment, ``data: [DONE]``); None for a
    line that is not SSE at all."""
    if line.startswith(b"data:"):
        data = line[5:].strip()
        return b"" if data in SSE_DONE else data
    if line.startswith(SSE_FRAMING):
        return b""
    return None


def json_object(line: bytes) -> dict[str, Any] | None:
    """A line read back from a log as a JSON object; None if it is not one."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def kind_of(path: Path) -> str | None:
    """'sqlite', 'gz', 'zst' or None (text, or anything else), from the magic bytes."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(GZIP_MAGIC):
        return "gz"
    if head.startswith(ZSTD_MAGIC):
        return "zst"
    return None


def is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


SNIFF = "sniff"


def open_binary(path: Path, compression: str | None = SNIFF) -> BinaryIO:
    """Open for reading, decompressing gzip or zstandard transparently (``compression``:
    as :func:`compression_of` said, if the caller has asked it already)."""
    kind = compression_of(path) if compression == SNIFF else compression
    try:
        if kind == "gz":
            return gzip.open(path, "rb")  # type: ignore[return-value]
        if kind == "zst":
            import zstandard

            raw = open(path, "rb")  # noqa: SIM115 - closed by the stream reader
            reader = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
            return io.BufferedReader(reader, buffer_size=1 << 20)  # type: ignore[arg-type]
        return open(path, "rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot open ({exc.strerror or exc})") from exc


@dataclass(frozen=True, slots=True)
class Chunk:
    """Whole lines of a source: ``data`` starts at ``offset`` on line ``first_line``.

    ``data`` ends with a newline unless ``last`` is true and the source does
    not end with one (then the final line may be incomplete).
    """

    data: bytes
    first_line: int
    offset: int
    last: bool


def read_chunks(
    path: Path, start_offset: int = 0, start_line: int = 1, chunk_size: int = CHUNK_SIZE
) -> Iterator[Chunk]:
    """Yield the source from ``start_offset`` in chunks cut at line ends."""
    compressed = compression_of(path) is not None
    with open_binary(path) as fh:
        if start_offset:
            if compressed:
                _skip(fh, start_offset)
            else:
                fh.seek(start_offset)
        offset, line, carry = start_offset, start_line, b""
        while True:
            try:
                block = fh.read(chunk_size)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                # A truncated or corrupt compressed stream: keep what was read.
                if carry:
                    yield Chunk(carry, line, offset, last=True)
                raise SourceError(f"{path}: stream ends early ({exc})") from exc
            if not block:
                if carry:
                    yield Chunk(carry, line, offset, last=True)
                return
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data  # a very long line: keep reading until it ends
                continue
            body, carry = data[:cut], data[cut:]
            yield Chunk(body, line, offset, last=False)
            offset += len(body)
            line += body.count(b"\n")


def _skip(fh: BinaryIO, count: int) -> None:
    while count > 0:
        block = fh.read(min(count, 1 << 20))
        if not block:
            return
        count -= len(block)


def split_lines(chunk: Chunk) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte offset, line without its newline) for each line of a chunk."""
    line, offset = chunk.first_line, chunk.offset
    pieces = chunk.data.split(b"\n")
    if chunk.data.endswith(b"\n"):
        pieces.pop()  # nothing after the final newline
    for raw in pieces:
        yield line, offset, raw
        offset += len(raw) + 1
        line += 1


def read_raw_line(path: Path, offset: int, limit: int = 8 << 20) -> bytes:
    """The raw line at ``offset`` (decompressed), at most ``limit`` bytes."""
    compressed = compression_of(path) is not None
    with open_binary(path) as fh:
        if compressed:
            _skip(fh, offset)
        else:
            fh.seek(offset)
        data = fh.readline(limit)
    return data.rstrip(b"\r\n")


HEAD_SIZE = 4096  # bytes of a file's start remembered to notice it was replaced


@dataclass(frozen=True, slots=True)
class FileState:
    """What the store remembers about a source file to notice changes."""

    size: int
    mtime_ns: int
    inode: int
    head: bytes  # the first bytes, to notice a replaced file

    @classmethod
    def of(cls, path: Path) -> FileState:
        st = os.stat(path)
        with open(path, "rb") as fh:
            head = fh.read(HEAD_SIZE)
        return cls(st.st_size, st.st_mtime_ns, st.st_ino, head)
