"""A folder of mixed formats: one dataset, per-source figures a person can check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from desktop.cli import main
from tests.conftest import FIXTURES
from tests.helpers import TEST_CATALOG

CODEX = (
    FIXTURES
    / "codex"
    / "sessions"
    / "2026"
    / "07"
    / "03"
    / "rollout-2026-07-03T18-00-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    (root / "app").mkdir(parents=True)
    (root / "providers").mkdir()
    (root / "codex").mkdir()
    shutil.copyfile(FIXTURES / "spendtrail" / "good.jsonl", root / "app" / "calls.jsonl")
    shutil.copyfile(FIXTURES / "spendtrail" / "good.jsonl.gz", root / "app" / "old.jsonl.gz")
    shutil.copyfile(FIXTURES / "openai" / "chat.jsonl", root / "providers" / "openai.jsonl")
    shutil.copyfile(FIXTURES / "anthropic" / "messages.jsonl", root / "providers" / "claude.jsonl")
    shutil.copyfile(CODEX, root / "codex" / CODEX.name)
    (root / "README.md").write_text("# our logs\n")
    (root / "providers" / "screenshot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    return root


def test_report_over_a_mixed_folder(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "report",
            str(folder),
            "--pricing",
            str(TEST_CATALOG),
            "--by",
            "format",
            "--format",
            "json",
            "-q",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    by_name = {Path(s["path"]).name: s for s in report["sources"]}
    assert {name: (s["format"], s["calls"], s["skipped"]) for name, s in by_name.items()} == {
        "calls.jsonl": ("spendtrail", 3, 0),
        # The same three calls, gzip-compressed: our own format has no ids, so both count.
        "old.jsonl.gz": ("spendtrail", 3, 0),
        # 4 chat completions, one repeating another (same id): 3 calls; line 6 is bad.
        "openai.jsonl": ("openai", 3, 1),
        # 3 messages; line 4 claims more thinking than output.
        "claude.jsonl": ("anthropic", 3, 1),
        CODEX.name: ("codex", 3, 0),
    }
    assert by_name["openai.jsonl"]["duplicates_merged"] == 1
    skipped = {Path(s["path"]).name for s in report["skipped_files"]}
    assert skipped == {"README.md", "screenshot.png"}
    totals = report["totals"]
    assert totals["calls"] == 15
    # Per source, from the fixtures' own hand-computed tests:
    #   spendtrail (x2): input 1350, read 10500, 5m 2000, 1h 1000, output 605, reasoning 100
    #   openai: input 512+1976+120, read 1536+1024, 5m 2000, output 310+900+30, reasoning 640
    #   anthropic: input 512+40+10, read 18000, 5m 2200+1000+500, 1h 2000, output 733+100+5,
    #              reasoning 410
    #   codex: input 2000+1000+500, read 8000+11000+6000, 5m 1500, output 500+300+200,
    #          reasoning 200+100
    assert totals["input_tokens"] == 2 * 1350 + (512 + 1976 + 120) + (512 + 40 + 10) + 3500
    assert totals["cache_read_tokens"] == 2 * 10500 + 2560 + 18000 + 25000
    assert totals["cache_write_5m_tokens"] == 2 * 2000 + 2000 + 3700 + 1500
    assert totals["cache_write_1h_tokens"] == 2 * 1000 + 2000
    assert totals["output_tokens"] == 2 * 605 + 1240 + 838 + 1000
    assert totals["reasoning_tokens"] == 2 * 100 + 640 + 410 + 300
    formats = {g["key"]["format"]: g["calls"] for g in report["groups"]}
    assert formats == {"spendtrail": 6, "openai": 3, "anthropic": 3, "codex": 3}
