"""Claude Code transcripts, and the output of ``claude -p`` / the Agent SDK.

**Transcripts** (``~/.claude/projects/<encoded-cwd>/<session>.jsonl``, sub-agent files
``<session>/subagents/agent-<id>.jsonl`` and older ``agent-<id>.jsonl``): only
``type == "assistant"`` lines carry ``message.usage`` (Anthropic naming: input excludes
cache reads and writes; output includes thinking). One API response is written as
one line per content block; every copy repeats the usage as a streaming snapshot whose
``output_tokens`` grows, and resumed or forked sessions copy earlier lines into a new
file. All copies of one response share a dedup key; the copy with the largest token
total wins (see :func:`dedup_key` and :func:`dedup_rank`).

**Headless / Agent SDK output** (``claude -p --output-format json|stream-json``): the
``stream-json`` assistant lines are read like transcript lines. The final ``result``
object carries usage that is *cumulative* for the whole query (sub-agents included);
it is read only when the query logged no per-message usage, so nothing is counted
twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from desktop.logs import usage as usage_mod
from desktop.logs.fields import number_or_none, text_or_none
from desktop.logs.formats.base import (
    Detection,
    LineDecoder,
    LineFormat,
    LogFormat,
    ReadContext,
    Sample,
)
from desktop.record import (
    MAX_TOKENS,
    SERVICE_TIERS,
    BadRecord,
    CallRecord,
    Labels,
    Problem,
    normalise_service_tier,
    optional_tokens,
    tier_with_geo,
    tier_with_speed,
    token_count,
)
from desktop.timeutil import TimestampError, parse_timestamp

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.logs.columns import Columns

SYNTHETIC_MODEL = "<synthetic>"  # Claude Code's own placeholder for local errors: not a call
ERROR_TEXT_LIMIT = 300
LABEL_CACHE_SIZE = 4096

# Rank bonus for copies that are not sidechain replays. It is larger than any real
# token total, so a parent copy always beats a sidechain copy of the same message,
# and among copies of the same kind the largest total still wins.
PARENT_BONUS = float(1 << 50)
SPEED_BONUS = 0.5

# Line types a transcript holds (only assistant lines are calls); for detection.
TRANSCRIPT_TYPES = frozenset(
    {
        "user",
        "assistant",
        "system",
        "summary",
        "progress",
        "file-history-snapshot",
        "queue-operation",
        "attachment",
        "ai-title",
    }
)
TRANSCRIPT_KEYS = ("sessionId", "requestId", "parentUuid", "leafUuid")


def dedup_key(message_id: str | None, request_id: str | None, session: str | None) -> str | None:
    """The key shared by every copy of one API response.

    With a ``requestId`` the key is the message id alone, global across files:
    Anthropic message ids are unique per response, so streaming snapshots,
    resumed/forked copies (same ids in another file) *and* sidechain replays
    (same message id, new ``requestId``) all collapse onto one key, and
    :func:`dedup_rank` decides which copy is kept. Without a ``requestId``
    (third-party endpoints, some gateways) the message id is only trusted within
    its session: such endpoints may reuse ids across sessions.
    """
    if not message_id:
        return None
    if request_id:
        return "claude:" + message_id
    return "claude:" + (session or "") + ":" + message_id


def dedup_rank(total_tokens: int, sidechain: bool, says_speed: bool = False) -> float:
    """Parent copies beat sidechain replays; then the largest total wins; on equal
    totals a copy that says its ``speed`` beats one that does not.

    The largest total is the last streaming snapshot (only ``output_tokens``
    grows); keeping the whole winning line (not a per-field maximum) keeps a
    mid-stream model fallback consistent. A copy without ``speed`` says nothing
    about fast mode, which costs several times as much. (Totals are whole numbers,
    so the half never reorders copies whose totals differ.)
    """
    rank = float(total_tokens) if sidechain else PARENT_BONUS + total_tokens
    return rank + SPEED_BONUS if says_speed else rank


@lru_cache(maxsize=4096)
def provider_of(model: str | None) -> str | None:
    """The provider a Claude Code model id points at.

    Bedrock ids look like ``us.anthropic.claude-…-v1:0``, Vertex ids like
    ``claude-…@20250514``; third-party Anthropic-compatible endpoints write their own
    model names, which are left to the pricing table to recognise.
    """
    if not model:
        return None
    low = model.lower()
    if "anthropic." in low:
        return "aws-bedrock"
    if low.startswith("claude"):
        return "vertex" if "@" in low else "anthropic"
    return None


@lru_cache(maxsize=4096)
def project_of(cwd: str) -> str:
    """The last path component of a working directory (POSIX or Windows)."""
    parts = [p for p in re.split(r"[\\/]", cwd) if p]
    return parts[-1] if parts else cwd


def message_text(message: Any) -> str | None:
    """The plain text blocks of an assistant message, joined."""
    if not isinstance(message, dict):
        return None
    content = message.get("content")
    if isinstance(content, str):
        return content or None
    if not isinstance(content, list):
        return None
    texts = [
        block["text"]
        for block in content
        if isinstance(block, dict)
        and block.get("type") == "text"
        and isinstance(block.get("text"), str)
    ]
    return "\n\n".join(texts) or None


def anthropic_buckets(usage: dict[str, Any]) -> usage_mod.Buckets:
    """:func:`usage.anthropic` with a fast path for the common all-integer case.

    Transcripts hold millions of usage objects; plain non-negative integers are
    taken as they are, anything else goes through the validating function (which
    also explains what is wrong).
    """
    inp = usage.get("input_tokens")
    out = usage.get("output_tokens")
    read = usage.get("cache_read_input_tokens", 0)
    created = usage.get("cache_creation_input_tokens", 0)
    detail = usage.get("cache_creation")
    if (
        type(inp) is int
        and type(out) is int
        and type(read) is int
        and type(created) is int
        and inp >= 0
        and out >= 0
        and read >= 0
        and created >= 0
        and max(inp, out, read, created) <= MAX_TOKENS
        and "output_tokens_details" not in usage
    ):
        if detail is None:
            return inp, read, created, 0, out, 0
        if type(detail) is dict:
            one_hour = detail.get("ephemeral_1h_input_tokens", 0)
            five_min = detail.get("ephemeral_5m_input_tokens", 0)
            if (
                type(one_hour) is int
                and type(five_min) is int
                and one_hour >= 0
                and five_min >= 0
                and one_hour + five_min <= created
            ):
                return inp, read, created - one_hour, one_hour, out, 0
    return usage_mod.anthropic(usage)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _timestamp(value: Any, fallback: float | None) -> float:
    if value is None:
        if fallback is None:
            raise BadRecord("no timestamp")
        return fallback
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        raise BadRecord(f"timestamp: {exc}") from None


def _web_searches(usage: dict[str, Any]) -> int:
    tools = usage.get("server_tool_use")
    if type(tools) is not dict:
        return 0
    return optional_tokens(tools.get("web_search_requests"), "server_tool_use.web_search_requests")


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= ERROR_TEXT_LIMIT:
        return text
    return text[: ERROR_TEXT_LIMIT - 1] + "…"


def assistant_record(
    message: dict[str, Any],
    *,
    ts: float,
    request_id: str | None,
    session: str | None,
    parent_id: str | None,
    sidechain: bool,
    is_error: bool,
    cost: Any,
    labels: Labels,
    line: int,
    offset: int,
) -> CallRecord | None:
    """One assistant message with usage as a record (None for placeholders)."""
    model = message.get("model")
    if model == SYNTHETIC_MODEL:
        return None
    usage = message.get("usage")
    if type(usage) is not dict:
        return None
    inp, read, w5, w1, out, thinking = anthropic_buckets(usage)
    if type(model) is not str:
        model = text_or_none(model)
    message_id = message.get("id")
    if type(message_id) is not str:
        message_id = text_or_none(message_id)
    tier = usage.get("service_tier")
    if tier is not None and tier not in SERVICE_TIERS:
        tier = normalise_service_tier(tier)
    speed = usage.get("speed")
    if isinstance(speed, str):
        labels = {**labels, "speed": speed}
        tier = tier_with_speed(tier, speed)  # fast mode is priced like a service tier
    tier = tier_with_geo(tier, usage.get("inference_geo"))
    status, error = "ok", None
    if is_error:
        status, error = "error", _clip(message_text(message)) or "API error"
    total = inp + read + w5 + w1 + out
    return CallRecord(
        ts,
        provider_of(model),
        model,
        tier,
        inp,
        read,
        w5,
        w1,
        out,
        thinking,
        _web_searches(usage) if "server_tool_use" in usage else 0,
        request_id,
        message_id,
        session,
        None,
        parent_id,
        status,
        error,
        None,
        None if cost is None else number_or_none(cost, "costUSD"),
        line,
        offset,
        dedup_key(message_id, request_id, session),
        dedup_rank(total, sidechain, isinstance(speed, str)),
        labels,
    )


class ClaudeCodeTranscript(LineFormat):
    """Transcript lines; ``<synthetic>`` placeholders are skipped, API errors marked.

    Records of one session share one labels dict (see :meth:`_labels`): treat
    ``record.labels`` as read-only.
    """

    id = "claude-code"
    title = "Claude Code transcript"
    prefilter = b'"usage"'
    reads_columns = True
    alike_in_folder = True
    samples = (
        '{"parentUuid":"3f0e6a52-1c1d-4f5e-9a0b-7d2c4e8f1a20","isSidechain":false,'
        '"userType":"external","cwd":"/home/dev/shop-api","sessionId":'
        '"7c9e2b14-5a3d-4e61-8f0a-2b6d9c1e4f37","version":"2.1.40","gitBranch":"main",'
        '"type":"assistant","uuid":"b51d0c8e-27a4-4c3f-9e16-0f8a3d5c7b92",'
        '"timestamp":"2026-07-14T09:12:44.318Z","requestId":"req_011CabcDEF123ghi456JKL",'
        '"message":{"id":"msg_01AbCdEfGhIjKlMnOpQrStUv","type":"message","role":"assistant",'
        '"model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Reading it."}],'
        '"stop_reason":null,"usage":{"input_tokens":6,"cache_creation_input_tokens":1200,'
        '"cache_read_input_tokens":30500,"cache_creation":{"ephemeral_5m_input_tokens":0,'
        '"ephemeral_1h_input_tokens":1200},"output_tokens":3,"service_tier":"standard"}}}',
    )

    def __init__(self) -> None:
        self._label_cache: dict[tuple[Any, ...], Labels] = {}

    def sniff(self, sample: Sample) -> Detection | None:
        objects = sample.dicts()
        calls = 0
        shaped = 0
        for o in objects:
            if o.get("type") not in TRANSCRIPT_TYPES or not any(k in o for k in TRANSCRIPT_KEYS):
                continue
            shaped += 1
            message = o.get("message")
            if (
                o.get("type") == "assistant"
                and isinstance(message, dict)
                and isinstance(message.get("usage"), dict)
            ):
                calls += 1
        if not shaped:
            return None
        in_projects = _under_claude_projects(sample)
        where = " under a Claude projects folder" if in_projects else ""
        if calls:
            return Detection(
                self.id,
                0.97 if in_projects else 0.93,
                f"Claude Code transcript: {plural(calls, 'assistant line')} with message.usage "
                f"and sessionId/requestId{where}",
            )
        # Transcript-shaped lines but no call yet in the sample (a long first
        # prompt, or a summary-only file): still ours, calls may come later.
        return Detection(
            self.id,
            0.75 if in_projects else 0.6,
            f"Claude Code transcript: {plural(shaped, 'line')} with sessionId/parentUuid, "
            "no assistant usage in the first lines",
        )

    def normalise(self, obj: Any, line: int, offset: int, ctx: ReadContext) -> CallRecord | None:
        if type(obj) is not dict:
            return None
        kind = obj.get("type")
        if kind == "assistant":
            entry = obj
        elif kind == "progress":
            entry = _progress_entry(obj)
            if entry is None:
                return None
        else:
            return None
        message = entry.get("message")
        if type(message) is not dict or "usage" not in message:
            return None
        if message.get("model") == SYNTHETIC_MODEL:
            return None  # Claude Code's local placeholder: not a call, whatever else it says
        session = obj.get("sessionId")
        session = session if type(session) is str and session else None
        sidechain = entry.get("isSidechain", obj.get("isSidechain")) is True
        labels = self._labels(
            _str(obj.get("cwd")),
            _str(obj.get("gitBranch")),
            session,
            sidechain,
            _str(entry.get("agentId", obj.get("agentId"))),
            _str(obj.get("version")),
        )
        request_id = entry.get("requestId")
        return assistant_record(
            message,
            ts=_timestamp(entry.get("timestamp", obj.get("timestamp")), None),
            request_id=request_id if type(request_id) is str and request_id else None,
            session=session,
            parent_id=text_or_none(obj.get("parentUuid")),
            sidechain=sidechain,
            is_error=obj.get("isApiErrorMessage") is True,
            cost=entry.get("costUSD"),
            labels=labels,
            line=line,
            offset=offset,
        )

    def line_decoder(self) -> LineDecoder:
        from desktop.logs.formats.claude_columns import LINE_DECODER

        return LINE_DECODER

    def read_columns(self, items: Iterable[tuple[int, int, Any]]) -> tuple[Columns, list[Any]]:
        # Most lines are streaming copies of another: merged before records are built.
        from desktop.logs.formats.claude_columns import read_claude_columns

        return read_claude_columns(items, self._labels)

    def _labels(
        self,
        cwd: str | None,
        branch: str | None,
        session: str | None,
        sidechain: bool,
        agent: str | None,
        version: str | None,
    ) -> Labels:
        """The labels of a line; lines of one session share one (read-only) dict.

        A session has millions of lines with the same six values: sharing the
        dict saves building it per line and keeps memory flat.
        """
        key = (cwd, branch, session, sidechain, agent, version)
        labels = self._label_cache.get(key)
        if labels is not None:
            return labels
        labels = {}
        if cwd:
            labels["project"] = project_of(cwd)
            labels["cwd"] = cwd
        if branch:
            labels["git_branch"] = branch
        if session:
            labels["session"] = session
        labels["sidechain"] = sidechain
        if agent:
            labels["agent_id"] = agent
        if version:
            labels["version"] = version
        if len(self._label_cache) >= LABEL_CACHE_SIZE:
            self._label_cache.clear()
        self._label_cache[key] = labels
        return labels

    def turn_text(self, raw: Any) -> tuple[str | None, str | None]:
        # Prompts live on user lines, which are not calls: only the response is here.
        if not isinstance(raw, dict):
            return None, None
        entry = _progress_entry(raw) if raw.get("type") == "progress" else raw
        return None, message_text((entry or {}).get("message"))

    def turn_text_around(
        self, path: Path, offset: int, raw: Any
    ) -> tuple[str | None, str | None] | None:
        # The response's other blocks and the user lines before it: see claude_turns.
        from desktop.logs.formats.claude_turns import claude_turn_text

        if isinstance(raw, dict) and raw.get("type") == "progress":
            return None  # a sub-agent's echo: its own transcript has the context
        return claude_turn_text(path, offset, raw)


def _str(value: Any) -> str | None:
    return value if type(value) is str and value else None


def _progress_entry(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The assistant entry nested in a sub-agent progress line, if any.

    Some versions echo a sub-agent's assistant lines into the parent transcript
    as ``{"type":"progress","data":{"message":{…assistant entry…}}}``. They share
    ids with the sub-agent file's copy, so the dedup key keeps one of them.
    """
    data = obj.get("data")
    if type(data) is not dict:
        return None
    entry = data.get("message")
    if type(entry) is not dict or entry.get("type") != "assistant":
        return None
    if "agentId" not in entry and isinstance(data.get("agentId"), str):
        entry = {**entry, "agentId": data["agentId"]}
    return entry


