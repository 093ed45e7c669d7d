"""The working store: ingest, reuse, incremental reads, dedup, problems, re-pricing."""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path

import numpy as np
import orjson
import pytest

import desktop.store.ingest as ingest_module
from desktop.record import CallRecord
from desktop.store.batch import Batch
from desktop.store.dataset import Filters
from desktop.store.pricer import Pricer, PricingSpec
from desktop.store.schema import SCHEMA_VERSION
from desktop.store.store import Store
from pricing import PricingEngine
from tests.conftest import FIXTURES
from tests.helpers import TEST_CATALOG, call, fingerprint, open_logs, write_jsonl

GOOD = FIXTURES / "spendtrail" / "good.jsonl"
MIXED = FIXTURES / "spendtrail" / "mixed.jsonl"

# Hand-computed with the test catalog (USD per 1M tokens):
#   line 1 gpt-4.1-mini: 1000 x 0.4 + 500 x 0.1 + 200 x 1.6 = 770 -> $0.00077
#   line 2 claude-sonnet-4-5: 300 x 3 + 10000 x 0.3 + 2000 x 3.75 + 1000 x 6 + 400 x 15 = 23400
#   line 3 gpt-4.1-mini: 50 x 0.4 + 5 x 1.6 = 28 -> $0.000028
GOOD_COSTS = [0.00077, 0.0234, 0.000028]


def copy(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def costs(dataset) -> list[float]:  # type: ignore[no-untyped-def]
    frame = dataset.frame
    order = np.argsort(frame.num("line"))
    return [float(x) for x in frame.num("cost_usd")[order]]


def test_ingest_prices_every_call(tmp_path: Path) -> None:
    log = copy(GOOD, tmp_path / "calls.jsonl")
    dataset, result = open_logs([log])
    assert result.calls_added == 3 and result.problems == 0
    assert costs(dataset) == pytest.approx(GOOD_COSTS, rel=1e-12)
    rows = dataset.store.rows_by_id([int(i) for i in dataset.frame.ids])
    assert {r["price_id"] for r in rows} == {
        "openai/gpt-4.1-mini@launch",
        "anthropic/claude-sonnet-4-5@launch",
    }
    totals = dataset.totals(dataset.mask(Filters()))
    assert totals.cost_usd == pytest.approx(sum(GOOD_COSTS), rel=1e-12)


def test_user_files_are_never_written(tmp_path: Path) -> None:
    log = copy(MIXED, tmp_path / "calls.jsonl")
    before = fingerprint(log)
    open_logs([log])
    open_logs([log])
    assert fingerprint(log) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.jsonl"]


def test_problems_are_kept_with_file_and_line(tmp_path: Path) -> None:
    log = copy(MIXED, tmp_path / "calls.jsonl")
    dataset, result = open_logs([log])
    assert result.calls_added == 3
    assert result.problems == 11
    problems = dataset.store.problems()
    assert [p[1] for p in problems] == [4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16]
    assert all(p[0] == str(log.resolve()) for p in problems)
    (source,) = dataset.store.sources()
    assert source.problems == 11


def test_reopening_an_unchanged_source_reads_nothing(tmp_path: Path) -> None:
    log = copy(GOOD, tmp_path / "calls.jsonl")
    open_logs([log])
    dataset, again = open_logs([log])
    assert again.records_read == 0 and again.calls_added == 0
    assert dataset.store.count_calls() == 3


def test_files_read_before_are_not_detected_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Claude projects folder holds thousands of files: reopening it must not
    # sniff every one again. Unchanged and grown files keep their format.
    folder = tmp_path / "logs"
    folder.mkdir()
    grown = copy(GOOD, folder / "a.jsonl")
    copy(GOOD, folder / "b.jsonl")
    replaced = copy(GOOD, folder / "c.jsonl")
    open_logs([folder])
    sniffed: list[str] = []
    real_detect = ingest_module.detect_sample

    def counting_detect(path: Path):  # type: ignore[no-untyped-def]
        sniffed.append(path.name)
        return real_detect(path)

    monkeypatch.setattr(ingest_module, "detect_sample", counting_detect)
    with open(grown, "ab") as fh:
        fh.write(orjson.dumps(call("2026-07-03T00:00:00Z")) + b"\n")
    write_jsonl(replaced, [call("2026-08-01T00:00:00Z")])
    dataset, result = open_logs([folder])
    assert sniffed == ["c.jsonl"]  # only the replaced file is looked at again
    assert result.records_read == 2
    assert dataset.store.count_calls() == 3 + 4 + 1


def test_indexes_are_built_when_first_needed(tmp_path: Path) -> None:
    def indexes(dataset) -> set[str]:  # type: ignore[no-untyped-def]
        rows = dataset.store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'calls'"
        )
        return {name for (name,) in rows}

    folder = tmp_path / "logs"
    folder.mkdir()
    log = copy(GOOD, folder / "a.jsonl")
    copy(GOOD, folder / "b.jsonl")
    dataset, _ = open_logs([folder])
    # A first load answers from the column cache: its indexes come later.
    assert dataset.store.indexes_pending and indexes(dataset) == set()
    dataset, _ = open_logs([folder])  # reopening does not need them
    assert dataset.store.indexes_pending
    write_jsonl(log, [call("2026-08-01T00:00:00Z")])  # replaced: its calls are deleted first
    dataset, _ = open_logs([folder])
    assert not dataset.store.indexes_pending
    assert indexes(dataset) == {"calls_model", "calls_source", "calls_dedup"}
    assert dataset.store.count_calls() == 3 + 1


