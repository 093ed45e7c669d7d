"""Every registered format's samples are detected as that format, and as no other."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from desktop.logs.detect import rank
from desktop.logs.formats import FORMATS
from desktop.logs.formats.base import Sample, SqliteFormat

CASES = [
    (fmt.id, index, sample)
    for fmt in FORMATS
    if not isinstance(fmt, SqliteFormat)
    for index, sample in enumerate(fmt.samples)
]
TABLE_CASES = [
    (fmt.id, index, tables)
    for fmt in FORMATS
    if isinstance(fmt, SqliteFormat)
    for index, tables in enumerate(fmt.sample_tables)
]


def test_every_format_has_samples() -> None:
    for fmt in FORMATS:
        examples = fmt.sample_tables if isinstance(fmt, SqliteFormat) else fmt.samples
        assert examples, f"{fmt.id} has no samples"


def _check(format_id: str, sample: Sample) -> None:
    claims = rank(sample)
    assert claims, f"no format claims the {format_id} sample"
    best = claims[0]
    assert best.format_id == format_id, f"{format_id} sample detected as {best}"
    # No other format claims it as strongly.
    for other in claims[1:]:
        assert other.confidence < best.confidence, f"{format_id} sample tied with {other}"
    assert best.reason


@pytest.mark.parametrize(("format_id", "index", "line"), CASES)
def test_line_samples(format_id: str, index: int, line: str) -> None:
    _check(format_id, Sample(path=Path("sample.jsonl"), objects=[orjson.loads(line)], lines_seen=1))


@pytest.mark.parametrize(("format_id", "index", "tables"), TABLE_CASES)
def test_table_samples(format_id: str, index: int, tables: dict[str, list[str]]) -> None:
    _check(format_id, Sample(path=Path("sample.db"), sqlite_tables=tables))