def _under_claude_projects(sample: Sample) -> bool:
    parts = [p.lower() for p in sample.path.parts]
    return any(
        parts[i] == "projects" and parts[i - 1] in (".claude", "claude")
        for i in range(1, len(parts))
    )


SDK_TYPES = frozenset({"system", "assistant", "user", "result", "stream_event"})


class ClaudeCodeHeadless(LogFormat):
    """``claude -p --output-format json|stream-json`` and Agent SDK message logs.

    Decision on the cumulative ``result`` object: its ``usage``/``modelUsage``
    cover the whole query (every step, sub-agents included). When the query's
    assistant lines with usage precede it (stream-json, SDK message logs), those
    per-message lines are the calls and the result is skipped. When a query left
    only its result (``--output-format json``), the result is read: one record per
    model in ``modelUsage`` (with that model's ``costUSD`` as the reported cost),
    or one record from ``usage`` when there is no per-model breakdown.
    """

    id = "claude-code-headless"
    title = "Claude Code headless / Agent SDK output"
    samples = (
        '{"type":"result","subtype":"success","is_error":false,"duration_ms":8120,'
        '"duration_api_ms":7400,"num_turns":3,"result":"Done: tests pass.",'
        '"session_id":"0d3c1f4a-8b2e-4c7d-9e5f-1a2b3c4d5e6f","total_cost_usd":0.0412,'
        '"usage":{"input_tokens":30,"cache_creation_input_tokens":2400,'
        '"cache_read_input_tokens":18000,"output_tokens":640,"service_tier":"standard"},'
        '"modelUsage":{"claude-sonnet-4-5-20250929":{"inputTokens":30,"outputTokens":640,'
        '"cacheReadInputTokens":18000,"cacheCreationInputTokens":2400,"webSearchRequests":0,'
        '"costUSD":0.0412}}}',
    )

    def sniff(self, sample: Sample) -> Detection | None:
        objects = _flatten(sample.objects)
        results = steps = 0
        for o in objects:
            if "session_id" not in o or o.get("type") not in SDK_TYPES:
                continue
            if o.get("type") == "result" and ("total_cost_usd" in o or "modelUsage" in o):
                results += 1
            elif _is_step(o):
                steps += 1
        if not (results or steps):
            return None
        return Detection(
            self.id,
            0.92,
            f"Claude Code headless/Agent SDK output: {plural(results, 'result object')} with "
            f"total_cost_usd/modelUsage, {plural(steps, 'message line')} with session_id",
        )

    def records(
        self, objects: Iterable[tuple[int, int, Any]], ctx: ReadContext
    ) -> Iterator[CallRecord | Problem]:
        state = _HeadlessState(ctx)
        for line, offset, value in objects:
            for obj in value if isinstance(value, list) else (value,):
                if type(obj) is not dict:
                    continue
                try:
                    yield from state.read(obj, line, offset)
                except BadRecord as exc:
                    yield Problem(line, str(exc), offset)

    def turn_text(self, raw: Any) -> tuple[str | None, str | None]:
        if not isinstance(raw, dict):
            return None, None
        if raw.get("type") == "result":
            text = raw.get("result")
            return None, text if isinstance(text, str) else None
        return None, message_text(raw.get("message"))


