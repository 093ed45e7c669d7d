"""What one Codex CLI call was sent and said, read from the rollout before it.

A call is billed at its ``token_count`` event; the items the call added to the
conversation are the ``response_item`` lines since the previous ``token_count``:
the user's message or the outputs of the tools the previous call asked for (what
this call was sent), then the assistant's messages and tool calls (what it said).
Only a window of the file before the call is read, and only lines that can be
such items are parsed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from desktop.logs.formats.wrapped import text_of, tool_call_text, tool_result_text
from desktop.logs.source import json_object, lines_around

WINDOW_BEFORE = 4 << 20  # bytes read before the call's line
_ITEM = b'"response_item"'
_COUNT = b'"token_count"'


def codex_turn_text(path: Path, offset: int) -> tuple[str | None, str | None] | None:
    """(prompt, response) of the call whose ``token_count`` line is at ``offset``; None
    when the rollout cannot be read there (gone, changed, not such a line)."""
    around = lines_around(path, offset, WINDOW_BEFORE)
    if around is None:
        return None
    lines, (own,) = around
    if _COUNT not in own:
        return None  # the file changed: this is not the call's line any more
    prompt: list[str] = []
    response: list[str] = []
    for line in reversed(lines):
        if _COUNT in line and _is_token_count(line):
            break  # the previous call: everything after it is this one's
        if _ITEM not in line:
            continue
        item = _item(line)
        if item is None:
            continue
        side, text = _text_of(item)
        if text:
            (prompt if side == "prompt" else response).append(text)
    return "\n\n".join(reversed(prompt)) or None, "\n\n".join(reversed(response)) or None


def _is_token_count(line: bytes) -> bool:
    obj = json_object(line)
    payload = obj.get("payload") if obj else None
    return (
        obj is not None
        and obj.get("type") == "event_msg"
        and isinstance(payload, dict)
        and payload.get("type") == "token_count"
    )


def _item(line: bytes) -> dict[str, Any] | None:
    obj = json_object(line)
    payload = obj.get("payload") if obj else None
    if obj is None or obj.get("type") != "response_item" or not isinstance(payload, dict):
        return None
    return payload


def _text_of(item: dict[str, Any]) -> tuple[str, str | None]:
    """Which side an item is on ("prompt" or "response") and its text."""
    kind = item.get("type")
    if kind == "message":
        side = "response" if item.get("role") == "assistant" else "prompt"
        return side, text_of(item.get("content")) or None
    if kind in ("function_call", "custom_tool_call", "local_shell_call"):
        args = item.get("arguments", item.get("input", item.get("action")))
        return "response", tool_call_text(item.get("name"), args)
    if kind in ("function_call_output", "custom_tool_call_output"):
        return "prompt", tool_result_text(_output(item))
    return "response", None  # reasoning (encrypted or summarised elsewhere) and the like


def _output(item: dict[str, Any]) -> str | None:
    output = item.get("output")
    if isinstance(output, dict):
        output = output.get("content", output.get("output"))
    if isinstance(output, str):
        # Often a JSON text itself: {"output": "...", "metadata": {...}}
        if output.startswith("{"):
            try:
                inner = orjson.loads(output)
            except orjson.JSONDecodeError:
                return output
            if isinstance(inner, dict) and isinstance(inner.get("output"), str):
                return inner["output"] or None
        return output or None
    return text_of(output) or None
