"""Gemini CLI chat recordings (``~/.gemini/tmp/<project>/chats/session-*.json``).

One pretty-printed JSON object per session: ``sessionId``, ``projectHash``,
``startTime``, ``lastUpdated`` and ``messages``. Each ``type: "gemini"`` message
carries ``tokens`` copied from the API's ``usageMetadata``:

- ``input`` = ``promptTokenCount``, which *includes* ``cached``
  (``cachedContentTokenCount``);
- ``output`` = ``candidatesTokenCount``; ``thoughts`` (``thoughtsTokenCount``) is
  *not* in it and is billed as output (and is the reasoning subset);
- ``tool`` = ``toolUsePromptTokenCount``, billed as input, not in ``input``;
- ``total`` = the sum, not read.

User, info, warning and error messages are not calls. A line that holds a single
message record (a recording written as JSON Lines) is read the same way.

Gemini CLI calls the Gemini API (``google``); with a Google sign-in the tokens come
out of a plan, and the cost shown is what the API would charge for them.

Dedup: ``gemini-cli:<message id>`` (random UUIDs): a checkpoint saved from a chat
(``checkpoint-<tag>.json``) repeats its messages, and the session's own copy wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from desktop.logs.fields import text_or_none
from desktop.logs.formats.base import Detection, LogFormat, ReadContext, Sample
from desktop.logs.formats.claude_code import plural
from desktop.record import MISSING, BadRecord, CallRecord, Labels, Problem, optional_tokens
from desktop.record import token_count as _count
from desktop.timeutil import TimestampError, parse_timestamp


def _is_call(message: Any) -> bool:
    return (
        isinstance(message, dict)
        and message.get("type") == "gemini"
        and isinstance(message.get("tokens"), dict)
    )


def _is_session(obj: Any) -> bool:
    return isinstance(obj, dict) and "sessionId" in obj and isinstance(obj.get("messages"), list)


def buckets(tokens: dict[str, Any]) -> tuple[int, int, int, int, int, int]:
    """Disjoint buckets from a message's ``tokens`` (see the module notes)."""
    prompt = _count(tokens.get("input", MISSING), "tokens.input")
    cached = optional_tokens(tokens.get("cached"), "tokens.cached")
    tool = optional_tokens(tokens.get("tool"), "tokens.tool")
    output = optional_tokens(tokens.get("output"), "tokens.output")
    thoughts = optional_tokens(tokens.get("thoughts"), "tokens.thoughts")
    if cached > prompt:
        raise BadRecord(f"tokens.cached ({cached:,}) is larger than tokens.input ({prompt:,})")
    return prompt - cached + tool, cached, 0, 0, output + thoughts, thoughts


def message_record(
    message: dict[str, Any],
    session: dict[str, Any] | None,
    line: int,
    offset: int,
    rank: float = 0.0,
) -> CallRecord:
    ident = text_or_none(message.get("id"))
    try:
        ts = parse_timestamp(message.get("timestamp"))
    except TimestampError as exc:
        raise BadRecord(f"timestamp: {exc}") from None
    session = session or {}
    session_id = text_or_none(message.get("sessionId") or session.get("sessionId"))
    model = text_or_none(message.get("model") or session.get("model"))
    labels: Labels = {}
    if session_id:
        labels["session"] = session_id
    project = text_or_none(session.get("projectHash"))
    if project:
        labels["project_hash"] = project
    return CallRecord(
        ts,
        "google",
        model,
        None,
        *buckets(message["tokens"]),
        0,
        None,
        ident,
        session_id,
        None,
        None,
        "ok",
        None,
        None,
        None,
        line,
        offset,
        f"gemini-cli:{ident}" if ident else None,
        rank,
        labels or None,
    )


class GeminiCliChats(LogFormat):
    id = "gemini-cli"
    title = "Gemini CLI chats"
    samples = (
        '{"sessionId":"5e1f0c2a-7d3b-4f7e-9a51-2c8b6d0e4f13","projectHash":"9f2c41d0",'
        '"startTime":"2026-07-20T10:00:00.000Z","lastUpdated":"2026-07-20T10:00:09.000Z",'
        '"messages":[{"id":"m-1","timestamp":"2026-07-20T10:00:00.000Z","type":"user",'
        '"content":"Fix the failing test"},{"id":"m-2","timestamp":"2026-07-20T10:00:09.000Z",'
        '"type":"gemini","content":"Fixed.","model":"gemini-2.5-pro","tokens":{"input":12000,'
        '"output":300,"cached":8000,"thoughts":120,"tool":0,"total":12420}}]}',
    )

    def sniff(self, sample: Sample) -> Detection | None:
        calls = sessions = 0
        for obj in sample.dicts():
            if _is_session(obj):
                sessions += 1
                calls += sum(1 for m in obj["messages"] if _is_call(m))
            elif _is_call(obj):
                calls += 1
        if not calls and not sessions:
            return None
        what = f"{plural(sessions, 'session')} with " if sessions else ""
        return Detection(
            self.id,
            0.95 if calls else 0.7,
            f"Gemini CLI chat recording: {what}{plural(calls, 'gemini message')} with tokens",
        )

    def records(
        self, objects: Iterable[tuple[int, int, Any]], ctx: ReadContext
    ) -> Iterator[CallRecord | Problem]:
        rank = 0.0 if ctx.path.name.startswith("checkpoint") else 1.0  # a copy, or the chat
        for line, offset, obj in objects:
            if _is_session(obj):
                calls = [(m, obj) for m in obj["messages"] if _is_call(m)]
            elif _is_call(obj):
                calls = [(obj, None)]
            else:
                continue
            for message, session in calls:
                try:
                    yield message_record(message, session, line, offset, rank)
                except BadRecord as exc:
                    name = text_or_none(message.get("id"))
                    where = f"message {name}: " if name else ""
                    yield Problem(line, f"{where}{exc}", offset)

    def turn_text(self, raw: Any) -> tuple[str | None, str | None]:
        if _is_call(raw):
            content = raw.get("content")
            return None, content if isinstance(content, str) else None
        return None, None
