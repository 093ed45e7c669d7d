"""Where the LLM tools on this machine keep their logs, and roughly how much is there.

:func:`discover` lists the known locations that exist (Claude Code, Codex, the
``llm`` CLI and other local agents), each with its size, file count and a cheap
estimate of the calls in it. Nothing is read in full: files are only listed, a
bounded sample of bytes is scanned for a per-tool marker and the count is
extrapolated by size; SQLite databases are opened read-only and their rows
counted.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

SAMPLE_FILES = 24  # files sampled per location, spread over the listing
SAMPLE_BYTES_PER_FILE = 256 << 10

Estimator = Callable[[bytes], int]


@dataclass(frozen=True, slots=True)
class Location:
    """One place on disk holding logs of a known tool."""

    kind: str  # the tool: "claude-code", "codex", "llm", "gemini-cli" …
    title: str
    path: Path
    size_bytes: int
    files: int
    estimated_calls: int | None  # None: no cheap way to tell
    readable: bool = True  # False: a tool whose logs Spendtrail does not read yet


# -- estimators: calls in a sample of bytes --------------------------------------

_MESSAGE_ID = re.compile(rb'"id"\s*:\s*"(msg_[^"]+)"')
_REQUEST_ID = re.compile(rb'"requestId"\s*:\s*"([^"]+)"')
_CODEX_TOTAL = re.compile(rb'"total_token_usage"\s*:\s*(\{[^}]*\})')
_GEMINI_TOKENS = re.compile(rb'"tokens"\s*:\s*\{')


def claude_calls(data: bytes) -> int:
    """Distinct responses: one response is written as several lines sharing its id."""
    ids: set[bytes] = set()
    anonymous = 0
    for line in data.split(b"\n"):
        if b'"usage"' not in line or b'"assistant"' not in line:
            continue
        found = _MESSAGE_ID.search(line) or _REQUEST_ID.search(line)
        if found:
            ids.add(found.group(1))
        else:
            anonymous += 1
    return len(ids) + anonymous


def codex_calls(data: bytes) -> int:
    """Distinct cumulative totals (re-emitted events repeat one), plus exec turns."""
    return len(set(_CODEX_TOTAL.findall(data))) + data.count(b'"turn.completed"')


def gemini_calls(data: bytes) -> int:
    return len(_GEMINI_TOKENS.findall(data))


def otel_calls(data: bytes) -> int:
    return data.count(b"gen_ai.usage.input_tokens")


# -- where to look ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    kind: str
    title: str
    suffixes: tuple[str, ...]
    estimate: Estimator | None
    readable: bool = True


CLAUDE = _Spec("claude-code", "Claude Code transcripts", (".jsonl",), claude_calls)
CODEX = _Spec("codex", "Codex CLI sessions", (".jsonl",), codex_calls)
CODEX_ARCHIVED = _Spec("codex", "Codex CLI archived sessions", (".jsonl",), codex_calls)
LLM = _Spec("llm", "llm CLI log database", (".db",), None)
GEMINI = _Spec("gemini-cli", "Gemini CLI chats", (".json", ".jsonl"), gemini_calls)
OPENCODE_DB = _Spec("opencode", "OpenCode database", (".db",), None, readable=False)
OPENCODE_FILES = _Spec(
    "opencode", "OpenCode messages (legacy storage)", (".json",), None, readable=False
)
COPILOT = _Spec("copilot-cli", "GitHub Copilot CLI telemetry", (".jsonl", ".json"), otel_calls)
QWEN = _Spec("qwen-code", "Qwen Code chats", (".jsonl",), None, readable=False)
GOOSE = _Spec("goose", "Goose sessions database", (".db",), None, readable=False)
KIMI = _Spec("kimi-cli", "Kimi CLI sessions", (".jsonl",), None, readable=False)
AMP = _Spec("amp", "Amp threads", (".json", ".jsonl"), None, readable=False)
DROID = _Spec("factory-droid", "Factory Droid sessions", (".json", ".jsonl"), None, readable=False)
PI = _Spec("pi-agent", "pi agent sessions", (".jsonl",), None, readable=False)
CODEBUFF = _Spec("codebuff", "Codebuff projects", (".json", ".jsonl"), None, readable=False)
HERMES = _Spec("hermes", "Hermes state database", (".db",), None, readable=False)
OPENCLAW = _Spec("openclaw", "OpenClaw sessions", (".jsonl",), None, readable=False)


def _paths(env: Mapping[str, str], name: str) -> list[Path]:
    """The paths named by an environment variable (comma-separated allowed)."""
    value = env.get(name, "")
    return [Path(p.strip()).expanduser() for p in value.split(",") if p.strip()]


def _candidates(env: Mapping[str, str], home: Path) -> Iterator[tuple[_Spec, Path]]:
    # Claude Code: CLAUDE_CONFIG_DIR (one or several), the XDG folder, ~/.claude.
    for root in _paths(env, "CLAUDE_CONFIG_DIR"):
        yield CLAUDE, root if root.name == "projects" else root / "projects"
    xdg = _paths(env, "XDG_CONFIG_HOME")
    for config in [*xdg, home / ".config"]:
        yield CLAUDE, config / "claude" / "projects"
    yield CLAUDE, home / ".claude" / "projects"

    for codex_home in [*_paths(env, "CODEX_HOME"), home / ".codex"]:
        yield CODEX, codex_home / "sessions"
        yield CODEX_ARCHIVED, codex_home / "archived_sessions"

    # llm: LLM_USER_PATH replaces the platform's app folder.
    llm_dirs = _paths(env, "LLM_USER_PATH")
    if not llm_dirs:
        llm_dirs = [
            home / ".config" / "io.datasette.llm",
            home / "Library" / "Application Support" / "io.datasette.llm",
            *(p / "io.datasette.llm" for p in _paths(env, "APPDATA")),
        ]
    for folder in llm_dirs:
        yield LLM, folder / "logs.db"

    for root in [*_paths(env, "GEMINI_DATA_DIR"), home / ".gemini" / "tmp"]:
        yield GEMINI, root
    for root in [*_paths(env, "OPENCODE_DATA_DIR"), home / ".local" / "share" / "opencode"]:
        yield OPENCODE_DB, root / "opencode.db"
        yield OPENCODE_FILES, root / "storage" / "message"
    for path in [*_paths(env, "COPILOT_OTEL_FILE_EXPORTER_PATH"), home / ".copilot" / "otel"]:
        yield COPILOT, path
    for root in [*_paths(env, "QWEN_DATA_DIR"), home / ".qwen" / "projects"]:
        yield QWEN, root
    yield GOOSE, home / ".local" / "share" / "goose" / "sessions" / "sessions.db"
    yield GOOSE, home / "Library" / "Application Support" / "goose" / "sessions" / "sessions.db"
    yield KIMI, home / ".kimi" / "sessions"
    yield AMP, home / ".local" / "share" / "amp"
    yield DROID, home / ".factory" / "sessions"
    yield PI, home / ".pi" / "agent" / "sessions"
    yield HERMES, home / ".hermes" / "state.db"
    for name in (".openclaw", ".clawdbot", ".moltbot"):
        yield OPENCLAW, home / name
    config = home / ".config"
    try:
        codebuff = sorted(config.glob("manicode*"))
    except OSError:
        codebuff = []
    for folder in codebuff:
        yield CODEBUFF, folder / "projects"


def discover(env: Mapping[str, str] | None = None, home: Path | None = None) -> list[Location]:
    """The known log locations that exist here, with size and an estimate of calls."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    found: list[Location] = []
    seen: set[Path] = set()
    for spec, path in _candidates(env, home):
        try:
            if not path.exists():
                continue
            resolved = path.resolve()
        except OSError:
            continue
        if resolved in seen:
            continue
        seen.add(resolved)
        location = _measure(spec, path)
        if location is not None:
            found.append(location)
    return found


