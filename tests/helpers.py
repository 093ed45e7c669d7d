"""Small helpers shared by the store, report and app tests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import orjson

from desktop.store.dataset import Dataset
from desktop.store.ingest import IngestResult
from desktop.store.pricer import PricingSpec
from desktop.store.session import OpenRequest, open_dataset
from tests.conftest import FIXTURES

TEST_CATALOG = FIXTURES / "pricing" / "test-catalog.json"


def test_pricing() -> PricingSpec:
    return PricingSpec(file=str(TEST_CATALOG))


test_pricing.__test__ = False  # type: ignore[attr-defined]  # not a test function


def open_logs(
    paths: Sequence[Path], pricing: PricingSpec | None = None, **kwargs: object
) -> tuple[Dataset, IngestResult]:
    request = OpenRequest(tuple(Path(p) for p in paths), pricing or test_pricing())
    return open_dataset(request, **kwargs)  # type: ignore[arg-type]


def write_jsonl(path: Path, records: Sequence[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def call(ts: str, model: str = "gpt-4.1-mini", **fields: object) -> dict:
    record: dict = {"ts": ts, "model": model, "input_tokens": 100, "output_tokens": 10}
    record.update(fields)
    return record


def fingerprint(path: Path) -> tuple[str, int]:
    """Content hash and modification time: proof that a file was not written."""
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns
