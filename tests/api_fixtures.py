"""Shared helpers of the provider-API format tests: read a fixture, sum its buckets."""

from __future__ import annotations

from pathlib import Path

from desktop.logs.detect import detect
from desktop.logs.formats import get_format
from desktop.logs.formats.base import Detection
from desktop.logs.reader import collect, deduplicate
from desktop.record import TOKEN_FIELDS, CallRecord, Problem

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Path:
    return FIXTURES / name


def detected(path: Path) -> Detection:
    found = detect(path)
    assert isinstance(found, Detection), found
    return found


def read(path: Path, format_id: str) -> tuple[list[CallRecord], list[Problem]]:
    """All records (before dedup) and problems of a file read as ``format_id``."""
    return collect(path, get_format(format_id))


def calls(path: Path, format_id: str) -> list[CallRecord]:
    """The billed calls after the store's dedup rule."""
    records, _problems = read(path, format_id)
    return deduplicate(records)


def totals(records: list[CallRecord]) -> dict[str, int]:
    sums = {name: sum(getattr(r, name) for r in records) for name in TOKEN_FIELDS}
    sums["web_search_requests"] = sum(r.web_search_requests for r in records)
    sums["calls"] = len(records)
    return sums


def by_id(records: list[CallRecord]) -> dict[str | None, CallRecord]:
    return {r.message_id or r.request_id: r for r in records}
