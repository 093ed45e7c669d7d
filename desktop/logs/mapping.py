"""Field mappings: reading log shapes we do not know, as the user describes them.

A :class:`FieldMapping` names where each canonical field lives in a record:
dotted JSON paths for JSON records (``meta.ts``, ``usage.in``; a key that itself
contains dots, such as ``gen_ai.usage.input_tokens``, is found too), or column
names for a SQLite table (a dotted path after a column reads into JSON text in
that column: ``token_details.cached``). It is stored as a small JSON file (the
CLI's ``--map FILE``; the GUI edits the same object):

.. code-block:: json

    {"timestamp": "meta.ts", "timestamp_unit": "iso", "model": "llm",
     "input_tokens": "usage.in", "output_tokens": "usage.out",
     "cache_read_tokens": "usage.cached", "input_includes_cache": true,
     "labels": "all"}

Token meaning is explicit: ``input_includes_cache`` says whether the input count
already contains the cache reads/writes (OpenAI style) or not (Anthropic style);
``output_includes_reasoning`` whether reasoning is inside the output count.
:func:`propose` guesses a mapping from a detection sample; the guess pre-fills
the GUI and lets detection read an unknown shape at low confidence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from desktop.logs.fields import LABEL_TEXT_LIMIT, flatten_labels, number_or_none, status_of
from desktop.record import (
    MISSING,
    BadRecord,
    CallRecord,
    Labels,
    normalise_service_tier,
    optional_tokens,
)
from desktop.timeutil import TimestampError, parse_timestamp

if TYPE_CHECKING:  # formats import this module; avoid the cycle at run time
    from desktop.logs.formats.base import Sample

TIMESTAMP_UNITS = ("auto", "iso", "s", "ms", "us", "ns")
LATENCY_UNITS = ("ms", "s")
_UNIT_DIVISOR = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}

PATH_FIELDS = (
    "timestamp",
    "model",
    "provider",
    "service_tier",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
    "web_search_requests",
    "request_id",
    "message_id",
    "conversation_id",
    "trace_id",
    "parent_id",
    "dedup_key",
    "status",
    "error",
    "latency",
    "reported_cost_usd",
)
TOKEN_FIELDS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
)


class MappingError(ValueError):
    """A mapping file that cannot be used, with every reason."""


@dataclass
class FieldMapping:
    """Where the canonical fields are in one kind of record. Unset paths are None."""

    timestamp: str | None = None
    timestamp_unit: str = "auto"  # auto | iso | s | ms | us | ns
    model: str | None = None
    provider: str | None = None
    provider_value: str | None = None  # one provider for every record
    service_tier: str | None = None
    input_tokens: str | None = None
    cache_read_tokens: str | None = None
    cache_write_tokens: str | None = None  # no TTL information: 5-minute writes
    cache_write_1h_tokens: str | None = None
    output_tokens: str | None = None
    reasoning_tokens: str | None = None
    web_search_requests: str | None = None
    # True: the input count already contains the cache reads and writes.
    input_includes_cache: bool = False
    # True: the output count already contains the reasoning tokens.
    output_includes_reasoning: bool = True
    request_id: str | None = None
    message_id: str | None = None
    conversation_id: str | None = None
    trace_id: str | None = None
    parent_id: str | None = None
    dedup_key: str | None = None  # a value that identifies one call across files
    status: str | None = None
    error: str | None = None
    latency: str | None = None
    latency_unit: str = "ms"  # ms | s
    reported_cost_usd: str | None = None
    # "all": every other scalar becomes a label; or a list of paths to use.
    labels: str | list[str] = "all"
    table: str | None = None  # SQLite sources: the table to read

    # -- files -----------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldMapping:
        if not isinstance(data, Mapping):
            raise MappingError("a field mapping must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(k for k in data if k not in known)
        if unknown:
            raise MappingError(
                "unknown field(s) in mapping: "
                + ", ".join(unknown)
                + f" (known: {', '.join(sorted(known))})"
            )
        mapping = cls(**dict(data))
        problems = mapping.validate()
        if problems:
            raise MappingError("; ".join(problems))
        return mapping

    @classmethod
    def load(cls, path: Path) -> FieldMapping:
        try:
            data = orjson.loads(Path(path).read_bytes())
        except OSError as exc:
            raise MappingError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        except orjson.JSONDecodeError as exc:
            raise MappingError(f"{path}: not valid JSON ({exc})") from exc
        try:
            return cls.from_dict(data)
        except MappingError as exc:
            raise MappingError(f"{path}: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """Only what differs from the defaults: a short file a person can read."""
        default = FieldMapping()
        return {k: v for k, v in asdict(self).items() if v != getattr(default, k)}

    def to_json(self) -> str:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2).decode()

    def validate(self, sqlite: bool = False) -> list[str]:
        """Everything wrong with the mapping, as sentences; empty when usable."""
        problems: list[str] = []
        for name in PATH_FIELDS:
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                problems.append(f"{name} must be a field path such as 'usage.input_tokens'")
        for name in ("provider_value", "table"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                problems.append(f"{name} must be a non-empty text")
        for name in ("input_includes_cache", "output_includes_reasoning"):
            if not isinstance(getattr(self, name), bool):
                problems.append(f"{name} must be true or false")
        if self.timestamp_unit not in TIMESTAMP_UNITS:
            problems.append(
                f"timestamp_unit {self.timestamp_unit!r} is not one of {', '.join(TIMESTAMP_UNITS)}"
            )
        if self.latency_unit not in LATENCY_UNITS:
            problems.append(
                f"latency_unit {self.latency_unit!r} is not one of {', '.join(LATENCY_UNITS)}"
            )
        if not (self.input_tokens or self.output_tokens):
            problems.append("map at least input_tokens or output_tokens")
        labels = self.labels
        if labels != "all" and not (
            isinstance(labels, list) and all(isinstance(p, str) and p.strip() for p in labels)
        ):
            problems.append('labels must be "all" or a list of field paths')
        if sqlite and not self.table:
            problems.append("a SQLite source needs the table to read (table)")
        return problems

    def describe(self) -> str:
        """A one-line summary for detection reasons."""
        parts = []
        tokens = [getattr(self, n) for n in ("input_tokens", "output_tokens") if getattr(self, n)]
        parts.append("tokens " + "/".join(tokens))
        cache = [p for p in (self.cache_read_tokens, self.cache_write_tokens) if p]
        if cache:
            inside = "inside" if self.input_includes_cache else "outside"
            parts.append(f"cache {'/'.join(cache)} ({inside} input)")
        if self.timestamp:
            parts.append(f"time {self.timestamp}")
        if self.model:
            parts.append(f"model {self.model}")
        return ", ".join(parts)


# -- reading records with a mapping -------------------------------------------------


Getter = Callable[[Any, dict[int, Any]], Any]


def _split(path: str) -> tuple[str, ...]:
    return tuple(path.strip().split("."))


def resolve(obj: Any, parts: tuple[str, ...], memo: dict[int, Any] | None = None) -> Any:
    """The value at a dotted path, or MISSING.

    Keys containing dots are found (longest key first); text holding a JSON
    object or array is parsed on the way (SQLite JSON columns, JSON strings).
    """
    memo = {} if memo is None else memo
    for i in range(len(parts)):
        if isinstance(obj, str) and obj[:1] in ("{", "["):
            cached = memo.get(id(obj), MISSING)
            if cached is MISSING:
                try:
                    cached = orjson.loads(obj)
                except orjson.JSONDecodeError:
                    return MISSING
                memo[id(obj)] = cached
            obj = cached
        if isinstance(obj, dict):
            rest = parts[i:]
            for j in range(len(rest), 0, -1):
                key = rest[0] if j == 1 else ".".join(rest[:j])
                if key in obj:
                    return resolve(obj[key], rest[j:], memo)
            return MISSING
        if isinstance(obj, list) and parts[i].isdigit() and int(parts[i]) < len(obj):
            obj = obj[int(parts[i])]
            continue
        return MISSING
    return obj


class CompiledMapping:
    """A validated mapping turned into a fast record builder."""

    def __init__(self, mapping: FieldMapping) -> None:
        problems = mapping.validate()
        if problems:
            raise MappingError("; ".join(problems))
        self.mapping = mapping
        self.paths = {
            name: _split(getattr(mapping, name))
            for name in PATH_FIELDS
            if getattr(mapping, name) is not None
        }
        consumed = {getattr(mapping, name).strip() for name in self.paths}
        self.consumed = frozenset(consumed)
        self.top_consumed = frozenset(p[0] for p in self.paths.values() if len(p) == 1)
        if mapping.labels == "all":
            self.label_paths: list[tuple[str, tuple[str, ...]]] | None = None
        else:
            self.label_paths = [(p.strip(), _split(p)) for p in mapping.labels]

    def get(self, obj: Any, name: str, memo: dict[int, Any]) -> Any:
        parts = self.paths.get(name)
        if parts is None:
            return MISSING
        return resolve(obj, parts, memo)

    def record(
        self, obj: Any, line: int, offset: int | None, fallback_ts: float
    ) -> CallRecord | None:
        """A record, None when the object has none of the token fields (not a call)."""
        m = self.mapping
        if not isinstance(obj, dict):
            raise BadRecord("not a JSON object")
        memo: dict[int, Any] = {}
        raw = {name: self.get(obj, name, memo) for name in TOKEN_FIELDS}
        if raw["input_tokens"] is MISSING and raw["output_tokens"] is MISSING:
            return None
        if raw["input_tokens"] is None and raw["output_tokens"] is None:
            raise BadRecord("no usage recorded (input and output token counts are null)")
        counts = {
            name: optional_tokens(_number_text(v), self._label(name)) for name, v in raw.items()
        }
        inp, out = counts["input_tokens"], counts["output_tokens"]
        read, w5, w1 = (
            counts["cache_read_tokens"],
            counts["cache_write_tokens"],
            counts["cache_write_1h_tokens"],
        )
        reasoning = counts["reasoning_tokens"]
        if m.input_includes_cache:
            cached = read + w5 + w1
            if cached > inp:
                raise BadRecord(
                    f"cache tokens ({cached:,}) are more than {self._label('input_tokens')} "
                    f"({inp:,}); the mapping says input includes the cache — it seems not to"
                )
            inp -= cached
        if not m.output_includes_reasoning:
            out += reasoning
        elif reasoning > out:
            raise BadRecord(
                f"{self._label('reasoning_tokens')} ({reasoning:,}) is larger than "
                f"{self._label('output_tokens')} ({out:,})"
            )
        ts = self._timestamp(obj, memo, fallback_ts)
        web = optional_tokens(
            _number_text(self.get(obj, "web_search_requests", memo)), "web_search_requests"
        )
        provider = _text(self.get(obj, "provider", memo)) or m.provider_value
        status, error = status_of(
            _none(self.get(obj, "status", memo)), _none(self.get(obj, "error", memo))
        )
        latency = _number_text(self.get(obj, "latency", memo))
        latency_ms = number_or_none(_none(latency), self._label("latency"))
        if latency_ms is not None and m.latency_unit == "s":
            latency_ms *= 1000.0
        cost = number_or_none(
            _none(_number_text(self.get(obj, "reported_cost_usd", memo))),
            self._label("reported_cost_usd"),
        )
        key = _text(self.get(obj, "dedup_key", memo))
        return CallRecord(
            ts,
            provider,
            _text(self.get(obj, "model", memo)),
            normalise_service_tier(_none(self.get(obj, "service_tier", memo))),
            inp,
            read,
            w5,
            w1,
            out,
            reasoning,
            web,
            _text(self.get(obj, "request_id", memo)),
            _text(self.get(obj, "message_id", memo)),
            _text(self.get(obj, "conversation_id", memo)),
            _text(self.get(obj, "trace_id", memo)),
            _text(self.get(obj, "parent_id", memo)),
            status,
            error,
            latency_ms,
            cost,
            line,
            offset,
            key,
            0.0,
            self._labels(obj, memo) or None,
        )

    def _label(self, name: str) -> str:
        path = getattr(self.mapping, name)
        return f"{name} ({path})" if path else name

    def _timestamp(self, obj: Any, memo: dict[int, Any], fallback: float) -> float:
        if "timestamp" not in self.paths:
            return fallback
        value = self.get(obj, "timestamp", memo)
        if value is MISSING or value is None:
            raise BadRecord(f"no timestamp at {self.mapping.timestamp}")
        unit = self.mapping.timestamp_unit
        try:
            if unit in _UNIT_DIVISOR:
                number = _number_text(value)
                if isinstance(number, bool) or not isinstance(number, int | float):
                    raise TimestampError(f"{value!r:.40} is not a number of {unit}")
                if not math.isfinite(number):
                    raise TimestampError(f"timestamp is {number!r}")
                return float(number) / _UNIT_DIVISOR[unit]
            if unit == "iso" and not isinstance(value, str):
                raise TimestampError(f"{value!r:.40} is not an ISO-8601 text")
            return parse_timestamp(value)
        except TimestampError as exc:
            raise BadRecord(f"{self._label('timestamp')}: {exc}") from None

    def _labels(self, obj: dict[str, Any], memo: dict[int, Any]) -> Labels:
        if self.label_paths is not None:
            labels: Labels = {}
            for name, parts in self.label_paths:
                value = resolve(obj, parts, memo)
                scalar = isinstance(value, bool | int | float) and value == value
                if scalar or (isinstance(value, str) and len(value) <= LABEL_TEXT_LIMIT):
                    labels[name] = value
            return labels
        labels = flatten_labels(obj, self.top_consumed)
        for name in self.consumed.intersection(labels):
            del labels[name]
        return labels


def _none(value: Any) -> Any:
    return None if value is MISSING else value


def _text(value: Any) -> str | None:
    if value is None or value is MISSING:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool | int | float):
        return str(value)
    return None


_NUMBER_TEXT = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _number_text(value: Any) -> Any:
    """Numbers stored as text (SQLite TEXT columns, CSV-born JSON) read as numbers."""
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
        text = value.strip()
        return float(text) if any(c in text for c in ".eE") else int(text)
    return value


# -- guessing a mapping ---------------------------------------------------------------


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


# Normalised names per role, best first. Generic words ("in", "input") only count
# when a parent segment says the value is about usage or tokens.
_ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "input_tokens": (
        "inputtokens",
        "prompttokens",
        "tokensin",
        "intokens",
        "inputtokencount",
        "prompttokencount",
        "numinputtokens",
        "promptevalcount",
        "tokensinput",
        "tokensprompt",
    ),
    "output_tokens": (
        "outputtokens",
        "completiontokens",
        "tokensout",
        "outtokens",
        "outputtokencount",
        "candidatestokencount",
        "numoutputtokens",
        "evalcount",
        "tokensoutput",
        "tokenscompletion",
        "generatedtokens",
    ),
    "cache_read_tokens": (
        "cachereadtokens",
        "cachereadinputtokens",
        "cachedtokens",
        "cachedinputtokens",
        "cachedcontenttokencount",
        "promptcachehittokens",
        "cachehittokens",
        "inputcachedtokens",
        "tokenscached",
        "tokenscacheread",
    ),
    "cache_write_tokens": (
        "cachewritetokens",
        "cachecreationinputtokens",
        "cachecreationtokens",
        "cachewriteinputtokens",
        "tokenscachewrite",
    ),
    "reasoning_tokens": (
        "reasoningtokens",
        "reasoningoutputtokens",
        "thinkingtokens",
        "thoughtstokencount",
        "thoughtstokens",
        "tokensreasoning",
    ),
}
_GENERIC_ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "input_tokens": ("input", "prompt", "in"),
    "output_tokens": ("output", "completion", "out"),
    "cache_read_tokens": ("cached", "cacheread", "cache"),
    "cache_write_tokens": ("cachewrite", "cachecreation"),
    "reasoning_tokens": ("reasoning", "thoughts", "thinking"),
}
_TOKENISH = re.compile(r"usage|token")
_TEXT_ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "model": ("model", "modelname", "modelid", "engine", "llm", "deployment", "modelversion"),
    "provider": ("provider", "vendor", "customllmprovider", "providername"),
    "request_id": ("requestid", "reqid", "xrequestid"),
    "message_id": ("messageid", "responseid", "id", "callid"),
    "conversation_id": ("conversationid", "sessionid", "threadid", "chatid"),
    "trace_id": ("traceid",),
    "status": ("status", "state", "outcome"),
    "error": ("error", "errormessage", "err"),
}
_TIMESTAMP_NAMES = (
    "ts",
    "timestamp",
    "time",
    "createdat",
    "created",
    "starttime",
    "requesttime",
    "datetime",
    "datetimeutc",
    "date",
    "eventtime",
    "loggedat",
    "at",
)
_COST_NAMES = ("costusd", "reportedcostusd", "cost", "totalcost", "spend", "price", "usd")
_LATENCY_MS_NAMES = ("latencyms", "durationms", "elapsedms", "responsetimems", "timems")
_LATENCY_S_NAMES = ("latency", "duration", "elapsed", "responsetime")
# Names that say the input count includes the cache (OpenAI/Gemini families) or
# excludes it (Anthropic, and our own disjoint buckets).
_INCLUSIVE_NAMES = frozenset(
    (
        "prompttokens",
        "prompttokencount",
        "cachedtokens",
        "cachedinputtokens",
        "cachedcontenttokencount",
        "promptcachehittokens",
        "promptevalcount",
    )
)
_EXCLUSIVE_NAMES = frozenset(
    ("cachereadinputtokens", "cachecreationinputtokens", "cachereadtokens", "cachewritetokens")
)
_ADDITIVE_REASONING = frozenset(("thoughtstokencount", "thoughtstokens"))


def _scalar_paths(
    obj: Any, prefix: tuple[str, ...] = (), depth: int = 0
) -> dict[tuple[str, ...], Any]:
    out: dict[tuple[str, ...], Any] = {}
    if not isinstance(obj, dict) or depth > 5:
        return out
    for key, value in obj.items():
        path = (*prefix, str(key))
        if isinstance(value, dict):
            out.update(_scalar_paths(value, path, depth + 1))
        elif value is None or isinstance(value, str | int | float | bool):
            out[path] = value
    return out


def _is_count(value: Any) -> bool:
    return (type(value) is int and value >= 0) or (
        isinstance(value, float) and value.is_integer() and value >= 0
    )


def _pick(
    candidates: dict[tuple[str, ...], list[Any]],
    names: tuple[str, ...],
    accept: Callable[[Any], bool],
    generic: tuple[str, ...] = (),
    taken: set[tuple[str, ...]] | None = None,
) -> tuple[str, ...] | None:
    best: tuple[int, int, tuple[str, ...]] | None = None
    for path, values in candidates.items():
        if taken and path in taken:
            continue
        present = [v for v in values if v is not None]
        # Most sampled values must fit: one bad record must not hide a field.
        if not present or sum(1 for v in present if accept(v)) * 2 <= len(present):
            continue
        last = _norm(path[-1])
        joined = _norm("".join(path[-2:]))
        rank = None
        for i, name in enumerate(names):
            if last == name or joined == name:
                rank = i
                break
        tokenish = any(_TOKENISH.search(p.lower()) for p in path[:-1])
        if rank is None and generic and last in generic and tokenish:
            rank = len(names) + generic.index(last)
        if rank is None:
            continue
        score = (rank, -len(present), path)
        if best is None or score < best:
            best = score
    return None if best is None else best[2]


def _is_timestamp(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        try:
            ts = parse_timestamp(value)
        except TimestampError:
            return False
        return 946684800 <= ts <= 4102444800  # 2000 … 2100
    if isinstance(value, str):
        try:
            parse_timestamp(value)
        except TimestampError:
            return False
        return not value.strip().isdigit() or len(value.strip()) >= 9
    return False


def propose(sample: Sample) -> FieldMapping | None:
    """A guessed mapping for a sample (JSON objects, or a SQLite table list)."""
    if sample.sqlite_tables is not None:
        return _propose_table(sample.sqlite_tables)
    objects = sample.dicts()
    if not objects:
        return None
    rows = [_scalar_paths(obj) for obj in objects]
    paths = dict.fromkeys(path for row in rows for path in row)
    # One value per sampled object (None where absent), so paths line up.
    candidates = {path: [row.get(path) for row in rows] for path in paths}
    return _propose(candidates, values_known=True)


def _propose_table(tables: dict[str, list[str]]) -> FieldMapping | None:
    best: tuple[int, str, FieldMapping] | None = None
    for table, columns in tables.items():
        if table.startswith(("sqlite_", "_")) or table.endswith(
            ("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config", "_fts_content")
        ):
            continue
        mapping = _propose({(c,): [] for c in columns}, values_known=False)
        if mapping is None:
            continue
        mapping.table = table
        score = sum(
            1
            for n in ("input_tokens", "output_tokens", "timestamp", "model")
            if getattr(mapping, n)
        )
        if best is None or score > best[0]:
            best = (score, table, mapping)
    return None if best is None else best[2]


def _propose(
    candidates: dict[tuple[str, ...], list[Any]], values_known: bool
) -> FieldMapping | None:
    # Without values (a table's column list) every column is a candidate; with
    # values a token count must look like one in every sampled object.
    count_ok: Callable[[Any], bool] = _is_count if values_known else (lambda _v: True)
    text_ok: Callable[[Any], bool] = (
        (lambda v: isinstance(v, str | int) and not isinstance(v, bool))
        if values_known
        else (lambda _v: True)
    )
    if not values_known:
        candidates = {p: [""] for p in candidates}  # "present" for _pick
    taken: set[tuple[str, ...]] = set()
    chosen: dict[str, tuple[str, ...]] = {}
    for role, names in _ROLE_NAMES.items():
        generic = _GENERIC_ROLE_NAMES[role] if values_known else ()
        path = _pick(candidates, names, count_ok, generic, taken)
        if path is not None:
            chosen[role] = path
            taken.add(path)
    if "input_tokens" not in chosen and "output_tokens" not in chosen:
        return None
    ts_ok = _is_timestamp if values_known else (lambda _v: True)
    ts_path = _pick(candidates, _TIMESTAMP_NAMES, ts_ok, taken=taken)
    if ts_path is None and not values_known:
        for path in candidates:
            low = path[-1].lower()
            if path not in taken and ("time" in low or low.endswith(("_at", "date"))):
                ts_path = path
                break
    mapping = FieldMapping(**{role: ".".join(p) for role, p in chosen.items()})
    if ts_path is not None:
        taken.add(ts_path)
        mapping.timestamp = ".".join(ts_path)
    for role, names in _TEXT_ROLE_NAMES.items():
        path = _pick(candidates, names, text_ok, taken=taken)
        if path is not None:
            taken.add(path)
            setattr(mapping, role, ".".join(path))
    number_ok: Callable[[Any], bool] = (
        (lambda v: isinstance(v, int | float) and not isinstance(v, bool))
        if values_known
        else (lambda _v: True)
    )
    cost = _pick(candidates, _COST_NAMES, number_ok, taken=taken)
    if cost is not None:
        taken.add(cost)
        mapping.reported_cost_usd = ".".join(cost)
    latency = _pick(candidates, _LATENCY_MS_NAMES, number_ok, taken=taken)
    if latency is None:
        latency = _pick(candidates, _LATENCY_S_NAMES, number_ok, taken=taken)
        if latency is not None:
            mapping.latency_unit = "s"
    if latency is not None:
        mapping.latency = ".".join(latency)
    names = {_norm(p[-1]) for p in chosen.values()} | {
        _norm("".join(p[-2:])) for p in chosen.values()
    }
    cache_paths = [chosen[r] for r in ("cache_read_tokens", "cache_write_tokens") if r in chosen]
    if cache_paths:
        # OpenAI-style names ("prompt", "cached") count the cache inside the
        # input; Anthropic-style ones ("cache_read", "cache_creation") outside.
        mapping.input_includes_cache = not (names & _EXCLUSIVE_NAMES) and (
            bool(names & _INCLUSIVE_NAMES) or any("cached" in n for n in names)
        )
        if values_known and mapping.input_includes_cache and "input_tokens" in chosen:
            # Sanity: a subset cannot be larger than the whole.
            inputs = candidates[chosen["input_tokens"]]
            caches = [candidates[p] for p in cache_paths]
            for i, total in enumerate(inputs):
                part = sum(c[i] for c in caches if _is_count(c[i]))
                if _is_count(total) and part > total:
                    mapping.input_includes_cache = False
                    break
    if "reasoning_tokens" in chosen:
        reasoning_name = _norm(chosen["reasoning_tokens"][-1])
        mapping.output_includes_reasoning = reasoning_name not in _ADDITIVE_REASONING
    if mapping.timestamp and values_known:
        sample_value = next(
            (v for v in candidates[tuple(mapping.timestamp.split("."))] if v is not None), None
        )
        if isinstance(sample_value, str) and not sample_value.strip().isdigit():
            mapping.timestamp_unit = "iso"
    return mapping


def mapping_from_options(options: Mapping[str, Any]) -> FieldMapping | None:
    """The mapping in read options: a FieldMapping, its dict form, or a file path."""
    value = options.get("mapping")
    if value is None:
        return None
    if isinstance(value, FieldMapping):
        return value
    if isinstance(value, Mapping):
        return FieldMapping.from_dict(value)
    if isinstance(value, str | Path):
        return FieldMapping.load(Path(value))
    raise MappingError(f"mapping option is a {type(value).__name__}, not a field mapping")
