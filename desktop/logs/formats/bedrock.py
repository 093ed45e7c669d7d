"""AWS Bedrock: Converse responses logged raw, and model-invocation logs.

Token inclusion: Bedrock's input counts EXCLUDE cache reads and writes, as
Anthropic's do (see :func:`desktop.logs.usage.bedrock_converse`).

A Converse response names no model: it is taken from a wrapper's request
``modelId`` when the log has one; otherwise the model stays unknown (unpriced, never
$0) and the ``model_note`` label says why. Its time is the HTTP ``date`` header
boto3 keeps in ``ResponseMetadata``.

Model-invocation logs (CloudWatch / S3 exports, ``schemaType: ModelInvocationLog``)
carry everything: time, model, token counts, the caller's identity and request
metadata (labels).

Dedup: ``aws-bedrock:<request id>``, shared by both shapes, so a Converse response
and the invocation log of the same request are one call (the copy that names the
model wins).

Batch inference output (``<input>.jsonl.out``: ``recordId``, ``modelInput`` and the
model's native response in ``modelOutput``, or ``error``) is billed at the batch
tier. The native response is Anthropic's message (which names its model), Converse's
``usage`` (Nova) or Llama's ``prompt_token_count``/``generation_token_count``; a
failed record is a visible zero row. The output has no time: the file's stands in.
"""

from __future__ import annotations

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
    request_prompt,
    text_of,
    time_field,
)
from desktop.record import MISSING, BadRecord, CallRecord, Labels, optional_tokens, token_count

