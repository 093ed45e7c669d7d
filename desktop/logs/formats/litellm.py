"""LiteLLM: StandardLoggingPayload objects and SpendLogs exports.

**StandardLoggingPayload** (what custom callbacks and the S3/GCS loggers write;
also wrapped as ``{"standard_logging_object": …}``). **SpendLogs** rows (the
proxy's ``LiteLLM_SpendLogs`` table exported as JSON: ``request_id``,
``spend``, ``startTime``, ``metadata`` …). JSONL or a JSON array file.

Token meaning: LiteLLM normalises ``prompt_tokens`` to the OpenAI convention,
so it *includes* the cache (for Anthropic: input + cache writes + cache reads).
The cache detail comes from the provider-style usage
(``response.usage`` or ``metadata.usage_object``):
``cache_read_input_tokens`` / ``prompt_tokens_details.cached_tokens`` and
``cache_creation_input_tokens`` / ``prompt_tokens_details.cache_creation_tokens``
(TTL split in ``cache_creation_token_details``). Some older LiteLLM versions
added only the cache *reads* into ``prompt_tokens``: when reads + writes exceed
the prompt but reads alone do not, the writes are taken as outside it; when
even the reads exceed it, the prompt is taken as uncached input.
Reasoning (``completion_tokens_details.reasoning_tokens``) is inside
``completion_tokens``.

``cache_hit`` is a LiteLLM *response-cache* hit: no provider call, so nothing
was billed; such calls keep a ``cache_hit`` label and their logged token count as
``cached_answer_tokens``, with empty buckets. ``response_cost`` /
``spend`` is LiteLLM's own estimate: the reported cost.

Dedup: ``litellm:<id>`` (SpendLogs ``request_id`` is the same id), so a payload
export and a SpendLogs export of the same proxy count each call once.
"""

from __future__ import annotations

from typing import Any

import orjson

from desktop.logs.fields import flatten_labels, number_or_none, status_of, text_or_none
from desktop.logs.formats.base import Detection, LineFormat, ReadContext, Sample
from desktop.logs.usage import split_cache_writes
from desktop.record import (
    MISSING,
    BadRecord,
    CallRecord,
    Labels,
    normalise_service_tier,
    optional_tokens,
    token_count,
)
from desktop.timeutil import TimestampError, parse_timestamp

PROVIDERS = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "bedrock": "aws-bedrock",
    "bedrock_converse": "aws-bedrock",
    "vertex_ai": "vertex",
    "vertex_ai_beta": "vertex",
    "gemini": "google",
    "azure": "azure",
    "azure_ai": "azure",
    "azure_text": "azure",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "codestral": "mistral",
    "xai": "xai",
    "openrouter": "openrouter",
    "ollama": "ollama",
    "ollama_chat": "ollama",
}


def _dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value[:1] == "{":
        # SpendLogs exports keep JSON columns as JSON text.
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value[:1] == "[":
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return []
        return parsed if isinstance(parsed, list) else []
    return []


def _is_payload(obj: dict[str, Any]) -> bool:
    return "startTime" in obj and (
        "call_type" in obj
        or "response_cost" in obj
        or ("prompt_tokens" in obj and ("model_group" in obj or "custom_llm_provider" in obj))
    )


def _is_spend_log(obj: dict[str, Any]) -> bool:
    return "request_id" in obj and "spend" in obj and "startTime" in obj


