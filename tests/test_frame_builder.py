"""The column cache built during a first load equals the one read back from the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from desktop.demo import write_demo_data
from desktop.store.frame import Frame
from desktop.store.frame_builder import NUMERIC
from tests.helpers import call, open_logs, write_jsonl


def fresh_frame(dataset) -> Frame:  # type: ignore[no-untyped-def]
    """A frame that must read every column from SQLite (its cache folder removed)."""
    shutil.rmtree(dataset.frame.cache_dir, ignore_errors=True)
    return Frame(
        dataset.path,
        dataset.store.reader,
        dataset.generations,
        dataset.label_columns(),
        dataset._meta("instance") or "",
    )


def compare(dataset) -> None:  # type: ignore[no-untyped-def]
    built = dataset.frame
    cached = set(built._manifest) - {"__instance"}
    assert {"id", "cost_usd", "text:model", "ts"} <= cached, "the first load should cache columns"

    def no_sql() -> None:
        raise AssertionError("columns built during the load must not be read from SQLite")

    connect = built._connect
    built._connect = no_sql  # type: ignore[assignment]
    text_columns = sorted(k.removeprefix("text:") for k in cached if k.startswith("text:"))
    numeric = {name: built.num(name).copy() for name in NUMERIC}
    texts = {name: built.text(name) for name in text_columns}
    ids = built.ids.copy()
    built._connect = connect  # type: ignore[assignment]
    reread = fresh_frame(dataset)
    np.testing.assert_array_equal(reread.ids, ids)
    for name, arr in numeric.items():
        np.testing.assert_array_equal(reread.num(name), arr, err_msg=name)
    for name, col in texts.items():
        other = reread.text(name)
        assert other.values == col.values, name
        np.testing.assert_array_equal(other.codes, col.codes, err_msg=name)


def test_built_columns_equal_the_stored_ones(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    write_demo_data(folder, calls=3000, seed=3)
    dataset, result = open_logs([folder])
    assert result.calls_added == 3000
    compare(dataset)


def test_mixed_label_types_and_missing_labels(tmp_path: Path) -> None:
    log = write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call("2026-07-01T00:00:00Z", labels={"flag": True, "n": 3, "x": 1.5}),
            call("2026-07-01T00:01:00Z", labels={"flag": False, "late": "yes"}),
            call("2026-07-01T00:02:00Z"),
            call("2026-07-01T00:03:00Z", model="acme-llm", labels={"n": 3, "model": "shadow"}),
        ],
    )
    dataset, _ = open_logs([log])
    assert dataset.frame.text("flag").values == [1, 0]
    compare(dataset)
