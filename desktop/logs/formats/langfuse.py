"""Langfuse observation exports: public API objects and blob-storage exports.

**API objects** (camelCase, ``GET /api/public/observations`` and the SDKs):
``type``, ``traceId``, ``startTime``, ``model``, ``usageDetails``,
``costDetails``, ``calculatedTotalCost``, ``latency`` (seconds) …
**Blob-storage export** (snake_case, ``observations_v2``): ``trace_id``,
``start_time`` as ``YYYY-MM-DD HH:MM:SS.ffffff`` UTC without an offset,
``provided_model_name``, ``usage_details``, ``cost_details``, ``total_cost``,
``session_id``, ``user_id``, ``trace_name``, ``tags``. JSONL or a JSON array.

Only model calls are calls: ``GENERATION`` observations, and ``EMBEDDING``
ones (Langfuse's embedding-call type, which carries usage and cost the same
way). Spans, events, agents, tools … are not.

Usage keys are meant to be disjoint and additive (Langfuse sums every key
containing "input" as input): ``input`` is uncached input,
``input_cached_tokens``/``cache_read_input_tokens`` cache reads,
``cache_creation_input_tokens`` cache writes, ``output`` plus
``output_reasoning_tokens`` the output. Integrations do not all follow that;
when ``total`` is given and matches only with the cache inside ``input`` (or
reasoning inside ``output``), that reading is used instead.

**Legacy blob export**: ``observations/`` files hold no trace fields; they sit in
a ``traces/`` folder beside them and are joined on the trace id, so each call gets
its trace's session, user, tags, release and name (an observation's own value wins).

A GENERATION without any usage is a Problem ("no usage recorded"), unless it
failed (level ERROR): then it is a zero-token call with status error.
Dedup ``langfuse:<id>``; rank = ``updatedAt`` so a later export of an
observation (finished usage) replaces an earlier one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from desktop.logs.fields import flatten_labels, number_or_none, text_or_none
from desktop.logs.formats.base import Detection, LineFormat, ReadContext, Sample
from desktop.logs.source import SourceError
from desktop.record import BadRecord, CallRecord, Labels, Problem, optional_tokens, token_count
from desktop.timeutil import TimestampError, parse_timestamp

CALL_TYPES = frozenset(("GENERATION", "EMBEDDING"))
OBSERVATION_TYPES = frozenset(
    (
        "GENERATION",
        "EMBEDDING",
        "SPAN",
        "EVENT",
        "AGENT",
        "TOOL",
        "CHAIN",
        "RETRIEVER",
        "EVALUATOR",
        "GUARDRAIL",
    )
)
TOTAL_KEYS = frozenset(("total", "total_tokens", "totaltokens"))
Buckets = tuple[int, int, int, int, int, int]


def usage_buckets(details: dict[str, Any]) -> Buckets:
    """Disjoint buckets from a Langfuse usage-details map."""
    inp = read = out = reasoning = 0
    write_total = write_5m = write_1h = 0
    total = None
    for key, value in details.items():
        k = str(key).lower()
        name = f"usage_details.{key}"
        if k in TOTAL_KEYS:
            total = optional_tokens(value, name)
            continue
        if k == "unit":
            continue
        n = optional_tokens(value, name)
        if "cache_read" in k or "cached" in k:
            read += n
        elif "cache_creation" in k or "cache_write" in k:
            if "1h" in k:
                write_1h += n
            elif "5m" in k:
                write_5m += n
            else:
                write_total += n
        elif "reasoning" in k or "thinking" in k or "thought" in k:
            reasoning += n
        elif "input" in k or k.startswith("prompt"):
            inp += n
        elif "output" in k or k.startswith("completion"):
            out += n
    if write_5m or write_1h:
        if write_total > write_5m + write_1h:
            write_5m = write_total - write_1h  # writes without TTL detail are 5-minute
    else:
        write_5m = write_total
    cache = read + write_5m + write_1h
    output = out + reasoning
    if total is not None:
        disjoint = inp + cache + output
        if total != disjoint:
            if cache and reasoning and total == disjoint - cache - reasoning and inp >= cache:
                inp -= cache
                output = out
            elif cache and total == disjoint - cache and inp >= cache:
                inp -= cache  # this integration counted the cache inside "input"
            elif reasoning and total == disjoint - reasoning and out >= reasoning:
                output = out  # and reasoning inside "output"
    return inp, read, write_5m, write_1h, output, reasoning


def _dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value[:1] == "{":
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _pick(obj: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = obj.get(key)
        if value is not None and value != "":
            return value
    return None


def _is_camel(obj: dict[str, Any]) -> bool:
    return "traceId" in obj and (
        "usageDetails" in obj or "usage" in obj or "calculatedTotalCost" in obj
    )


def _is_snake(obj: dict[str, Any]) -> bool:
    return "trace_id" in obj and ("usage_details" in obj or "provided_model_name" in obj)


class LangfuseObservations(LineFormat):
    id = "langfuse"
    title = "Langfuse observations"
    samples = (
        '{"id":"obs_7f3","traceId":"tr_91c","type":"GENERATION","name":"answer",'
        '"startTime":"2026-07-20T11:02:03.120Z","endTime":"2026-07-20T11:02:05.870Z",'
        '"model":"gpt-4.1-mini","usageDetails":{"input":512,"input_cached_tokens":1536,'
        '"output":310,"total":2358},"costDetails":{"total":0.000855},"level":"DEFAULT",'
        '"metadata":{"feature":"search"},"latency":2.75,"environment":"production",'
        '"promptName":"answer-v3"}',
        '{"id":"obs_8a1","trace_id":"tr_77","type":"GENERATION","name":"summarise",'
        '"start_time":"2026-07-20 11:05:00.000000","end_time":"2026-07-20 11:05:01.500000",'
        '"provided_model_name":"claude-sonnet-4-5","usage_details":{"input":40,'
        '"cache_read_input_tokens":9000,"output":220},"cost_details":{"total":0.0065},'
        '"total_cost":0.0065,"session_id":"s_1","user_id":"u_9","trace_name":"support",'
        '"tags":["beta"],"environment":"default","level":"DEFAULT"}',
    )

    def sniff(self, sample: Sample) -> Detection | None:
        objects = sample.dicts()
        typed = [o for o in objects if o.get("type") in OBSERVATION_TYPES]
        camel = sum(1 for o in typed if _is_camel(o))
        snake = sum(1 for o in typed if _is_snake(o))
        if not camel and not snake:
            return None
        share = (camel + snake) / max(len(objects), 1)
        shape = (
            "API objects (traceId, type, usageDetails)"
            if camel >= snake
            else "blob export (trace_id, usage_details, provided_model_name)"
        )
        calls = sum(1 for o in typed if o.get("type") in CALL_TYPES)
        return Detection(
            self.id,
            round(0.75 + 0.2 * share, 3),
            f"Langfuse observations, {shape}: {camel + snake} of {len(objects)} sampled "
            f"records, {calls} of them generations",
        )

    def normalise(self, obj: Any, line: int, offset: int, ctx: ReadContext) -> CallRecord | None:
        if type(obj) is not dict:
            raise BadRecord("not a JSON object")
        kind = obj.get("type")
        if kind not in CALL_TYPES:
            return None
        return _observation(obj, line, offset)

    def records(
        self, objects: Iterable[tuple[int, int, Any]], ctx: ReadContext
    ) -> Iterator[CallRecord | Problem]:
        traces = legacy_traces(ctx.path)
        for item in super().records(objects, ctx):
            if traces and type(item) is CallRecord and item.trace_id in traces:
                item = _with_trace(item, traces[item.trace_id])
            yield item

    def turn_text(self, raw: Any) -> tuple[str | None, str | None]:
        if not isinstance(raw, dict):
            return None, None
        return _text(raw.get("input"), "user"), _text(raw.get("output"), "assistant")


def _text(value: Any, role: str) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        content = value.get("content")
        if isinstance(content, str):
            return content
        messages = value.get("messages")
        return _text(messages, role) if isinstance(messages, list) else None
    if isinstance(value, list):
        for message in reversed(value):
            if isinstance(message, dict) and message.get("role") in (role, None):
                content = message.get("content")
                if isinstance(content, str):
                    return content
    return None


def _time(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        return parse_timestamp(value)
    except TimestampError as exc:
        raise BadRecord(f"{name}: {exc}") from None


def _usage(obj: dict[str, Any]) -> Buckets | None:
    details = _dict(_pick(obj, "usageDetails", "usage_details"))
    if details:
        return usage_buckets(details)
    legacy = _dict(obj.get("usage"))
    unit = legacy.get("unit")
    if legacy and unit not in (None, "TOKENS", "tokens"):
        raise BadRecord(f"usage is counted in {unit}, not tokens")
    if legacy and any(legacy.get(k) is not None for k in ("input", "output")):
        return usage_buckets({k: legacy.get(k) for k in ("input", "output", "total")})
    prompt, completion = obj.get("promptTokens"), obj.get("completionTokens")
    if prompt is not None or completion is not None:
        return (
            token_count(prompt, "promptTokens") if prompt is not None else 0,
            0,
            0,
            0,
            token_count(completion, "completionTokens") if completion is not None else 0,
            0,
        )
    return None


def _cost(obj: dict[str, Any]) -> float | None:
    details = _dict(_pick(obj, "costDetails", "cost_details"))
    for name, value in (
        ("costDetails.total", details.get("total")),
        ("calculatedTotalCost", obj.get("calculatedTotalCost")),
        ("totalCost", obj.get("totalCost")),
        ("total_cost", obj.get("total_cost")),
    ):
        if value is not None:
            return number_or_none(value, name)
    return None


def _labels(obj: dict[str, Any]) -> Labels:
    labels: Labels = {}
    for label, keys in (
        ("name", ("name",)),
        ("environment", ("environment",)),
        ("prompt_name", ("promptName", "prompt_name")),
        ("prompt_version", ("promptVersion", "prompt_version")),
        ("version", ("version",)),
        ("release", ("release",)),
        ("trace_name", ("traceName", "trace_name")),
        ("user_id", ("userId", "user_id")),
    ):
        value = _pick(obj, *keys)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            labels[label] = value
    tags = obj.get("tags")
    if isinstance(tags, list):
        joined = ", ".join(str(t) for t in tags if isinstance(t, str | int | float))
        if joined:
            labels["tags"] = joined
    metadata = _dict(obj.get("metadata"))
    if metadata:
        flatten_labels(metadata, frozenset(), prefix="metadata.", into=labels)
    return labels


# -- legacy blob export: traces beside observations ------------------------------------

TRACE_LABELS = (("user_id", "user_id"), ("release", "release"), ("name", "trace_name"))


def legacy_traces(path: Path) -> dict[str, dict[str, Any]]:
    """Trace id -> the fields of its trace, for an ``observations/`` file of a legacy
    export with a ``traces/`` folder beside it (empty otherwise)."""
    folder = path.parent
    for _ in range(3):  # observations/<file>, or a date folder or two below it
        if folder.name == "observations":
            traces = folder.parent / "traces"
            if traces.is_dir():
                try:
                    files = tuple(
                        (str(p), st.st_size, st.st_mtime_ns)
                        for p in sorted(traces.rglob("*"))
                        if p.is_file() and (st := p.stat())
                    )
                except OSError:
                    return {}
                return _read_traces(files)
            return {}
        folder = folder.parent
    return {}


@lru_cache(maxsize=4)
def _read_traces(files: tuple[tuple[str, int, int], ...]) -> dict[str, dict[str, Any]]:
    """Cached by the files' size and time: each part of a large export asks again."""
    from desktop.logs.reader import open_values  # (the reader imports the formats)

    found: dict[str, dict[str, Any]] = {}
    for name, _size, _mtime in files:
        try:
            for _line, _offset, value in open_values(Path(name)).values():
                if isinstance(value, dict) and isinstance(value.get("id"), str):
                    found[value["id"]] = {
                        k: value[k]
                        for k in ("session_id", "user_id", "tags", "release", "name")
                        if value.get(k) not in (None, "", [])
                    }
        except (OSError, SourceError):
            continue  # an unreadable traces file: the calls still count, unlabelled
    return found


