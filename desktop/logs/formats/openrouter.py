"""OpenRouter: chat completion responses, and generation-API objects.

Responses are OpenAI-shaped (cached ⊂ prompt, reasoning ⊂ completion), counted by
the model's native tokenizer, plus ``usage.cost``: what OpenRouter charged, kept
as the reported cost. With your own provider key (BYOK, ``is_byok``) that is only
OpenRouter's fee and the provider bills ``cost_details.upstream_inference_cost``
on top, so the two are added; otherwise the upstream cost is already inside
``cost`` and is not added again. The upstream provider is a label
(``upstream_provider``); the provider of record is ``openrouter``.

Generation-API objects (``GET /api/v1/generation``, usually under ``data``) give
``native_tokens_*`` (the billed counts, OpenAI inclusion) and ``total_cost``.

Dedup: ``openrouter:<gen id>`` for both, so a response and its generation record
are one call.
"""

from __future__ import annotations

from typing import Any

from desktop.logs.fields import number_or_none, text_or_none
from desktop.logs.formats.base import ReadContext
from desktop.logs.formats.openai import chat_call, chat_text
from desktop.logs.formats.wrapped import ApiFormat, Envelope, Shape, build, time_field
from desktop.record import (
    MISSING,
    BadRecord,
    CallRecord,
    Labels,
    normalise_service_tier,
    optional_tokens,
    token_count,
)


def reported_cost(cost: Any, upstream: Any, byok: Any, where: str) -> float | None:
    total = number_or_none(cost, where)
    if byok is True and upstream is not None:
        extra = number_or_none(upstream, "upstream_inference_cost")
        if extra is not None:
            total = (total or 0.0) + extra
    return total


def response_call(
    obj: dict[str, Any], env: Envelope | None, line: int, offset: int, ctx: ReadContext
) -> CallRecord | None:
    usage = obj.get("usage")
    cost = None
    labels: Labels = {}
    if isinstance(usage, dict):
        details = usage.get("cost_details")
        upstream = details.get("upstream_inference_cost") if isinstance(details, dict) else None
        byok = usage.get("is_byok")
        cost = reported_cost(usage.get("cost"), upstream, byok, "usage.cost")
        if byok is True:
            labels["is_byok"] = True
    upstream_provider = text_or_none(obj.get("provider"))
    if upstream_provider is not None:
        labels["upstream_provider"] = upstream_provider
    return chat_call(
        obj,
        env,
        line,
        offset,
        ctx,
        provider="openrouter",
        key_prefix="openrouter",
        keyed_by_created=False,  # gen- ids are unique; the generation API has no `created`
        cost=cost,
        labels=labels,
    )


def _is_response(obj: dict[str, Any]) -> bool:
    if obj.get("object") not in ("chat.completion", "chat.completion.chunk"):
        return False
    usage = obj.get("usage")
    if isinstance(usage, dict) and ("cost" in usage or "is_byok" in usage):
        return True
    ident = obj.get("id")
    return isinstance(ident, str) and ident.startswith("gen-")


# -- generation API --------------------------------------------------------------------

GENERATION_LABELS = ("origin", "app_id", "external_user", "api_type", "finish_reason")


def generation_call(
    obj: dict[str, Any], env: Envelope | None, line: int, offset: int, ctx: ReadContext
) -> CallRecord:
    prompt = token_count(obj.get("native_tokens_prompt", MISSING), "native_tokens_prompt")
    completion = token_count(
        obj.get("native_tokens_completion", MISSING), "native_tokens_completion"
    )
    cached = optional_tokens(obj.get("native_tokens_cached"), "native_tokens_cached")
    reasoning = optional_tokens(obj.get("native_tokens_reasoning"), "native_tokens_reasoning")
    if cached > prompt:
        raise BadRecord(
            f"native_tokens_cached ({cached:,}) is larger than native_tokens_prompt ({prompt:,})"
        )
    if reasoning > completion:
        raise BadRecord(
            f"native_tokens_reasoning ({reasoning:,}) is larger than "
            f"native_tokens_completion ({completion:,})"
        )
    labels: Labels = {}
    upstream_provider = text_or_none(obj.get("provider_name"))
    if upstream_provider is not None:
        labels["upstream_provider"] = upstream_provider
    for key in GENERATION_LABELS:
        value = obj.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            labels[key] = value
    if obj.get("streamed") is not None:
        labels["streamed"] = bool(obj["streamed"])
    if obj.get("is_byok") is True:
        labels["is_byok"] = True
    ident = text_or_none(obj.get("id"))
    return build(
        env,
        ctx,
        line,
        offset,
        ts=time_field(obj.get("created_at"), "created_at"),
        provider="openrouter",
        model=text_or_none(obj.get("model")),
        tier=normalise_service_tier(obj.get("service_tier")),
        buckets=(prompt - cached, cached, 0, 0, completion, reasoning),
        request_id=text_or_none(obj.get("upstream_id")),
        message_id=ident,
        status="cancelled" if obj.get("cancelled") is True else "ok",
        latency_ms=number_or_none(obj.get("latency"), "latency"),
        cost=reported_cost(
            obj.get("total_cost"),
            obj.get("upstream_inference_cost"),
            obj.get("is_byok"),
            "total_cost",
        ),
        dedup_key=f"openrouter:{ident}" if ident else None,
        labels=labels,
    )


def _is_generation(obj: dict[str, Any]) -> bool:
    return "native_tokens_prompt" in obj and "total_cost" in obj


SHAPES = (
    Shape(
        "openrouter-generation",
        "openrouter",
        "OpenRouter generation records",
        "native_tokens_prompt with total_cost",
        _is_generation,
        generation_call,
        keys=frozenset(("native_tokens_prompt",)),
    ),
    Shape(
        "openrouter-response",
        "openrouter",
        "OpenRouter responses",
        "object=chat.completion with usage.cost (or a gen- id)",
        _is_response,
        response_call,
        response_text=chat_text,
        keys=frozenset(("object",)),
    ),
)


class OpenRouterApi(ApiFormat):
    id = "openrouter"
    title = "OpenRouter responses and generation records"
    samples = (
        '{"id":"gen-1783050000-AbCd","object":"chat.completion","created":1783050000,'
        '"model":"anthropic/claude-sonnet-4","provider":"Anthropic","choices":[],'
        '"usage":{"prompt_tokens":10339,"completion_tokens":60,"total_tokens":10399,'
        '"prompt_tokens_details":{"cached_tokens":10318},'
        '"completion_tokens_details":{"reasoning_tokens":0},"cost":0.00431,"is_byok":false,'
        '"cost_details":{"upstream_inference_cost":null}}}',
        '{"data":{"id":"gen-1783050100-EfGh","model":"openai/gpt-4o","provider_name":"OpenAI",'
        '"created_at":"2026-07-20T11:02:03.120+00:00","tokens_prompt":1200,'
        '"tokens_completion":80,"native_tokens_prompt":1180,"native_tokens_completion":77,'
        '"native_tokens_reasoning":0,"native_tokens_cached":1024,"total_cost":0.00112,'
        '"latency":2750,"generation_time":2600,"streamed":true,"cancelled":false,'
        '"is_byok":false,"finish_reason":"stop"}}',
    )