MODEL_NOTE = "not in Converse responses: log the request modelId with them"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _http_date(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        from email.utils import parsedate_to_datetime  # rare: not worth importing at start

        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None  # an odd header: the wrapper's time or the file's stands in


def converse_call(
    obj: dict[str, Any], env: Envelope | None, line: int, offset: int, ctx: ReadContext
) -> CallRecord:
    buckets = usage_mod.bedrock_converse(obj["usage"])
    meta = _dict(obj.get("ResponseMetadata"))
    model = env.model if env is not None else None
    labels: Labels = {}
    if model is None:
        labels["model_note"] = MODEL_NOTE
    stop = obj.get("stopReason")
    if isinstance(stop, str):
        labels["stop_reason"] = stop
    code = meta.get("HTTPStatusCode")
    status = f"http {code}" if type(code) is int and not 200 <= code < 300 else "ok"
    latency = _dict(obj.get("metrics")).get("latencyMs")
    if isinstance(latency, bool) or not isinstance(latency, int | float):
        latency = None
    request_id = text_or_none(meta.get("RequestId"))
    return build(
        env,
        ctx,
        line,
        offset,
        ts=_http_date(_dict(meta.get("HTTPHeaders")).get("date")),
        provider="aws-bedrock",
        model=model,
        tier=None,
        buckets=buckets,
        request_id=request_id,
        status=status,
        latency_ms=None if latency is None else float(latency),
        dedup_key=f"aws-bedrock:{request_id}" if request_id else None,
        labels=labels,
    )


def converse_text(obj: dict[str, Any]) -> str | None:
    message = _dict(_dict(obj.get("output")).get("message"))
    return text_of(message.get("content"))


def _is_converse(obj: dict[str, Any]) -> bool:
    usage = obj.get("usage")
    return (
        isinstance(usage, dict)
        and "inputTokens" in usage
        and any(k in obj for k in ("stopReason", "output", "metrics", "ResponseMetadata"))
    )


# -- model-invocation logs -------------------------------------------------------------

INVOCATION_LABELS = ("region", "accountId", "operation", "inferenceRegion")


def invocation_call(
    obj: dict[str, Any], env: Envelope | None, line: int, offset: int, ctx: ReadContext
) -> CallRecord:
    given = _dict(obj.get("input"))
    taken = _dict(obj.get("output"))
    uncached = token_count(given.get("inputTokenCount", MISSING), "input.inputTokenCount")
    read = optional_tokens(given.get("cacheReadInputTokenCount"), "input.cacheReadInputTokenCount")
    # Invocation logs give no TTL for writes: they count as 5-minute writes.
    written = optional_tokens(
        given.get("cacheWriteInputTokenCount"), "input.cacheWriteInputTokenCount"
    )
    output = token_count(taken.get("outputTokenCount", MISSING), "output.outputTokenCount")
    labels: Labels = {}
    arn = text_or_none(_dict(obj.get("identity")).get("arn"))
    if arn is not None:
        labels["identity.arn"] = arn
    metadata = obj.get("requestMetadata")
    if isinstance(metadata, dict):
        flatten_labels({"requestMetadata": metadata}, frozenset(), into=labels)
    for key in INVOCATION_LABELS:
        value = text_or_none(obj.get(key))
        if value is not None:
            labels[key] = value
    request_id = text_or_none(obj.get("requestId"))
    return build(
        env,
        ctx,
        line,
        offset,
        ts=time_field(obj.get("timestamp"), "timestamp"),
        provider="aws-bedrock",
        model=text_or_none(obj.get("modelId")),
        tier=None,
        buckets=(uncached, read, written, 0, output, 0),
        request_id=request_id,
        dedup_key=f"aws-bedrock:{request_id}" if request_id else None,
        labels=labels,
    )


def invocation_prompt(obj: dict[str, Any]) -> str | None:
    body = _dict(_dict(obj.get("input")).get("inputBodyJson"))
    return request_prompt(body) if body else None


def invocation_text(obj: dict[str, Any]) -> str | None:
    body = _dict(_dict(obj.get("output")).get("outputBodyJson"))
    if "output" in body:
        return converse_text(body)
    return text_of(body.get("content"))  # InvokeModel: the model's native response


def _is_invocation(obj: dict[str, Any]) -> bool:
    return obj.get("schemaType") == "ModelInvocationLog"


# -- batch inference output ------------------------------------------------------------

BATCH_MODEL_NOTE = "not in batch output for this model: the job's modelId names it"


def batch_call(
    obj: dict[str, Any], env: Envelope | None, line: int, offset: int, ctx: ReadContext
) -> CallRecord:
    record_id = text_or_none(obj.get("recordId"))
    labels: Labels = {"recordId": record_id} if record_id is not None else {}
    output = obj.get("modelOutput")
    error = error_text(_dict(obj.get("error")).get("errorMessage") or obj.get("error"))
    if error is not None or not isinstance(output, dict):
        return build(
            env,
            ctx,
            line,
            offset,
            ts=None,
            provider="aws-bedrock",
            model=None,
            tier="batch",
            buckets=NO_TOKENS,
            status="error",
            error=error or "no model output",
            labels=labels,
        )
    shape = classify(output)
    if shape is not None and shape.kind == "anthropic-message":
        record = shape.normalise(output, env, line, offset, ctx)
        assert record is not None  # a message with usage is always a call
        return record._replace(
            provider="aws-bedrock",
            service_tier="batch",
            labels={**(record.labels or {}), **labels} or None,
        )
    usage = output.get("usage")
    if isinstance(usage, dict) and "inputTokens" in usage:  # Nova: Converse's usage
        buckets = usage_mod.bedrock_converse(usage)
    elif "prompt_token_count" in output:  # Meta Llama
        buckets = (
            token_count(output["prompt_token_count"], "prompt_token_count"),
            0,
            0,
            0,
            token_count(output.get("generation_token_count", MISSING), "generation_token_count"),
            0,
        )
    else:
        raise BadRecord("modelOutput has no token counts this reader knows")
    return build(
        env,
        ctx,
        line,
        offset,
        ts=None,
        provider="aws-bedrock",
        model=None,
        tier="batch",
        buckets=buckets,
        labels={**labels, "model_note": BATCH_MODEL_NOTE},
    )


def batch_text(obj: dict[str, Any]) -> str | None:
    output = _dict(obj.get("modelOutput"))
    shape = classify(output) if output else None
    if shape is not None:
        return shape.response_text(output)
    generation = output.get("generation")
    return generation if isinstance(generation, str) else None


def batch_prompt(obj: dict[str, Any]) -> str | None:
    given = _dict(obj.get("modelInput"))
    return request_prompt(given) if given else None


def _is_batch(obj: dict[str, Any]) -> bool:
    return "recordId" in obj and ("modelOutput" in obj or "error" in obj)


SHAPES = (
    Shape(
        "bedrock-batch",
        "bedrock-batch",
        "AWS Bedrock batch inference output",
        "recordId with modelOutput (or error)",
        _is_batch,
        batch_call,
        response_text=batch_text,
        prompt_text=batch_prompt,
        keys=frozenset(("recordId",)),
    ),
    Shape(
        "bedrock-invocation",
        "bedrock-invocation",
        "AWS Bedrock model-invocation logs",
        "schemaType=ModelInvocationLog with input.inputTokenCount",
        _is_invocation,
        invocation_call,
        response_text=invocation_text,
        prompt_text=invocation_prompt,
        keys=frozenset(("schemaType",)),
    ),
    Shape(
        "bedrock-converse",
        "bedrock-converse",
        "AWS Bedrock Converse responses",
        "usage.inputTokens with stopReason and output.message",
        _is_converse,
        converse_call,
        response_text=converse_text,
        keys=frozenset(("usage",)),
    ),
)


class BedrockConverse(ApiFormat):
    id = "bedrock-converse"
    title = "AWS Bedrock Converse responses"
    samples = (
        '{"ResponseMetadata":{"RequestId":"5c1e-01","HTTPStatusCode":200,'
        '"HTTPHeaders":{"date":"Mon, 13 Jul 2026 10:02:11 GMT"}},"output":{"message":'
        '{"role":"assistant","content":[{"text":"Hello"}]}},"stopReason":"end_turn",'
        '"usage":{"inputTokens":25,"outputTokens":5,"totalTokens":6905,'
        '"cacheReadInputTokens":0,"cacheWriteInputTokens":6875,'
        '"cacheDetails":[{"ttl":"5m","inputTokens":6875}]},"metrics":{"latencyMs":1840}}',
        '{"ts":"2026-07-13T10:05:00Z","request":{"modelId":'
        '"us.anthropic.claude-sonnet-4-5-20250929-v1:0","messages":[]},"response":'
        '{"ResponseMetadata":{"RequestId":"5c1e-02","HTTPStatusCode":200},"output":'
        '{"message":{"role":"assistant","content":[]}},"stopReason":"end_turn",'
        '"usage":{"inputTokens":40,"outputTokens":12,"totalTokens":52}}}',
    )


class BedrockInvocation(ApiFormat):
    id = "bedrock-invocation"
    title = "AWS Bedrock model-invocation logs"
    samples = (
        '{"schemaType":"ModelInvocationLog","schemaVersion":"1.0",'
        '"timestamp":"2026-07-13T10:02:11Z","accountId":"123456789012",'
        '"identity":{"arn":"arn:aws:sts::123456789012:assumed-role/dev/alice"},'
        '"region":"us-east-1","requestId":"5c1e-01","operation":"Converse",'
        '"modelId":"us.anthropic.claude-sonnet-4-5-20250929-v1:0",'
        '"requestMetadata":{"team":"search"},"input":{"inputContentType":"application/json",'
        '"inputTokenCount":25,"cacheReadInputTokenCount":0,"cacheWriteInputTokenCount":6875},'
        '"output":{"outputContentType":"application/json","outputTokenCount":5}}',
    )


class BedrockBatch(ApiFormat):
    id = "bedrock-batch"
    title = "AWS Bedrock batch inference output"
    samples = (
        '{"recordId":"CALL0000001","modelInput":{"anthropic_version":"bedrock-2023-05-31",'
        '"max_tokens":512,"messages":[{"role":"user","content":"Summarise the ticket."}]},'
        '"modelOutput":{"id":"msg_bdrk_01Xy","type":"message","role":"assistant",'
        '"model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Done."}],'
        '"stop_reason":"end_turn","usage":{"input_tokens":812,"output_tokens":96}}}',
    )
