"""OpenAI API objects logged raw: Chat Completions (and their stream chunks),
Responses, Embeddings, and Batch API output files.

Token inclusion (OpenAI naming): cached and cache-write tokens are inside
``prompt_tokens``/``input_tokens``; reasoning is inside ``completion_tokens``/
``output_tokens`` (see :mod:`desktop.logs.usage`).

Azure OpenAI returns the same objects; its content-filter results
(``prompt_filter_results``) tell them apart, and the provider is then ``azure``.

Dedup: the response ``id`` with its ``created`` second (an id alone is not trusted:
some OpenAI-compatible servers reuse them), so a stream's usage chunk, a wrapped
copy and a raw copy of one completion are one call. Batch lines use the batch
request id and ``custom_id``: a re-downloaded output file duplicates every line.

Batch lines that failed (``error`` set, or a non-200 ``status_code``) were not
billed: they become zero-token rows with status "error" and the message, so the
failures stay visible without costing anything.
"""

from __future__ import annotations

import math
from typing import Any

from desktop.logs import usage as usage_mod
from desktop.logs.fields import flatten_labels, text_or_none
from desktop.logs.formats.base import ReadContext
from desktop.logs.formats.wrapped import (
    NO_TOKENS,
    ApiFormat,
    Envelope,
    Shape,
    build,
    classify,
    error_text,
    span_ms,
    text_of,
    time_field,
)
from desktop.record import BadRecord, CallRecord, Labels, normalise_service_tier


def _usage(obj: dict[str, Any]) -> dict[str, Any]:
    usage = obj.get("usage")
    if not isinstance(usage, dict):
        raise BadRecord(f"usage is not an object ({type(usage).__name__})")
    return usage


def metadata_labels(obj: dict[str, Any], into: Labels) -> Labels:
    meta = obj.get("metadata")
    if isinstance(meta, dict) and meta:
        flatten_labels({"metadata": meta}, frozenset(), into=into)
    return into


def _dedup_key(prefix: str, ident: str | None, created: Any) -> str | None:
    """The id, and the creation second (local servers reuse ids). The SDK types
    ``created_at`` as a float, so a dump of the same call may say ``…000.0``: one second."""
    if ident is None:
        return None
    if created is None:
        return f"{prefix}:{ident}"
    if type(created) in (int, float) and math.isfinite(created):
        created = int(created)
    return f"{prefix}:{ident}:{created}"


def _first_choice(obj: dict[str, Any]) -> dict[str, Any]:
    choices = obj.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return {}


# -- Chat Completions ------------------------------------------------------------------


def chat_call(
    obj: dict[str, Any],
    env: Envelope | None,
    line: int,
    offset: int,
    ctx: ReadContext,
    *,
    provider: str = "openai",
    key_prefix: str = "openai",
    keyed_by_created: bool = True,
    cost: float | None = None,
    labels: Labels | None = None,
) -> CallRecord | None:
    """A chat completion (or the usage chunk of a stream); also used for OpenRouter."""
    if obj.get("usage") is None:
        if obj.get("object") == "chat.completion.chunk":
            return None  # only the final chunk of a stream carries usage
        raise BadRecord("chat completion without usage")
    buckets = usage_mod.openai_chat(_usage(obj))
    created = obj.get("created")
    ident = text_or_none(obj.get("id"))
    labels = metadata_labels(obj, dict(labels or {}))
    finish = _first_choice(obj).get("finish_reason")
    if isinstance(finish, str):
        labels["finish_reason"] = finish
    if provider == "openai" and "prompt_filter_results" in obj:
        provider = "azure"  # content-filter results are Azure OpenAI's alone
    return build(
        env,
        ctx,
        line,
        offset,
        ts=time_field(created, "created"),
        provider=provider,
        model=text_or_none(obj.get("model")),
        tier=normalise_service_tier(obj.get("service_tier")),
        buckets=buckets,
        message_id=ident,
        cost=cost,
        dedup_key=_dedup_key(key_prefix, ident, created if keyed_by_created else None),
        labels=labels,
    )


def chat_text(obj: dict[str, Any]) -> str | None:
    choice = _first_choice(obj)
    for key in ("message", "delta"):
        message = choice.get(key)
        if isinstance(message, dict):
            return text_of(message.get("content"))
    text = choice.get("text")  # legacy completions
    return text if isinstance(text, str) else None


# -- Responses -------------------------------------------------------------------------

RESPONSE_STATUS = {"completed": "ok", "incomplete": "incomplete", "failed": "error"}