def test_opening_a_store_writes_nothing_when_it_is_set_up(tmp_path: Path) -> None:
    # The app opens the store on its UI thread right after a load, while the loader
    # builds the indexes in a write transaction: opening must not wait for that lock.
    log = copy(GOOD, tmp_path / "calls.jsonl")
    dataset, _ = open_logs([log])
    path = dataset.store.path
    writer = Store(path)
    writer.conn.execute("BEGIN IMMEDIATE")  # holds the write lock, as an index build does
    try:
        started = time.perf_counter()
        reader = Store(path)
        assert time.perf_counter() - started < 5
        assert reader.count_calls() == 3
        reader.close()
    finally:
        writer.conn.execute("ROLLBACK")
        writer.close()


def test_appended_lines_are_read_incrementally(tmp_path: Path) -> None:
    log = copy(GOOD, tmp_path / "calls.jsonl")
    open_logs([log])
    with open(log, "ab") as fh:
        fh.write(orjson.dumps(call("2026-07-03T00:00:00Z", input_tokens=1000)) + b"\n")
    dataset, result = open_logs([log])
    assert result.records_read == 1  # only the new line was parsed
    assert dataset.store.count_calls() == 4
    lines = sorted(int(x) for x in dataset.frame.num("line"))
    assert lines == [1, 2, 3, 4]
    # 1000 x 0.4 + 10 x 1.6 = 416 per million
    assert dataset.totals(dataset.mask(Filters())).cost_usd == pytest.approx(
        sum(GOOD_COSTS) + 0.000416, rel=1e-12
    )


def test_a_truncated_last_line_is_read_again_once_finished(tmp_path: Path) -> None:
    log = tmp_path / "growing.jsonl"
    whole = orjson.dumps(call("2026-07-03T00:00:00Z"))
    log.write_bytes(orjson.dumps(call("2026-07-02T00:00:00Z")) + b"\n" + whole[:20])
    dataset, result = open_logs([log])
    assert result.calls_added == 1 and result.problems == 1
    assert "truncated" in dataset.store.problems()[0][3]
    with open(log, "ab") as fh:
        fh.write(whole[20:] + b"\n")
    dataset, result = open_logs([log])
    assert dataset.store.count_calls() == 2
    assert dataset.store.problems() == []  # the old complaint is gone: nothing lost


