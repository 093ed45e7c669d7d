"""OpenTelemetry GenAI spans: OTLP/JSON files and SDK-native span dumps.

**OTLP/JSON** (collector ``file`` exporter and the OTLP file exporters): each line
is a whole ``{"resourceSpans": […]}`` batch with many spans. int64 values
(``intValue``, ``*UnixNano``) come as JSON strings or numbers; span ids as hex
or base64; attributes as ``[{key, value: {stringValue|intValue|…}}]``.
**Flat span dumps** (SDK console/file exporters, Copilot CLI): one span per
object with ``traceId``/``spanContext``/``context``, an ``attributes`` map and
times as nanoseconds, ``[seconds, nanos]`` hrTime, µs ``timestamp`` or ISO text.
Pretty-printed dumps (Python's ``ConsoleSpanExporter``) are read through the
whole-file JSON splitter.

One call per span that carries usage: ``gen_ai.usage.*`` (also the deprecated
``prompt_tokens``/``completion_tokens``), OpenInference ``llm.token_count.*``,
Vercel AI SDK ``ai.usage.*``. The semantic conventions put cache reads/writes
*inside* the input count and reasoning inside the output; a span whose cache
is larger than its input breaks that rule, so its input is taken as uncached
(and reasoning larger than the output is taken as additional output).

Roll-ups are never counted: a span with usage whose descendants in the same
trace also carry usage is skipped when it is not itself a model call (agent,
workflow, chain, ``ai.generateText`` spans) or when its usage equals the sum of
its nearest usage-carrying descendants (a wrapper repeating its child's call).

Lines are not independent for that check: spans are kept per trace and decided
at the end of the file, as lines are not in time order (a root may be written
before its children). Only when very many spans are waiting (a huge file) are the
oldest traces whose root has arrived decided early, to bound memory. A trace split over two files (a
rotated collector file) is decided per file: a roll-up in one file whose
children are all in the other is counted.

Dedup key ``otel:<traceId>:<spanId>``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from desktop.logs.fields import LABEL_TEXT_LIMIT, flatten_labels, number_or_none, status_of
from desktop.logs.formats.base import Detection, LogFormat, ReadContext, Sample
from desktop.logs.formats.langfuse import usage_buckets
from desktop.record import BadRecord, CallRecord, Labels, Problem, optional_tokens
from desktop.timeutil import TimestampError, parse_timestamp

INPUT_KEYS = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "llm.token_count.prompt",
    "ai.usage.inputTokens",
    "ai.usage.promptTokens",
)
OUTPUT_KEYS = (
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
    "ai.usage.outputTokens",
    "ai.usage.completionTokens",
)
CACHE_READ_KEYS = (
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "llm.token_count.prompt_details.cache_read",
    "ai.usage.inputTokenDetails.cacheReadTokens",
    "ai.usage.cachedInputTokens",
)
CACHE_WRITE_KEYS = (
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_write.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
    "llm.token_count.prompt_details.cache_write",
    "ai.usage.inputTokenDetails.cacheWriteTokens",
)
REASONING_KEYS = (
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
    "llm.token_count.completion_details.reasoning",
    "ai.usage.outputTokenDetails.reasoningTokens",
    "ai.usage.reasoningTokens",
)
LANGFUSE_USAGE_KEY = "langfuse.observation.usage_details"
MODEL_KEYS = (
    "gen_ai.response.model",
    "gen_ai.request.model",
    "llm.model_name",
    "ai.model.id",
    "langfuse.observation.model.name",
)
PROVIDER_KEYS = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
CONVERSATION_KEYS = (
    "gen_ai.conversation.id",
    "session.id",
    "copilot_chat.session_id",
    "copilot_chat.chat_session_id",
    "langfuse.session.id",
)
COST_KEYS = (
    "gen_ai.usage.cost",
    "gen_ai.cost.usd",
    "gen_ai.usage.cost_usd",
    "llm.cost.total",
    "cost_usd",
)
LANGFUSE_COST_KEY = "langfuse.observation.cost_details"  # a JSON string: {"total": …}
OPERATION_KEY = "gen_ai.operation.name"
MODEL_OPERATIONS = frozenset(
    ("chat", "text_completion", "generate_content", "embeddings", "completion", "embedding")
)
MODEL_SPAN_KINDS = frozenset(("LLM", "EMBEDDING"))
MODEL_SPAN_SUFFIXES = (".doGenerate", ".doStream", ".doEmbed")
USAGE_KEYS = frozenset((*INPUT_KEYS, *OUTPUT_KEYS, LANGFUSE_USAGE_KEY))
CONSUMED = frozenset(
    (
        *INPUT_KEYS,
        *OUTPUT_KEYS,
        *CACHE_READ_KEYS,
        *CACHE_WRITE_KEYS,
        *REASONING_KEYS,
        *MODEL_KEYS,
        *PROVIDER_KEYS,
        *CONVERSATION_KEYS,
        *COST_KEYS,
        LANGFUSE_USAGE_KEY,
        LANGFUSE_COST_KEY,
        "gen_ai.response.id",
        "gen_ai.usage.total_tokens",
        "llm.token_count.total",
        "ai.usage.totalTokens",
        "ai.model.provider",
        "error.type",
    )
)
# Attributes that hold prompt/response text or tool schemas: never labels.
CONTENT_MARKERS = (
    "prompt",
    "completion",
    "content",
    "messages",
    "input.value",
    "output.value",
    "gen_ai.input",
    "gen_ai.output",
    "system_instructions",
    "tool.definitions",
    "llm.tools",
    "invocation_parameters",
    "ai.response",
    "ai.toolCall",
    "ai.values",
    "ai.value",
)
RESOURCE_SKIP_PREFIXES = ("telemetry.", "process.")
_INDEXED = re.compile(r"\.\d+(\.|$)")
_HEX = re.compile(r"[0-9a-fA-F]+")

PROVIDERS = {
    "aws.bedrock": "aws-bedrock",
    "aws_bedrock": "aws-bedrock",
    "bedrock": "aws-bedrock",
    "amazon-bedrock": "aws-bedrock",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "az.ai.openai": "azure",
    "az.ai.inference": "azure",
    "azure": "azure",
    "gcp.gemini": "google",
    "gcp.gen_ai": "google",
    "gemini": "google",
    "google": "google",
    "gcp.vertex_ai": "vertex",
    "vertex_ai": "vertex",
    "vertexai": "vertex",
    "google-vertex": "vertex",
    "google.vertex": "vertex",
    "azure-openai": "azure",
    "mistral_ai": "mistral",
    "mistralai": "mistral",
    "x_ai": "xai",
    "xai": "xai",
}


@dataclass(slots=True)
class Span:
    trace_id: str | None
    span_id: str | None
    parent_id: str | None
    name: str | None
    attrs: dict[str, Any]
    resource: dict[str, Any]
    start: Any  # raw start time (decoded later, so a bad one is that span's problem)
    end: Any
    status_code: Any
    status_message: Any
    line: int
    offset: int

    @property
    def has_usage(self) -> bool:
        return any(k in self.attrs for k in USAGE_KEYS)

    @property
    def headline(self) -> int:
        """Input + output as logged: compared between a parent and its children."""
        total = 0
        for keys in (INPUT_KEYS, OUTPUT_KEYS):
            value = _first(self.attrs, keys)
            if type(value) is int:
                total += value
        return total

    @property
    def is_model_call(self) -> bool:
        op = self.attrs.get(OPERATION_KEY)
        if isinstance(op, str):
            return op in MODEL_OPERATIONS
        kind = self.attrs.get("openinference.span.kind")
        if isinstance(kind, str):
            return kind.upper() in MODEL_SPAN_KINDS
        if self.attrs.get("traceloop.span.kind") in ("workflow", "task", "agent", "tool"):
            return False
        name = self.name or ""
        if name.startswith("ai.") or "ai.operationId" in self.attrs:
            return name.endswith(MODEL_SPAN_SUFFIXES)
        return True


@dataclass(slots=True)
class _Trace:
    parents: dict[str, str | None] = field(default_factory=dict)
    usage: list[Span] = field(default_factory=list)


# -- decoding ------------------------------------------------------------------------


def _first(attrs: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = attrs.get(key)
        if value is not None:
            return value
    return None


def _any_value(value: Any) -> Any:
    """An OTLP ``AnyValue`` as a plain value."""
    if not isinstance(value, dict):
        return value
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        raw = value["intValue"]
        if isinstance(raw, str) and raw.lstrip("-").isdigit():
            return int(raw)
        return raw
    if "doubleValue" in value:
        raw = value["doubleValue"]
        if isinstance(raw, str):
            try:
                return float(raw)
            except ValueError:
                return raw
        return raw
    if "boolValue" in value:
        return value["boolValue"]
    if "arrayValue" in value:
        items = value["arrayValue"].get("values") if isinstance(value["arrayValue"], dict) else None
        return [_any_value(v) for v in items or []]
    if "kvlistValue" in value:
        kv = value["kvlistValue"]
        return _attributes(kv.get("values") if isinstance(kv, dict) else None)
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def _attributes(value: Any) -> dict[str, Any]:
    """OTLP ``[{key, value}]`` lists or an already flat map, as a flat dict."""
    if isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                out[item["key"]] = _any_value(item.get("value"))
    return out


def normalise_id(value: Any) -> str | None:
    """Trace/span ids as lowercase hex, from hex, ``0x…`` hex or protobuf base64."""
    if not isinstance(value, str) or not value:
        return None
    text = value[2:] if value.startswith(("0x", "0X")) else value
    if len(text) in (16, 32) and _HEX.fullmatch(text):
        return text.lower()
    if len(text) in (12, 24):
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return text
        if len(raw) in (8, 16):
            return raw.hex()
    if _HEX.fullmatch(text):
        return text.lower()
    return text


def _seconds(value: Any, name: str) -> float | None:
    """Epoch seconds from ns (number or text), ``[s, ns]`` hrTime or ISO text."""
    if value is None or value == "" or value == 0 or value == "0":
        return None
    if isinstance(value, list) and len(value) == 2:
        s, ns = value
        if isinstance(s, int | float) and isinstance(ns, int | float):
            return float(s) + float(ns) / 1e9
        raise BadRecord(f"{name} is not a [seconds, nanos] pair")
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        raise BadRecord(f"{name}: {exc}") from None


def otlp_spans(obj: dict[str, Any], line: int, offset: int) -> Iterator[Span]:
    """Spans of one ``resourceSpans`` batch."""
    batches = obj.get("resourceSpans")
    if not isinstance(batches, list):
        raise BadRecord("resourceSpans is not a list")
    for batch in batches:
        if not isinstance(batch, dict):
            continue
        resource = batch.get("resource")
        resource_attrs = (
            _attributes(resource.get("attributes")) if isinstance(resource, dict) else {}
        )
        scopes = batch.get("scopeSpans") or batch.get("instrumentationLibrarySpans") or []
        for scope in scopes if isinstance(scopes, list) else []:
            spans = scope.get("spans") if isinstance(scope, dict) else None
            for span in spans if isinstance(spans, list) else []:
                if not isinstance(span, dict):
                    continue
                status = span.get("status") if isinstance(span.get("status"), dict) else {}
                yield Span(
                    normalise_id(span.get("traceId")),
                    normalise_id(span.get("spanId")),
                    normalise_id(span.get("parentSpanId")),
                    span.get("name") if isinstance(span.get("name"), str) else None,
                    _attributes(span.get("attributes")),
                    resource_attrs,
                    span.get("startTimeUnixNano"),
                    span.get("endTimeUnixNano"),
                    status.get("code"),
                    status.get("message"),
                    line,
                    offset,
                )


def _nested(obj: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)  # type: ignore[assignment]
    return obj


def is_flat_span(obj: dict[str, Any]) -> bool:
    has_ids = (
        "traceId" in obj
        or isinstance(obj.get("spanContext"), dict)
        or isinstance(obj.get("context"), dict)
    )
    return has_ids and isinstance(obj.get("attributes"), dict | list) and obj.get("type") != "log"


def flat_span(obj: dict[str, Any], line: int, offset: int) -> Span:
    """A span from an SDK-native dump (JS/Python console exporters, Copilot CLI)."""
    trace_id = obj.get("traceId") or _nested(obj, "spanContext", "traceId")
    trace_id = trace_id or _nested(obj, "context", "trace_id")
    span_id = obj.get("spanId") or obj.get("id") or _nested(obj, "spanContext", "spanId")
    span_id = span_id or _nested(obj, "context", "span_id")
    parent = obj.get("parentSpanId") or obj.get("parentId") or obj.get("parent_id")
    parent = parent or _nested(obj, "parentSpanContext", "spanId")
    start: Any = obj.get("startTimeUnixNano") or obj.get("startTime") or obj.get("start_time")
    end: Any = obj.get("endTimeUnixNano") or obj.get("endTime") or obj.get("end_time")
    if start is None and obj.get("timestamp") is not None:
        start = obj["timestamp"]  # JS: µs since the epoch, with a µs duration
        duration = obj.get("duration")
        if isinstance(duration, int | float) and isinstance(start, int | float):
            end = start + duration
        elif isinstance(duration, list) and len(duration) == 2 and isinstance(start, int | float):
            end = start + duration[0] * 1e6 + duration[1] / 1e3
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    code = status.get("code", status.get("status_code"))
    resource = obj.get("resource")
    resource_attrs = _attributes(resource.get("attributes")) if isinstance(resource, dict) else {}
    return Span(
        normalise_id(trace_id),
        normalise_id(span_id),
        normalise_id(parent),
        obj.get("name") if isinstance(obj.get("name"), str) else None,
        _attributes(obj.get("attributes")),
        resource_attrs,
        start,
        end,
        code,
        status.get("message", status.get("description")),
        line,
        offset,
    )


# -- records ---------------------------------------------------------------------------


# The Vercel AI SDK names its providers "<provider>.<api>" ("openai.chat",
# "anthropic.messages", "google.generative-ai"), in ai.model.provider and gen_ai.system.
_VERCEL_PROVIDER = re.compile(
    r"(.+?)\.(?:chat|responses|completion|messages|embedding|generative-ai|image|"
    r"transcription|speech)$"
)


def _provider(attrs: dict[str, Any]) -> str | None:
    value = _first(attrs, PROVIDER_KEYS)
    if not isinstance(value, str):
        value = attrs.get("ai.model.provider")
        if not isinstance(value, str):
            return None
    low = value.strip().lower()
    if low not in PROVIDERS:
        vercel = _VERCEL_PROVIDER.match(low)
        if vercel is not None:
            low = vercel.group(1)
    return PROVIDERS.get(low, low) or None


def _is_error(code: Any) -> bool:
    if isinstance(code, int) and not isinstance(code, bool):
        return code == 2
    if isinstance(code, str):
        return code.upper().endswith("ERROR")
    return False


def span_buckets(attrs: dict[str, Any]) -> tuple[int, int, int, int, int, int]:
    """Disjoint buckets from a span's usage attributes (semconv: cache inside input)."""
    if not any(k in attrs for k in (*INPUT_KEYS, *OUTPUT_KEYS)) and LANGFUSE_USAGE_KEY in attrs:
        # Langfuse-flavoured OTLP: Langfuse's disjoint usage keys as a JSON string.
        details = attrs[LANGFUSE_USAGE_KEY]
        if isinstance(details, str):
            try:
                details = orjson.loads(details)
            except orjson.JSONDecodeError:
                raise BadRecord(f"{LANGFUSE_USAGE_KEY} is not valid JSON") from None
        if not isinstance(details, dict):
            raise BadRecord(f"{LANGFUSE_USAGE_KEY} is not an object")
        return usage_buckets(details)
    inp = optional_tokens(_first(attrs, INPUT_KEYS), "input tokens")
    out = optional_tokens(_first(attrs, OUTPUT_KEYS), "output tokens")
    read = optional_tokens(_first(attrs, CACHE_READ_KEYS), "cache read tokens")
    written = optional_tokens(_first(attrs, CACHE_WRITE_KEYS), "cache write tokens")
    reasoning = optional_tokens(_first(attrs, REASONING_KEYS), "reasoning tokens")
    if read + written <= inp:
        inp -= read + written
    # else: the instrumentation counted input without the cache.
    if reasoning > out:
        out += reasoning  # the instrumentation counted output without reasoning
    return inp, read, written, 0, out, reasoning