def response_call(
    obj: dict[str, Any], env: Envelope | None, line: int, offset: int, ctx: ReadContext
) -> CallRecord | None:
    status = obj.get("status")
    error = error_text(obj.get("error"))
    labels: Labels = metadata_labels(obj, {})
    for key in ("user", "safety_identifier", "prompt_cache_key"):
        value = text_or_none(obj.get(key))
        if value is not None:
            labels[key] = value
    details = obj.get("incomplete_details")
    if isinstance(details, dict) and isinstance(details.get("reason"), str):
        labels["incomplete_reason"] = details["reason"]
    if obj.get("usage") is None:
        if status in ("queued", "in_progress"):
            return None  # a snapshot of a call still running (streams, background mode)
        if status in ("failed", "cancelled"):
            buckets = NO_TOKENS  # nothing was billed: keep the failure visible at no cost
        else:
            raise BadRecord(f"response without usage (status {status!r})")
    else:
        buckets = usage_mod.openai_responses(_usage(obj))
    conversation = obj.get("conversation")
    if isinstance(conversation, dict):
        conversation = conversation.get("id")
    previous = text_or_none(obj.get("previous_response_id"))
    created = obj.get("created_at")
    ts = time_field(created, "created_at")
    ident = text_or_none(obj.get("id"))
    return build(
        env,
        ctx,
        line,
        offset,
        ts=ts,
        provider="openai",
        model=text_or_none(obj.get("model")),
        tier=normalise_service_tier(obj.get("service_tier")),
        buckets=buckets,
        message_id=ident,
        conversation_id=text_or_none(conversation) or previous,
        parent_id=previous,
        status=RESPONSE_STATUS.get(status, status) if isinstance(status, str) else "ok",
        error=error,
        latency_ms=span_ms(ts, time_field(obj.get("completed_at"), "completed_at")),
        dedup_key=_dedup_key("openai", ident, created),
        labels=labels,
    )


def response_text(obj: dict[str, Any]) -> str | None:
    text = obj.get("output_text")
    if isinstance(text, str):
        return text
    pieces = []
    for item in obj.get("output") or ():
        if isinstance(item, dict) and item.get("type") == "message":
            for part in item.get("content") or ():
                if (
                    isinstance(part, dict)
                    and part.get("type") == "output_text"
                    and isinstance(part.get("text"), str)
                ):
                    pieces.append(part["text"])
    return "\n".join(pieces) if pieces else None


# -- Embeddings ------------------------------------------------------------------------


def embedding_call(
    obj: dict[str, Any], env: Envelope | None, line: int, offset: int, ctx: ReadContext
) -> CallRecord:
    # Input only; no id and no time in the object (a wrapper or the file supplies it).
    return build(
        env,
        ctx,
        line,
        offset,
        ts=None,
        provider="openai",
        model=text_or_none(obj.get("model")),
        tier=None,
        buckets=usage_mod.openai_chat(_usage(obj)),
    )


def _is_embeddings(obj: dict[str, Any]) -> bool:
    if obj.get("object") != "list" or not isinstance(obj.get("usage"), dict):
        return False
    data = obj.get("data")
    if not isinstance(data, list):
        return False
    return not data or (isinstance(data[0], dict) and data[0].get("object") == "embedding")


# -- Batch output ----------------------------------------------------------------------

BATCH_BODY_KINDS = frozenset(("openai-chat", "openai-response", "openai-embedding"))


def batch_call(
    obj: dict[str, Any], env: Envelope | None, line: int, offset: int, ctx: ReadContext
) -> CallRecord:
    custom_id = text_or_none(obj.get("custom_id"))
    batch_id = text_or_none(obj.get("id"))
    key = f"openai-batch:{batch_id}:{custom_id}" if batch_id else None
    labels: Labels = {"custom_id": custom_id} if custom_id is not None else {}
    response = obj.get("response")
    response = response if isinstance(response, dict) else {}
    code = response.get("status_code")
    body = response.get("body")
    request_id = text_or_none(response.get("request_id"))
    error = error_text(obj.get("error"))
    if error or not isinstance(body, dict) or (type(code) is int and code != 200):
        if error is None and isinstance(body, dict):
            error = error_text(body.get("error"))
        return build(
            env,
            ctx,
            line,
            offset,
            ts=None,
            provider="openai",
            model=text_or_none(body.get("model")) if isinstance(body, dict) else None,
            tier="batch",
            buckets=NO_TOKENS,
            request_id=request_id,
            status="error",
            error=error or (f"HTTP {code}" if code is not None else "no response"),
            dedup_key=key,
            labels=labels,
        )
    shape = classify(body)
    if shape is None or shape.kind not in BATCH_BODY_KINDS:
        raise BadRecord("batch response body is not a chat completion, response or embedding")
    record = shape.normalise(body, env, line, offset, ctx)
    if record is None:
        raise BadRecord("batch response body has no usage")
    merged = dict(record.labels or {})
    merged.update(labels)
    return record._replace(
        service_tier="batch",
        request_id=record.request_id or request_id,
        dedup_key=key or record.dedup_key,
        labels=merged or None,
    )


