"""Ollama final response objects (``/api/generate``, ``/api/chat``, ``/api/embed``).

Only the object with ``done: true`` is a call; stream chunks before it are not.
``prompt_eval_count`` includes ``prompt_eval_cached_count`` (newer versions);
``eval_count`` is the output. Durations are nanoseconds.

Older Ollama versions leave ``prompt_eval_count`` out when the whole prompt came
from the KV cache: the input is then unknown, not zero. Such a call is kept (its
output and the call itself are real) with input 0 and the label
``input_tokens_unknown: true``, so it can be found and is never mistaken for a
measured zero.
"""

from __future__ import annotations

from typing import Any

from desktop.logs.fields import text_or_none
from desktop.logs.formats.base import ReadContext
from desktop.logs.formats.wrapped import ApiFormat, Envelope, Shape, build, text_of, time_field
from desktop.record import BadRecord, CallRecord, Labels, optional_tokens, token_count


def ollama_call(
    obj: dict[str, Any], env: Envelope | None, line: int, offset: int, ctx: ReadContext
) -> CallRecord | None:
    embed = "embeddings" in obj
    if not embed and obj.get("done") is not True:
        return None  # a stream chunk
    if "prompt_eval_count" not in obj and "eval_count" not in obj:
        return None  # nothing evaluated: a model load or unload request
    labels: Labels = {}
    if "prompt_eval_count" in obj:
        prompt = token_count(obj["prompt_eval_count"], "prompt_eval_count")
    else:
        prompt = 0
        labels["input_tokens_unknown"] = True
    cached = optional_tokens(obj.get("prompt_eval_cached_count"), "prompt_eval_cached_count")
    if cached > prompt and "prompt_eval_count" in obj:
        raise BadRecord(
            f"prompt_eval_cached_count ({cached:,}) is larger than prompt_eval_count ({prompt:,})"
        )
    cached = min(cached, prompt)
    output = optional_tokens(obj.get("eval_count"), "eval_count")
    reason = text_or_none(obj.get("done_reason"))
    if reason is not None:
        labels["done_reason"] = reason
    total = obj.get("total_duration")
    latency = None
    if type(total) is int and total >= 0:
        latency = total / 1e6  # nanoseconds
    return build(
        env,
        ctx,
        line,
        offset,
        ts=time_field(obj.get("created_at"), "created_at"),
        provider="ollama",
        model=text_or_none(obj.get("model")),
        tier=None,
        buckets=(prompt - cached, cached, 0, 0, output, 0),
        latency_ms=latency,
        labels=labels,
    )


def ollama_text(obj: dict[str, Any]) -> str | None:
    message = obj.get("message")
    if isinstance(message, dict):
        return text_of(message.get("content"))
    text = obj.get("response")
    return text if isinstance(text, str) else None


def _is_ollama(obj: dict[str, Any]) -> bool:
    if "model" not in obj:
        return False
    if isinstance(obj.get("done"), bool) and "created_at" in obj:
        return True
    return "embeddings" in obj and "prompt_eval_count" in obj


SHAPES = (
    Shape(
        "ollama",
        "ollama",
        "Ollama responses",
        "done=true with prompt_eval_count and eval_count",
        _is_ollama,
        ollama_call,
        response_text=ollama_text,
        keys=frozenset(("model",)),
    ),
)


class OllamaApi(ApiFormat):
    id = "ollama"
    title = "Ollama responses"
    samples = (
        '{"model":"qwen3:8b","created_at":"2026-07-20T11:02:05.870114632Z",'
        '"message":{"role":"assistant","content":"Sure."},"done":true,"done_reason":"stop",'
        '"total_duration":2750123456,"load_duration":40123000,"prompt_eval_count":812,'
        '"prompt_eval_cached_count":640,"prompt_eval_duration":90110000,"eval_count":233,'
        '"eval_duration":2500000000}',
    )
