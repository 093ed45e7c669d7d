"""Format detection that explains itself.

The start of a source (its first non-blank lines, parsed; or the table list of
a SQLite file) is shown to every format; each may claim it with a confidence
and a reason. The best claim wins.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import orjson

from desktop.logs import csv_document, json_document
from desktop.logs.formats import FORMATS, get_format
from desktop.logs.formats.base import Detection, Sample
from desktop.logs.formats.sqlite_generic import table_columns
from desktop.logs.source import SourceError, kind_of, open_binary, sse_data

SAMPLE_LINES = 50
SAMPLE_BYTES = 1 << 20
# Once this many lines holding this many bytes are sampled, the sample is enough: a
# projects folder holds thousands of transcripts of long lines, and parsing fifty of
# them per file was most of the cost of detecting it. Short lines still sample fifty.
ENOUGH_LINES = 16
ENOUGH_BYTES = 16 << 10
HEAD_BLOCK = 64 << 10
FIRST_BLOCK = 8 << 10  # read first when only a few lines are wanted


@dataclass(frozen=True, slots=True)
class NotALog:
    """Why a file is not read (binary, empty, no recognisable calls)."""

    reason: str


def sample_source(path: Path, max_lines: int = SAMPLE_LINES) -> Sample:
    """Parse the first non-blank lines of a source (or list a SQLite file's tables)."""
    sample = Sample(path=path)
    kind = kind_of(path)
    if kind == "sqlite":
        sample.sqlite_tables = sqlite_tables(path)
        return sample
    sample.compression = kind
    with open_binary(path, kind) as fh:
        try:
            head = _read_head(fh, max_lines)
        except (OSError, EOFError) as exc:
            raise SourceError(f"{path}: cannot read ({exc})") from exc
    sample.head = head[: json_document.HEAD_BYTES]
    layout = json_document.head_layout(head)
    if layout.csv is not None:
        # A CSV file with a header row: its rows as objects.
        sample.layout = "csv"
        sample.objects, sample.lines_seen, sample.bad_lines = csv_document.sample_rows(
            head, layout.csv, max_lines
        )
        return sample
    if layout.document:
        # A pretty-printed array or object: sample its elements, not its lines.
        sample.layout = "json-document"
        sample.objects, sample.lines_seen, sample.bad_lines = json_document.sample_values(
            head, max_lines
        )
        return sample
    if head.startswith(json_document.BOM):
        head = head[len(json_document.BOM) :]
    sampled = pos = 0
    end = len(head)
    while pos < end:  # line by line: splitting a whole 1 MiB head would cost more
        if sample.lines_seen >= max_lines or (
            sampled >= ENOUGH_BYTES and sample.lines_seen >= ENOUGH_LINES
        ):
            break
        cut = head.find(b"\n", pos)
        if cut < 0:
            cut = end
        raw = head[pos:cut]
        pos = cut + 1
        if not raw.strip():
            continue
        sample.lines_seen += 1
        sampled += len(raw)
        try:
            sample.objects.append(orjson.loads(raw))
        except orjson.JSONDecodeError:
            data = sse_data(raw)  # a streamed response saved as Server-Sent Events
            if data is None:
                sample.bad_lines += 1
            elif data:
                try:
                    sample.objects.append(orjson.loads(data))
                except orjson.JSONDecodeError:
                    sample.bad_lines += 1
            else:
                sample.lines_seen -= 1  # framing (event:, id:, [DONE]): not a line of data
    return sample


def _read_head(fh: BinaryIO, max_lines: int) -> bytes:
    """The start of a stream: enough to hold ``max_lines`` lines, at most ``SAMPLE_BYTES``.

    Reads in blocks and stops once those lines are complete, so detecting a
    folder of large logs does not read each file twice. Counting only the new
    block's line ends keeps this linear in the bytes read.
    """
    blocks: list[bytes] = []
    size = lines = 0
    # A few lines (confirming a sibling's format) rarely need a whole block.
    want = FIRST_BLOCK if max_lines <= CONFIRM_LINES else HEAD_BLOCK
    while size < SAMPLE_BYTES:
        block = fh.read(min(want, SAMPLE_BYTES - size))
        want = HEAD_BLOCK
        if not block:
            break
        blocks.append(block)
        size += len(block)
        lines += block.count(b"\n")
        if lines > max_lines:  # a few blank lines at most are skipped later
            break
    return b"".join(blocks)


def sqlite_tables(path: Path) -> dict[str, list[str]]:
    """Table name -> column names, read without writing (``mode=ro``)."""
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=2)
    except sqlite3.Error as exc:
        raise SourceError(f"{path}: cannot open SQLite file ({exc})") from exc
    try:
        return table_columns(conn)
    except sqlite3.DatabaseError as exc:
        raise SourceError(f"{path}: not a readable SQLite database ({exc})") from exc
    finally:
        conn.close()