def test_a_shrunk_or_replaced_file_is_read_again(tmp_path: Path) -> None:
    log = copy(GOOD, tmp_path / "calls.jsonl")
    open_logs([log])
    write_jsonl(log, [call("2026-08-01T00:00:00Z")])
    dataset, result = open_logs([log])
    assert dataset.store.count_calls() == 1
    assert result.records_read == 1
    # Same size, different content (a rotated log): the head check notices.
    write_jsonl(log, [call("2026-08-02T00:00:00Z", model="claude-sonnet-4-5-20250929")])
    dataset, _ = open_logs([log])
    assert dataset.frame.text("model").values == ["claude-sonnet-4-5-20250929"]


def test_a_vanished_file_is_forgotten(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    copy(GOOD, folder / "a.jsonl")
    write_jsonl(folder / "b.jsonl", [call("2026-08-01T00:00:00Z")])
    dataset, _ = open_logs([folder])
    assert dataset.store.count_calls() == 4
    (folder / "b.jsonl").unlink()
    dataset, _ = open_logs([folder])
    assert dataset.store.count_calls() == 3
    assert [Path(s.path).name for s in dataset.store.sources()] == ["a.jsonl"]


def test_non_log_files_in_a_folder_are_skipped_quietly(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    copy(GOOD, folder / "a.jsonl")
    (folder / "README.md").write_text("# notes\n")
    (folder / "settings.json").write_text('{"theme": "dark"}\n')
    dataset, result = open_logs([folder])
    assert result.problems == 0 and result.errors == []
    skipped = {p.name: why for p, why in result.skipped}
    assert set(skipped) == {"README.md", "settings.json"}
    assert dataset.store.count_calls() == 3


def test_schema_change_rebuilds_the_store(tmp_path: Path) -> None:
    log = copy(GOOD, tmp_path / "calls.jsonl")
    dataset, _ = open_logs([log])
    path = dataset.store.path
    dataset.store.set_meta("schema_version", str(SCHEMA_VERSION - 1))
    dataset.store.close()
    dataset, result = open_logs([log])
    assert dataset.store.path == path
    assert result.records_read == 3  # read again from scratch
    assert dataset.store.meta("schema_version") == str(SCHEMA_VERSION)


def test_a_corrupt_store_is_rebuilt(tmp_path: Path) -> None:
    log = copy(GOOD, tmp_path / "calls.jsonl")
    dataset, _ = open_logs([log])
    path = dataset.store.path
    dataset.store.close()
    path.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    dataset, _result = open_logs([log])
    assert dataset.store.count_calls() == 3


def test_unpriced_models_are_never_zero(tmp_path: Path) -> None:
    log = write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call("2026-07-01T00:00:00Z", model="acme-llm-7b-ft"),
            call("2026-07-01T00:01:00Z"),
            call("2026-07-01T00:02:00Z", model="acme-llm-7b-ft", input_tokens=0, output_tokens=0),
        ],
    )
    dataset, _ = open_logs([log])
    totals = dataset.totals(dataset.mask(Filters()))
    assert totals.unpriced_calls == 1  # the call with usage; the empty one costs nothing
    assert totals.cost_usd == pytest.approx((100 * 0.4 + 10 * 1.6) / 1e6, rel=1e-12)
    cost = dataset.frame.num("cost_usd")
    assert np.isnan(cost).sum() == 1


def test_price_history_applies_at_call_time(tmp_path: Path) -> None:
    log = write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call("2026-06-30T23:59:59Z", model="priced-later"),
            call("2026-07-01T00:00:00Z", model="priced-later"),
        ],
    )
    dataset, _ = open_logs([log])
    # before: 100 x 1 + 10 x 2 = 120; from 2026-07-01: 100 x 10 + 10 x 20 = 1200 (per 1M)
    assert costs(dataset) == pytest.approx([0.00012, 0.0012], rel=1e-12)
    today = PricingSpec(file=str(TEST_CATALOG), mode="today")
    dataset, _ = open_logs([log], pricing=today)
    assert costs(dataset) == pytest.approx([0.0012, 0.0012], rel=1e-12)


