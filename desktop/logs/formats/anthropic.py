"""Anthropic Messages API objects logged raw: messages, streaming events, batch results.

Token inclusion (Anthropic naming): ``input_tokens`` EXCLUDES cache reads and
writes; ``cache_creation`` splits writes by TTL; ``output_tokens`` includes
thinking, and ``output_tokens_details.thinking_tokens`` is its reasoning subset.

Message objects carry no timestamp and no request id: the wrapper's time, else
the file's modification time (flagged by the ``ts_source`` label), stands in.

Streams: a log of raw server-sent events holds ``message_start`` (id, model and a
usage snapshot), content blocks, then ``message_delta`` whose usage is final and
supersedes the start's, input too (server tools add input while the message
runs). The stream reader merges the deltas over the start and makes one call per
message at ``message_stop`` (or when the next message starts, or the file ends).

Batch results: only ``succeeded`` lines were billed (at the batch rate); errored,
canceled and expired requests become zero-token rows with their status and error,
visible but free.

Dedup: ``anthropic:<message id>``; the copy with the largest total wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from desktop.logs import usage as usage_mod
from desktop.logs.fields import text_or_none
from desktop.logs.formats.base import ReadContext
from desktop.logs.formats.wrapped import (
    NO_TOKENS,
    ApiFormat,
    Envelope,
    Shape,
    Survey,
    build,
    error_text,
    locate,
    span_ms,
    text_of,
)
from desktop.record import (
    BadRecord,
    CallRecord,
    Labels,
    Problem,
    normalise_service_tier,
    optional_tokens,
    tier_with_geo,
    tier_with_speed,
)

LABEL_KEYS = ("inference_geo", "speed")


def message_call(
    obj: dict[str, Any],
    env: Envelope | None,
    line: int,
    offset: int,
    ctx: ReadContext,
    *,
    usage: dict[str, Any] | None = None,
    tier: str | None = None,
    status: str = "ok",
    error: str | None = None,
    latency_ms: float | None = None,
    labels: Labels | None = None,
) -> CallRecord:
    """One message; ``usage`` replaces the object's own (a stream's merged usage)."""
    if usage is None:
        usage = obj.get("usage")
        if not isinstance(usage, dict):
            raise BadRecord("message without usage")
    buckets = usage_mod.anthropic(usage)
    tools = usage.get("server_tool_use")
    web = 0
    if isinstance(tools, dict):
        web = optional_tokens(
            tools.get("web_search_requests"), "server_tool_use.web_search_requests"
        )
    labels = dict(labels or {})
    for key in LABEL_KEYS:
        value = text_or_none(usage.get(key))
        if value is not None:
            labels[key] = value
    stop = obj.get("stop_reason")
    if isinstance(stop, str):
        labels["stop_reason"] = stop
    ident = text_or_none(obj.get("id"))
    return build(
        env,
        ctx,
        line,
        offset,
        ts=None,
        provider="anthropic",
        model=text_or_none(obj.get("model")),
        tier=tier_with_geo(
            tier_with_speed(
                tier or normalise_service_tier(usage.get("service_tier")), usage.get("speed")
            ),
            usage.get("inference_geo"),
        ),
        buckets=buckets,
        web=web,
        message_id=ident,
        status=status,
        error=error,
        latency_ms=latency_ms,
        dedup_key=f"anthropic:{ident}" if ident else None,
        labels=labels,
    )


def message_text(obj: dict[str, Any]) -> str | None:
    return text_of(obj.get("content"))


# -- Message Batches results -----------------------------------------------------------

RESULT_TYPES = frozenset(("succeeded", "errored", "canceled", "expired"))


def batch_call(
    obj: dict[str, Any], env: Envelope | None, line: int, offset: int, ctx: ReadContext
) -> CallRecord:
    custom_id = text_or_none(obj.get("custom_id"))
    labels: Labels = {"custom_id": custom_id} if custom_id is not None else {}
    result = obj["result"]
    kind = result["type"]
    if kind == "succeeded":
        message = result.get("message")
        if not isinstance(message, dict):
            raise BadRecord("succeeded batch result without a message")
        return message_call(message, env, line, offset, ctx, tier="batch", labels=labels)
    # Not billed: keep the request visible at no cost. custom_id is only unique
    # within one batch, so these rows have no dedup key.
    return build(
        env,
        ctx,
        line,
        offset,
        ts=None,
        provider="anthropic",
        model=None,
        tier="batch",
        buckets=NO_TOKENS,
        status="error" if kind == "errored" else kind,
        error=error_text(result.get("error")) or kind,
        labels=labels,
    )


def _is_batch(obj: dict[str, Any]) -> bool:
    result = obj.get("result")
    return "custom_id" in obj and isinstance(result, dict) and result.get("type") in RESULT_TYPES


def batch_text(obj: dict[str, Any]) -> str | None:
    message = obj["result"].get("message")
    return message_text(message) if isinstance(message, dict) else None


# -- streaming events ------------------------------------------------------------------

EVENT_TYPES = frozenset(
    (
        "message_start",
        "message_delta",
        "message_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "ping",
    )
)


def _is_event(obj: dict[str, Any]) -> bool:
    kind = obj.get("type")
    if kind in EVENT_TYPES:
        return True
    error = obj.get("error")
    return kind == "error" and isinstance(error, dict) and "type" in error


def event_text(obj: dict[str, Any]) -> str | None:
    delta = obj.get("delta")
    if isinstance(delta, dict) and isinstance(delta.get("text"), str):
        return delta["text"]
    block = obj.get("content_block")
    if isinstance(block, dict) and isinstance(block.get("text"), str):
        return block["text"]
    return None


@dataclass(slots=True)
class _Stream:
    """One message being streamed: its start, and the usage merged so far."""

    line: int
    offset: int
    env: Envelope | None
    message: dict[str, Any]
    usage: dict[str, Any]
    start_ts: float | None
    end_ts: float | None = None
    delta_seen: bool = False
    stop_reason: str | None = None
    error: str | None = None
    labels: Labels = field(default_factory=dict)


class StreamAssembler:
    """Turns ordered streaming events into one call per message.

    Events after ``message_start`` carry no message id, so concurrent streams can
    only be told apart by a wrapper's request id; without one, events belong to
    the latest started message.
    """

    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        self.open: dict[str | None, _Stream] = {}

    def feed(
        self, event: dict[str, Any], env: Envelope | None, line: int, offset: int
    ) -> list[CallRecord | Problem]:
        kind = event.get("type")
        key = env.request_id if env is not None else None
        now = env.timestamp() if env is not None and env.ts_key is not None else None
        out: list[CallRecord | Problem] = []
        if kind == "message_start":
            if key in self.open:
                out.append(self._emit(self.open.pop(key)))  # the previous one never stopped
            message = event.get("message")
            if not isinstance(message, dict):
                out.append(Problem(line, "message_start without a message object", offset))
                return out
            usage = message.get("usage")
            self.open[key] = _Stream(
                line, offset, env, message, dict(usage) if isinstance(usage, dict) else {}, now
            )
            return out
        stream = self.open.get(key)
        if stream is None:
            if kind == "message_delta":
                reason = "message_delta without a preceding message_start in this file"
                return [Problem(line, reason, offset)]
            return out
        if now is not None:
            stream.end_ts = now
        if kind == "message_delta":
            usage = event.get("usage")
            if isinstance(usage, dict):
                # The delta's counts are final: they replace the start's, input too.
                stream.usage.update({k: v for k, v in usage.items() if v is not None})
            stream.delta_seen = True
            delta = event.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("stop_reason"), str):
                stream.stop_reason = delta["stop_reason"]
        elif kind == "message_stop":
            out.append(self._emit(self.open.pop(key)))
        elif kind == "error":
            stream.error = error_text(event.get("error")) or "stream error"
            out.append(self._emit(self.open.pop(key)))
        return out

    def finish(self) -> list[CallRecord | Problem]:
        """The messages still open when the file ends (cut off, or still being written)."""
        out = [self._emit(stream) for stream in self.open.values()]
        self.open.clear()
        return out

    def _emit(self, stream: _Stream) -> CallRecord | Problem:
        message = dict(stream.message)
        if stream.stop_reason is not None:
            message["stop_reason"] = stream.stop_reason
        if stream.error is not None:
            status = "error"
        elif not stream.delta_seen:
            status = "incomplete"  # only the start's usage snapshot is known
        else:
            status = "ok"
        try:
            return message_call(
                message,
                stream.env,
                stream.line,
                stream.offset,
                self.ctx,
                usage=stream.usage,
                status=status,
                error=stream.error,
                latency_ms=span_ms(stream.start_ts, stream.end_ts),
            )
        except BadRecord as exc:
            return Problem(stream.line, str(exc), stream.offset)


# -- shapes and formats ----------------------------------------------------------------

SHAPES = (
    Shape(
        "anthropic-batch",
        "anthropic-batch",
        "Anthropic Message Batches results",
        "custom_id with result.type succeeded/errored/canceled/expired",
        _is_batch,
        batch_call,
        response_text=batch_text,
        keys=frozenset(("custom_id",)),
    ),
    Shape(
        "anthropic-event",
        "anthropic-stream",
        "Anthropic streaming events",
        "type=message_start/content_block_*/message_delta",
        _is_event,
        lambda obj, env, line, offset, ctx: None,  # only the stream reader assembles these
        response_text=event_text,
        stream_event=True,
        keys=frozenset(("type",)),
    ),
    Shape(
        "anthropic-message",
        "anthropic",
        "Anthropic Messages",
        "type=message with usage.input_tokens (cache counted apart)",
        lambda o: o.get("type") == "message" and isinstance(o.get("usage"), dict),
        message_call,
        response_text=message_text,
        keys=frozenset(("type",)),
    ),
)


class AnthropicMessages(ApiFormat):
    id = "anthropic"
    title = "Anthropic Messages"
    samples = (
        '{"id":"msg_01AbCd","type":"message","role":"assistant","model":"claude-opus-4-6",'
        '"content":[{"type":"text","text":"Done."}],"stop_reason":"end_turn",'
        '"usage":{"input_tokens":512,"cache_creation_input_tokens":2200,'
        '"cache_read_input_tokens":18000,"cache_creation":{"ephemeral_5m_input_tokens":2200,'
        '"ephemeral_1h_input_tokens":0},"output_tokens":733,'
        '"output_tokens_details":{"thinking_tokens":410},'
        '"server_tool_use":{"web_search_requests":2},"service_tier":"standard",'
        '"inference_geo":"global"}}',
    )


class AnthropicStream(ApiFormat):
    """Logs of raw streaming events: stateful, one call per streamed message."""

    id = "anthropic-stream"
    title = "Anthropic streaming events"
    line_independent = False
    samples = (
        '{"type":"message_start","message":{"id":"msg_01Str","type":"message",'
        '"role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],'
        '"usage":{"input_tokens":2039,"cache_read_input_tokens":0,'
        '"cache_creation_input_tokens":0,"output_tokens":1}}}',
        '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{'
        '"input_tokens":10423,"output_tokens":341,"server_tool_use":{"web_search_requests":1}}}',
    )

    def confidence(self, survey: Survey, raw_share: float, wrapped_share: float) -> float:
        # Any streaming event needs this stateful reader, even in a mixed log: the
        # line-by-line formats cannot assemble events into calls.
        return 0.96 + 0.03 * min(raw_share + wrapped_share, 1.0)

    def records(
        self, objects: Iterable[tuple[int, int, Any]], ctx: ReadContext
    ) -> Iterator[CallRecord | Problem]:
        assembler = StreamAssembler(ctx)
        for line, offset, obj in objects:
            try:
                if type(obj) is not dict:
                    raise BadRecord(f"not a JSON object (a {type(obj).__name__})")
                found = locate(obj)
                if found is None:
                    continue
                shape, inner, env = found
                if shape.stream_event:
                    yield from assembler.feed(inner, env, line, offset)
                    continue
                record = shape.normalise(inner, env, line, offset, ctx)
            except BadRecord as exc:
                yield Problem(line, str(exc), offset)
                continue
            if record is not None:
                yield record
        yield from assembler.finish()


class AnthropicBatch(ApiFormat):
    id = "anthropic-batch"
    title = "Anthropic Message Batches results"
    samples = (
        '{"custom_id":"eval-0007","result":{"type":"succeeded","message":{"id":"msg_01Bt",'
        '"type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],'
        '"stop_reason":"end_turn","usage":{"input_tokens":1200,"output_tokens":90,'
        '"service_tier":"batch"}}}}',
        '{"custom_id":"eval-0008","result":{"type":"errored","error":{"type":"error",'
        '"error":{"type":"invalid_request_error","message":"prompt is too long"}}}}',
    )