class LiteLLM(LineFormat):
    id = "litellm"
    title = "LiteLLM payloads / SpendLogs"
    samples = (
        '{"id":"chatcmpl-9c1","trace_id":"5f2e","call_type":"acompletion","status":"success",'
        '"custom_llm_provider":"anthropic","model":"claude-sonnet-4-5-20250929",'
        '"model_group":"sonnet","startTime":1783050000.12,"endTime":1783050003.97,'
        '"prompt_tokens":43111,"completion_tokens":212,"total_tokens":43323,'
        '"response_cost":0.0291,"cache_hit":false,"request_tags":["feature:search"],'
        '"metadata":{"user_api_key_alias":"ci-bot"},"response":{"usage":{"prompt_tokens":43111,'
        '"completion_tokens":212,"cache_creation_input_tokens":1830,'
        '"cache_read_input_tokens":41277}}}',
        '{"standard_logging_object":{"id":"chatcmpl-1","call_type":"completion",'
        '"startTime":"2025-01-24 09:20:46.847371","prompt_tokens":10,"completion_tokens":5,'
        '"response_cost":0.0001,"model":"gpt-4o"}}',
        '{"request_id":"chatcmpl-7","call_type":"acompletion","api_key":"88dc28d0f030c55e",'
        '"spend":0.00041,"total_tokens":330,"prompt_tokens":300,"completion_tokens":30,'
        '"startTime":"2026-03-02T10:00:00.120Z","endTime":"2026-03-02T10:00:01.020Z",'
        '"model":"gpt-4.1-mini","cache_hit":"False","team_id":"t-1","metadata":"{}"}',
    )

    def sniff(self, sample: Sample) -> Detection | None:
        objects = sample.dicts()
        # Each record counts once, in the same order normalise() reads it.
        wrapped = payloads = spend = 0
        for o in objects:
            if isinstance(o.get("standard_logging_object"), dict):
                wrapped += 1
            elif _is_spend_log(o):
                spend += 1
            elif _is_payload(o):
                payloads += 1
        hits = wrapped + payloads + spend
        if not hits:
            return None
        share = hits / max(len(objects), 1)
        kinds = []
        if wrapped:
            kinds.append(f"{wrapped} wrapped in standard_logging_object")
        if payloads:
            kinds.append(f"{payloads} StandardLoggingPayload (startTime, call_type, response_cost)")
        if spend:
            kinds.append(f"{spend} SpendLogs rows (request_id, spend, startTime)")
        return Detection(
            self.id,
            round(0.75 + 0.2 * share, 3),
            f"LiteLLM: {hits} of {len(objects)} sampled records: " + "; ".join(kinds),
        )

    def normalise(self, obj: Any, line: int, offset: int, ctx: ReadContext) -> CallRecord | None:
        if type(obj) is not dict:
            raise BadRecord("not a JSON object")
        wrapped = obj.get("standard_logging_object")
        if isinstance(wrapped, dict):
            return _payload(wrapped, line, offset)
        if _is_spend_log(obj):
            return _spend_log(obj, line, offset)
        if _is_payload(obj):
            return _payload(obj, line, offset)
        return None

    def turn_text(self, raw: Any) -> tuple[str | None, str | None]:
        if not isinstance(raw, dict):
            return None, None
        raw = _dict(raw.get("standard_logging_object")) or raw
        prompt = None
        for message in reversed(_list(raw.get("messages"))):
            if isinstance(message, dict) and message.get("role") == "user":
                prompt = _content_text(message.get("content"))
                break
        response = None
        choices = _list(_dict(raw.get("response")).get("choices"))
        if choices and isinstance(choices[0], dict):
            response = _content_text(_dict(choices[0].get("message")).get("content"))
        return prompt, response


