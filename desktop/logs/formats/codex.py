"""OpenAI Codex CLI session rollouts, and ``codex exec --json`` output.

**Rollouts** (``$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`` and
``archived_sessions/``): lines ``{"timestamp", "type", "payload"}``. Usage comes from
``event_msg`` payloads of type ``token_count``, whose ``info`` holds a *cumulative*
``total_token_usage`` and the last call's ``last_token_usage``. Token semantics are
the OpenAI Responses ones: ``input_tokens`` includes ``cached_input_tokens`` and
``cache_write_input_tokens``; ``output_tokens`` includes ``reasoning_output_tokens``.

Turning events into calls needs the whole file in order (see :class:`_Rollout`):

- Codex re-emits a token_count with an unchanged total (UI and rate-limit
  refreshes): an event whose total equals the previous total of its lane, on all
  fields, is skipped.
- Several cumulative counters can be interleaved, told apart by
  ``rate_limits.limit_id`` (the *lane*; the model when there is no limit id).
- A call's tokens are ``last_token_usage``; without it, the difference of totals
  (clamped at 0). When a total drops (resume, compaction) the counter restarted,
  so the new total is the delta: history is never re-added.
- A forked or sub-agent rollout replays its parent's token_count history as a
  burst within its first second: those events are the parent's calls and are
  skipped (their totals only seed the lanes).
- ``payload.info: null`` (rate limits only) and all-zero usage are not calls.

**``codex exec --json``**: ``thread.started`` then per turn ``turn.completed`` with the
turn's ``usage``. It has no timestamp (the file's mtime is used) and no model
(left unset, so the calls are counted as unpriced rather than guessed).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.logs.fields import text_or_none
from desktop.logs.formats.base import Detection, LogFormat, ReadContext, Sample
from desktop.logs.formats.claude_code import plural, project_of
from desktop.record import MISSING, BadRecord, CallRecord, Labels, Problem, token_count
from desktop.timeutil import TimestampError, parse_timestamp

ROLLOUT_TYPES = frozenset(
    {
        "session_meta",
        "turn_context",
        "event_msg",
        "response_item",
        "compacted",
        "token_usage_record",
    }
)
EXEC_TYPES = frozenset(
    {
        "thread.started",
        "turn.started",
        "turn.completed",
        "turn.failed",
        "item.started",
        "item.updated",
        "item.completed",
        "error",
    }
)
DEFAULT_PROVIDER = "openai"

# (input incl. cache, cached ⊂ input, cache write ⊂ input, output incl. reasoning, reasoning)
Usage = tuple[int, int, int, int, int]


def rollout_usage(usage: Any, name: str) -> Usage:
    """A Codex ``TokenUsage`` object as validated counts (nothing clamped yet)."""
    if not isinstance(usage, dict):
        raise BadRecord(f"{name} is not an object")
    return (
        token_count(usage.get("input_tokens", MISSING), f"{name}.input_tokens"),
        _optional(usage, "cached_input_tokens", name),
        _optional(usage, "cache_write_input_tokens", name),
        token_count(usage.get("output_tokens", 0), f"{name}.output_tokens"),
        _optional(usage, "reasoning_output_tokens", name),
    )


def _optional(usage: dict[str, Any], key: str, name: str) -> int:
    value = usage.get(key)
    return 0 if value is None else token_count(value, f"{name}.{key}")


def buckets(usage: Usage) -> tuple[int, int, int, int, int]:
    """Disjoint (uncached input, cache read, cache write, output, reasoning).

    Cached and written tokens are inside input; they are clamped so they never
    exceed it (Codex has logged cached > input), and reasoning never exceeds output.
    """
    total_in, cached, written, output, reasoning = usage
    cached = min(cached, total_in)
    written = min(written, total_in - cached)
    return total_in - cached - written, cached, written, output, min(reasoning, output)


@dataclass(slots=True)
class _Lane:
    raw: dict[str, Any]  # the last total as logged: re-emits are compared on all fields
    total: Usage


@dataclass(slots=True)
class _Event:
    line: int
    offset: int
    ts: float
    second: str  # the timestamp to the second: replay bursts share it
    payload: dict[str, Any]


@dataclass(slots=True)
class _Rollout:
    ctx: ReadContext
    session: str | None = None
    provider: str | None = None
    labels: Labels = field(default_factory=dict)
    model: str | None = None
    child: bool = False  # forked or spawned: starts with a replay of the parent
    lanes: dict[str, _Lane] = field(default_factory=dict)
    burst: list[_Event] = field(default_factory=list)
    replay_open: bool = True  # still inside the possible replay burst
    start_second: str | None = None  # when the rollout started (its first line)

    def meta(self, payload: dict[str, Any]) -> None:
        if self.session is not None:
            # A second session_meta is the parent's, copied into a forked child.
            if payload.get("id") != self.session:
                self.child = True
            return
        self.session = text_or_none(payload.get("id")) or ""
        self.provider = text_or_none(payload.get("model_provider"))
        for key in ("originator", "cli_version"):
            value = text_or_none(payload.get(key))
            if value:
                self.labels[key] = value
        self.cwd(payload.get("cwd"))
        source = payload.get("source")
        if isinstance(source, str):
            self.labels["source"] = source
        elif isinstance(source, dict) and source:
            self.labels["source"] = next(iter(source))
            spawn = source.get("subagent")
            if isinstance(spawn, dict) and isinstance(spawn.get("thread_spawn"), dict):
                self.child = True
        if payload.get("forked_from_id"):
            self.child = True

    def cwd(self, value: Any) -> None:
        if isinstance(value, str) and value:
            self.labels["project"] = project_of(value)
            self.labels["cwd"] = value

    def turn(self, payload: dict[str, Any]) -> None:
        model = text_or_none(payload.get("model"))
        if model:
            self.model = model
        self.cwd(payload.get("cwd"))
        effort = text_or_none(payload.get("effort") or payload.get("reasoning_effort"))
        if effort:
            self.labels["effort"] = effort

    def token_count(self, event: _Event) -> Iterator[CallRecord | Problem]:
        if not self.child or not self.replay_open:
            yield from self.call(event)
            return
        if not self.burst or event.second == self.burst[0].second:
            self.burst.append(event)
            return
        yield from self.close_burst()
        yield from self.call(event)

    def close_burst(self) -> Iterator[CallRecord | Problem]:
        """Decide on the leading events of a child rollout: parent replay, or real calls.

        They are a replay when they hold at least two different totals (two calls
        cannot finish within one second; re-emits repeat one total) or when they
        fall in the second the rollout started (no real call is that fast).
        """
        burst, self.burst, self.replay_open = self.burst, [], False
        if not burst:
            return
        totals = {_total_key(event) for event in burst} - {None}
        replayed = len(totals) >= 2 or burst[0].second == self.start_second
        for event in burst:
            if replayed:
                self.seed(event)
            else:
                yield from self.call(event)

    def seed(self, event: _Event) -> None:
        info = event.payload.get("info")
        if isinstance(info, dict) and isinstance(info.get("total_token_usage"), dict):
            raw = info["total_token_usage"]
            try:
                total = rollout_usage(raw, "total_token_usage")
            except BadRecord:
                return
            self.lanes[self.lane(event.payload)] = _Lane(raw, total)

    def lane(self, payload: dict[str, Any]) -> str:
        limits = payload.get("rate_limits")
        limit_id = limits.get("limit_id") if isinstance(limits, dict) else None
        if isinstance(limit_id, str) and limit_id:
            return limit_id
        return "model:" + (self.model or "")

    def call(self, event: _Event) -> Iterator[CallRecord | Problem]:
        try:
            record = self.delta(event)
        except BadRecord as exc:
            yield Problem(event.line, str(exc), event.offset)
            return
        if record is not None:
            yield record

    def delta(self, event: _Event) -> CallRecord | None:
        """The event's call, or None for a re-emit, a null info or zero usage."""
        payload = event.payload
        info = payload.get("info")
        if info is None:
            return None  # rate limits only
        if not isinstance(info, dict):
            raise BadRecord("token_count info is not an object")
        raw_total = info.get("total_token_usage")
        raw_last = info.get("last_token_usage")
        lane_id = self.lane(payload)
        lane = self.lanes.get(lane_id)
        if raw_total is not None:
            if lane is not None and raw_total == lane.raw:
                return None  # re-emitted: the same total again
            total = rollout_usage(raw_total, "total_token_usage")
            self.lanes[lane_id] = _Lane(raw_total, total)
        else:
            total = None
        if raw_last is not None:
            usage = rollout_usage(raw_last, "last_token_usage")
        elif total is None:
            return None
        elif lane is None or any(t < p for t, p in zip(total, lane.total, strict=True)):
            usage = total  # the first total, or a counter that restarted from zero
        else:
            usage = _minus(total, lane.total)
        if not (usage[0] or usage[3]):
            return None  # no input and no output: not a call
        return self.record(event, usage, payload, info, lane_id)

    def record(
        self,
        event: _Event,
        usage: Usage,
        payload: dict[str, Any],
        info: dict[str, Any],
        lane: str,
    ) -> CallRecord:
        uncached, cached, written, output, reasoning = buckets(usage)
        model = self.model or _fallback_model(payload, info)
        labels = dict(self.labels)
        limits = payload.get("rate_limits")
        if isinstance(limits, dict):
            for key in ("limit_id", "plan_type"):
                value = text_or_none(limits.get(key))
                if value:
                    labels[key] = value
        session = self.session or None
        return CallRecord(
            event.ts,
            self.provider or DEFAULT_PROVIDER,
            model,
            None,
            uncached,
            cached,
            written,
            0,
            output,
            reasoning,
            0,
            None,
            None,
            session,
            None,
            None,
            "ok",
            None,
            None,
            None,
            event.line,
            event.offset,
            # The same rollout copied elsewhere (or a resumed copy of its history)
            # repeats the event's session, time and lane; reading a file again from
            # its start (the state needs it) yields the same keys.
            f"codex:{session or self.ctx.path}:{event.ts!r}:{lane}",
            0.0,
            labels,
        )


