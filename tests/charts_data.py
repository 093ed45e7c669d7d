"""Data for the overview, groups and chart tests: a hand-computed set and a small demo set.

The hand-made calls use the test catalog (gpt-4.1-mini: $0.40 per million input
tokens), so every cost is a round number. They straddle the 2026-03-29
daylight-saving change of Europe/Berlin, so day buckets differ from UTC's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.store.dataset import Dataset
from desktop.store.pricer import PricingSpec
from tests.helpers import open_logs, write_jsonl

BERLIN = "Europe/Berlin"
M = 1_000_000


def _call(ts: str, input_tokens: int, conv: str | None, labels: dict, model: str = "gpt-4.1-mini"):
    provider = "openai" if model == "gpt-4.1-mini" else "acme-ai"
    return {
        "ts": ts,
        "provider": provider,
        "model": model,
        "input_tokens": input_tokens,
        "output_tokens": 0,
        "conversation_id": conv,
        "labels": labels,
    }


SMALL_CALLS = [
    _call("2026-03-28T10:00:00Z", M, "c1", {"tenant": "acme", "feature": "search"}),  # $0.40
    _call("2026-03-28T23:30:00Z", 2 * M, "c1", {"tenant": "acme", "feature": "chat"}),  # $0.80
    _call("2026-03-29T12:00:00Z", M // 2, "c2", {"tenant": "acme", "feature": "search"}),  # $0.20
    _call("2026-03-30T08:00:00Z", 3 * M, "c3", {"tenant": "globex", "feature": "search"}),  # $1.20
    _call("2026-03-30T09:00:00Z", 1000, None, {"tenant": "globex", "feature": "search"}, "mystery"),
    _call("2026-03-31T22:30:00Z", M // 4, "c3", {"tenant": "globex", "feature": "chat"}),  # $0.10
    _call("2026-04-02T10:00:00Z", M, "c4", {"feature": "chat"}),  # $0.40, no tenant
    _call("2026-04-02T11:00:00Z", M // 4, None, {"tenant": "=cmd", "feature": "search"}),  # $0.10
]
SMALL_TOTAL = 3.20
# Europe/Berlin calendar days (the 29th has 23 hours): cost, calls, unpriced.
BERLIN_DAYS = {
    "2026-03-28": (0.40, 1, 0),
    "2026-03-29": (1.00, 2, 0),
    "2026-03-30": (1.20, 2, 1),
    "2026-03-31": (0.00, 0, 0),
    "2026-04-01": (0.10, 1, 0),
    "2026-04-02": (0.50, 2, 0),
}
UTC_DAYS = {
    "2026-03-28": (1.20, 2, 0),
    "2026-03-29": (0.20, 1, 0),
    "2026-03-30": (1.20, 2, 1),
    "2026-03-31": (0.10, 1, 0),
    "2026-04-01": (0.00, 0, 0),
    "2026-04-02": (0.50, 2, 0),
}


def write_small(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_jsonl(folder / "calls.jsonl", SMALL_CALLS)


def open_small(folder: Path) -> Dataset:
    dataset, _ = open_logs([write_small(folder)])
    return dataset


def write_demo(folder: Path, calls: int = 3000) -> Path:
    from desktop.demo import write_demo_data

    write_demo_data(folder, calls=calls, seed=11)
    return folder


@pytest.fixture(scope="session")
def demo_dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """Demo calls (labels, conversations, an unpriced model, reported costs), opened once."""
    base = tmp_path_factory.mktemp("charts-demo")
    folder = write_demo(base / "logs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPENDTRAIL_CACHE_DIR", str(base / "cache"))
        patch.setenv("SPENDTRAIL_CONFIG_DIR", str(base / "config"))
        dataset, _ = open_logs([folder], PricingSpec())
    return dataset


@pytest.fixture
def small_dataset(tmp_path: Path) -> Dataset:
    return open_small(tmp_path / "logs")