def test_repricing_rewrites_only_changed_models(tmp_path: Path) -> None:
    log = copy(GOOD, tmp_path / "calls.jsonl")
    catalog = tmp_path / "prices.json"
    data = orjson.loads(TEST_CATALOG.read_bytes())
    catalog.write_bytes(orjson.dumps(data))
    spec = PricingSpec(file=str(catalog))
    dataset, _ = open_logs([log], pricing=spec)
    store_path = dataset.store.path
    dataset.store.close()
    data["models"][0]["versions"][0]["rates"]["input"] = "0.8"  # gpt-4.1-mini input doubles
    catalog.write_bytes(orjson.dumps(data))
    from desktop.store.ingest import ingest

    store = Store(store_path)
    result = ingest(store, [log], spec)
    # gpt-4.1-mini appears with and without a provider: two combinations changed,
    # claude-sonnet-4-5's did not.
    assert result.repriced == 2
    assert result.records_read == 0  # re-priced in place, not re-read
    from desktop.store.dataset import Dataset

    dataset = Dataset(store)
    # line 1: 1000 x 0.8 + 500 x 0.1 + 200 x 1.6 = 1170; line 3: 50 x 0.8 + 5 x 1.6 = 48
    assert costs(dataset) == pytest.approx([0.00117, 0.0234, 0.000048], rel=1e-12)


def test_sql_repricing_equals_ingest_pricing(tmp_path: Path) -> None:
    """The three forms of the formula (ingest, SQL, numpy) give the same floats."""
    engine = PricingEngine.load()
    rng = np.random.default_rng(3)
    models = ["gpt-4.1-mini", "claude-sonnet-4-5-20250929", "gemini-2.5-pro", "gpt-5", "o3"]
    records = []
    for i in range(400):
        cached = int(rng.integers(0, 300_000))
        records.append(
            call(
                f"2026-0{1 + i % 9}-1{i % 9}T10:00:00Z",
                model=models[i % len(models)],
                input_tokens=int(rng.integers(0, 5000)),
                cache_read_tokens=cached,
                cache_write_5m_tokens=int(rng.integers(0, 3000)),
                cache_write_1h_tokens=int(rng.integers(0, 3000)),
                output_tokens=3000,
                reasoning_tokens=int(rng.integers(0, 3000)),
            )
        )
    log = write_jsonl(tmp_path / "calls.jsonl", records)
    dataset, _ = open_logs([log], pricing=PricingSpec())
    at_ingest = dataset.frame.num("cost_usd").copy()
    from desktop.store.pricer import reprice_store

    store = dataset.store
    store.begin()
    reprice_store(store, engine, force=True)
    store.bump("pricing")
    store.commit()
    dataset.refresh()
    rows = store.conn.execute("SELECT cost_usd FROM calls ORDER BY id").fetchall()
    in_sql = np.array([np.nan if r[0] is None else r[0] for r in rows])
    np.testing.assert_array_equal(in_sql, at_ingest)
    # ... and the single-call path agrees with both.
    scalar = Pricer(engine)
    for row, expected in zip(
        store.rows_by_id([int(i) for i in dataset.frame.ids]), at_ingest, strict=False
    ):
        record = CallRecord(*(row[c] for c in CallRecord._fields[:10]))
        cost, _, _ = scalar.price(record)
        assert (cost is None and np.isnan(expected)) or cost == expected


@pytest.mark.parametrize("keys", ["index", "memory"])
def test_dedup_keeps_the_highest_rank_across_batches(tmp_path: Path, keys: str) -> None:
    store = Store(tmp_path / "store.sqlite")
    if keys == "memory":  # a bulk load: the rule runs in memory, no dedup index
        store.drop_indexes()
        store.keep_keys_in_memory()
    store.begin()
    sid = store.add_source("/logs/a.jsonl", None, "test", "", None)
    engine = PricingEngine.from_file(TEST_CATALOG)
    pricer = Pricer(engine)

    def rec(key: str, output: int, line: int) -> CallRecord:
        return CallRecord(
            1.78e9,
            "openai",
            "gpt-4.1-mini",
            None,
            10,
            0,
            0,
            0,
            output,
            0,
            line=line,
            dedup_key=key,
            dedup_rank=float(output),
            labels={"copy": line},
        )

    store.insert_batch(Batch.from_records([rec("m1", 1, 1), rec("m2", 5, 2)], sid, pricer))
    store.insert_batch(
        Batch.from_records(
            [rec("m1", 30, 3), rec("m2", 2, 4), rec("m3", 7, 5), rec("m3", 8, 6)], sid, pricer
        )
    )
    store.insert_batch(Batch.from_records([rec("m3", 8, 7), rec("m1", 30, 8)], sid, pricer))
    store.commit()
    store.forget_keys()
    rows = store.conn.execute(
        'SELECT id, dedup_key, output_tokens, line, "copy" FROM calls ORDER BY dedup_key'
    ).fetchall()
    # the higher copy takes the stored row's place; equal or lower copies are dropped
    assert rows == [(1, "m1", 30, 3, 3), (2, "m2", 5, 2, 2), (3, "m3", 8, 6, 6)]
    (cost,) = store.conn.execute("SELECT cost_usd FROM calls WHERE dedup_key='m1'").fetchone()
    assert math.isclose(cost, (10 * 0.4 + 30 * 1.6) / 1e6, rel_tol=1e-12)


