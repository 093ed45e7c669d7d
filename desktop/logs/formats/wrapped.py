"""Provider API objects as developers log them: raw, or wrapped one level down.

Developers log the response objects of provider APIs one per line, either as they
came back (``{"object":"chat.completion",…}``) or inside an envelope of their own:
``{"ts": …, "request": {…}, "response": {…}}``, with the object under ``response``,
``data``, ``body``, ``result`` or ``payload`` (HTTP-style logs hold it one level
deeper still, as ``response.body``).

This module is the one place that knows every API object shape (:class:`Shape`,
listed in :func:`shapes`), finds the API object in a line (:func:`locate`), and
applies the envelope's timestamp, model, provider, ids and labels to the record a
shape's normaliser builds (:func:`build`). Every API format reads every shape, so a
log that mixes providers or endpoints loses nothing; the formats differ only in
what they claim at detection, and how.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import orjson

from desktop.logs.fields import TIMESTAMP_KEYS, first, flatten_labels, status_of, text_or_none
from desktop.logs.formats.base import Detection, LineFormat, ReadContext, Sample
from desktop.logs.usage import Buckets
from desktop.record import BadRecord, CallRecord, Labels
from desktop.timeutil import TimestampError, parse_timestamp

CONTAINER_KEYS = ("response", "data", "body", "result", "payload")
REQUEST_MODEL_KEYS = ("model", "modelId", "model_id")
PROVIDER_KEYS = ("provider", "vendor")
REQUEST_ID_KEYS = ("request_id", "requestId", "x_request_id", "x-request-id")
CONVERSATION_KEYS = (
    "conversation_id",
    "conversationId",
    "session_id",
    "sessionId",
    "thread_id",
    "threadId",
)
LATENCY_KEYS = ("latency_ms", "duration_ms", "elapsed_ms", "latencyMs", "durationMs")
# A wrapper with token counts of its own is some tool's record (a gateway's, say),
# not a plain envelope: its format should claim it, not ours.
GATEWAY_KEYS = (
    "usage",
    "prompt_tokens",
    "completion_tokens",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "response_cost",
    "spend",
)
WRAPPER_SKIP = frozenset(
    (
        *TIMESTAMP_KEYS,
        *CONTAINER_KEYS,
        *REQUEST_MODEL_KEYS,
        *PROVIDER_KEYS,
        *REQUEST_ID_KEYS,
        *CONVERSATION_KEYS,
        *LATENCY_KEYS,
        "request",
        "headers",
        "status_code",
        "status",
        "error",
        # stream bookkeeping and row ids: not grouping keys
        "id",
        "type",
        "event",
        "sequence_number",
    )
)
PROVIDER_ALIASES = {
    "bedrock": "aws-bedrock",
    "aws": "aws-bedrock",
    "gemini": "google",
    "vertex_ai": "vertex",
    "azure_openai": "azure",
}


def _no_text(obj: dict[str, Any]) -> str | None:
    return None


Normaliser = Callable[
    [dict[str, Any], "Envelope | None", int, int, ReadContext], "CallRecord | None"
]


@dataclass(frozen=True, slots=True)
class Shape:
    """One kind of provider API object, and how to read it."""

    kind: str  # e.g. "openai-chat"
    format_id: str  # the registered format that claims it at detection
    title: str  # "OpenAI Chat Completions"
    evidence: str  # "object=chat.completion with usage.prompt_tokens"
    matches: Callable[[dict[str, Any]], bool]
    # Raise BadRecord for a call that cannot be billed; None for an object that is
    # not a call (a streaming chunk without usage, an in-progress snapshot).
    normalise: Normaliser
    response_text: Callable[[dict[str, Any]], str | None] = _no_text
    prompt_text: Callable[[dict[str, Any]], str | None] = _no_text
    # Streaming events that only make a call together (Anthropic SSE): read by the
    # stateful stream format, skipped by the line-independent ones.
    stream_event: bool = False
    # ``matches`` can only hold for an object with one of these keys: checked first,
    # in C, so the other shapes' checks are not run on every line (empty: no such key).
    keys: frozenset[str] = frozenset()


@cache
def shapes() -> tuple[Shape, ...]:
    """Every known shape, in the order they are tried (the most specific first)."""
    # Imported here: the provider modules import this one for Shape and build().
    from desktop.logs.formats import anthropic, bedrock, gemini, ollama, openai, openrouter

    return (
        *openai.BATCH_SHAPES,
        *anthropic.SHAPES,
        *bedrock.SHAPES,
        *openrouter.SHAPES,  # before OpenAI: OpenRouter responses are OpenAI-shaped
        *openai.SHAPES,
        *gemini.SHAPES,
        *ollama.SHAPES,
    )


def classify(obj: dict[str, Any]) -> Shape | None:
    present = obj.keys()
    for shape in shapes():
        if shape.keys and present.isdisjoint(shape.keys):
            continue
        if shape.matches(obj):
            return shape
    return None


@dataclass(frozen=True, slots=True)
class Envelope:
    """What a wrapper around an API object says about the call."""

    path: str  # where the object sat: "response", or "response.body"
    ts_key: str | None
    ts_value: Any
    model: str | None
    provider: str | None
    request: dict[str, Any] | None
    request_id: str | None
    conversation_id: str | None
    latency_ms: float | None
    http_status: int | None
    status: str | None  # the wrapper's own status/error fields, normalised
    error: str | None
    labels: Labels
    own_usage: bool  # the wrapper carries token counts of its own

    def timestamp(self) -> float | None:
        if self.ts_key is None:
            return None
        try:
            return parse_timestamp(self.ts_value)
        except TimestampError as exc:
            raise BadRecord(f"{self.ts_key}: {exc}") from None


def envelope(outer: dict[str, Any], path: str, middle: dict[str, Any] | None) -> Envelope:
    ts_key, ts_value = first(outer, TIMESTAMP_KEYS)
    request = outer.get("request")
    if not isinstance(request, dict):
        request = None
    model = None
    if request is not None:
        model = text_or_none(first(request, REQUEST_MODEL_KEYS)[1])
    if model is None:
        model = text_or_none(first(outer, REQUEST_MODEL_KEYS)[1])
    provider = text_or_none(first(outer, PROVIDER_KEYS)[1])
    if provider is not None:
        provider = provider.strip().lower()
        provider = PROVIDER_ALIASES.get(provider, provider) or None
    elif request is not None and "modelId" in request:
        provider = "aws-bedrock"  # boto3 names the model modelId
    http_status = None
    for holder in (middle, outer):
        if holder is not None:
            code = holder.get("status_code", holder.get("statusCode"))
            if type(code) is int:
                http_status = code
                break
    latency = first(outer, LATENCY_KEYS)[1]
    if isinstance(latency, bool) or not isinstance(latency, int | float) or latency != latency:
        latency = None  # a wrapper's odd extra field must not cost the call
    status = error = None
    if outer.get("status") is not None or outer.get("error") not in (None, ""):
        status, error = status_of(outer.get("status"), outer.get("error"))
    labels = flatten_labels(outer, WRAPPER_SKIP)
    if request is not None:
        extra = {k: request[k] for k in ("metadata", "user") if k in request}
        for key, value in flatten_labels(extra, frozenset()).items():
            labels.setdefault(key, value)
    return Envelope(
        path=path,
        ts_key=ts_key,
        ts_value=ts_value,
        model=model,
        provider=provider,
        request=request,
        request_id=text_or_none(first(outer, REQUEST_ID_KEYS)[1]),
        conversation_id=text_or_none(first(outer, CONVERSATION_KEYS)[1]),
        latency_ms=None if latency is None else float(latency),
        http_status=http_status,
        status=status,
        error=error,
        labels=labels,
        own_usage=any(k in outer for k in GATEWAY_KEYS),
    )


Located = tuple[Shape, dict[str, Any], Envelope | None]


def locate(obj: dict[str, Any]) -> Located | None:
    """The API object in a line: the line itself, or one or two containers down."""
    shape = classify(obj)
    if shape is not None:
        return shape, obj, None
    for key in CONTAINER_KEYS:
        value = obj.get(key)
        if type(value) is not dict:
            continue
        shape = classify(value)
        if shape is not None:
            return shape, value, envelope(obj, key, None)
        for inner_key in CONTAINER_KEYS:
            inner = value.get(inner_key)
            if type(inner) is dict:
                shape = classify(inner)
                if shape is not None:
                    return shape, inner, envelope(obj, f"{key}.{inner_key}", value)
    return None


def build(
    env: Envelope | None,
    ctx: ReadContext,
    line: int,
    offset: int,
    *,
    ts: float | None,
    provider: str | None,
    model: str | None,
    tier: str | None,
    buckets: Buckets,
    web: int = 0,
    request_id: str | None = None,
    message_id: str | None = None,
    conversation_id: str | None = None,
    parent_id: str | None = None,
    status: str = "ok",
    error: str | None = None,
    latency_ms: float | None = None,
    cost: float | None = None,
    dedup_key: str | None = None,
    labels: Labels | None = None,
) -> CallRecord:
    """A record from what the API object says, completed by its wrapper.

    The object's own values win; the wrapper fills the gaps (a timestamp for
    objects without one, the request's model for Bedrock). With neither, the
    file's modification time stands in and the ``ts_source`` label says so.
    """
    labels = dict(labels) if labels else {}
    if env is not None:
        if ts is None:
            ts = env.timestamp()
        model = model or env.model
        provider = env.provider or provider
        request_id = request_id or env.request_id
        conversation_id = conversation_id or env.conversation_id
        if latency_ms is None:
            latency_ms = env.latency_ms
        code = env.http_status
        if status == "ok":  # when the object has a status of its own, it is the better word
            if code is not None and not 200 <= code < 300:
                status = f"http {code}"
            elif env.status not in (None, "ok"):
                status, error = env.status, error or env.error
        for key, value in env.labels.items():
            labels.setdefault(key, value)
    if ts is None:
        if ctx.mtime <= 0:
            raise BadRecord("no timestamp in the object or a wrapper, and no file time")
        ts = ctx.mtime
        labels["ts_source"] = "file mtime"
    inp, read, w5, w1, out, reasoning = buckets
    # Among copies of one call the largest total wins (streaming snapshots grow);
    # on equal totals a copy that names the model beats one that does not.
    rank = (float(inp + read + w5 + w1 + out) + (0.5 if model else 0.0)) if dedup_key else 0.0
    return CallRecord(
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
        None,
        parent_id,
        status,
        error,
        latency_ms,
        cost,
        line,
        offset,
        dedup_key,
        rank,
        labels or None,
    )


NO_TOKENS: Buckets = (0, 0, 0, 0, 0, 0)


def time_field(value: Any, name: str) -> float | None:
    """An object's own timestamp field (None when absent)."""
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        raise BadRecord(f"{name}: {exc}") from None


