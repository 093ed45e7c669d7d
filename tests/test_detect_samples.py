"""Every registered format's sample lines are detected as that format, and as no other."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from desktop.logs.detect import rank
from desktop.logs.formats import FORMATS
from desktop.logs.formats.base import Sample

SAMPLES = [
    pytest.param(fmt, index, line, id=f"{fmt.id}-{index}")
    for fmt in FORMATS
    for index, line in enumerate(fmt.samples)
]


def test_every_jsonl_format_has_samples() -> None:
    assert all(fmt.samples for fmt in FORMATS if fmt.kind == "jsonl")


@pytest.mark.parametrize(("fmt", "index", "line"), SAMPLES)
def test_sample_is_detected_as_its_own_format(fmt, index: int, line: str) -> None:
    sample = Sample(path=Path(f"sample-{index}.jsonl"), objects=[orjson.loads(line)], lines_seen=1)
    claims = rank(sample)
    assert claims, f"no format claims the {fmt.id} sample"
    best, *others = claims
    assert best.format_id == fmt.id, f"{fmt.id} sample detected as {best.format_id}"
    assert best.reason
    # No other format ties with it: weaker fallbacks may claim it, never as strongly.
    assert all(other.confidence < best.confidence for other in others)
