"""Gemini CLI chat recordings: pretty JSON sessions, checkpoints, message-record lines."""

from __future__ import annotations

from pathlib import Path

import orjson

from desktop.logs.detect import detect
from desktop.logs.formats import get_format
from desktop.logs.reader import collect, deduplicate

CHATS = Path(__file__).parent / "fixtures" / "gemini_cli" / "tmp" / "9f2c41d0" / "chats"
SESSION = CHATS / "session-2026-07-20T10-00-5e1f0c2a.json"
CHECKPOINT = CHATS / "checkpoint-date-fix.json"
FMT = get_format("gemini-cli")


def test_detected_from_the_pretty_session_document() -> None:
    found = detect(SESSION)
    assert found.format_id == "gemini-cli"
    assert found.reason == (
        "Gemini CLI chat recording: 1 session with 3 gemini messages with tokens"
    )


def test_tokens_follow_the_api_meaning() -> None:
    records, problems = collect(SESSION, FMT)
    # Only the gemini messages are calls; the user, info and error messages are not.
    first, second = records
    # input 12,000 includes 8,000 cached; thoughts 120 are billed as output, outside it.
    assert first[4:10] == (4000, 8000, 0, 0, 300 + 120, 120)
    assert (first.provider, first.model, first.message_id) == (
        "google",
        "gemini-2.5-pro",
        "7c1d9e02-0001",
    )
    assert first.conversation_id == "5e1f0c2a-7d3b-4f7e-9a51-2c8b6d0e4f13"
    assert first.labels == {
        "session": "5e1f0c2a-7d3b-4f7e-9a51-2c8b6d0e4f13",
        "project_hash": "9f2c41d0",
    }
    # 250 tool-use prompt tokens are input on top of the prompt's 5,000.
    assert second[4:10] == (5250, 0, 0, 0, 80, 0)
    assert second.model == "gemini-2.5-flash"
    (problem,) = problems
    assert problem.reason == (
        "message 7c1d9e02-0004: tokens.cached (900) is larger than tokens.input (100)"
    )


def test_a_checkpoint_repeats_the_chat_and_the_chat_keeps_its_calls() -> None:
    copies, _ = collect(CHECKPOINT, FMT)
    own, _ = collect(SESSION, FMT)
    kept = deduplicate([*copies, *own])  # the checkpoint read first, as a folder lists it
    assert len(copies) == 2 and len(kept) == 2
    assert {r.message_id for r in kept} == {"7c1d9e02-0001", "7c1d9e02-0003"}
    assert all(r.line == 1 and r.dedup_rank == 1.0 for r in kept)  # the session's copies
    assert sum(r.input_tokens for r in kept) == 4000 + 5250


def test_message_records_one_per_line(tmp_path: Path) -> None:
    session = orjson.loads(SESSION.read_bytes())
    lines = [dict(m, sessionId=session["sessionId"]) for m in session["messages"]]
    path = tmp_path / "chat.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(m) for m in lines) + b"\n")
    assert detect(path).format_id == "gemini-cli"
    records, problems = collect(path, FMT)
    assert [(r.line, r.input_tokens) for r in records] == [(2, 4000), (4, 5250)]
    assert [p.line for p in problems] == [5]
    assert FMT.turn_text(lines[1]) == (None, "The test compared local time with UTC; fixed.")