def _labels(span: Span) -> Labels:
    labels: Labels = {}
    resource = {k: v for k, v in span.resource.items() if not k.startswith(RESOURCE_SKIP_PREFIXES)}
    flatten_labels(resource, frozenset(), into=labels)
    if span.name:
        labels["span.name"] = span.name
    attrs = {
        k: v
        for k, v in span.attrs.items()
        if k not in CONSUMED
        and not _INDEXED.search(k)
        and not any(marker in k for marker in CONTENT_MARKERS)
        and not (isinstance(v, str) and len(v) > LABEL_TEXT_LIMIT)
    }
    flatten_labels(attrs, frozenset(), into=labels)
    return labels


def _langfuse_cost(details: Any) -> Any:
    """The total of Langfuse's cost details (a JSON string, or already an object)."""
    if isinstance(details, str):
        try:
            details = orjson.loads(details)
        except orjson.JSONDecodeError:
            raise BadRecord(f"{LANGFUSE_COST_KEY} is not JSON") from None
    return details.get("total") if isinstance(details, dict) else None


def span_record(span: Span) -> CallRecord:
    attrs = span.attrs
    buckets = span_buckets(attrs)
    start = _seconds(span.start, "start time")
    if start is None:
        raise BadRecord("span has no start time")
    end = _seconds(span.end, "end time")
    latency = (end - start) * 1000.0 if end is not None and end >= start else None
    error_type = attrs.get("error.type")
    if _is_error(span.status_code) or error_type:
        message = span.status_message or error_type or "error"
        status, error = "error", str(message)
    else:
        status, error = status_of(None, None)
    model = _first(attrs, MODEL_KEYS)
    conversation = _first(attrs, CONVERSATION_KEYS)
    response_id = attrs.get("gen_ai.response.id")
    cost = _first(attrs, COST_KEYS)
    if cost is None and LANGFUSE_COST_KEY in attrs:
        cost = _langfuse_cost(attrs[LANGFUSE_COST_KEY])
    key = f"otel:{span.trace_id}:{span.span_id}" if span.trace_id and span.span_id else None
    return CallRecord(
        start,
        _provider(attrs),
        model if isinstance(model, str) else None,
        None,
        *buckets,
        0,
        response_id if isinstance(response_id, str) else None,
        span.span_id,
        str(conversation) if isinstance(conversation, str | int) else None,
        span.trace_id,
        span.parent_id,
        status,
        error,
        latency,
        number_or_none(cost, "cost") if isinstance(cost, int | float) else None,
        span.line,
        span.offset,
        key,
        0.0,
        _labels(span) or None,
    )


