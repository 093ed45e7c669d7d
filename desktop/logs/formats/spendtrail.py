"""Spendtrail's own JSONL format, and the tolerant generic JSONL reader.

Our format is one object per call with the canonical field names (see the
README, "Log your calls"). The generic reader takes the JSONL people already
write: usage in OpenAI, OpenAI Responses, Anthropic or Spendtrail naming, at the
top level or under ``usage``; timestamps under the usual names; every other
scalar field (nested objects flattened with dots) becomes a label.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from desktop.logs import usage as usage_mod
from desktop.logs.fields import (
    TIMESTAMP_KEYS,
    first,
    flatten_labels,
    number_or_none,
    status_of,
    text_or_none,
    timestamp,
)
from desktop.logs.formats.base import Detection, LineFormat, ReadContext, Sample
from desktop.record import (
    MAX_TOKENS,
    MISSING,
    SERVICE_TIERS,
    BadRecord,
    CallRecord,
    Labels,
    normalise_service_tier,
    optional_tokens,
    token_count,
)
from desktop.timeutil import TimestampError, parse_timestamp

if TYPE_CHECKING:
    from collections.abc import Iterable

    from desktop.logs.columns import Columns

CANONICAL_TOKEN_KEYS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
)
CANONICAL_KEYS = frozenset(
    (
        "ts",
        "provider",
        "model",
        "service_tier",
        *CANONICAL_TOKEN_KEYS,
        "cache_write_tokens",
        "web_search_requests",
        "request_id",
        "message_id",
        "conversation_id",
        "trace_id",
        "parent_id",
        "status",
        "error",
        "latency_ms",
        "reported_cost_usd",
        "labels",
        "prompt",
        "response",
    )
)
# What ``spendtrail export`` adds to each call: its computed cost and where it came
# from. Reading an export again prices it again, so they are not labels (an export row
# is told by its cost_usd and price_id).
EXPORT_KEYS = frozenset(("cost_usd", "price_id", "cost_flags", "source", "format", "line"))


def is_export(keys: Any) -> bool:
    return "cost_usd" in keys and "price_id" in keys


# Keys that mean "not our canonical shape": read those records generically.
FOREIGN_USAGE_KEYS = (
    "usage",
    "prompt_tokens",
    "completion_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "input_tokens_details",
    "output_tokens_details",
)

MODEL_KEYS = ("model", "model_name", "model_id", "modelId", "engine")
PROVIDER_KEYS = ("provider", "custom_llm_provider", "provider_name", "vendor")
TIER_KEYS = ("service_tier", "serviceTier", "tier")
REQUEST_ID_KEYS = ("request_id", "requestId", "req_id", "x_request_id")
MESSAGE_ID_KEYS = ("message_id", "messageId", "response_id", "id")
CONVERSATION_KEYS = (
    "conversation_id",
    "conversationId",
    "session_id",
    "sessionId",
    "thread_id",
    "threadId",
)
TRACE_KEYS = ("trace_id", "traceId")
PARENT_KEYS = ("parent_id", "parentId", "parent_span_id")
LATENCY_MS_KEYS = ("latency_ms", "duration_ms", "elapsed_ms", "response_time_ms", "latencyMs")
COST_KEYS = ("reported_cost_usd", "cost_usd", "costUSD", "total_cost_usd", "response_cost", "cost")
GENERIC_CONSUMED = frozenset(
    (
        *TIMESTAMP_KEYS,
        *MODEL_KEYS,
        *PROVIDER_KEYS,
        *TIER_KEYS,
        *REQUEST_ID_KEYS,
        *MESSAGE_ID_KEYS,
        *CONVERSATION_KEYS,
        *TRACE_KEYS,
        *PARENT_KEYS,
        *LATENCY_MS_KEYS,
        *COST_KEYS,
        *CANONICAL_TOKEN_KEYS,
        "cache_write_tokens",
        "web_search_requests",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cached_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
        "cache_creation",
        "prompt_tokens_details",
        "completion_tokens_details",
        "input_tokens_details",
        "output_tokens_details",
        "usage",
        "status",
        "error",
        "labels",
    )
)


def _tokens(value: Any, name: str) -> int:
    # Fast path for the common case; token_count explains everything else.
    if type(value) is int and 0 <= value <= MAX_TOKENS:
        return value
    return token_count(value, name)


class SpendtrailJsonl(LineFormat):
    id = "spendtrail"
    title = "Spendtrail JSONL"
    reads_columns = True
    samples = (
        '{"ts":"2026-07-14T09:12:44.318Z","provider":"anthropic",'
        '"model":"claude-sonnet-4-5-20250929","service_tier":"standard","input_tokens":512,'
        '"cache_read_tokens":18000,"cache_write_5m_tokens":2200,"cache_write_1h_tokens":0,'
        '"output_tokens":733,"reasoning_tokens":0,"request_id":"req_1","conversation_id":"c_1",'
        '"status":"ok","latency_ms":1840,"labels":{"tenant":"acme","feature":"search"}}',
    )

    def sniff(self, sample: Sample) -> Detection | None:
        objects = sample.dicts()
        hits = [
            o
            for o in objects
            if "ts" in o
            and "input_tokens" in o
            and "output_tokens" in o
            and not any(k in o for k in FOREIGN_USAGE_KEYS)
            and (
                any(k in o for k in ("cache_read_tokens", "cache_write_5m_tokens", "labels"))
                or "reasoning_tokens" in o
            )
        ]
        if not hits:
            return None
        share = len(hits) / max(len(objects), 1)
        return Detection(
            self.id,
            round(0.6 + 0.35 * share, 3),
            f"Spendtrail JSONL: {len(hits)} of {len(objects)} sampled lines have ts and the "
            "canonical token buckets (input_tokens, cache_read_tokens, output_tokens …)",
        )

    def read_columns(self, items: Iterable[tuple[int, int, Any]]) -> tuple[Columns, list[Any]]:
        # Our own format is the one a million-call log is most likely written in.
        from desktop.logs.formats.spendtrail_columns import read_columns

        return read_columns(items)

    def normalise(self, obj: Any, line: int, offset: int, ctx: ReadContext) -> CallRecord | None:
        if type(obj) is not dict:
            raise BadRecord(f"not a JSON object (a {_kind(obj)})")
        if "ts" in obj and "input_tokens" in obj and obj.keys().isdisjoint(FOREIGN_USAGE_KEYS):
            return _canonical(obj, line, offset)
        return _generic(obj, line, offset)

    def turn_text(self, raw: Any) -> tuple[str | None, str | None]:
        return turn_text(raw)


class GenericJsonl(SpendtrailJsonl):
    """Any JSONL whose objects carry recognisable usage fields."""

    id = "jsonl"
    fallback = True
    title = "JSONL with usage fields"
    samples = (
        '{"timestamp":1783050000,"model":"gpt-4.1-mini","usage":{"prompt_tokens":2048,'
        '"completion_tokens":310,"prompt_tokens_details":{"cached_tokens":1536}},'
        '"metadata":{"tenant":"acme"},"feature":"search"}',
    )

    def sniff(self, sample: Sample) -> Detection | None:
        objects = sample.dicts()
        hits = 0
        families: dict[str, int] = {}
        for o in objects:
            usage = o.get("usage") if isinstance(o.get("usage"), dict) else o
            family = usage_mod.family_of(usage)
            if family is None:
                continue
            if not any(k in o for k in TIMESTAMP_KEYS):
                continue
            hits += 1
            families[family] = families.get(family, 0) + 1
        if not hits:
            return None
        share = hits / max(len(objects), 1)
        naming = max(families, key=families.__getitem__)
        return Detection(
            self.id,
            round(0.3 + 0.25 * share, 3),
            f"JSONL with usage fields: {hits} of {len(objects)} sampled lines have token counts "
            f"({_FAMILY_NAMES[naming]}) and a timestamp",
        )


_FAMILY_NAMES = {
    "openai-chat": "OpenAI naming: prompt_tokens/completion_tokens",
    "openai-responses": "OpenAI Responses naming: input_tokens with details",
    "anthropic": "Anthropic naming: cache_read_input_tokens",
    "spendtrail": "Spendtrail naming",
}


def _kind(obj: Any) -> str:
    if isinstance(obj, list):
        return "list"
    if isinstance(obj, str):
        return "string"
    if obj is None:
        return "null"
    return type(obj).__name__


def _canonical(obj: dict[str, Any], line: int, offset: int) -> CallRecord:
    """The hot path: one of our own lines. Every branch here is measured."""
    get = obj.get
    ts = obj["ts"]
    if type(ts) is str:
        try:
            dt = _fromiso(ts)
        except ValueError:
            dt = None
        if dt is not None and dt.tzinfo is not None:
            ts = dt.timestamp()
        else:
            ts = _timestamp(ts)
    else:
        ts = _timestamp(ts)
    inp = obj["input_tokens"]
    out = get("output_tokens", MISSING)
    read = get("cache_read_tokens", 0)
    w5 = get("cache_write_5m_tokens", 0)
    w1 = get("cache_write_1h_tokens", 0)
    reasoning = get("reasoning_tokens", 0)
    if not (
        type(inp) is int
        and type(out) is int
        and type(read) is int
        and type(w5) is int
        and type(w1) is int
        and type(reasoning) is int
        and min(inp, out, read, w5, w1, reasoning) >= 0
        and max(inp, out, read, w5, w1, reasoning) <= MAX_TOKENS
    ):
        inp = token_count(inp, "input_tokens")
        out = token_count(out, "output_tokens")
        read = optional_tokens(read, "cache_read_tokens")
        w5 = optional_tokens(w5, "cache_write_5m_tokens")
        w1 = optional_tokens(w1, "cache_write_1h_tokens")
        reasoning = optional_tokens(reasoning, "reasoning_tokens")
    if reasoning > out:
        raise BadRecord(f"reasoning_tokens ({reasoning:,}) is larger than output_tokens ({out:,})")
    web = get("web_search_requests", 0)
    if type(web) is not int or not 0 <= web <= MAX_TOKENS:
        web = optional_tokens(web, "web_search_requests")
    labels = get("labels")
    if not obj.keys() <= CANONICAL_KEYS:
        if "cache_write_tokens" in obj:  # a write with no TTL counts as 5-minute
            w5 += optional_tokens(obj["cache_write_tokens"], "cache_write_tokens")
        known = CANONICAL_KEYS | EXPORT_KEYS if is_export(obj) else CANONICAL_KEYS
        extra = {k: v for k, v in obj.items() if k not in known}
        if labels is not None and type(labels) is not dict:
            raise BadRecord(f"labels is not an object (a {_kind(labels)})")
        labels = flatten_labels(labels or {}, frozenset())
        flatten_labels(extra, frozenset(), into=labels)
    elif labels is not None:
        if type(labels) is not dict:
            raise BadRecord(f"labels is not an object (a {_kind(labels)})")
        if not _SCALAR_TYPES.issuperset(map(type, labels.values())):
            labels = flatten_labels(labels, frozenset())
    elif "cache_write_tokens" in obj:
        w5 += optional_tokens(obj["cache_write_tokens"], "cache_write_tokens")
    status = get("status", "ok")
    error = get("error")
    if status != "ok" or error is not None:
        status, error = status_of(status, error)
    latency = get("latency_ms")
    if latency is not None and type(latency) is not int and type(latency) is not float:
        latency = number_or_none(latency, "latency_ms")
    cost = get("reported_cost_usd")
    if cost is not None and type(cost) is not float:
        cost = number_or_none(cost, "reported_cost_usd")
    tier = get("service_tier")
    if tier is not None and tier not in _TIERS:
        tier = normalise_service_tier(tier)
    provider = get("provider")
    model = get("model")
    request_id = get("request_id")
    message_id = get("message_id")
    conversation_id = get("conversation_id")
    trace_id = get("trace_id")
    parent_id = get("parent_id")
    if not _TEXT_TYPES.issuperset(
        map(type, (provider, model, request_id, message_id, conversation_id, trace_id, parent_id))
    ):
        provider, model, request_id, message_id, conversation_id, trace_id, parent_id = (
            text_or_none(v)
            for v in (provider, model, request_id, message_id, conversation_id, trace_id, parent_id)
        )
    return _new_record(
        (
            ts,
            provider,
            model,
            tier,
            inp,
            read,
            w5,
            w1,
            out,
            reasoning,
            web,
            request_id,
            message_id,
            conversation_id,
            trace_id,
            parent_id,
            status,
            error,
            latency,
            cost,
            line,
            offset,
            None,
            0.0,
            labels or None,
        )
    )


def _timestamp(value: Any) -> float:
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        raise BadRecord(f"ts: {exc}") from None


_fromiso = datetime.fromisoformat
_new_record = partial(tuple.__new__, CallRecord)
_SCALAR_TYPES = frozenset((str, int, float, bool))
_TEXT_TYPES = frozenset((str, type(None)))
_TIERS = frozenset(SERVICE_TIERS)


def _generic(obj: dict[str, Any], line: int, offset: int) -> CallRecord:
    nested = obj.get("usage")
    usage = nested if isinstance(nested, dict) else obj
    _family, (inp, read, w5, w1, out, reasoning) = usage_mod.buckets(usage)
    _key, ts = timestamp(obj)
    _, model = first(obj, MODEL_KEYS)
    _, provider = first(obj, PROVIDER_KEYS)
    _, tier = first(obj, TIER_KEYS)
    if tier is None and isinstance(nested, dict):
        tier = nested.get("service_tier")
    web = obj.get("web_search_requests")
    if web is None and isinstance(nested, dict):
        server_tools = nested.get("server_tool_use")
        if isinstance(server_tools, dict):
            web = server_tools.get("web_search_requests")
    web = optional_tokens(web, "web_search_requests")
    _, latency = first(obj, LATENCY_MS_KEYS)
    cost_key, cost = first(obj, COST_KEYS)
    if cost is None and isinstance(nested, dict) and nested.get("cost") is not None:
        cost_key, cost = "usage.cost", nested.get("cost")
    status, error = status_of(obj.get("status"), obj.get("error"))
    labels: Labels = {}
    own = obj.get("labels")
    if isinstance(own, dict):
        flatten_labels(own, frozenset(), into=labels)
    flatten_labels(obj, GENERIC_CONSUMED, into=labels)
    return CallRecord(
        ts,
        text_or_none(provider),
        text_or_none(model),
        normalise_service_tier(tier),
        inp,
        read,
        w5,
        w1,
        out,
        reasoning,
        web,
        text_or_none(first(obj, REQUEST_ID_KEYS)[1]),
        text_or_none(first(obj, MESSAGE_ID_KEYS)[1]),
        text_or_none(first(obj, CONVERSATION_KEYS)[1]),
        text_or_none(first(obj, TRACE_KEYS)[1]),
        text_or_none(first(obj, PARENT_KEYS)[1]),
        status,
        error,
        number_or_none(latency, "latency_ms"),
        number_or_none(cost, cost_key or "cost"),
        line,
        offset,
        None,
        0.0,
        labels or None,
    )


def turn_text(raw: Any) -> tuple[str | None, str | None]:
    """Prompt/response text of a generic record when it has plain text fields."""
    if not isinstance(raw, dict):
        return None, None
    prompt = raw.get("prompt")
    response = raw.get("response")
    return (
        prompt if isinstance(prompt, str) else None,
        response if isinstance(response, str) else None,
    )