def span_ms(start: float | None, end: float | None) -> float | None:
    """Milliseconds between two epoch-second instants, when both are known and ordered."""
    if start is None or end is None or end < start:
        return None
    return round((end - start) * 1000.0, 3)


def error_text(error: Any) -> str | None:
    """A readable message from the error objects providers nest in various ways."""
    if error is None or error == "":
        return None
    if isinstance(error, str):
        return error
    if isinstance(error, dict):
        for key in ("message", "error"):
            inner = error.get(key)
            if isinstance(inner, str) and inner:
                return inner
            if isinstance(inner, dict):
                found = error_text(inner)
                if found:
                    return found
        for key in ("type", "code"):
            if isinstance(error.get(key), str):
                return error[key]
    return str(error)[:200]


# -- text of a turn -------------------------------------------------------------------

TOOL_ARGS_CHARS = 400  # of a tool call's arguments, shown after its name


def tool_call_text(name: Any, args: Any) -> str:
    """One line for a tool call in a response: its name and (the start of) its arguments."""
    text = args if isinstance(args, str) else orjson.dumps(args).decode() if args else ""
    if len(text) > TOOL_ARGS_CHARS:
        text = text[:TOOL_ARGS_CHARS] + "…"
    return f"[tool call: {name if isinstance(name, str) else 'tool'}] {text}".rstrip()


