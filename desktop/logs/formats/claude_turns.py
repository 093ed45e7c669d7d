"""What one Claude Code call was sent and said, read from the transcript around it.

A transcript line holds one content block of one response, and the prompt is not
on it at all: it is on the user lines before (a typed prompt, or the results of
the tools the previous response asked for). So the text of a turn is gathered
from the neighbouring lines: every line of the same message id (all its blocks:
text, tool calls) for the response, and the user lines its first block follows,
up through ``parentUuid``, for what this turn added. Only a window of the file
around the call is read, and only lines that mention the ids being looked for
are parsed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from desktop.logs.formats.wrapped import text_of, tool_call_text, tool_result_text
from desktop.logs.source import json_object, lines_around

WINDOW_BEFORE = 4 << 20  # bytes read before the call's line
WINDOW_AFTER = 1 << 20  # and after it (later blocks of the same response)
MAX_STEPS = 200  # user lines followed up one prompt (parallel tool results)


def claude_turn_text(path: Path, offset: int, raw: Any) -> tuple[str | None, str | None] | None:
    """(prompt, response) of the call whose line is at ``offset``; None when the
    transcript cannot be read around it (gone, changed, not this line)."""
    message = raw.get("message") if isinstance(raw, dict) else None
    message_id = message.get("id") if isinstance(message, dict) else None
    if not isinstance(message_id, str) or not message_id:
        return None
    around = lines_around(path, offset, WINDOW_BEFORE, WINDOW_AFTER)
    if around is None:
        return None
    lines = around[0] + around[1]
    blocks = _message_lines(lines, message_id)
    if not blocks:
        return None
    texts = (_blocks_text(b["message"].get("content")) for b in blocks)
    response = "\n\n".join(t for t in texts if t) or None
    return _prompt(lines, blocks[0]), response


def _message_lines(lines: list[bytes], message_id: str) -> list[dict[str, Any]]:
    """Every assistant line of the message, in file order (each is one block)."""
    needle = orjson.dumps(message_id)
    found = []
    for line in lines:
        if needle not in line:
            continue
        obj = json_object(line)
        message = obj.get("message") if obj else None
        if (
            obj
            and obj.get("type") == "assistant"
            and isinstance(message, dict)
            and message.get("id") == message_id
        ):
            found.append(obj)
    # Sub-agent echoes and resumed sessions may repeat a block: keep each block once.
    seen: set[bytes] = set()
    unique = []
    for obj in found:
        key = orjson.dumps(obj["message"].get("content"), option=orjson.OPT_SORT_KEYS)
        if key not in seen:
            seen.add(key)
            unique.append(obj)
    return unique


def _prompt(lines: list[bytes], first: dict[str, Any]) -> str | None:
    """The user lines the response follows, oldest first: what this turn added."""
    parts: list[str] = []
    target = first.get("parentUuid")
    for _ in range(MAX_STEPS):
        if not isinstance(target, str) or not target:
            break
        obj = _line_with_uuid(lines, target)
        if obj is None or obj.get("type") == "assistant":
            break  # the previous response: everything after it is this turn's
        message = obj.get("message")
        if obj.get("type") == "user" and isinstance(message, dict):  # (system notes: passed)
            text = _blocks_text(message.get("content"))
            if text:
                parts.append(text)
        target = obj.get("parentUuid")
    return "\n\n".join(reversed(parts)) or None


def _line_with_uuid(lines: list[bytes], uuid: str) -> dict[str, Any] | None:
    needle = b'"uuid":' + orjson.dumps(uuid)
    for line in reversed(lines):
        if needle in line:
            obj = json_object(line)
            if obj is not None and obj.get("uuid") == uuid:
                return obj
    return None


def _blocks_text(content: Any) -> str | None:
    """Text of a message's content: text blocks, tool calls (a response) and tool
    results (a user line); thinking and images are left out."""
    if isinstance(content, str):
        return content or None
    if not isinstance(content, list):
        return None
    pieces = []
    for part in content:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            pieces.append(part["text"])
        elif kind == "tool_use":
            pieces.append(tool_call_text(part.get("name"), part.get("input")))
        elif kind == "tool_result":
            body = text_of(part.get("content")) or None
            pieces.append(tool_result_text(body, part.get("is_error") is True))
    return "\n".join(pieces) or None
