"""The whole-file JSON splitter: units, lines, offsets, and independence from block size."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.logs.detect import detect
from desktop.logs.formats import get_format
from desktop.logs.json_document import Splitter, head_layout, sample_values
from desktop.logs.reader import collect

DOCUMENT = (
    b"\xef\xbb\xbf[\n"
    b'  {"a": "x\\"}]", "b": [1, {"c": "{"}]},\n'
    b'  {"c": 2},\n'
    b"  3,\n"
    b'  "s"\n'
    b"]\n"
    b'{\n  "d": {"e": [true, null]}\n}\n'
    b'INFO said "hi [there]\n'
    b'{"f": 1}{"g": 2}\n'
    b'{"h":'
)
EXPECTED = [
    # BOM (3 bytes) + "[\n" + two spaces: the first element starts at byte 7.
    ("value", 2, 7, b'{"a": "x\\"}]", "b": [1, {"c": "{"}]}'),
    ("value", 3, 47, b'{"c": 2}'),
    ("value", 4, 59, b"3"),
    ("value", 5, 64, b'"s"'),
    ("value", 7, 70, b'{\n  "d": {"e": [true, null]}\n}'),
    ("garbage", 10, 101, b'INFO said "hi [there]'),
    ("value", 11, 123, b'{"f": 1}'),
    ("value", 11, 131, b'{"g": 2}'),
    ("truncated", 12, 140, b'{"h":'),
]


def split(data: bytes, size: int) -> tuple[list[tuple], tuple[int, int]]:
    splitter = Splitter()
    blocks = [data[i : i + size] for i in range(0, len(data), size)]
    units = [tuple(u) for u in splitter.split(blocks)]
    return units, (splitter.end_offset, splitter.end_line)


def test_units_lines_and_offsets() -> None:
    units, end = split(DOCUMENT, 1 << 20)
    assert units == EXPECTED
    for _kind, _line, offset, data in units:
        assert DOCUMENT[offset : offset + len(data)] == data
    assert end == (139, 11)  # after {"g": 2}: the unfinished object is read again later


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=64))
def test_block_size_does_not_matter(size: int) -> None:
    assert split(DOCUMENT, size) == split(DOCUMENT, 1 << 20)


def test_layout_looks_past_blank_lines_but_not_past_the_first_64() -> None:
    # A broken first line, then a pretty object's key after blank lines: a document.
    assert head_layout(b'{ "a":\n\n   \n  "b": 1\n}').document is True
    assert head_layout(b'{ "a":\n' + b"\n" * 62 + b'"b": 1\n').document is True
    assert head_layout(b'{ "a":\n' + b"\n" * 63 + b'"b": 1\n').document is False
    assert head_layout(b'{ "a":\n  "b"').document is True  # no final newline
    assert head_layout(b'{ "a":').document is False  # one unfinished line


def test_layout_and_sampling() -> None:
    assert head_layout(b'{"a": 1}\n{"a": 2}\n').document is False
    assert head_layout(b'{\n  "a": 1\n}\n').document is True
    assert head_layout(b"\n  [\n").document is True
    assert head_layout(b'{"a": 1,\n{"b": 2}\n').document is False  # broken JSONL line
    assert head_layout(b"").document is False
    # The first 60 bytes hold two whole elements and the start of "3".
    values, seen, bad = sample_values(DOCUMENT[:60], 10)
    assert values == [orjson.loads(EXPECTED[0][3]), {"c": 2}]
    assert (seen, bad) == (2, 0)
    assert sample_values(DOCUMENT, 1) == ([orjson.loads(EXPECTED[0][3])], 1, 0)


def test_compressed_documents_read_like_plain_ones(tmp_path: Path) -> None:
    plain = Path(__file__).parent / "fixtures" / "litellm" / "spend_logs.json"
    data = plain.read_bytes()
    gz = tmp_path / "spend_logs.json.gz"
    gz.write_bytes(gzip.compress(data))
    zst = tmp_path / "spend_logs.json.zst"
    zst.write_bytes(zstandard.ZstdCompressor().compress(data))
    fmt = get_format("litellm")
    expected, _ = collect(plain, fmt)
    for path in (gz, zst):
        assert detect(path).format_id == "litellm"  # type: ignore[union-attr]
        records, problems = collect(path, fmt)
        assert problems == []
        assert records == expected
