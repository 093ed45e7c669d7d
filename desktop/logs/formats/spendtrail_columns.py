"""The fast path for Spendtrail's own JSONL: many lines to columns at once.

Our own format is the one a million-call log is most likely written in, so it
gets a reader that works a column at a time: lines of the same shape (the same
set of keys) are read with one ``itemgetter`` and transposed, and every check
runs over a whole column. A line that fails any check is handed back to the
line-by-line reader, which gives the exact problem message; the fast path
never decides that a line is bad.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from itertools import chain, compress, islice
from operator import itemgetter
from typing import Any

import numpy as np

from desktop.logs.columns import Columns, Item, iso_timestamps
from desktop.logs.formats.spendtrail import CANONICAL_KEYS, EXPORT_KEYS, is_export
from desktop.record import MAX_TOKENS, SERVICE_TIERS

TOKEN_KEYS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
    "web_search_requests",
)
TEXT_KEYS = (
    "provider",
    "model",
    "request_id",
    "message_id",
    "conversation_id",
    "trace_id",
    "parent_id",
    "error",
)
TIERS = frozenset((*SERVICE_TIERS, None))
EXPORTED = CANONICAL_KEYS | EXPORT_KEYS  # an export's rows: read, its own fields left out
_STR_OR_NONE = frozenset((str, type(None)))
_NUMBER_OR_NONE = frozenset((int, float, type(None)))
_LABEL_VALUES = frozenset((str, int, float, bool, type(None)))
_INT = frozenset((int,))


# Lines read at a time: the parsed objects of a few hundred lines are let go before
# the next are parsed, so their memory is reused while it is still in the CPU cache
# (holding every line of a piece at once made parsing and reading a third slower).
CHUNK_LINES = 256


def read_columns(items: Iterable[Item]) -> tuple[Columns, list[Item]]:
    """Columns for the lines that pass every check; the others, to read one by one."""
    out = Columns()
    slow: list[Item] = []
    it = iter(items)
    while chunk := list(islice(it, CHUNK_LINES)):
        _read_chunk(chunk, out, slow)
    return out, slow


def _read_chunk(items: list[Item], out: Columns, slow: list[Item]) -> None:
    shapes: dict[tuple[str, ...], list[Item]] = {}
    for item in items:
        obj = item[2]
        if type(obj) is dict:
            shapes.setdefault(tuple(obj), []).append(item)
        else:
            slow.append(item)
    for keys, group in shapes.items():
        if (
            not (EXPORTED if is_export(keys) else CANONICAL_KEYS).issuperset(keys)
            or "ts" not in keys
            or "input_tokens" not in keys
            or "output_tokens" not in keys
            or "cache_write_tokens" in keys
        ):
            slow.extend(group)
            continue
        _read_shape(keys, group, out, slow)


def _read_shape(keys: tuple[str, ...], group: list[Item], out: Columns, slow: list[Item]) -> None:
    n = len(group)
    # One C-level lookup of every key per line, then a transpose into columns.
    rows = list(map(itemgetter(*keys), (item[2] for item in group)))
    values = dict(zip(keys, zip(*rows, strict=True), strict=True))
    bad = np.zeros(n, dtype=bool)

    ts = iso_timestamps(values["ts"], bad)
    tokens = {}
    for key in TOKEN_KEYS:
        column = values.get(key)
        if column is None:
            tokens[key] = np.zeros(n, dtype=np.int64)
            continue
        arr = None
        if set(map(type, column)) <= _INT:
            with suppress(OverflowError):  # beyond 64 bits: the line reader says so
                arr = np.array(column, dtype=np.int64)
        if arr is None:
            ok = [type(v) is int and 0 <= v <= MAX_TOKENS for v in column]
            bad |= ~np.array(ok)
            arr = np.array([v if o else 0 for v, o in zip(column, ok, strict=True)], dtype=np.int64)
        bad |= (arr < 0) | (arr > MAX_TOKENS)
        tokens[key] = arr
    bad |= tokens["reasoning_tokens"] > tokens["output_tokens"]

    texts = {}
    for key in TEXT_KEYS:
        column = values.get(key)
        if column is None:
            texts[key] = [None] * n
            continue
        if not set(map(type, column)) <= _STR_OR_NONE:
            bad |= np.array([type(v) not in _STR_OR_NONE for v in column])
        texts[key] = column

    tier = values.get("service_tier")
    if tier is None:
        tier = [None] * n
    elif not (set(map(type, tier)) <= _STR_OR_NONE and set(tier) <= TIERS):
        # spelled otherwise ("default", "on_demand"…): the line reader maps it
        bad |= np.array([type(v) not in _STR_OR_NONE or v not in TIERS for v in tier])

    status = values.get("status")
    if status is None:
        status = ["ok"] * n
    error = values.get("error")
    if error is None:
        error = [None] * n
    if not (set(map(type, status)) == {str} and set(status) == {"ok"}) or set(map(type, error)) != {
        type(None)
    }:
        # The line reader normalises statuses and error objects.
        bad |= np.array([s != "ok" or e is not None for s, e in zip(status, error, strict=True)])

    numbers = {}
    for key in ("latency_ms", "reported_cost_usd"):
        column = values.get(key)
        if column is None:
            numbers[key] = [None] * n
            continue
        if not set(map(type, column)) <= _NUMBER_OR_NONE:
            bad |= np.array([type(v) not in _NUMBER_OR_NONE for v in column])
        numbers[key] = column

    labels = values.get("labels")
    if labels is None:
        labels = (None,) * n
    else:
        kinds = set(map(type, labels))
        if not kinds <= {dict, type(None)}:
            bad |= np.array([type(v) not in (dict, type(None)) for v in labels])
        dicts = [d for d in labels if type(d) is dict]
        if not set(map(type, chain.from_iterable(d.values() for d in dicts))) <= _LABEL_VALUES:
            # Nested label objects are flattened by the line-by-line reader.
            bad |= np.array([type(d) is dict and not _flat(d) for d in labels])
        labels = [(d or None) if type(d) is dict else None for d in labels]

    lines = [i[0] for i in group]
    offsets = [i[1] for i in group]
    part: dict[str, Sequence[Any]] = {
        "ts": ts,
        "provider": texts["provider"],
        "model": texts["model"],
        "service_tier": tier,
        **{k: tokens[k] for k in TOKEN_KEYS},
        "request_id": texts["request_id"],
        "message_id": texts["message_id"],
        "conversation_id": texts["conversation_id"],
        "trace_id": texts["trace_id"],
        "parent_id": texts["parent_id"],
        "status": ["ok"] * n,
        "error": [None] * n,
        "latency_ms": numbers["latency_ms"],
        "reported_cost_usd": numbers["reported_cost_usd"],
        "line": lines,
        "offset": offsets,
        "dedup_key": [None] * n,
        "dedup_rank": [0.0] * n,
    }
    if bad.any():
        keep = ~bad
        slow.extend(item for item, b in zip(group, bad.tolist(), strict=True) if b)
        flags = keep.tolist()
        part = {name: _take(col, keep, flags) for name, col in part.items()}
        labels = list(compress(labels, flags))
        n = int(keep.sum())
    out.extend(part, labels, n)


def _flat(labels: dict[str, Any]) -> bool:
    return set(map(type, labels.values())) <= _LABEL_VALUES


def _take(column: Sequence[Any], keep: np.ndarray, flags: list[bool]) -> Sequence[Any]:
    if isinstance(column, np.ndarray):
        return column[keep]
    return list(compress(column, flags))
