"""``spendtrail pricing …`` as the main CLI will run it: output, files and exit codes."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from pricing.cli import add_pricing_parser, run_pricing


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="spendtrail")
    add_pricing_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["pricing", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = run_pricing(args, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPENDTRAIL_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def test_list_is_aligned_and_filtered() -> None:
    code, out, _ = run("list", "--provider", "anthropic")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("ID ")
    assert all(line.startswith("anthropic/") for line in lines[1:-2])
    sonnet = next(line for line in lines if line.startswith("anthropic/claude-sonnet-4-5 "))
    assert "$3.00" in sonnet
    assert "$15.00" in sonnet
    header_input = lines[0].index("INPUT") + len("INPUT")
    assert all(line[header_input - 1].isdigit() for line in lines[1:-2])  # right-aligned
    code, out, _ = run("list", "--provider", "deepseek", "--history")
    assert out.count("deepseek/deepseek-chat ") == 8


def test_explain_prints_cost_and_reasons() -> None:
    code, out, _ = run(
        "explain",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "--provider",
        "aws-bedrock",
        "--input",
        "1,000",
        "--cache-read",
        "250000",
        "--cache-write-1h",
        "2000",
        "--output",
        "800",
        "--reasoning",
        "200",
        "--tier",
        "batch",
        "--at",
        "2026-05-01T12:00Z",
    )
    assert code == 0
    assert "Cost: $" in out
    assert "bedrock/claude-sonnet-4-5:regional" in out
    assert "long-context rates for the whole request" in out
    assert "batch (×0.5 on every token rate)" in out
    assert "cache write 1h" in out


def test_explain_fast_mode() -> None:
    code, out, _ = run(
        "explain", "claude-opus-4-6", "--input", "1000000", "--output", "100000", "--tier", "fast"
    )
    assert code == 0
    # (5 + 0.1 x 25) x 6 on every rate
    assert "Cost: $45.000000" in out
    assert "fast (×6 on every token rate)" in out
    assert "Flags: fast mode" in out


def test_explain_unpriced_says_why_and_exits_1() -> None:
    code, out, _ = run("explain", "gpt-4o-audio-preview", "--provider", "openai", "--input", "10")
    assert code == 1
    assert "Cost: unpriced" in out
    assert "nearest catalog models: gpt-4o" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("explain", "gpt-4o", "--at", "last tuesday"), "is not a date"),
        (
            ("explain", "gpt-4o", "--output", "5", "--reasoning", "6"),
            "cannot be larger than --output",
        ),
    ],
)
def test_usage_errors_exit_2(argv: tuple[str, ...], message: str) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv", [("explain", "gpt-4o", "--input", "-5"), ("explain",), ("frobnicate",)]
)
def test_argparse_errors_exit_2(argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        run(*argv)
    assert stop.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_import_dry_run_then_import_then_export(tmp_path: Path, config_dir: Path) -> None:
    source = tmp_path / "map.json"
    source.write_text(
        json.dumps(
            {
                "house-model": {
                    "input_cost_per_token": 1e-06,
                    "output_cost_per_token": 2e-06,
                    "litellm_provider": "openai",
                    "mode": "chat",
                },
                "gpt-4.1": {
                    "input_cost_per_token": 1.9e-06,
                    "output_cost_per_token": 8e-06,
                    "litellm_provider": "openai",
                    "mode": "chat",
                },
            }
        )
    )
    code, out, _ = run("import", str(source), "--dry-run")
    assert code == 0
    assert "1 added, 1 changed" in out
    assert "dry run: nothing written" in out
    assert not (config_dir / "pricing.json").exists()
    code, out, _ = run("import", str(source))
    assert code == 0
    assert "wrote 2 model(s)" in out
    code, out, _ = run("explain", "house-model", "--provider", "openai", "--input", "1000000")
    assert code == 0
    assert "Cost: $1.000000" in out
    target = tmp_path / "export.json"
    code, out, _ = run("export", str(target))
    assert code == 0
    assert "exported 2 of your models" in out
    exported = json.loads(target.read_text())
    assert {m["id"] for m in exported["models"]} == {"litellm:house-model", "openai/gpt-4.1"}
    code, _, err = run("export", str(target))
    assert code == 2
    assert "use --force" in err
    code, out, _ = run("export", str(target), "--all", "--force")
    assert code == 0
    assert len(json.loads(target.read_text())["models"]) > 80


def test_import_refuses_to_touch_a_corrupt_user_file(tmp_path: Path, config_dir: Path) -> None:
    config_dir.mkdir(parents=True)
    user_file = config_dir / "pricing.json"
    user_file.write_text("{ not json")
    source = tmp_path / "ours.json"
    source.write_text('{"format": "spendtrail-pricing", "models": []}')
    code, _, err = run("import", str(source))
    assert code == 1
    assert "invalid JSON" in err
    assert "left untouched" in err
    assert user_file.read_text() == "{ not json"
    code, out, err = run("list", "--provider", "xai")
    assert code == 0
    assert "warning:" in err
    assert "xai/grok-4.3" in out


def test_missing_import_file_is_a_failure_with_a_message(tmp_path: Path) -> None:
    code, _, err = run("import", str(tmp_path / "nope.json"))
    assert code == 1
    assert "no such file" in err


def test_explicit_user_file_option(tmp_path: Path) -> None:
    user_file = tmp_path / "elsewhere.json"
    user_file.write_text(
        json.dumps(
            {
                "format": "spendtrail-pricing",
                "models": [
                    {
                        "id": "me/m",
                        "provider": "ollama",
                        "model": "m",
                        "versions": [{"rates": {"input": 1, "output": 1}}],
                    }
                ],
            }
        )
    )
    code, out, _ = run(
        "--user-file", str(user_file), "explain", "m", "--provider", "ollama", "--input", "1000000"
    )
    assert code == 0
    assert "user price" in out
