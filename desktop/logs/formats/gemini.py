"""Google Gemini (AI Studio) and Vertex AI ``generateContent`` responses logged raw.

Token inclusion (see :func:`desktop.logs.usage.gemini`): the prompt count includes
cached tokens; tool-use prompt tokens and thoughts are NOT in the prompt and
candidate counts and are added (thoughts to output, as its reasoning subset).

Both the wire's camelCase and the snake_case of the Python SDK's ``model_dump()``
are read. Vertex responses carry ``createTime`` (and ``trafficType``): they are
provider ``vertex``; AI Studio responses have no time of their own.

Streams: every chunk of ``streamGenerateContent`` repeats a growing
``usageMetadata``. Each chunk is a record keyed by ``responseId``; the largest
(the last) is kept by dedup, never the sum.
"""

from __future__ import annotations

from typing import Any

from desktop.logs import usage as usage_mod
from desktop.logs.fields import text_or_none
from desktop.logs.formats.base import ReadContext
from desktop.logs.formats.wrapped import ApiFormat, Envelope, Shape, build, text_of, time_field
from desktop.record import BadRecord, CallRecord, Labels, normalise_service_tier

# snake_case (Python SDK dumps) -> camelCase (REST)
SNAKE = {
    "usage_metadata": "usageMetadata",
    "model_version": "modelVersion",
    "response_id": "responseId",
    "create_time": "createTime",
    "prompt_feedback": "promptFeedback",
    "prompt_token_count": "promptTokenCount",
    "candidates_token_count": "candidatesTokenCount",
    "cached_content_token_count": "cachedContentTokenCount",
    "thoughts_token_count": "thoughtsTokenCount",
    "tool_use_prompt_token_count": "toolUsePromptTokenCount",
    "total_token_count": "totalTokenCount",
    "traffic_type": "trafficType",
    "service_tier": "serviceTier",
}


def _camel(obj: dict[str, Any]) -> dict[str, Any]:
    if "usageMetadata" in obj or "usage_metadata" not in obj:
        return obj
    return {SNAKE.get(k, k): v for k, v in obj.items()}


def gemini_call(
    obj: dict[str, Any], env: Envelope | None, line: int, offset: int, ctx: ReadContext
) -> CallRecord | None:
    obj = _camel(obj)
    meta = obj.get("usageMetadata")
    if meta is None or meta == {}:
        return None  # a chunk before any usage is known
    if not isinstance(meta, dict):
        raise BadRecord("usageMetadata is not an object")
    meta = _camel_meta(meta)
    buckets = usage_mod.gemini(meta)
    # (An SDK dump writes every field, null where AI Studio sent none.)
    vertex = obj.get("createTime") is not None or meta.get("trafficType") is not None
    labels: Labels = {}
    for key in ("serviceTier", "trafficType"):
        value = text_or_none(meta.get(key))
        if value is not None:
            labels[key] = value
    status, error = "ok", None
    candidates = obj.get("candidates")
    if isinstance(candidates, list) and candidates and isinstance(candidates[0], dict):
        finish = candidates[0].get("finishReason", candidates[0].get("finish_reason"))
        if isinstance(finish, str):
            labels["finish_reason"] = finish
    feedback = obj.get("promptFeedback")
    if isinstance(feedback, dict):
        blocked = feedback.get("blockReason", feedback.get("block_reason"))
        if isinstance(blocked, str) and blocked:
            status, error = "blocked", blocked  # the prompt was still billed
    ident = text_or_none(obj.get("responseId"))
    return build(
        env,
        ctx,
        line,
        offset,
        ts=time_field(obj.get("createTime"), "createTime"),
        provider="vertex" if vertex else "google",
        model=text_or_none(obj.get("modelVersion")),
        tier=normalise_service_tier(meta.get("serviceTier")),
        buckets=buckets,
        message_id=ident,
        status=status,
        error=error,
        dedup_key=f"gemini:{ident}" if ident else None,
        labels=labels,
    )


def _camel_meta(meta: dict[str, Any]) -> dict[str, Any]:
    if "promptTokenCount" in meta or "prompt_token_count" not in meta:
        return meta
    return {SNAKE.get(k, k): v for k, v in meta.items()}


def gemini_text(obj: dict[str, Any]) -> str | None:
    candidates = obj.get("candidates")
    if not (isinstance(candidates, list) and candidates and isinstance(candidates[0], dict)):
        return None
    content = candidates[0].get("content")
    return text_of(content.get("parts")) if isinstance(content, dict) else None


def _is_gemini(obj: dict[str, Any]) -> bool:
    meta = obj.get("usageMetadata", obj.get("usage_metadata"))
    if isinstance(meta, dict):
        return True
    return "candidates" in obj and ("modelVersion" in obj or "model_version" in obj)


SHAPES = (
    Shape(
        "gemini",
        "gemini",
        "Google Gemini / Vertex AI responses",
        "usageMetadata.promptTokenCount with candidates and modelVersion",
        _is_gemini,
        gemini_call,
        response_text=gemini_text,
        keys=frozenset(
            (
                "usageMetadata",
                "usage_metadata",
                "candidates",
            )
        ),
    ),
)


class GeminiApi(ApiFormat):
    id = "gemini"
    title = "Google Gemini / Vertex AI responses"
    samples = (
        '{"candidates":[{"content":{"role":"model","parts":[{"text":"Paris."}]},'
        '"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":60,'
        '"candidatesTokenCount":16,"thoughtsTokenCount":32,"totalTokenCount":108},'
        '"modelVersion":"gemini-3-flash-preview","responseId":"6XJFadi3"}',
        '{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},'
        '"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":4100,'
        '"cachedContentTokenCount":4000,"candidatesTokenCount":20,"totalTokenCount":4120,'
        '"trafficType":"ON_DEMAND"},"modelVersion":"gemini-2.5-pro",'
        '"createTime":"2026-07-20T11:02:03.120Z","responseId":"vtx-81"}',
    )
