"""The column cache built during a first load equals the one read back from the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import orjson

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


def claude_line(message_id: str, output: int, *, sidechain: bool = False) -> dict:
    return {
        "type": "assistant",
        "sessionId": "s-1",
        "isSidechain": sidechain,
        "requestId": "req-" + message_id,
        "timestamp": "2026-07-14T09:12:44.318Z",
        "message": {
            "id": message_id,
            "model": "claude-sonnet-4-5-20250929",
            "usage": {"input_tokens": 5, "output_tokens": output},
        },
    }


def test_copies_across_files_are_merged_as_the_store_would(tmp_path: Path) -> None:
    # Files are read in name order: a copy read later with a larger total takes
    # the earlier row's place; equal or smaller copies are dropped.
    folder = tmp_path / "projects" / "-home-dev-app"
    folder.mkdir(parents=True)
    write_jsonl(folder / "a.jsonl", [claude_line("m1", 5), claude_line("m2", 7)])
    write_jsonl(
        folder / "b.jsonl",
        [claude_line("m1", 9), claude_line("m2", 7), claude_line("m3", 1, sidechain=True)],
    )
    write_jsonl(folder / "c.jsonl", [claude_line("m3", 1), claude_line("m2", 3)])
    dataset, result = open_logs([tmp_path / "projects"])
    assert result.calls_added == 3
    rows = dataset.store.conn.execute(
        "SELECT calls.id, message_id, output_tokens, sources.path FROM calls "
        "JOIN sources ON sources.id = calls.source_id ORDER BY calls.id"
    ).fetchall()
    assert [(r[0], r[1], r[2], Path(r[3]).name) for r in rows] == [
        (1, "m1", 9, "b.jsonl"),
        (2, "m2", 7, "a.jsonl"),
        (3, "m3", 1, "c.jsonl"),  # the parent copy beats the sidechain replay
    ]
    compare(dataset)


def test_adding_to_a_store_whose_indexes_are_still_pending(tmp_path: Path) -> None:
    folder = tmp_path / "projects" / "-home-dev-app"
    folder.mkdir(parents=True)
    log = write_jsonl(folder / "a.jsonl", [claude_line("m1", 5), claude_line("m2", 7)])
    dataset, _ = open_logs([tmp_path / "projects"], defer_indexes=True)
    assert dataset.store.indexes_pending
    dataset.store.close()
    with log.open("ab") as fh:  # the session goes on: a larger copy of m2, and m3
        fh.write(orjson.dumps(claude_line("m2", 11)) + b"\n")
        fh.write(orjson.dumps(claude_line("m3", 2)) + b"\n")
    dataset, _ = open_logs([tmp_path / "projects"])
    assert not dataset.store.indexes_pending
    rows = dataset.store.conn.execute(
        "SELECT message_id, output_tokens FROM calls ORDER BY id"
    ).fetchall()
    assert rows == [("m1", 5), ("m2", 11), ("m3", 2)]


def test_many_small_files_read_as_one_task(tmp_path: Path) -> None:
    # Small files are read many to a task and inserted as one batch: every row
    # still belongs to its own file, with its own labels.
    folder = tmp_path / "logs"
    folder.mkdir()
    for i in range(6):
        labels = {"tenant": f"t{i}"} if i % 2 else {"feature": f"f{i}", "n": i}
        write_jsonl(
            folder / f"part-{i}.jsonl",
            [call(f"2026-07-0{i + 1}T00:00:00Z", labels=labels) for _ in range(i + 1)],
        )
    dataset, result = open_logs([folder])
    assert result.calls_added == 21
    per_file = dataset.store.conn.execute(
        "SELECT s.path, count(*), max(c.line), group_concat(DISTINCT c.tenant), "
        "group_concat(DISTINCT c.feature) FROM calls c JOIN sources s ON s.id = c.source_id "
        "GROUP BY s.path ORDER BY s.path"
    ).fetchall()
    assert [(Path(p).name, n, line, t, f) for p, n, line, t, f in per_file] == [
        ("part-0.jsonl", 1, 1, None, "f0"),
        ("part-1.jsonl", 2, 2, "t1", None),
        ("part-2.jsonl", 3, 3, None, "f2"),
        ("part-3.jsonl", 4, 4, "t3", None),
        ("part-4.jsonl", 5, 5, None, "f4"),
        ("part-5.jsonl", 6, 6, "t5", None),
    ]
    assert [s.calls for s in dataset.store.sources()] == [1, 2, 3, 4, 5, 6]
    compare(dataset)