def _minus(total: Usage, before: Usage) -> Usage:
    a, b, c, d, e = (max(t - p, 0) for t, p in zip(total, before, strict=True))
    return a, b, c, d, e


def _total_key(event: _Event) -> str | None:
    info = event.payload.get("info")
    total = info.get("total_token_usage") if isinstance(info, dict) else None
    return repr(sorted(total.items())) if isinstance(total, dict) else None


def _fallback_model(payload: dict[str, Any], info: dict[str, Any]) -> str | None:
    """The model when no turn_context named one (very early rollouts)."""
    for holder in (payload, info, payload.get("metadata"), info.get("metadata")):
        if isinstance(holder, dict):
            model = text_or_none(holder.get("model"))
            if model:
                return model
    return None


def _event_time(value: Any) -> tuple[float, str]:
    if value is None:
        raise BadRecord("no timestamp")
    try:
        ts = parse_timestamp(value)
    except TimestampError as exc:
        raise BadRecord(f"timestamp: {exc}") from None
    return ts, str(int(ts))


class CodexRollout(LogFormat):
    id = "codex"
    title = "Codex CLI session rollout"
    alike_in_folder = True
    samples = (
        '{"timestamp":"2026-07-03T18:15:19.978Z","type":"event_msg","payload":{"type":'
        '"token_count","info":{"total_token_usage":{"input_tokens":52210,"cached_input_tokens":'
        '40960,"output_tokens":1320,"reasoning_output_tokens":704,"total_tokens":53530},'
        '"last_token_usage":{"input_tokens":14475,"cached_input_tokens":12288,"output_tokens":'
        '216,"reasoning_output_tokens":128,"total_tokens":14691},"model_context_window":258400},'
        '"rate_limits":{"limit_id":"codex","primary":{"used_percent":12.0,"window_minutes":300},'
        '"plan_type":"pro"}}}',
    )

    def sniff(self, sample: Sample) -> Detection | None:
        objects = sample.dicts()
        hits = [
            o
            for o in objects
            if o.get("type") in ROLLOUT_TYPES and isinstance(o.get("payload"), dict)
        ]
        if not hits:
            return None
        meta = any(o["type"] == "session_meta" for o in hits)
        counts = sum(1 for o in hits if o["payload"].get("type") == "token_count")
        return Detection(
            self.id,
            0.95 if meta or counts else 0.85,
            "Codex CLI rollout: session_meta/turn_context/event_msg lines with a payload "
            f"({len(hits)} of {len(objects)} sampled), {plural(counts, 'token_count event')}",
        )

    def turn_text_around(
        self, path: Path, offset: int, raw: Any
    ) -> tuple[str | None, str | None] | None:
        # The items since the previous token_count: see codex_turns.
        from desktop.logs.formats.codex_turns import codex_turn_text

        return codex_turn_text(path, offset)

    def records(
        self, objects: Iterable[tuple[int, int, Any]], ctx: ReadContext
    ) -> Iterator[CallRecord | Problem]:
        state = _Rollout(ctx)
        for line, offset, obj in objects:
            if type(obj) is not dict:
                continue
            payload = obj.get("payload")
            if type(payload) is not dict:
                continue
            kind = obj.get("type")
            try:
                if state.start_second is None and obj.get("timestamp") is not None:
                    state.start_second = _event_time(obj["timestamp"])[1]
                if kind == "event_msg":
                    if payload.get("type") != "token_count":
                        continue
                    ts, second = _event_time(obj.get("timestamp"))
                    yield from state.token_count(_Event(line, offset, ts, second, payload))
                elif kind == "turn_context":
                    state.turn(payload)
                elif kind == "session_meta":
                    state.meta(payload)
            except BadRecord as exc:
                yield Problem(line, str(exc), offset)
        yield from state.close_burst()


