"""A tool's log folder: once one file is detected, its siblings are confirmed cheaply.

Claude Code and Codex keep thousands of transcripts of one format per folder. After
one file of a folder is detected in full, each other file of that folder (or of a
folder up to two levels below it) is only asked whether its first lines are that
format, as confidently. Anything else
(another format, a weaker claim, a folder of mixed logs) is detected in full.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from desktop.logs.detect import CONFIRM_LINES, confirm, detect
from desktop.logs.formats.base import Detection
from desktop.store.ingest import look_at
from tests.conftest import FIXTURES

GATEWAY = FIXTURES / "claude_code" / "projects" / "-home-dev-gateway"
TRANSCRIPT = GATEWAY / "2c5f39cb-3ab2-42e3-994a-1127e4ddb538.jsonl"
CONFIRMED = "from its first lines, like the other files of its folder"


def _formats(paths: list[Path]) -> list[tuple[str, str]]:
    found = []
    for detection, _state, _document in look_at(paths):
        assert isinstance(detection, Detection)
        found.append((detection.format_id, detection.reason))
    return found


def test_the_other_transcripts_of_a_folder_are_confirmed_from_their_first_lines(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "projects" / "-home-dev-gateway"
    folder.mkdir(parents=True)
    paths = []
    for n in range(3):
        path = folder / f"session-{n}.jsonl"
        shutil.copyfile(TRANSCRIPT, path)
        paths.append(path)
    # a session's sub-agent transcripts, two folders down, are confirmed too
    agents = folder / "session-0" / "subagents"
    agents.mkdir(parents=True)
    shutil.copyfile(TRANSCRIPT, agents / "agent-1.jsonl")
    paths.append(agents / "agent-1.jsonl")
    found = _formats(paths)
    assert [fmt for fmt, _ in found] == ["claude-code"] * 4
    assert CONFIRMED not in found[0][1]  # the first one is detected in full
    assert all(CONFIRMED in reason for _, reason in found[1:])
    # the same confidence as a full detection, and the head the plan remembers
    (first, state, _), (second, second_state, _) = look_at(paths[:2])
    assert isinstance(first, Detection) and isinstance(second, Detection)
    assert second.confidence == first.confidence == detect(paths[1]).confidence
    assert state is not None and second_state is not None
    assert second_state["head"] == paths[1].read_bytes()[: len(second_state["head"])]


def test_a_folder_of_mixed_logs_is_detected_file_by_file(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    names = {
        "a-transcript.jsonl": TRANSCRIPT,
        "b-openai.jsonl": FIXTURES / "openai" / "chat.jsonl",
        "c-anthropic.jsonl": FIXTURES / "anthropic" / "messages.jsonl",
        "d-openrouter.jsonl": FIXTURES / "openrouter" / "generations.jsonl",
    }
    paths = []
    for name, source in names.items():
        shutil.copyfile(source, folder / name)
        paths.append(folder / name)
    found = _formats(paths)
    assert [fmt for fmt, _ in found] == [detect(p).format_id for p in paths]
    assert [fmt for fmt, _ in found][:3] == ["claude-code", "openai", "anthropic"]
    assert not any(CONFIRMED in reason for _, reason in found)


def test_a_sibling_whose_first_lines_hold_no_call_is_detected_in_full(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copyfile(TRANSCRIPT, folder / "a.jsonl")
    lines = TRANSCRIPT.read_text().splitlines()
    user = json.loads(lines[0])
    assert user["type"] == "user"
    # the first lines are prompts only: Claude Code's claim on them is weaker than on
    # its sibling, so the file gets a full sample, which reaches the assistant line
    head = [json.dumps({**user, "uuid": f"u-{i}"}) for i in range(CONFIRM_LINES + 2)]
    (folder / "b.jsonl").write_text("\n".join([*head, *lines[1:]]) + "\n")
    like = detect(folder / "a.jsonl")
    assert isinstance(like, Detection)
    assert confirm(folder / "b.jsonl", like) is None
    found = _formats([folder / "a.jsonl", folder / "b.jsonl"])
    assert found[1][0] == "claude-code"
    assert CONFIRMED not in found[1][1] and "assistant line" in found[1][1]


def test_only_formats_of_tool_folders_confirm_siblings(tmp_path: Path) -> None:
    chat = FIXTURES / "openai" / "chat.jsonl"
    like = detect(chat)
    assert isinstance(like, Detection) and like.format_id == "openai"
    assert confirm(chat, like) is None  # a folder of API logs may mix providers


def test_a_sibling_with_long_first_lines_is_confirmed_and_remembers_its_head(
    tmp_path: Path,
) -> None:
    """Confirming reads a small block first and more until its first lines are whole."""
    folder = tmp_path / "projects" / "-home-dev-gateway"
    folder.mkdir(parents=True)
    first = folder / "a.jsonl"
    shutil.copyfile(TRANSCRIPT, first)
    lines = TRANSCRIPT.read_bytes().splitlines(keepends=True)
    user = json.loads(lines[0])
    user["message"]["content"] = "x" * 30_000  # a pasted file: one 30 KB line
    long_first = json.dumps(user).encode() + b"\n"
    second = folder / "b.jsonl"
    second.write_bytes(long_first * 2 + b"".join(lines))
    (one, _, _), (two, state, document) = look_at([first, second])
    assert isinstance(two, Detection) and two.format_id == "claude-code"
    assert CONFIRMED in two.reason and two.confidence == one.confidence
    assert state is not None and document is False
    assert state["head"] == second.read_bytes()[: len(state["head"])]
    assert len(state["head"]) == 4096