def tool_result_text(body: str | None, error: bool = False) -> str:
    """A tool's output as sent back to the model."""
    return f"[tool result{' (error)' if error else ''}]" + (f"\n{body}" if body else "")


def text_of(content: Any) -> str | None:
    """Plain text of a message content: a string, or a list of text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        text = content.get("text")
        return text if isinstance(text, str) else None
    if isinstance(content, list):
        pieces = []
        for part in content:
            if isinstance(part, str):
                pieces.append(part)
            elif isinstance(part, dict) and not part.get("thought"):
                text = part.get("text")
                if isinstance(text, str):
                    pieces.append(text)
        return "\n".join(pieces) if pieces else None
    return None


def request_prompt(request: dict[str, Any]) -> str | None:
    """The last user turn of a logged request (chat messages, Gemini contents, input)."""
    for key in ("messages", "contents", "input"):
        items = request.get(key)
        if isinstance(items, str):
            return items
        if isinstance(items, list):
            for item in reversed(items):
                if isinstance(item, dict) and item.get("role", "user") == "user":
                    text = text_of(item.get("content", item.get("parts")))
                    if text is not None:
                        return text
    prompt = request.get("prompt")
    return prompt if isinstance(prompt, str) else None


# -- the formats ----------------------------------------------------------------------


class ApiFormat(LineFormat):
    """A format of logged provider API objects; reads every shape, claims its own."""

    # How sure a claim is: raw objects of our kinds in every sampled line reach the
    # top; wrapped ones count less (a wrapper is a weaker signature).
    base_confidence: ClassVar[float] = 0.55
    raw_weight: ClassVar[float] = 0.4
    wrapped_weight: ClassVar[float] = 0.25

    def normalise(self, obj: Any, line: int, offset: int, ctx: ReadContext) -> CallRecord | None:
        if type(obj) is not dict:
            raise BadRecord(f"not a JSON object (a {type(obj).__name__})")
        found = locate(obj)
        if found is None:
            return None
        shape, inner, env = found
        if shape.stream_event:
            return None
        return shape.normalise(inner, env, line, offset, ctx)

    def sniff(self, sample: Sample) -> Detection | None:
        survey = Survey.of(sample)
        own = [s for s in survey.shapes if s.format_id == self.id]
        if not own:
            return None
        raw = sum(survey.raw.get(s.kind, 0) for s in own)
        wrapped = sum(survey.wrapped.get(s.kind, 0) for s in own)
        if not raw and not wrapped:
            return None
        total = max(survey.lines, 1)
        confidence = self.confidence(survey, raw / total, wrapped / total)
        return Detection(self.id, round(confidence, 3), survey.reason(own))

    def confidence(self, survey: Survey, raw_share: float, wrapped_share: float) -> float:
        return (
            self.base_confidence + self.raw_weight * raw_share + self.wrapped_weight * wrapped_share
        )

    def turn_text(self, raw: Any) -> tuple[str | None, str | None]:
        if not isinstance(raw, dict):
            return None, None
        found = locate(raw)
        if found is None:
            return None, None
        shape, inner, env = found
        prompt = None
        if env is not None and env.request is not None:
            prompt = request_prompt(env.request)
        if prompt is None:
            prompt = shape.prompt_text(inner)
        return prompt, shape.response_text(inner)


@dataclass(slots=True)
class Survey:
    """Which shapes a sample holds, raw and wrapped, for detection and its reason."""

    lines: int
    shapes: list[Shape]  # in order of first appearance
    raw: dict[str, int]
    wrapped: dict[str, int]
    paths: dict[str, dict[str, int]]  # kind -> wrapper path -> count
    gateway: int  # wrapped lines whose wrapper has token counts of its own (not counted)

    @classmethod
    def of(cls, sample: Sample) -> Survey:
        cached = sample.cache.get("wrapped.survey")
        if cached is None:
            cached = sample.cache["wrapped.survey"] = cls._survey(sample)
        return cached

    @classmethod
    def _survey(cls, sample: Sample) -> Survey:
        survey = cls(sample.lines_seen or len(sample.objects), [], {}, {}, {}, 0)
        for obj in sample.objects:
            if type(obj) is not dict:
                continue
            found = locate(obj)
            if found is None:
                continue
            shape, _inner, env = found
            if env is not None and env.own_usage:
                survey.gateway += 1
                continue
            if shape not in survey.shapes:
                survey.shapes.append(shape)
            if env is None:
                survey.raw[shape.kind] = survey.raw.get(shape.kind, 0) + 1
            else:
                survey.wrapped[shape.kind] = survey.wrapped.get(shape.kind, 0) + 1
                paths = survey.paths.setdefault(shape.kind, {})
                paths[env.path] = paths.get(env.path, 0) + 1
        return survey

    def count(self, shape: Shape) -> int:
        return self.raw.get(shape.kind, 0) + self.wrapped.get(shape.kind, 0)

    def reason(self, own: list[Shape]) -> str:
        parts = []
        for shape in sorted(own, key=self.count, reverse=True):
            raw = self.raw.get(shape.kind, 0)
            wrapped = self.wrapped.get(shape.kind, 0)
            text = f"{shape.title}: {shape.evidence}"
            if wrapped:
                where = ", ".join(f'"{p}"' for p in self.paths.get(shape.kind, {}))
                text += f" (raw, or wrapped under {where})" if raw else f", wrapped under {where}"
            parts.append(f"{text} ({raw + wrapped} of {self.lines} sampled lines)")
        others = [s for s in self.shapes if s not in own]
        if others:
            n = sum(self.count(s) for s in others)
            names = ", ".join(s.title for s in others)
            plural = "s" if n != 1 else ""
            parts.append(f"also {n} other API object line{plural} ({names}), read too")
        return "; ".join(parts)