def _is_batch(obj: dict[str, Any]) -> bool:
    if "custom_id" not in obj or "response" not in obj:
        return False
    response = obj["response"]
    if isinstance(response, dict):
        return "body" in response or "status_code" in response
    return response is None and "error" in obj


def batch_text(obj: dict[str, Any]) -> str | None:
    response = obj.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    if not isinstance(body, dict):
        return None
    shape = classify(body)
    return shape.response_text(body) if shape is not None else None


# -- shapes and formats ----------------------------------------------------------------

BATCH_SHAPES = (
    Shape(
        "openai-batch",
        "openai-batch",
        "OpenAI Batch output",
        "custom_id with response.status_code and response.body",
        _is_batch,
        batch_call,
        response_text=batch_text,
        keys=frozenset(("custom_id",)),
    ),
)

SHAPES = (
    Shape(
        "openai-chat",
        "openai",
        "OpenAI Chat Completions",
        "object=chat.completion with usage.prompt_tokens",
        lambda o: o.get("object") in ("chat.completion", "text_completion"),
        chat_call,
        response_text=chat_text,
        keys=frozenset(("object",)),
    ),
    Shape(
        "openai-chunk",
        "openai",
        "OpenAI Chat Completions stream",
        "object=chat.completion.chunk, usage in the final chunk",
        lambda o: o.get("object") == "chat.completion.chunk",
        chat_call,
        response_text=chat_text,
        keys=frozenset(("object",)),
    ),
    Shape(
        "openai-response",
        "openai",
        "OpenAI Responses",
        "object=response with usage.input_tokens",
        lambda o: o.get("object") == "response",
        response_call,
        response_text=response_text,
        keys=frozenset(("object",)),
    ),
    Shape(
        "openai-embedding",
        "openai",
        "OpenAI Embeddings",
        "object=list of embeddings with usage.prompt_tokens",
        _is_embeddings,
        embedding_call,
        keys=frozenset(("object",)),
    ),
)


class OpenAIApi(ApiFormat):
    id = "openai"
    title = "OpenAI API responses"
    samples = (
        '{"id":"chatcmpl-Q7x2","object":"chat.completion","created":1783050000,'
        '"model":"gpt-4.1-mini-2025-04-14","service_tier":"default","choices":[{"index":0,'
        '"message":{"role":"assistant","content":"Refund issued."},"finish_reason":"stop"}],'
        '"usage":{"prompt_tokens":2048,"completion_tokens":310,"total_tokens":2358,'
        '"prompt_tokens_details":{"cached_tokens":1536},'
        '"completion_tokens_details":{"reasoning_tokens":0}}}',
        '{"id":"chatcmpl-Q7x3","object":"chat.completion.chunk","created":1783050060,'
        '"model":"gpt-4.1-mini-2025-04-14","choices":[],"usage":{"prompt_tokens":900,'
        '"completion_tokens":45,"total_tokens":945}}',
        '{"id":"resp_0a1b","object":"response","created_at":1783050100,'
        '"completed_at":1783050104,"status":"completed","model":"gpt-5.5-2026-04-23",'
        '"service_tier":"default","output":[],"usage":{"input_tokens":3120,'
        '"input_tokens_details":{"cached_tokens":2048},"output_tokens":540,'
        '"output_tokens_details":{"reasoning_tokens":384},"total_tokens":3660}}',
        '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.01,-0.02]}],'
        '"model":"text-embedding-3-small","usage":{"prompt_tokens":12,"total_tokens":12}}',
    )


class OpenAIBatch(ApiFormat):
    id = "openai-batch"
    title = "OpenAI Batch output"
    samples = (
        '{"id":"batch_req_91","custom_id":"ticket-00042","response":{"status_code":200,'
        '"request_id":"req_9f3c","body":{"id":"chatcmpl-B1","object":"chat.completion",'
        '"created":1783050000,"model":"gpt-4.1-mini","choices":[],"usage":{"prompt_tokens":800,'
        '"completion_tokens":120,"total_tokens":920}}},"error":null}',
        '{"id":"batch_req_92","custom_id":"ticket-00043","response":null,'
        '"error":{"code":"invalid_request","message":"bad model"}}',
    )