def test_label_that_collides_with_a_canonical_column(tmp_path: Path) -> None:
    log = write_jsonl(
        tmp_path / "calls.jsonl",
        [call("2026-07-01T00:00:00Z", labels={"model": "shadow", "Tenant": "a", "tenant": "b"})],
    )
    dataset, _ = open_logs([log])
    columns = dataset.store.label_columns
    assert columns["model"] == "label:model"
    assert columns["Tenant"] != columns["tenant"]
    assert dataset.frame.text("model").values == ["gpt-4.1-mini"]  # the canonical column


def test_column_cache_is_reused_after_reopening(tmp_path: Path) -> None:
    log = copy(GOOD, tmp_path / "calls.jsonl")
    dataset, _ = open_logs([log])
    first = dataset.frame.num("cost_usd").copy()
    dataset.frame.text("model")
    dataset, _ = open_logs([log])

    def no_sql() -> None:
        raise AssertionError("the cached columns should not be read from SQLite")

    dataset.frame._connect = no_sql  # type: ignore[assignment]
    np.testing.assert_array_equal(dataset.frame.num("cost_usd"), first)
    assert set(dataset.frame.text("model").values) == {
        "gpt-4.1-mini",
        "claude-sonnet-4-5-20250929",
    }


def test_quick_search_covers_ids_and_escapes_wildcards(tmp_path: Path) -> None:
    log = write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call("2026-07-01T00:00:00Z", request_id="req_ABC_1", labels={"tenant": "Acme"}),
            call("2026-07-01T00:01:00Z", request_id="req_xyz", error="50% done", status="error"),
            call("2026-07-01T00:02:00Z", conversation_id="conv-Ünïcode"),
        ],
    )
    dataset, _ = open_logs([log])

    def found(text: str) -> int:
        return int(dataset.mask(Filters(search=text)).sum())

    assert found("abc_1") == 1  # ids, any case; "_" is not a wildcard
    assert found("acme") == 1  # labels
    assert found("50%") == 1  # "%" is not a wildcard either
    assert found("%") == 1
    assert found("Ünïcode") == 1
    assert found("gpt-4.1") == 3  # the model
    assert found("nothing like it") == 0


def test_a_label_named_like_a_canonical_column_is_reachable(tmp_path: Path) -> None:
    log = write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call("2026-07-01T00:00:00Z", labels={"model": "router-a", "cost_usd": "high"}),
            call("2026-07-01T00:01:00Z", labels={"model": "router-b", "cost_usd": "low"}),
        ],
    )
    dataset, _ = open_logs([log])
    assert "label:model" in dataset.label_keys()
    assert "model" not in dataset.label_keys()
    from desktop.timeutil import resolve_zone

    groups = dataset.groups(dataset.mask(Filters()), ["label:model"], resolve_zone("UTC"))
    assert sorted(g.key[0] for g in groups) == ["router-a", "router-b"]
    assert dataset.frame.num("cost_usd").dtype.kind == "f"  # the canonical cost, not the label
    assert dataset.frame.text("label:cost_usd").values == ["high", "low"]