def _measure(spec: _Spec, path: Path) -> Location | None:
    files = _list_files(path, spec.suffixes)
    if not files:
        return None
    size = sum(s for _, s in files)
    if spec.kind == "llm":
        estimate = _count_rows(path, ("responses", "turns"))
    elif spec.estimate is not None:
        estimate = _estimate(files, size, spec.estimate)
    else:
        estimate = None
    return Location(spec.kind, spec.title, path, size, len(files), estimate, spec.readable)


def _list_files(path: Path, suffixes: tuple[str, ...]) -> list[tuple[Path, int]]:
    """(file, size) under a folder (recursively) or of a single file, sorted."""
    if path.is_file():
        try:
            return [(path, path.stat().st_size)]
        except OSError:
            return []
    found: list[tuple[Path, int]] = []
    stack = [path]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.name.endswith(suffixes) and entry.is_file():
                    found.append((Path(entry.path), entry.stat().st_size))
            except OSError:
                continue
    found.sort()
    return found


def _estimate(files: list[tuple[Path, int]], total: int, count: Estimator) -> int:
    """Calls in a spread-out sample of file heads, scaled up to the total size."""
    step = max(1, len(files) // SAMPLE_FILES)
    sampled_bytes = 0
    calls = 0
    for path, _size in files[::step][:SAMPLE_FILES]:
        try:
            with open(path, "rb") as fh:
                data = fh.read(SAMPLE_BYTES_PER_FILE)
        except OSError:
            continue
        sampled_bytes += len(data)
        calls += count(data)
    if not sampled_bytes:
        return 0
    if sampled_bytes >= total:
        return calls
    return round(calls * total / sampled_bytes)


def _count_rows(path: Path, tables: tuple[str, ...]) -> int | None:
    """Rows in the given tables of a SQLite file, opened read-only."""
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return None
    try:
        present = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        total = 0
        for table in tables:
            if table in present:
                total += conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        return total
    except sqlite3.Error:
        return None
    finally:
        conn.close()
