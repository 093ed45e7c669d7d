"""Discovery of known log locations, on a fake home folder and environment."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from desktop.logs import discovery
from desktop.logs.discovery import Location, claude_calls, codex_calls, discover

FIXTURES = Path(__file__).parent / "fixtures"
RESUMED = (
    FIXTURES
    / "claude_code"
    / "projects"
    / "-home-dev-shop-api"
    / "4e715bed-5cd4-4405-bb6c-3349a6ffd75a.jsonl"
)
ROLLOUT = next((FIXTURES / "codex" / "sessions").rglob("rollout-*.jsonl"))


def put(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def llm_db(path: Path, responses: int, turns: int) -> Path:
    """A minimal llm logs.db: both generations of tables."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE _llm_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    conn.execute("CREATE TABLE responses (id TEXT PRIMARY KEY, model TEXT, input_tokens INTEGER)")
    conn.execute("CREATE TABLE turns (id TEXT PRIMARY KEY, model TEXT, input_tokens INTEGER)")
    rows = [(f"r{i}",) for i in range(responses)]
    conn.executemany("INSERT INTO responses VALUES (?, 'gpt-4o-mini', 10)", rows)
    conn.executemany(
        "INSERT INTO turns VALUES (?, 'claude-sonnet-4-5', 10)", [(f"t{i}",) for i in range(turns)]
    )
    conn.commit()
    conn.close()
    return path


def by_title(found: list[Location]) -> dict[str, Location]:
    return {loc.title: loc for loc in found}


def test_empty_home_lists_nothing(tmp_path: Path) -> None:
    (tmp_path / ".claude" / "projects").mkdir(parents=True)  # exists but holds no logs
    assert discover(env={}, home=tmp_path) == []


def test_default_locations(tmp_path: Path) -> None:
    home = tmp_path / "home"
    claude = put(RESUMED, home / ".claude" / "projects" / "-home-dev-shop-api" / RESUMED.name)
    rollout = put(ROLLOUT, home / ".codex" / "sessions" / "2026" / "07" / "03" / ROLLOUT.name)
    put(ROLLOUT, home / ".codex" / "archived_sessions" / ROLLOUT.name)
    llm_db(home / ".config" / "io.datasette.llm" / "logs.db", responses=3, turns=2)
    found = by_title(discover(env={}, home=home))
    assert list(found) == [
        "Claude Code transcripts",
        "Codex CLI sessions",
        "Codex CLI archived sessions",
        "llm CLI log database",
    ]
    transcripts = found["Claude Code transcripts"]
    assert transcripts == Location(
        "claude-code",
        "Claude Code transcripts",
        home / ".claude" / "projects",
        claude.stat().st_size,
        1,
        3,  # the whole file is sampled: responses A, B and F (A and B are copies)
    )
    sessions = found["Codex CLI sessions"]
    assert sessions.kind == "codex"
    assert (sessions.files, sessions.size_bytes) == (1, rollout.stat().st_size)
    # Five token_count events with totals, two of them re-emits: three distinct
    # totals (input 10,000 / 22,000 / 30,000).
    assert sessions.estimated_calls == 3
    assert found["llm CLI log database"].estimated_calls == 5  # 3 responses + 2 turns