def test_sources_described_with_their_first_problems_in_line_order(tmp_path: Path) -> None:
    from desktop.store.session import describe_sources

    folder = tmp_path / "logs"
    folder.mkdir()
    good = [call(f"2026-07-01T00:00:0{i}Z", request_id=f"r{i}") for i in range(3)]
    lines = [orjson.dumps(r) for r in good]
    # a.jsonl: five bad lines between good ones; b.jsonl: one; c.jsonl: none.
    a = b"\n".join([b"{bad", lines[0], b"[1]", b"nope", lines[1], b"{", b"7", lines[2]]) + b"\n"
    (folder / "a.jsonl").write_bytes(a)
    (folder / "b.jsonl").write_bytes(lines[0] + b"\n{oops\n")
    write_jsonl(folder / "c.jsonl", good[:2])
    dataset, _ = open_logs([folder])
    store = dataset.store
    counted = store.calls_per_source()
    assert dataset.calls_per_source() == counted
    described = {Path(e["path"]).name: e for e in describe_sources(store, problems_per_source=3)}
    assert [p["line"] for p in described["a.jsonl"]["problems"]] == [1, 3, 4]  # first three
    assert described["a.jsonl"]["skipped"] == 5
    assert [p["line"] for p in described["b.jsonl"]["problems"]] == [2]
    assert described["c.jsonl"]["problems"] == []
    assert {n: e["calls"] for n, e in described.items()} == {
        "a.jsonl": 3,
        "b.jsonl": 1,
        "c.jsonl": 2,
    }
    again = describe_sources(store, problems_per_source=3, per_source=dataset.calls_per_source())
    assert again == list(described.values())


def test_a_folder_of_many_files_reports_detection_then_reading(tmp_path: Path) -> None:
    import io

    from desktop.commands.common import ProgressLine
    from desktop.store.ingest import DETECT_IN_WORKERS, Progress

    folder = tmp_path / "logs"
    folder.mkdir()
    n = DETECT_IN_WORKERS + 6  # enough to detect in the worker processes
    for i in range(n):
        write_jsonl(folder / f"{i:03}.jsonl", [call("2026-07-01T00:00:00Z", request_id=f"r{i}")])
    seen: list[Progress] = []
    dataset, _ = open_logs([folder], progress=seen.append, workers=2)
    assert dataset.store.count_calls() == n
    detecting = [p for p in seen if p.phase == "detecting"]
    reading = [p for p in seen if p.phase == "reading"]
    assert detecting and reading
    assert seen.index(detecting[-1]) < seen.index(reading[0])  # all looked at, then read
    assert [p.files_done for p in detecting] == sorted(p.files_done for p in detecting)
    assert detecting[-1].files_done == detecting[-1].files_total == n
    assert reading[-1].files_done == n

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    ProgressLine(out)(detecting[-1])
    assert out.getvalue() == f"\rLooking at {n}/{n} files   "


def _bulk_batch(sid: int, first_line: int) -> Batch:
    pricer = Pricer(PricingEngine.from_file(TEST_CATALOG))
    records = [
        CallRecord(1.78e9 + i, "openai", "gpt-4.1-mini", None, 100 + i, 0, 0, 0, 10, 0)._replace(
            line=first_line + i
        )
        for i in range(500)
    ]
    return Batch.from_records(records, sid, pricer)


def test_a_bulk_load_writes_through_a_rollback_journal_then_returns_to_wal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite"
    store = Store(path)
    assert store.journal_mode == "wal"
    assert store.conn.execute("PRAGMA page_size").fetchone() == (16384,)
    store.bulk_writes(True)
    assert store.journal_mode == "delete"
    assert not Path(str(path) + "-wal").exists()  # rows go straight into the database file
    store.begin()
    sid = store.add_source("/logs/a.jsonl", None, "spendtrail", "", None)
    store.insert_batch(_bulk_batch(sid, 1))
    store.commit()
    # a reader sees what is committed while the load goes on
    reader = store.reader()
    assert reader.execute("SELECT COUNT(*) FROM calls").fetchone() == (500,)
    reader.close()
    store.begin()
    store.insert_batch(_bulk_batch(sid, 501))
    store.rollback()  # a failed step takes back only its own rows
    store.begin()
    store.insert_batch(_bulk_batch(sid, 1001))
    store.commit()
    store.bulk_writes(False)
    assert store.journal_mode == "wal"
    store.close()
    again = Store(path)
    assert again.count_calls() == 1000
    assert again.journal_mode == "wal"