FALLBACK_BELOW = 0.75  # a specific claim this confident settles it: catch-alls are not asked


def rank(sample: Sample) -> list[Detection]:
    """Every format's claim on a sample, best first.

    Catch-all formats (generic JSONL, field mapping, any SQLite table) are only
    asked when no specific format is confident: they cost the most to run.
    """
    claims: list[Detection] = []
    fallbacks = []
    for fmt in FORMATS:
        if (sample.sqlite_tables is None) != (fmt.kind != "sqlite"):
            continue
        if fmt.fallback:
            fallbacks.append(fmt)
            continue
        claim = fmt.sniff(sample)
        if claim is not None:
            claims.append(claim)
    if not claims or max(c.confidence for c in claims) < FALLBACK_BELOW:
        for fmt in fallbacks:
            claim = fmt.sniff(sample)
            if claim is not None:
                claims.append(claim)
    claims.sort(key=lambda d: d.confidence, reverse=True)
    if sample.layout == "csv":  # the formats speak of lines: these are a CSV file's rows
        claims = [replace(c, reason=f"CSV rows as objects; {c.reason}") for c in claims]
    return claims


def detect(path: Path) -> Detection | NotALog:
    """The best format for a file, or why it is not a log we can read."""
    return detect_sample(path)[0]


def detect_sample(path: Path) -> tuple[Detection | NotALog, Sample]:
    """:func:`detect`, with the sample it looked at."""
    sample = sample_source(path)
    claims = rank(sample)
    if claims:
        return claims[0], sample
    return NotALog(_why_not(sample)), sample


CONFIRM_LINES = 4


def confirm(path: Path, like: Detection) -> tuple[Detection, Sample] | None:
    """Confirm from its first lines that a file has the format of a sibling.

    ``like`` is the detection of another file of the same folder (or of a folder
    above it) by a format whose files share their folder (``alike_in_folder``). The
    file is that format if the format claims its first lines at least as confidently;
    otherwise (None) it is detected in full. A few lines parsed instead of a full
    sample, and one format asked instead of all: a projects folder of thousands of
    transcripts is detected for a fraction of the cost.
    """
    fmt = get_format(like.format_id)
    if not fmt.alike_in_folder:
        return None
    sample = sample_source(path, max_lines=CONFIRM_LINES)
    if sample.sqlite_tables is not None or sample.layout != "lines" or not sample.objects:
        return None
    claim = fmt.sniff(sample)
    if claim is None or claim.confidence < like.confidence:
        return None
    reason = f"{claim.reason} (from its first lines, like the other files of its folder)"
    return replace(claim, reason=reason), sample


def _why_not(sample: Sample) -> str:
    if sample.sqlite_tables is not None:
        return "SQLite database without a table of LLM calls"
    if not sample.lines_seen:
        return "empty file" if not sample.first_bytes.strip() else "no lines"
    if b"\x00" in sample.first_bytes:
        return "binary file, not a text log"
    if sample.bad_lines == sample.lines_seen:
        return f"not JSON Lines (none of the first {sample.lines_seen} lines is valid JSON)"
    return (
        f"no LLM calls recognised in the first {sample.lines_seen} lines "
        "(no token counts such as input_tokens or prompt_tokens)"
    )
