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


@pytest.mark.parametrize("compressed", [False, True])
def test_sample_reads_only_what_it_needs(tmp_path: Path, compressed: bool) -> None:
    import gzip

    from desktop.logs import detect

    # 300 lines of ~20 kB with blank lines between: the sample holds the first
    # 50 non-blank lines whole, as if the first 4 MiB had been read at once.
    lines = [orjson.dumps({"n": i, "pad": "x" * 20_000}) for i in range(300)]
    data = b"\n\n".join(lines) + b"\n"
    path = tmp_path / ("big.jsonl.gz" if compressed else "big.jsonl")
    path.write_bytes(gzip.compress(data) if compressed else data)
    sample = detect.sample_source(path)
    assert sample.lines_seen == 50
    assert sample.bad_lines == 0
    assert [o["n"] for o in sample.objects] == list(range(50))
    assert sample.first_bytes == data[:512]