def test_environment_overrides(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first, second = tmp_path / "cfg-a", tmp_path / "cfg-b"
    put(RESUMED, first / "projects" / "p" / "a.jsonl")
    put(RESUMED, second / "projects" / "q" / "b.jsonl")
    put(RESUMED, home / ".claude" / "projects" / "r" / "c.jsonl")
    put(ROLLOUT, tmp_path / "codex-home" / "sessions" / ROLLOUT.name)
    llm_db(tmp_path / "llm" / "logs.db", responses=1, turns=0)
    llm_db(home / ".config" / "io.datasette.llm" / "logs.db", responses=9, turns=0)
    env = {
        "CLAUDE_CONFIG_DIR": f"{first}, {second},{home / '.claude'}",
        "CODEX_HOME": str(tmp_path / "codex-home"),
        "LLM_USER_PATH": str(tmp_path / "llm"),
    }
    found = discover(env=env, home=home)
    claude = [loc.path for loc in found if loc.kind == "claude-code"]
    # Each folder once, even when the variable names the default one too.
    assert claude == [first / "projects", second / "projects", home / ".claude" / "projects"]
    assert [loc.path for loc in found if loc.kind == "codex"] == [
        tmp_path / "codex-home" / "sessions"
    ]
    # LLM_USER_PATH replaces the platform folder.
    (llm,) = [loc for loc in found if loc.kind == "llm"]
    assert (llm.path, llm.estimated_calls) == (tmp_path / "llm" / "logs.db", 1)


def test_macos_llm_folder_and_other_agents(tmp_path: Path) -> None:
    home = tmp_path
    llm_db(home / "Library" / "Application Support" / "io.datasette.llm" / "logs.db", 2, 0)
    chats = home / ".gemini" / "tmp" / "a1b2" / "chats"
    chats.mkdir(parents=True)
    (chats / "session-1.json").write_text(
        '{"sessionId":"s","messages":[{"type":"user","content":"hi"},'
        '{"type":"gemini","model":"gemini-2.5-pro","tokens": {"input":10,"output":5}},'
        '{"type":"gemini","model":"gemini-2.5-pro","tokens":{"input":30,"output":7}}]}'
    )
    otel = tmp_path / "copilot.jsonl"
    otel.write_text(
        '{"attributes":{"gen_ai.usage.input_tokens":10,"gen_ai.usage.output_tokens":2}}\n' * 4
    )
    (home / ".kimi" / "sessions" / "x").mkdir(parents=True)
    (home / ".kimi" / "sessions" / "x" / "wire.jsonl").write_text("{}\n")
    found = by_title(discover(env={"COPILOT_OTEL_FILE_EXPORTER_PATH": str(otel)}, home=home))
    assert found["llm CLI log database"].estimated_calls == 2
    assert found["Gemini CLI chats"].estimated_calls == 2
    assert found["GitHub Copilot CLI telemetry"].path == otel
    assert found["GitHub Copilot CLI telemetry"].estimated_calls == 4
    assert found["Kimi CLI sessions"].estimated_calls is None  # listed, not estimated
    # Found and shown, but not offered for opening: no reader for Kimi's logs yet.
    readable = {title: loc.readable for title, loc in found.items()}
    assert readable == {
        "llm CLI log database": True,
        "Gemini CLI chats": True,
        "GitHub Copilot CLI telemetry": True,
        "Kimi CLI sessions": False,
    }


def test_estimate_extrapolates_from_a_bounded_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discovery, "SAMPLE_BYTES_PER_FILE", 64 << 10)
    folder = tmp_path / ".claude" / "projects" / "p"
    folder.mkdir(parents=True)
    # 40 files of 2,000 responses each, every line the same length: the 24
    # sampled heads (64 kB each) hold the same call density as the whole.
    for f in range(40):
        lines = [
            f'{{"type":"assistant","message":{{"id":"msg_{f:02d}{i:06d}","usage":{{}}}}}}'
            for i in range(2000)
        ]
        (folder / f"s{f:02d}.jsonl").write_text("\n".join(lines) + "\n")
    (location,) = discover(env={}, home=tmp_path)
    assert location.files == 40
    assert location.estimated_calls == pytest.approx(80_000, rel=0.01)


def test_claude_estimate_counts_responses_not_lines() -> None:
    line = '{"type":"assistant","requestId":"req_1","message":{"id":"%s","usage":{}}}'
    data = "\n".join([line % "msg_a", line % "msg_a", line % "msg_b", '{"type":"user"}'])
    assert claude_calls(data.encode()) == 2


def test_codex_estimate_ignores_re_emitted_totals() -> None:
    total = '{"payload":{"info":{"total_token_usage":{"input_tokens":%d}}}}'
    data = "\n".join([total % 5, total % 5, total % 9, '{"type":"turn.completed"}'])
    assert codex_calls(data.encode()) == 3