def _is_step(o: dict[str, Any]) -> bool:
    if o.get("type") == "system":
        return o.get("subtype") == "init"
    return o.get("type") == "assistant" and isinstance(o.get("message"), dict)


def _flatten(objects: list[Any]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for o in objects:
        if isinstance(o, dict):
            flat.append(o)
        elif isinstance(o, list):
            flat.extend(x for x in o if isinstance(x, dict))
    return flat


class _HeadlessState:
    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        self.cwd: dict[str, str] = {}  # session -> cwd from the init line
        self.model: dict[str, str] = {}  # session -> model from the init line
        self.steps_since_result: dict[str, int] = {}

    def labels(self, session: str | None) -> Labels:
        labels: Labels = {}
        cwd = self.cwd.get(session or "")
        if cwd:
            labels["project"] = project_of(cwd)
            labels["cwd"] = cwd
        if session:
            labels["session"] = session
        return labels

    def read(self, obj: dict[str, Any], line: int, offset: int) -> Iterator[CallRecord]:
        kind = obj.get("type")
        session = text_or_none(obj.get("session_id"))
        key = session or ""
        if kind == "system" and obj.get("subtype") == "init":
            if isinstance(obj.get("cwd"), str):
                self.cwd[key] = obj["cwd"]
            if isinstance(obj.get("model"), str):
                self.model[key] = obj["model"]
            return
        if kind == "assistant":
            message = obj.get("message")
            if type(message) is not dict or type(message.get("usage")) is not dict:
                return
            self.steps_since_result[key] = self.steps_since_result.get(key, 0) + 1
            parent_tool = obj.get("parent_tool_use_id")
            labels = self.labels(session)
            labels["sidechain"] = parent_tool is not None
            record = assistant_record(
                message,
                ts=_timestamp(obj.get("timestamp"), self.ctx.mtime),
                request_id=None,
                session=session,
                parent_id=text_or_none(obj.get("parent_uuid")),
                sidechain=False,  # sub-agent steps have their own message ids: never replays
                is_error=bool(obj.get("error")),
                cost=None,
                labels=labels,
                line=line,
                offset=offset,
            )
            if record is not None:
                yield record
            return
        if kind == "result":
            stepped = self.steps_since_result.pop(key, 0)
            if stepped:
                return  # cumulative: its steps were already read one by one
            yield from self.result_records(obj, session, line, offset)

    def result_records(
        self, obj: dict[str, Any], session: str | None, line: int, offset: int
    ) -> Iterator[CallRecord]:
        is_error = obj.get("is_error") is True or obj.get("subtype") not in (None, "success")
        uuid = text_or_none(obj.get("uuid"))
        labels = self.labels(session)
        if isinstance(obj.get("num_turns"), int):
            labels["num_turns"] = obj["num_turns"]
        common = {
            "ts": _timestamp(obj.get("timestamp"), self.ctx.mtime),
            "conversation_id": session,
            "status": "error" if is_error else "ok",
            "error": text_or_none(obj.get("subtype")) if is_error else None,
            "latency_ms": number_or_none(obj.get("duration_api_ms"), "duration_api_ms"),
            "line": line,
            "offset": offset,
        }
        usage = obj.get("usage") if isinstance(obj.get("usage"), dict) else None
        per_model = obj.get("modelUsage")
        if isinstance(per_model, dict) and per_model:
            for model, counts in per_model.items():
                if not isinstance(counts, dict):
                    raise BadRecord(f"modelUsage.{model} is not an object")
                if len(per_model) == 1 and usage is not None:
                    # One model: usage has the same counts, plus the cache-write TTL split.
                    buckets = usage_mod.anthropic(usage)
                    web = _web_searches(usage)
                else:
                    buckets = _model_usage(counts, model)
                    web = optional_tokens(counts.get("webSearchRequests"), "webSearchRequests")
                yield _result_record(
                    common, model, buckets, web, counts.get("costUSD"), uuid, labels
                )
            return
        if usage is None:
            raise BadRecord("result without usage or modelUsage")
        model = self.model.get(session or "")
        buckets = usage_mod.anthropic(usage)
        cost = obj.get("total_cost_usd")
        yield _result_record(common, model, buckets, _web_searches(usage), cost, uuid, labels)


def _result_record(
    common: dict[str, Any],
    model: str | None,
    buckets: usage_mod.Buckets,
    web: int,
    cost: Any,
    uuid: str | None,
    labels: Labels,
) -> CallRecord:
    inp, read, w5, w1, out, thinking = buckets
    return CallRecord(
        provider=provider_of(model),
        model=model,
        service_tier=None,
        input_tokens=inp,
        cache_read_tokens=read,
        cache_write_5m_tokens=w5,
        cache_write_1h_tokens=w1,
        output_tokens=out,
        reasoning_tokens=thinking,
        web_search_requests=web,
        reported_cost_usd=None if cost is None else number_or_none(cost, "costUSD"),
        # A result saved twice is the same query: its uuid identifies it.
        dedup_key=f"claude-result:{uuid}:{model}" if uuid else None,
        labels=dict(labels),
        **common,
    )


def _model_usage(counts: dict[str, Any], model: str) -> usage_mod.Buckets:
    """``modelUsage`` counts (Anthropic semantics, camelCase); writes have no TTL split."""
    prefix = f"modelUsage.{model}."
    return (
        token_count(counts.get("inputTokens", 0), prefix + "inputTokens"),
        optional_tokens(counts.get("cacheReadInputTokens"), prefix + "cacheReadInputTokens"),
        optional_tokens(
            counts.get("cacheCreationInputTokens"), prefix + "cacheCreationInputTokens"
        ),
        0,
        token_count(counts.get("outputTokens", 0), prefix + "outputTokens"),
        0,
    )