class CodexExec(LogFormat):
    id = "codex-exec"
    title = "Codex exec --json output"
    samples = (
        '{"type":"turn.completed","usage":{"input_tokens":24763,"cached_input_tokens":24448,'
        '"output_tokens":122,"reasoning_output_tokens":64}}',
    )

    def sniff(self, sample: Sample) -> Detection | None:
        objects = sample.dicts()
        hits = [o for o in objects if o.get("type") in EXEC_TYPES and "payload" not in o]
        if not hits:
            return None
        turns = sum(1 for o in hits if o["type"] == "turn.completed")
        threads = sum(1 for o in hits if o["type"] == "thread.started")
        if not (turns or threads):
            return None
        return Detection(
            self.id,
            0.9,
            f"codex exec --json output: {plural(threads, 'thread.started event')}, "
            f"{plural(turns, 'turn.completed event')} with usage",
        )

    def records(
        self, objects: Iterable[tuple[int, int, Any]], ctx: ReadContext
    ) -> Iterator[CallRecord | Problem]:
        thread: str | None = None
        turn = 0
        for line, offset, obj in objects:
            if type(obj) is not dict:
                continue
            kind = obj.get("type")
            if kind == "thread.started":
                thread = text_or_none(obj.get("thread_id"))
                turn = 0
                continue
            if kind != "turn.completed":
                continue
            turn += 1
            try:
                yield _exec_record(obj, ctx, thread, turn, line, offset)
            except BadRecord as exc:
                yield Problem(line, str(exc), offset)