def decide(trace: _Trace) -> Iterator[CallRecord | Problem]:
    """Records of a trace's usage spans, without roll-ups of their children."""
    by_id = {s.span_id: s for s in trace.usage if s.span_id}
    child_sum: dict[str, int] = {}
    for span in trace.usage:
        ancestor = _nearest_usage_ancestor(span, trace.parents, by_id)
        if ancestor is not None:
            child_sum[ancestor] = child_sum.get(ancestor, 0) + span.headline
    for span in trace.usage:
        if span.span_id in child_sum and (
            not span.is_model_call or span.headline == child_sum[span.span_id]
        ):
            continue  # a roll-up of calls counted in its children
        try:
            yield span_record(span)
        except BadRecord as exc:
            label = f"span {span.name!r}" if span.name else "span"
            yield Problem(span.line, f"{label}: {exc}", span.offset)


def _nearest_usage_ancestor(
    span: Span, parents: dict[str, str | None], usage: dict[str | None, Span]
) -> str | None:
    current = span.parent_id
    for _ in range(256):  # guards against a cycle in broken data
        if not current:
            return None
        if current in usage:
            return current
        current = parents.get(current)
    return None


PENDING_SPANS = 200_000  # spans held (usage, or a link of a trace) before traces are decided


class OtelSpans(LogFormat):
    id = "otel"
    title = "OpenTelemetry GenAI spans"
    samples = (
        '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":'
        '{"stringValue":"ticket-bot"}}]},"scopeSpans":[{"scope":{"name":"openai"},"spans":'
        '[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",'
        '"parentSpanId":"","name":"chat gpt-4.1-mini","kind":3,'
        '"startTimeUnixNano":"1783050000120000000","endTimeUnixNano":"1783050003970000000",'
        '"attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},'
        '{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4.1-mini"}},'
        '{"key":"gen_ai.usage.input_tokens","value":{"intValue":"2048"}},'
        '{"key":"gen_ai.usage.output_tokens","value":{"intValue":"310"}}],'
        '"status":{"code":1}}]}]}]}',
        '{"type":"span","traceId":"5b8aa5a2d2c872e8321cf37308d69df2",'
        '"spanId":"051581bf3cb55c13","name":"chat claude-sonnet-4.5","startTime":[1783050000,'
        '120000000],"endTime":[1783050002,0],"attributes":{"gen_ai.operation.name":"chat",'
        '"gen_ai.request.model":"claude-sonnet-4.5","gen_ai.usage.input_tokens":5200,'
        '"gen_ai.usage.output_tokens":120,"gen_ai.usage.cache_read.input_tokens":4096}}',
    )

    def sniff(self, sample: Sample) -> Detection | None:
        objects = sample.dicts()
        batches = [o for o in objects if "resourceSpans" in o]
        flat = [o for o in objects if is_flat_span(o)]
        if batches:
            spans = usage = 0
            for batch in batches:
                try:
                    for span in otlp_spans(batch, 0, 0):
                        spans += 1
                        usage += span.has_usage
                except BadRecord:
                    continue
            if usage:
                return Detection(
                    self.id,
                    0.95,
                    f"OTLP/JSON traces: {usage} of {spans} spans in the first "
                    f"{len(batches)} batches carry GenAI usage attributes",
                )
            return Detection(
                self.id,
                0.4,
                f"OTLP/JSON traces ({spans} spans sampled, none with GenAI usage yet)",
            )
        if flat:
            usage = sum(
                1 for o in flat if any(k in _attributes(o["attributes"]) for k in USAGE_KEYS)
            )
            if usage:
                return Detection(
                    self.id,
                    0.9,
                    f"OpenTelemetry span dump: {usage} of {len(flat)} sampled spans carry "
                    "GenAI usage attributes (gen_ai.usage.*, llm.token_count.*, ai.usage.*)",
                )
        if (
            not objects
            and sample.layout == "json-document"
            and b'"resourceSpans"' in sample.first_bytes
        ):
            return Detection(self.id, 0.6, "OTLP/JSON traces (one large JSON document)")
        return None

    def records(
        self, objects: Iterable[tuple[int, int, Any]], ctx: ReadContext
    ) -> Iterator[CallRecord | Problem]:
        traces: dict[str, _Trace] = {}
        rooted: dict[str, None] = {}  # traces whose root has arrived, oldest first
        pending = 0  # spans kept for undecided traces
        for line, offset, obj in objects:
            if not isinstance(obj, dict):
                yield Problem(line, "not a JSON object", offset)
                continue
            try:
                if "resourceSpans" in obj:
                    spans = list(otlp_spans(obj, line, offset))
                elif is_flat_span(obj):
                    spans = [flat_span(obj, line, offset)]
                else:
                    continue  # logs, metrics, other events: not calls
            except BadRecord as exc:
                yield Problem(line, str(exc), offset)
                continue
            for span in spans:
                if not span.trace_id:
                    if span.has_usage:  # no trace: nothing to roll up into
                        yield from decide(_Trace(usage=[span]))
                    continue
                trace = traces.get(span.trace_id)
                if trace is None:
                    trace = traces[span.trace_id] = _Trace()
                if span.span_id:
                    trace.parents[span.span_id] = span.parent_id
                    pending += 1
                if span.has_usage:
                    trace.usage.append(span)
                    pending += 1
                if not span.parent_id:
                    rooted[span.trace_id] = None
            while pending > PENDING_SPANS and rooted:
                trace_id = next(iter(rooted))
                del rooted[trace_id]
                finished = traces.pop(trace_id, None)
                if finished is not None:
                    pending -= len(finished.usage) + len(finished.parents)
                    yield from decide(finished)
        for trace in traces.values():
            yield from decide(trace)

    def turn_text(self, raw: Any) -> tuple[str | None, str | None]:
        """Prompt/response of a flat span dump (OTLP batches hold many spans: none)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("attributes"), dict):
            return None, None
        attrs = raw["attributes"]
        prompt = _indexed_text(attrs, "gen_ai.prompt", "user") or _text_attr(
            attrs, ("input.value", "ai.prompt")
        )
        response = _indexed_text(attrs, "gen_ai.completion", None) or _text_attr(
            attrs, ("output.value", "ai.response.text")
        )
        return prompt, response


def _text_attr(attrs: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    value = _first(attrs, keys)
    return value if isinstance(value, str) else None


def _indexed_text(attrs: dict[str, Any], prefix: str, role: str | None) -> str | None:
    """The last ``<prefix>.N.content`` (with the given role, when one is asked for)."""
    best: tuple[int, str] | None = None
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)\.content$")
    for key, value in attrs.items():
        m = pattern.match(key)
        if not m or not isinstance(value, str):
            continue
        n = int(m.group(1))
        if role is not None and attrs.get(f"{prefix}.{n}.role") not in (role, None):
            continue
        if best is None or n > best[0]:
            best = (n, value)
    return None if best is None else best[1]
