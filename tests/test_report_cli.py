"""The headless commands: report and export, their formats, filters and exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from desktop.cli import main
from tests.conftest import FIXTURES
from tests.helpers import TEST_CATALOG, call, write_jsonl

GOOD = FIXTURES / "spendtrail" / "good.jsonl"
MIXED = FIXTURES / "spendtrail" / "mixed.jsonl"
PRICING = ["--pricing", str(TEST_CATALOG)]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def report_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code, out, err = run(capsys, "report", *args, *PRICING, "--format", "json", "-q")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """A small log with two tenants, three models (one unpriced) and a reported cost."""
    return write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call(
                "2026-07-01T08:00:00Z",
                input_tokens=1000,
                output_tokens=100,
                labels={"tenant": "acme", "feature": "search"},
            ),
            call(
                "2026-07-01T09:00:00Z",
                input_tokens=2000,
                output_tokens=100,
                labels={"tenant": "acme", "feature": "chat"},
                reported_cost_usd=0.01,
            ),
            call(
                "2026-07-02T10:00:00Z",
                model="claude-sonnet-4-5-20250929",
                input_tokens=100,
                cache_read_tokens=10_000,
                output_tokens=200,
                labels={"tenant": "globex", "feature": "chat"},
            ),
            call(
                "2026-07-03T11:00:00Z",
                model="acme-llm-7b-ft",
                input_tokens=500,
                output_tokens=50,
                labels={"tenant": "globex", "feature": "=HYPERLINK(1)"},
            ),
        ],
    )


# Hand-computed (test catalog, USD per 1M tokens):
#   gpt-4.1-mini   1000 x 0.4 + 100 x 1.6 = 560        -> $0.00056
#   gpt-4.1-mini   2000 x 0.4 + 100 x 1.6 = 960        -> $0.00096
#   claude-sonnet  100 x 3 + 10000 x 0.3 + 200 x 15 = 6300 -> $0.0063
#   acme-llm-7b-ft unpriced
TOTAL = 0.00056 + 0.00096 + 0.0063


def test_report_json_totals_and_groups(capsys: pytest.CaptureFixture[str], logs: Path) -> None:
    report = report_json(capsys, str(logs), "--by", "feature")
    totals = report["totals"]
    assert totals["calls"] == 4
    assert totals["input_tokens"] == 3600
    assert totals["cache_read_tokens"] == 10_000
    assert totals["output_tokens"] == 450
    assert totals["cost_usd"] == pytest.approx(TOTAL, rel=1e-9)
    assert totals["unpriced_calls"] == 1
    assert totals["reported_cost_usd"] == pytest.approx(0.01)
    groups = {g["key"]["feature"]: g for g in report["groups"]}
    assert set(groups) == {"search", "chat", "=HYPERLINK(1)"}
    assert groups["chat"]["calls"] == 2
    assert groups["chat"]["cost_usd"] == pytest.approx(0.00096 + 0.0063, rel=1e-9)
    assert groups["chat"]["share"] == pytest.approx((0.00096 + 0.0063) / TOTAL, rel=1e-6)
    assert groups["chat"]["max_cost_usd"] == pytest.approx(0.0063, rel=1e-9)
    assert groups["chat"]["p50_cost_usd"] == pytest.approx((0.00096 + 0.0063) / 2, rel=1e-9)
    assert groups["=HYPERLINK(1)"]["unpriced_calls"] == 1
    assert groups["=HYPERLINK(1)"]["mean_cost_usd"] is None
    # Totals equal the sum of the groups, bucket by bucket.
    for name in ("calls", "input_tokens", "cache_read_tokens", "output_tokens", "unpriced_calls"):
        assert sum(g[name] for g in report["groups"]) == totals[name]
    assert sum(g["cost_usd"] for g in report["groups"]) == pytest.approx(totals["cost_usd"])
    assert report["unpriced_models"] == [
        {
            "model": "acme-llm-7b-ft",
            "provider": None,
            "calls": 1,
            "prompt_tokens": 500,
            "output_tokens": 50,
        }
    ]
    (source,) = report["sources"]
    assert (source["format"], source["calls"], source["skipped"]) == ("spendtrail", 4, 0)


def test_groups_are_sorted_by_cost_and_nested(
    capsys: pytest.CaptureFixture[str], logs: Path
) -> None:
    report = report_json(capsys, str(logs), "--by", "tenant,model")
    keys = [(g["key"]["tenant"], g["key"]["model"]) for g in report["groups"]]
    assert keys[0] == ("globex", "claude-sonnet-4-5-20250929")
    assert len(keys) == 3


def test_buckets_include_empty_days_in_the_chosen_zone(
    capsys: pytest.CaptureFixture[str], logs: Path
) -> None:
    report = report_json(capsys, str(logs), "--bucket", "day", "--tz", "America/New_York")
    labels = [b["label"] for b in report["buckets"]]
    # 08:00Z on 1 July is 04:00 in New York; 11:00Z on 3 July is 07:00 there.
    assert labels == ["2026-07-01", "2026-07-02", "2026-07-03"]
    assert [b["calls"] for b in report["buckets"]] == [2, 1, 1]
    assert report["time_zone"] == "America/New_York"
    sparse = write_jsonl(
        logs.parent / "sparse.jsonl",
        [call("2026-07-01T12:00:00Z"), call("2026-07-04T12:00:00Z")],
    )
    report = report_json(capsys, str(sparse), "--bucket", "day", "--tz", "UTC")
    assert [b["calls"] for b in report["buckets"]] == [1, 0, 0, 1]
    assert [b["cost_usd"] for b in report["buckets"]][1:3] == [0.0, 0.0]


def test_filters(capsys: pytest.CaptureFixture[str], logs: Path) -> None:
    acme = report_json(capsys, str(logs), "--where", "tenant=acme")
    assert acme["totals"]["calls"] == 2
    not_gpt = report_json(capsys, str(logs), "--where", "model!=gpt-4.1-mini")
    assert not_gpt["totals"]["calls"] == 2
    either = report_json(capsys, str(logs), "--where", "feature=search", "--where", "feature=chat")
    assert either["totals"]["calls"] == 3
    since = report_json(capsys, str(logs), "--since", "2026-07-02", "--tz", "UTC")
    assert since["totals"]["calls"] == 2
    until = report_json(capsys, str(logs), "--until", "2026-07-02", "--tz", "UTC")
    assert until["totals"]["calls"] == 2
    search = report_json(capsys, str(logs), "--search", "GLOBEX")
    assert search["totals"]["calls"] == 2


def test_cost_modes(capsys: pytest.CaptureFixture[str], logs: Path) -> None:
    reported = report_json(capsys, str(logs), "--cost-mode", "reported")
    assert reported["totals"]["cost_usd"] == pytest.approx(0.01)
    assert reported["totals"]["unpriced_calls"] == 3  # calls without a reported cost
    auto = report_json(capsys, str(logs), "--cost-mode", "auto")
    assert auto["totals"]["cost_usd"] == pytest.approx(0.00056 + 0.01 + 0.0063, rel=1e-9)
    (diff,) = report_json(capsys, str(logs))["differences"]
    assert diff["difference_usd"] == pytest.approx(0.01 - 0.00096, rel=1e-9)


def test_export_costs_sum_to_the_report_total(
    capsys: pytest.CaptureFixture[str], logs: Path
) -> None:
    code, out, err = run(capsys, "export", str(logs), *PRICING, "-q")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["ts"] for r in records] == sorted(r["ts"] for r in records)
    assert len(records) == 4
    priced = [r["cost_usd"] for r in records if r["cost_usd"] is not None]
    assert sum(priced) == pytest.approx(report_json(capsys, str(logs))["totals"]["cost_usd"])
    unpriced = [r for r in records if r["cost_usd"] is None]
    assert [r["model"] for r in unpriced] == ["acme-llm-7b-ft"]
    assert unpriced[0]["cost_flags"] == ["unpriced"]
    assert records[0]["price_id"] == "openai/gpt-4.1-mini@launch"
    assert records[0]["labels"] == {"tenant": "acme", "feature": "search"}
    assert records[0]["source"].endswith("calls.jsonl")
    assert records[0]["format"] == "spendtrail"


def test_export_csv_neutralises_formulas(
    capsys: pytest.CaptureFixture[str], logs: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    code, _, err = run(capsys, "export", str(logs), *PRICING, "--format", "csv", "-o", str(target))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 4
    assert "'=HYPERLINK(1)" in {r["labels.feature"] for r in rows}
    report_csv = run(capsys, "report", str(logs), *PRICING, "--by", "feature", "--format", "csv")[1]
    assert "'=HYPERLINK(1)" in report_csv
    assert "\n=HYPERLINK" not in report_csv


def test_table_output_reads_well(capsys: pytest.CaptureFixture[str], logs: Path) -> None:
    code, out, _ = run(capsys, "report", str(logs), *PRICING, "--by", "tenant", "-q")
    assert code == 0
    assert "Totals" in out
    assert "$0.01" in out  # the total, to the cent, with its currency
    assert "3,600 tokens" in out
    assert "1 UNPRICED" in out
    assert "acme-llm-7b-ft" in out


def test_problems_are_listed_and_do_not_fail(capsys: pytest.CaptureFixture[str]) -> None:
    report = report_json(capsys, str(MIXED))
    (source,) = report["sources"]
    assert source["calls"] == 3
    assert source["skipped"] == 11
    assert {"line": 4, "reason": "input_tokens is a string ('120'), not a number"} in source[
        "problems"
    ]


def test_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "report", str(tmp_path / "missing.jsonl"), "-q")
    assert code == 1
    assert "nothing readable" in err
    assert "Traceback" not in err
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    code, _, err = run(capsys, "report", str(notes), "-q")
    assert code == 1
    code, _, err = run(capsys, "report", str(GOOD), "--by", "nope", "-q", *PRICING)
    assert code == 2
    assert "unknown column 'nope'" in err
    code, _, err = run(capsys, "report", str(GOOD), "--tz", "Mars/Base", "-q")
    assert code == 2
    assert "unknown time zone" in err
    code, _, err = run(capsys, "report", str(GOOD), "--since", "soon", "-q")
    assert code == 2
    code, _, err = run(capsys, "report", "--bogus")
    assert code == 2
    code, _, err = run(capsys, "report", str(GOOD), "--pricing", str(tmp_path / "nope.json"))
    assert code == 2


def test_reading_twice_reuses_the_store(capsys: pytest.CaptureFixture[str], logs: Path) -> None:
    first = report_json(capsys, str(logs))
    second = report_json(capsys, str(logs))
    assert first == second


def test_field_mapping_for_an_unknown_shape(capsys: pytest.CaptureFixture[str]) -> None:
    shape = FIXTURES / "mapped" / "unknown_shape.jsonl"
    mapping = FIXTURES / "mapped" / "mapping.json"
    report = report_json(capsys, str(shape), "--map", str(mapping), "--by", "meta.app")
    assert report["sources"][0]["format"] == "mapped"
    assert report["totals"]["calls"] == 3
    # usage.in includes usage.cached (input_includes_cache): 1200, 300 and 2000 in,
    # of which 1024, 0 and 512 cached -> 176 + 300 + 1488 uncached
    assert report["totals"]["cache_read_tokens"] == 1024 + 512
    assert report["totals"]["input_tokens"] == 176 + 300 + 1488
    assert {g["key"]["meta.app"] for g in report["groups"]} == {"helpdesk", "billing"}
    # Remembered for that file: the next report needs no --map.
    again = report_json(capsys, str(shape), "--by", "meta.app")
    assert again["sources"][0]["format"] == "mapped"
    assert again["totals"] == report["totals"]
    code, _, err = run(capsys, "report", str(shape), "--map", str(FIXTURES / "nope.json"))
    assert code == 2
    assert "cannot read the mapping file" in err


def test_small_totals_never_read_as_zero(capsys: pytest.CaptureFixture[str], logs: Path) -> None:
    _code, out, _ = run(capsys, "report", str(logs), *PRICING, "-q")
    assert "$0.00 " not in out
    assert "$0.01" in out  # 0.00056 + 0.00096 + 0.0063, to the cent
