"""What a log format is: detection with a reason, and normalisation into CallRecords.

A format is described by a small class. Most JSONL formats are *line
independent* (each line is one call or none); they only implement
:meth:`LineFormat.normalise`, and the ingest pipeline may parse them in
parallel byte ranges. Formats that need state across lines (cumulative
counters, streaming events) implement :meth:`LogFormat.records` and are read
one file at a time. SQLite formats implement :meth:`SqliteFormat.read_sqlite`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from desktop.record import BadRecord, CallRecord, Problem

if TYPE_CHECKING:
    from desktop.logs.columns import Columns


@dataclass(frozen=True, slots=True)
class Detection:
    """A format's claim on a source, with a reason a person can read."""

    format_id: str
    confidence: float  # 0..1
    reason: str


@dataclass(slots=True)
class Sample:
    """The start of a source, as detection sees it."""

    path: Path
    objects: list[Any] = field(default_factory=list)  # parsed JSON values of the first lines
    lines_seen: int = 0
    bad_lines: int = 0
    head: bytes = b""  # the first bytes as read (decompressed), up to 64 KiB
    compression: str | None = None  # "gz" or "zst" for a compressed file
    sqlite_tables: dict[str, list[str]] | None = None  # table -> column names
    # "lines" (JSON Lines) or "json-document" (a pretty array/objects: ``objects``
    # then holds its first elements, and ``lines_seen`` counts elements)
    layout: str = "lines"
    # Work several formats share (e.g. locating API objects), done once per sample.
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def first_bytes(self) -> bytes:
        return self.head[:512]

    def dicts(self) -> list[dict[str, Any]]:
        return [o for o in self.objects if isinstance(o, dict)]


@dataclass(frozen=True, slots=True)
class ReadContext:
    """What a format may need besides the lines themselves."""

    path: Path
    mtime: float = 0.0  # the file's modification time: a last-resort timestamp
    options: Mapping[str, Any] = field(default_factory=dict)  # e.g. a field mapping


@dataclass(frozen=True, slots=True)
class LineDecoder:
    """How a bulk reader has its common lines decoded: straight into typed values.

    ``decode`` turns one raw line into the value :meth:`LogFormat.read_columns`
    reads; raising one of ``rejects`` means "not the common shape", and the line is
    then parsed as plain JSON like any other. A typed line comes as (line, offset,
    value, raw bytes), so the bulk reader can still hand it to the line reader.
    """

    decode: Callable[[bytes], Any]
    rejects: tuple[type[BaseException], ...]


class LogFormat:
    """Base class of all formats."""

    id: ClassVar[str]
    title: ClassVar[str]
    kind: ClassVar[str] = "jsonl"  # "jsonl" | "sqlite"
    line_independent: ClassVar[bool] = False
    # Lines that do not contain this byte string are not calls and are skipped
    # before JSON parsing (a large saving on transcripts full of other events).
    prefilter: ClassVar[bytes | None] = None
    # Example lines (JSONL formats): detection must pick this format for each.
    samples: ClassVar[tuple[str, ...]] = ()
    # A catch-all (generic JSONL, field mapping, any SQLite table): only asked when
    # no specific format claims the sample with confidence.
    fallback: ClassVar[bool] = False
    # Has a bulk reader for its common case (see :meth:`read_columns`).
    reads_columns: ClassVar[bool] = False
    # A tool's own log folder (thousands of transcripts, one format): once one file of
    # a folder is detected as this format, the other files of that folder and of the
    # folders below it are confirmed from their first lines instead of a full sample
    # (see :func:`desktop.logs.detect.confirm`).
    alike_in_folder: ClassVar[bool] = False

    def sniff(self, sample: Sample) -> Detection | None:
        raise NotImplementedError

    def records(
        self, objects: Iterable[tuple[int, int, Any]], ctx: ReadContext
    ) -> Iterator[CallRecord | Problem]:
        """Records from (line, offset, parsed JSON value) triples, in file order."""
        raise NotImplementedError

    def turn_text(self, raw: Any) -> tuple[str | None, str | None]:
        """Prompt and response text of one raw record, when the log has them."""
        return None, None

    def turn_text_around(
        self, path: Path, offset: int, raw: Any
    ) -> tuple[str | None, str | None] | None:
        """Prompt and response of the record at ``offset``, from the lines around it, for
        formats that spread one call over several lines; None: use :meth:`turn_text`."""
        return None

    def line_decoder(self) -> LineDecoder | None:
        """The typed decoding of :meth:`read_columns`' lines, if it has one."""
        return None

    def read_columns(
        self, items: Iterable[tuple[int, int, Any]]
    ) -> tuple[Columns, list[tuple[int, int, Any]]]:
        """The bulk reader of formats with ``reads_columns``: many lines at once.

        Returns columns for the lines it read and the lines it left to
        :meth:`records`, which has the last word on them (and on what is wrong).
        """
        raise NotImplementedError


class LineFormat(LogFormat):
    """A JSONL format where each line is normalised on its own."""

    line_independent = True

    def normalise(self, obj: Any, line: int, offset: int, ctx: ReadContext) -> CallRecord | None:
        """One record, or None when the line is not a call. Raise BadRecord for a bad call."""
        raise NotImplementedError

    def records(
        self, objects: Iterable[tuple[int, int, Any]], ctx: ReadContext
    ) -> Iterator[CallRecord | Problem]:
        normalise = self.normalise
        for line, offset, obj in objects:
            try:
                record = normalise(obj, line, offset, ctx)
            except BadRecord as exc:
                yield Problem(line, str(exc), offset)
                continue
            if record is not None:
                yield record


class SqliteFormat(LogFormat):
    """A format stored in a SQLite database, read read-only."""

    kind = "sqlite"
    # Example table lists (table -> columns): detection must pick this format for each.
    sample_tables: ClassVar[tuple[dict[str, list[str]], ...]] = ()

    def read_sqlite(self, path: Path, ctx: ReadContext) -> Iterator[CallRecord | Problem]:
        raise NotImplementedError