def _with_trace(record: CallRecord, trace: dict[str, Any]) -> CallRecord:
    labels = dict(record.labels or {})
    for key, label in TRACE_LABELS:
        value = trace.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            labels.setdefault(label, value)
    tags = trace.get("tags")
    if isinstance(tags, list) and "tags" not in labels:
        joined = ", ".join(str(t) for t in tags if isinstance(t, str | int | float))
        if joined:
            labels["tags"] = joined
    session = trace.get("session_id")
    return record._replace(
        conversation_id=record.conversation_id or (str(session) if session else None),
        labels=labels or None,
    )


def _observation(obj: dict[str, Any], line: int, offset: int) -> CallRecord:
    level = str(obj.get("level") or "DEFAULT").upper()
    buckets = _usage(obj)
    if buckets is None:
        if level != "ERROR":
            raise BadRecord(f"{obj.get('type')} without usage (no usageDetails): no usage recorded")
        buckets = (0, 0, 0, 0, 0, 0)
    start = _time(_pick(obj, "startTime", "start_time"), "startTime")
    if start is None:
        raise BadRecord("no startTime")
    end = _time(_pick(obj, "endTime", "end_time"), "endTime")
    seconds = number_or_none(obj.get("latency"), "latency")
    if seconds is not None:
        latency: float | None = seconds * 1000.0
    else:
        latency = (end - start) * 1000.0 if end is not None and end >= start else None
    message = text_or_none(_pick(obj, "statusMessage", "status_message"))
    if level == "ERROR":
        status, error = "error", message or "error"
    elif level == "WARNING":
        status, error = "warning", message
    else:
        status, error = "ok", None
    obs_id = text_or_none(obj.get("id"))
    updated = _time(_pick(obj, "updatedAt", "updated_at"), "updatedAt")
    return CallRecord(
        start,
        None,
        text_or_none(_pick(obj, "model", "provided_model_name")),
        None,
        *buckets,
        0,
        None,
        obs_id,
        text_or_none(_pick(obj, "sessionId", "session_id")),
        text_or_none(_pick(obj, "traceId", "trace_id")),
        text_or_none(_pick(obj, "parentObservationId", "parent_observation_id")),
        status,
        error,
        latency,
        _cost(obj),
        line,
        offset,
        f"langfuse:{obs_id}" if obs_id else None,
        updated or 0.0,
        _labels(obj) or None,
    )
