"""Every registered format's sample lines are detected as that format, and as no other."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from desktop.logs.detect import rank
from desktop.logs.formats import FORMATS
from desktop.logs.formats.base import LogFormat, Sample, SqliteFormat
from desktop.logs.reader import collect

CASES = [(fmt, line) for fmt in FORMATS if fmt.kind != "sqlite" for line in fmt.samples]


def _sample(lines: tuple[str, ...] | list[str]) -> Sample:
    return Sample(
        path=Path("sample.jsonl"),
        objects=[orjson.loads(line) for line in lines],
        lines_seen=len(lines),
    )


def _assert_detected_as(fmt: LogFormat, sample: Sample) -> None:
    claims = rank(sample)
    assert claims, f"{fmt.id}: nothing claims its sample"
    best = claims[0]
    assert best.format_id == fmt.id, f"{fmt.id} sample detected as {best.format_id}: {best.reason}"
    assert best.reason
    assert 0 < best.confidence <= 1
    for other in claims[1:]:
        assert other.confidence < best.confidence, (
            f"{fmt.id} sample: {other.format_id} ties or beats it ({other.confidence})"
        )


def test_every_jsonl_format_has_samples() -> None:
    for fmt in FORMATS:
        if fmt.kind != "sqlite":
            assert fmt.samples, f"{fmt.id} has no samples"


@pytest.mark.parametrize(
    ("fmt", "line"), CASES, ids=[f"{f.id}-{i}" for i, (f, _) in enumerate(CASES)]
)
def test_each_sample_line_is_detected_as_its_format(fmt: LogFormat, line: str) -> None:
    _assert_detected_as(fmt, _sample([line]))


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.samples], ids=lambda f: f.id)
def test_all_samples_of_a_format_together(fmt: LogFormat) -> None:
    _assert_detected_as(fmt, _sample(list(fmt.samples)))


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.samples], ids=lambda f: f.id)
def test_samples_are_read_without_problems(fmt: LogFormat, tmp_path: Path) -> None:
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(fmt.samples) + "\n")
    records, problems = collect(path, fmt)
    assert problems == []
    assert records, f"{fmt.id}: its samples hold no call"


TABLE_CASES = [
    (fmt, tables)
    for fmt in FORMATS
    if isinstance(fmt, SqliteFormat)
    for tables in fmt.sample_tables
]


def test_every_sqlite_format_has_sample_tables() -> None:
    for fmt in FORMATS:
        if isinstance(fmt, SqliteFormat):
            assert fmt.sample_tables, f"{fmt.id} has no sample tables"


@pytest.mark.parametrize(
    ("fmt", "tables"), TABLE_CASES, ids=[f"{f.id}-{i}" for i, (f, _) in enumerate(TABLE_CASES)]
)
def test_each_sample_table_list_is_detected_as_its_format(
    fmt: LogFormat, tables: dict[str, list[str]]
) -> None:
    _assert_detected_as(fmt, Sample(path=Path("sample.db"), sqlite_tables=tables))
