"""CSV files with a header row: spreadsheets, UI exports and our own CSV export."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.logs.csv_document import cell_value, sniff_delimiter
from desktop.logs.detect import detect
from desktop.logs.formats import get_format
from desktop.logs.reader import ReadEnd, collect, read_records
from desktop.record import CallRecord
from desktop.store.raw import read_raw
from tests.helpers import open_logs

FIXTURES = Path(__file__).parent / "fixtures"
SHEET = FIXTURES / "csv" / "sheet.csv"
GENERIC = get_format("jsonl")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("", None),
        ("12", 12),
        ("-3", -3),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("007", "007"),  # an id keeps its zeros
        ("+5", "+5"),
        ("nan", "nan"),
        ("1e999", "1e999"),
        ('{"a": 1}', {"a": 1}),
        ("[1, 2]", [1, 2]),
        ("[not json", "[not json"),
        ("True", "True"),
    ],
)
def test_cells_are_typed_as_json_would_have_them(text: str, value: object) -> None:
    assert cell_value(text) == value


def test_a_header_row_is_needed() -> None:
    assert sniff_delimiter(b"ts,model,input_tokens\n1,a,2\n") == ","
    assert sniff_delimiter(b"ts\tmodel\tinput_tokens\n1\ta\t2\n") == "\t"
    assert sniff_delimiter(b'{"ts": 1, "model": "a"}\n') is None  # JSON Lines
    assert sniff_delimiter(b"Started server, listening, ok\nReady\n") is None  # prose
    assert sniff_delimiter(b"ts,model,input_tokens\n") is None  # a header alone
    assert sniff_delimiter(b"a,b\n1,2\n") is None  # two columns are too few to tell
    assert sniff_delimiter(b"ts,model,input_tokens\n1,a,2,3,4\n") is None  # rows longer


def test_a_spreadsheet_of_calls() -> None:
    found = detect(SHEET)
    assert found.format_id == "jsonl"
    assert found.reason.startswith("CSV rows as objects; JSONL with usage fields")
    records, problems = collect(SHEET, GENERIC)
    # A byte-order mark, CRLF lines, a quoted comma and a quoted line break; prompt_tokens
    # includes cached_tokens (OpenAI naming): 1,500 - 1,024 = 476 uncached.
    assert [(r.line, r.input_tokens, r.cache_read_tokens, r.output_tokens) for r in records] == [
        (2, 476, 1024, 200),
        (3, 800, 0, 50),
        (9, 300, 0, 30),
    ]
    assert records[0].labels == {"tenant": "acme", "note": "first, with a comma"}
    assert records[2].labels == {"tenant": "007", "note": "last"}
    assert [(p.line, p.reason) for p in problems] == [
        (5, "prompt_tokens is negative (-5)"),
        (6, "4 cells where the header has 7"),
        (8, "invalid UTF-8 in line"),
    ]
    assert records[1].offset == SHEET.read_bytes().index(b"2026-07-01T10:05")


def test_dotted_headers_nest(tmp_path: Path) -> None:
    path = tmp_path / "flat.csv"
    path.write_text(
        "timestamp,model,usage.prompt_tokens,usage.completion_tokens,metadata.tenant\n"
        "2026-07-01T10:00:00Z,gpt-4.1,100,10,acme\n"
        "2026-07-01T10:01:00Z,gpt-4.1,200,20,\n"
    )
    records, problems = collect(path, GENERIC)
    assert problems == []
    assert [(r.input_tokens, r.output_tokens) for r in records] == [(100, 10), (200, 20)]
    assert records[0].labels == {"metadata.tenant": "acme"}
    assert records[1].labels is None  # an empty nested cell is an absent key


def test_a_file_that_grows_is_read_on_from_the_last_row(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    head = "ts,model,input_tokens,output_tokens\n"
    path.write_text(head + "2026-07-01T10:00:00Z,gpt-4.1,100,10\n")
    fmt = get_format("spendtrail")
    first = list(read_records(path, fmt))
    end = first[-1]
    assert isinstance(end, ReadEnd) and end == ReadEnd(path.stat().st_size, 3)
    with path.open("a") as fh:
        fh.write("2026-07-01T10:01:00Z,gpt-4.1,200,20\n")
    more = list(read_records(path, fmt, None, end.offset, end.line))
    calls = [r for r in more if isinstance(r, CallRecord)]
    assert [(r.line, r.input_tokens) for r in calls] == [(3, 200)]


def _report(paths: list[Path], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["report", *map(str, paths), "--format", "json", "-q"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_our_own_export_reads_back_as_the_same_calls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    original = FIXTURES / "spendtrail" / "good.jsonl"
    exported = tmp_path / f"calls.{kind}"
    assert main(["export", str(original), "--format", kind, "-q", "-o", str(exported)]) == 0
    want = _report([original], capsys)["totals"]
    got = _report([exported], capsys)["totals"]
    assert got == want
    records, problems = collect(exported, get_format("spendtrail"))
    assert problems == []
    # The export's own fields (cost, price id, source, line …) are not labels.
    assert [r.labels for r in records] == [
        {"tenant": "acme", "feature": "search"},
        {"tenant": "acme", "feature": "chat"},
        {"tenant": "globex", "feature": "search"},
    ]


def test_compressed_csv_in_a_folder_and_its_raw_record(tmp_path: Path) -> None:
    folder = tmp_path / "sheets"
    folder.mkdir()
    (folder / "calls.csv.gz").write_bytes(gzip.compress(SHEET.read_bytes()))
    shutil.copyfile(SHEET, folder / "copy.csv")
    dataset, _ = open_logs([folder])
    rows = dataset.rows(dataset.frame.ids.tolist())
    assert len(rows) == 6  # three calls in each file
    row = next(r for r in rows if r["line"] == 3)
    raw = read_raw(dataset, row)
    assert raw.note == ""
    assert raw.value["prompt_tokens"] == 800 and raw.value["note"] == "a\r\ntwo-line note"
    assert "line 3" in raw.location


def test_litellm_spend_logs_exported_as_csv() -> None:
    path = FIXTURES / "csv" / "litellm_spend_logs.csv"
    found = detect(path)
    assert found.format_id == "litellm"
    records, problems = collect(path, get_format("litellm"))
    assert problems == []
    paid, cached = records
    # Naive startTime is UTC; spend is the reported cost; the metadata cell is JSON.
    assert paid.ts == 1782900000.123
    assert (paid.input_tokens, paid.output_tokens, paid.reported_cost_usd) == (1500, 200, 0.00042)
    assert paid.labels is not None and paid.labels["key_alias"] == "prod-key"
    assert paid.labels["request_tags"] == "beta"
    # A cache hit bills nothing.
    assert (cached.input_tokens, cached.output_tokens, cached.reported_cost_usd) == (0, 0, 0.0)


def test_a_last_row_being_written_is_read_again_when_complete(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    head = "ts,model,input_tokens,output_tokens\n2026-07-01T10:00:00Z,gpt-4.1,100,10\n"
    path.write_text(head + "2026-07-01T10:01:00Z,gpt-4.1,2")  # cut off mid-row
    fmt = get_format("spendtrail")
    first = list(read_records(path, fmt))
    assert [r.line for r in first if isinstance(r, CallRecord)] == [2]
    assert [(p.line, p.reason[:20]) for p in first if not isinstance(p, (CallRecord, ReadEnd))] == [
        (3, "truncated last row (")
    ]
    end = first[-1]
    assert end == ReadEnd(len(head), 3)  # before the cut-off row
    with path.open("a") as fh:
        fh.write("00,20")  # complete, still without a newline
    second = list(read_records(path, fmt, None, end.offset, end.line))
    assert [(r.line, r.input_tokens) for r in second if isinstance(r, CallRecord)] == [(3, 200)]
    end = second[-1]
    assert end == ReadEnd(path.stat().st_size, 3)  # the newline read next ends line 3
    with path.open("a") as fh:
        fh.write("\n2026-07-01T10:02:00Z,gpt-4.1,300,30\n")
    third = list(read_records(path, fmt, None, end.offset, end.line))
    assert [(r.line, r.input_tokens) for r in third if isinstance(r, CallRecord)] == [(4, 300)]