def test_a_bulk_load_stays_in_wal_while_another_connection_has_the_store_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite"
    store = Store(path)
    other = Store(path)  # e.g. the data still shown while the same sources are read again
    store.bulk_writes(True)  # does not wait for the other connection to close
    assert store.journal_mode == "wal"
    store.begin()
    sid = store.add_source("/logs/a.jsonl", None, "spendtrail", "", None)
    store.insert_batch(_bulk_batch(sid, 1))
    store.commit()
    assert other.count_calls() == 500  # WAL: the other connection reads beside the writer
    store.bulk_writes(False)
    assert store.journal_mode == "wal"
    other.close()
    store.close()


def test_progress_carries_running_totals_of_what_is_stored(tmp_path: Path) -> None:
    from desktop.demo import write_demo_data
    from desktop.store.ingest import Progress, ingest
    from desktop.store.running import stored_totals

    logs = tmp_path / "logs"
    paths = write_demo_data(logs, calls=4000, seed=3)
    store = Store(tmp_path / "store.sqlite")
    seen: list[Progress] = []
    ingest(store, [logs], PricingSpec(TEST_CATALOG), progress=seen.append, workers=1)
    last = seen[-1].stored
    want = stored_totals(store)
    assert want["calls"] == 4000 and want["unpriced_calls"] > 0 and want["prompt_tokens"] > 0
    assert last["calls"] == want["calls"]
    assert last["unpriced_calls"] == want["unpriced_calls"]
    assert last["prompt_tokens"] == want["prompt_tokens"]
    assert last["output_tokens"] == want["output_tokens"]
    assert last["cost_usd"] == pytest.approx(want["cost_usd"], rel=1e-9)
    # adding to the store: the running totals start from what it holds
    with open(paths[-1], "ab") as fh:
        fh.write(orjson.dumps(call("2026-07-31T23:59:00Z", input_tokens=1000)) + b"\n")
    seen.clear()
    ingest(store, [logs], PricingSpec(TEST_CATALOG), progress=seen.append, workers=1)
    after = stored_totals(store)
    assert after["calls"] == 4001
    assert seen[-1].stored["calls"] == 4001
    assert seen[-1].stored["prompt_tokens"] == after["prompt_tokens"]
    assert seen[-1].stored["cost_usd"] == pytest.approx(after["cost_usd"], rel=1e-9)


def test_a_cancelled_bulk_load_keeps_what_it_committed_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from desktop.demo import write_demo_data
    from desktop.store.ingest import ingest

    logs = tmp_path / "logs"
    write_demo_data(logs, calls=6000, seed=5)  # three monthly files
    monkeypatch.setattr(ingest_module, "BULK_BYTES", 0)  # a small load, written in bulk
    monkeypatch.setattr(ingest_module, "COMMIT_SECONDS", 0.0)  # a commit after each file
    whole = ingest_module.tasks_of
    monkeypatch.setattr(ingest_module, "tasks_of", lambda units: whole(units, size=1))
    store = Store(tmp_path / "store.sqlite")
    cancel = threading.Event()
    modes: list[str] = []

    def committed() -> None:
        modes.append(store.journal_mode)
        cancel.set()  # the person presses Cancel after the first file

    result = ingest(store, [logs], PricingSpec(TEST_CATALOG), cancel=cancel, on_commit=committed)
    assert result.cancelled
    assert modes == ["delete"]  # the load went through the rollback journal
    assert store.journal_mode == "wal"  # and the store is back in WAL mode
    kept = store.count_calls()
    assert 0 < kept < 6000  # what was committed stays
    result = ingest(store, [logs], PricingSpec(TEST_CATALOG))
    assert not result.cancelled
    assert store.count_calls() == 6000  # the next open reads the rest, nothing twice
    assert result.calls_added == 6000 - kept
