"""The ``detect`` and ``discover`` commands, as a person sees them."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from desktop.logs import cli
from desktop.logs.cli import add_detect_parser, add_discover_parser, human_size

FIXTURES = Path(__file__).parent / "fixtures"
CLAUDE = FIXTURES / "claude_code" / "projects"
CODEX = FIXTURES / "codex"


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="spendtrail")
    commands = main.add_subparsers(dest="command", required=True)
    add_detect_parser(commands)
    add_discover_parser(commands)
    return main


def run(*argv: str) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


def test_detect_folder_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("detect", str(CLAUDE)) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["FILE", "FORMAT", "CONFIDENCE", "REASON"]
    rows = [line for line in lines if "claude-code " in line]
    assert len(rows) == 7  # the session, sub-agent, resumed, legacy and gateway files
    # Columns are aligned: every row has its format at the header's column.
    column = lines[0].index("FORMAT")
    assert all(row[column:].startswith("claude-code") for row in rows)
    assert "0.93" in rows[0]
    assert "Claude Code transcript: " in rows[0]
    assert "Skipped:" in out
    assert "agent-a1b2c3d.meta.json" in out
    assert lines[-1] == "7 files recognised, 1 skipped, 0 not read"


def test_detect_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("detect", str(CODEX), "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    formats = {Path(f["path"]).name: f["format"] for f in report["files"]}
    assert formats["exec.jsonl"] == "codex-exec"
    assert sum(fmt == "codex" for fmt in formats.values()) == 7
    first = report["files"][0]
    assert set(first) == {"path", "format", "title", "confidence", "reason"}
    assert 0 < first["confidence"] <= 1
    (skipped,) = report["skipped"]
    assert "archived_sessions" in skipped["path"]
    assert "sessions/ copy is read" in skipped["reason"]
    assert report["errors"] == []


def test_detect_missing_and_unrecognised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.json"
    notes.write_text('{"title": "groceries", "items": ["milk"]}\n')
    assert run("detect", str(tmp_path / "nope.jsonl"), str(notes)) == 1
    out = capsys.readouterr().out
    assert "Not read:" in out
    assert "no such file or folder" in out
    assert "no LLM calls recognised" in out
    assert out.splitlines()[-1] == "no log file recognised, 0 skipped, 2 not read"


def test_detect_mixed_paths_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exec_log = CODEX / "exec" / "exec.jsonl"
    assert run("detect", str(exec_log), str(tmp_path / "gone")) == 0
    out = capsys.readouterr().out
    assert "codex-exec" in out
    assert "gone" in out


def test_detect_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "readme.txt").write_text("hello")
    assert run("detect", str(tmp_path)) == 1
    out = capsys.readouterr().out
    assert "not a log file name" in out
    assert out.splitlines()[-1] == "no log file recognised, 1 skipped, 0 not read"


@pytest.mark.parametrize(
    "argv", [("detect",), ("detect", "x", "--format", "xml"), ("discover", "extra")]
)
def test_usage_errors_exit_2(argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parser().parse_args(argv)
    assert stop.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_unexpected_failure_is_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(paths: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli, "expand_paths", broken)
    assert run("detect", str(CLAUDE)) == 1
    captured = capsys.readouterr()
    assert captured.err == "spendtrail detect: error: disk on fire\n"
    assert "Traceback" not in captured.out + captured.err


def fake_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in (
        "CLAUDE_CONFIG_DIR",
        "XDG_CONFIG_HOME",
        "CODEX_HOME",
        "LLM_USER_PATH",
        "GEMINI_DATA_DIR",
        "OPENCODE_DATA_DIR",
        "COPILOT_OTEL_FILE_EXPORTER_PATH",
        "QWEN_DATA_DIR",
        "APPDATA",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


def test_discover_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = fake_home(tmp_path, monkeypatch)
    shutil.copytree(CLAUDE, home / ".claude" / "projects")
    shutil.copytree(CODEX / "sessions", home / ".codex" / "sessions")
    assert run("discover") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["SOURCE", "PATH", "SIZE", "FILES", "CALLS"]
    claude, codex = lines[1:]
    assert claude.startswith("Claude Code transcripts")
    assert "~/.claude/projects" in claude
    assert " kB " in claude
    # 7 transcript files. The estimate counts responses per file, so copies in
    # other files count again: session 5 (A, B, C, G, the synthetic line), sub-agent
    # 2, old agent 1, resumed 3, legacy 1, gateway 2 = 14 (9 after dedup).
    assert claude.split()[-2:] == ["7", "~14"]
    assert codex.startswith("Codex CLI sessions")
    assert codex.split()[-2:] == ["1", "~3"]
    # numbers are right-aligned: the rows end at the same column
    assert len({len(line) for line in lines}) == 1


def test_discover_json_and_nothing_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = fake_home(tmp_path, monkeypatch)
    assert run("discover") == 0
    assert capsys.readouterr().out == "No logs of known LLM tools found on this machine.\n"
    shutil.copytree(CODEX / "sessions", home / ".codex" / "sessions")
    assert run("discover", "--format", "json") == 0
    (location,) = json.loads(capsys.readouterr().out)
    assert location["kind"] == "codex"
    assert location["path"] == str(home / ".codex" / "sessions")
    assert location["files"] == 1
    assert location["estimated_calls"] == 3
    assert location["size_bytes"] > 0
    assert location["readable"] is True


def test_discover_says_which_tools_it_does_not_read_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = fake_home(tmp_path, monkeypatch)
    shutil.copytree(CODEX / "sessions", home / ".codex" / "sessions")
    (home / ".kimi" / "sessions" / "x").mkdir(parents=True)
    (home / ".kimi" / "sessions" / "x" / "wire.jsonl").write_text("{}\n")
    assert run("discover") == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [row.split("  ")[0] for row in rows] == [
        "Codex CLI sessions",
        "Kimi CLI sessions (not read yet)",
    ]


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),
        (12_345, "12.3 kB"),
        (999_960, "1.0 MB"),
        (1_234_567_890, "1.2 GB"),
        (5 * 10**15, "5000.0 TB"),
    ],
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text