def _content_text(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text") for p in content if isinstance(p, dict)]
        joined = "\n".join(t for t in texts if isinstance(t, str))
        return joined or None
    return None


def _buckets(
    prompt_value: Any, completion_value: Any, usage: dict[str, Any]
) -> tuple[tuple[int, int, int, int, int, int], int]:
    """Disjoint buckets and web searches from LiteLLM's inclusive prompt_tokens."""
    if prompt_value is None or prompt_value is MISSING:
        prompt_value = usage.get("prompt_tokens", MISSING)
    if completion_value is None or completion_value is MISSING:
        completion_value = usage.get("completion_tokens")
    prompt = token_count(prompt_value, "prompt_tokens")
    completion = optional_tokens(completion_value, "completion_tokens")
    pdet = _dict(usage.get("prompt_tokens_details"))
    cdet = _dict(usage.get("completion_tokens_details"))
    read_value = usage.get("cache_read_input_tokens")
    if read_value is None:
        read_value = pdet.get("cached_tokens")
    read = optional_tokens(read_value, "cache_read_input_tokens")
    write_value = usage.get("cache_creation_input_tokens")
    for key in ("cache_creation_tokens", "cache_write_tokens"):
        if write_value is None:
            write_value = pdet.get(key)
    written = optional_tokens(write_value, "cache_creation_input_tokens")
    ttl = _dict(pdet.get("cache_creation_token_details")) or _dict(usage.get("cache_creation"))
    w5, w1 = split_cache_writes(written, ttl)
    reasoning = optional_tokens(cdet.get("reasoning_tokens"), "reasoning_tokens")
    if reasoning > completion:
        raise BadRecord(
            f"reasoning_tokens ({reasoning:,}) is larger than completion_tokens ({completion:,})"
        )
    if read + w5 + w1 <= prompt:
        uncached = prompt - read - w5 - w1
    elif read <= prompt:  # older LiteLLM: only the reads were added to prompt_tokens
        uncached = prompt - read
    else:  # the prompt count is already uncached input
        uncached = prompt
    web = optional_tokens(
        _dict(usage.get("server_tool_use")).get("web_search_requests"),
        "server_tool_use.web_search_requests",
    )
    return (uncached, read, w5, w1, completion, reasoning), web


def _time(obj: dict[str, Any], key: str, required: bool) -> float | None:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise BadRecord(f"no {key}")
        return None
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        if required:
            raise BadRecord(f"{key}: {exc}") from None
        return None


def _provider(value: Any) -> str | None:
    text = text_or_none(value)
    if not text:
        return None
    return PROVIDERS.get(text.lower(), text.lower())


def _cache_hit(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low == "true":
            return True
        if low == "false":
            return False
    return None


def _unbilled_on_cache_hit(buckets: Any, labels: Labels) -> Any:
    """A LiteLLM response-cache hit never reached the provider: nothing was billed.

    The token counts it logged (those of the cached answer) stay visible as a label.
    """
    if labels.get("cache_hit") is not True:
        return buckets
    labels["cached_answer_tokens"] = int(sum(buckets[:5]))
    return (0,) * len(buckets)


def _status(obj: dict[str, Any]) -> tuple[str, str | None]:
    error = obj.get("error_str") or _dict(obj.get("error_information")).get("error_message")
    raw = obj.get("status")
    if isinstance(raw, str) and raw.strip().lower() in ("failure", "failed", "fail"):
        return "error", text_or_none(error) or None
    return status_of(raw, error)


def _common_labels(obj: dict[str, Any], metadata: dict[str, Any]) -> Labels:
    labels: Labels = {}
    tags = [str(t) for t in _list(obj.get("request_tags")) if isinstance(t, str | int | float)]
    if tags:
        labels["request_tags"] = ", ".join(tags)
    for label, value in (
        ("end_user", obj.get("end_user")),
        ("key_alias", metadata.get("user_api_key_alias")),
        ("team", metadata.get("user_api_key_team_alias")),
        ("user", metadata.get("user_api_key_user_id")),
        ("model_group", obj.get("model_group")),
        ("call_type", obj.get("call_type")),
    ):
        text = text_or_none(value)
        if text:
            labels[label] = text
    hit = _cache_hit(obj.get("cache_hit"))
    if hit is not None:
        labels["cache_hit"] = hit
    spend_meta = _dict(metadata.get("spend_logs_metadata"))
    if spend_meta:
        flatten_labels(spend_meta, frozenset(), prefix="spend_logs_metadata.", into=labels)
    return labels


def _payload(obj: dict[str, Any], line: int, offset: int) -> CallRecord:
    metadata = _dict(obj.get("metadata"))
    response = _dict(obj.get("response"))
    usage = (
        _dict(response.get("usage"))
        or _dict(metadata.get("usage_object"))
        or _dict(_dict(obj.get("hidden_params")).get("usage_object"))
    )
    buckets, web = _buckets(obj.get("prompt_tokens"), obj.get("completion_tokens"), usage)
    start = _time(obj, "startTime", required=True)
    assert start is not None
    end = _time(obj, "endTime", required=False)
    if end is not None and end >= start:
        latency: float | None = (end - start) * 1000.0
    else:
        seconds = number_or_none(obj.get("response_time"), "response_time")
        latency = None if seconds is None else seconds * 1000.0
    status, error = _status(obj)
    labels = _common_labels(obj, metadata)
    buckets = _unbilled_on_cache_hit(buckets, labels)
    call_id = text_or_none(obj.get("id"))
    return CallRecord(
        start,
        _provider(obj.get("custom_llm_provider")),
        text_or_none(obj.get("model")),
        normalise_service_tier(response.get("service_tier")),
        *buckets,
        web,
        None,
        call_id,
        text_or_none(metadata.get("session_id")),
        text_or_none(obj.get("trace_id")),
        None,
        status,
        error,
        latency,
        number_or_none(obj.get("response_cost"), "response_cost"),
        line,
        offset,
        f"litellm:{call_id}" if call_id else None,
        0.0,
        labels or None,
    )


def _spend_log(obj: dict[str, Any], line: int, offset: int) -> CallRecord:
    metadata = _dict(obj.get("metadata"))
    usage = _dict(metadata.get("usage_object"))
    buckets, web = _buckets(obj.get("prompt_tokens"), obj.get("completion_tokens"), usage)
    start = _time(obj, "startTime", required=True)
    assert start is not None
    latency = number_or_none(obj.get("request_duration_ms"), "request_duration_ms")
    if latency is None:
        end = _time(obj, "endTime", required=False)
        if end is not None and end >= start:
            latency = (end - start) * 1000.0
    status, error = _status(obj)
    labels = _common_labels(obj, metadata)
    buckets = _unbilled_on_cache_hit(buckets, labels)
    for label in ("team_id", "user", "api_key", "organization_id"):
        text = text_or_none(obj.get(label))
        if text:
            labels[label] = text
    request_id = text_or_none(obj.get("request_id"))
    return CallRecord(
        start,
        _provider(obj.get("custom_llm_provider")),
        text_or_none(obj.get("model")),
        None,
        *buckets,
        web,
        None,
        request_id,
        text_or_none(obj.get("session_id")),
        None,
        None,
        status,
        error,
        latency,
        number_or_none(obj.get("spend"), "spend"),
        line,
        offset,
        f"litellm:{request_id}" if request_id else None,
        0.0,
        labels or None,
    )