# Spellings of the exec usage fields across Codex versions and wrappers.
EXEC_INPUT = ("input_tokens", "prompt_tokens")
EXEC_CACHED = ("cached_input_tokens", "cached_tokens", "cache_read_input_tokens")
EXEC_OUTPUT = ("output_tokens", "completion_tokens")
EXEC_REASONING = ("reasoning_output_tokens", "reasoning_tokens")


def _exec_count(usage: dict[str, Any], keys: tuple[str, ...], required: bool) -> int:
    for key in keys:
        if usage.get(key) is not None:
            return token_count(usage[key], key)
    if required:
        raise BadRecord(f"missing {keys[0]}")
    return 0


def _exec_record(
    obj: dict[str, Any], ctx: ReadContext, thread: str | None, turn: int, line: int, offset: int
) -> CallRecord:
    usage = obj.get("usage")
    if not isinstance(usage, dict):
        raise BadRecord("turn.completed without usage")
    counted = (
        _exec_count(usage, EXEC_INPUT, True),
        _exec_count(usage, EXEC_CACHED, False),
        _exec_count(usage, ("cache_write_input_tokens",), False),
        _exec_count(usage, EXEC_OUTPUT, True),
        _exec_count(usage, EXEC_REASONING, False),
    )
    uncached, cached, written, output, reasoning = buckets(counted)
    stamp = obj.get("timestamp")
    if stamp is None:
        ts = ctx.mtime  # exec output has no time: the file's last write is the best we have
    else:
        ts, _ = _event_time(stamp)
    labels: Labels = {"turn": turn, "source": "exec"}
    return CallRecord(
        ts,
        DEFAULT_PROVIDER,
        text_or_none(obj.get("model")),
        None,
        uncached,
        cached,
        written,
        0,
        output,
        reasoning,
        conversation_id=thread,
        line=line,
        offset=offset,
        # Reading the file again from its start yields the same keys.
        dedup_key=f"codex-exec:{ctx.path}:{offset}",
        labels=labels,
    )


def superseded_archives(paths: Iterable[Path]) -> dict[Path, Path]:
    """Archived rollouts whose live copy is also being read: archived -> live path.

    Codex moves a rollout from ``sessions/YYYY/MM/DD/`` into ``archived_sessions/``;
    when both copies exist the ``sessions/`` one wins. Rollout names carry a time
    and a uuid, so the name identifies the rollout.
    """
    live: dict[str, Path] = {}
    archived: list[Path] = []
    for path in paths:
        parts = path.parts
        if not path.name.startswith("rollout-"):
            continue
        if "archived_sessions" in parts:
            archived.append(path)
        elif "sessions" in parts:
            live.setdefault(path.name, path)
    return {path: live[path.name] for path in archived if path.name in live}
