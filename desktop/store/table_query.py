"""The requests table without Qt: its columns, display order, cells and facets.

The table shows one row per call. Which calls, and in which order, is an
array of *positions* into the column cache (:class:`~desktop.store.frame.Frame`):
computing it is a boolean mask and, for sorting, a look-up in a cached global
order of the column (``order[mask[order]]``), so re-filtering a million calls
sorted by any column takes milliseconds once that column has been sorted
once. Cells are read from the column cache for the few hundred rows on screen.

Column keys are the canonical column names (``ts``, ``model``, ``input_tokens``
…), a few derived ones (``cost`` follows the cost mode, ``cache_write`` is
both cache-write buckets, ``source`` and ``format`` of the call's file), and
``label:<key>`` for label columns.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

import numpy as np

from desktop.numbers import duration_ms, money, tokens
from desktop.store.dataset import Dataset, Filters

LABEL_PREFIX = "label:"
UNPRICED = "unpriced"
NOT_REPORTED = "not reported"

# kinds: time, text, tokens, count, money, duration
_CANONICAL: tuple[tuple[str, str, str, str], ...] = (
    ("ts", "Time", "time", "When the call was made, in the chosen time zone"),
    ("provider", "Provider", "text", ""),
    ("model", "Model", "text", "The model as logged"),
    ("service_tier", "Service tier", "text", ""),
    ("input_tokens", "Input", "tokens", "Uncached input tokens"),
    ("cache_read_tokens", "Cache read", "tokens", "Input tokens read from the prompt cache"),
    ("cache_write", "Cache write", "tokens", "Tokens written to the prompt cache (5m + 1h)"),
    ("cache_write_5m_tokens", "Cache write 5m", "tokens", "Cache writes with a 5-minute TTL"),
    ("cache_write_1h_tokens", "Cache write 1h", "tokens", "Cache writes with a 1-hour TTL"),
    ("output_tokens", "Output", "tokens", "Output tokens (reasoning included)"),
    ("reasoning_tokens", "Reasoning", "tokens", "The part of the output spent on reasoning"),
    ("web_search_requests", "Web searches", "count", ""),
    ("cost", "Cost", "money", "Cost under the chosen cost mode"),
    ("cost_usd", "Computed cost", "money", "Spendtrail's price of the call"),
    ("reported_cost_usd", "Reported cost", "money", "What the log itself says the call cost"),
    ("latency_ms", "Latency", "duration", ""),
    ("status", "Status", "text", ""),
    ("error", "Error", "text", ""),
    ("request_id", "Request id", "text", ""),
    ("message_id", "Message id", "text", ""),
    ("conversation_id", "Conversation", "text", ""),
    ("trace_id", "Trace", "text", ""),
    ("parent_id", "Parent", "text", ""),
    ("price_id", "Price", "text", "The catalog price that priced the call"),
    ("format", "Format", "text", "The log format the call was read from"),
    ("source", "Source", "text", "The file the call was read from"),
    ("line", "Line", "count", "Line (or row) of the call in its source"),
    ("id", "Call id", "count", "Spendtrail's id of the call"),
)
DEFAULT_KEYS: tuple[str, ...] = (
    "ts",
    "model",
    "provider",
    "input_tokens",
    "cache_read_tokens",
    "cache_write",
    "output_tokens",
    "reasoning_tokens",
    "cost",
    "latency_ms",
    "status",
)
DEFAULT_LABELS = 3  # the first few label columns are shown by default
NUMERIC_KINDS = frozenset({"time", "tokens", "count", "money", "duration"})
_DERIVED = frozenset({"cost", "cache_write", "source", "format"})


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    kind: str
    tip: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def label(self) -> str | None:
        return self.key[len(LABEL_PREFIX) :] if self.key.startswith(LABEL_PREFIX) else None

    @property
    def filter_name(self) -> str | None:
        """The column name :class:`Filters` knows this column by (None: not filterable)."""
        if self.label is not None:
            return self.label
        if self.key in ("cost", "cache_write", "id", "ts"):
            return None
        return self.key

    @property
    def facetable(self) -> bool:
        """Whether picking values from a list makes sense (categories, not amounts)."""
        return self.kind == "text" and self.filter_name is not None


CANONICAL_COLUMNS: dict[str, Column] = {
    k: Column(k, t, kind, tip) for k, t, kind, tip in _CANONICAL
}


def label_column(key: str) -> Column:
    return Column(LABEL_PREFIX + key, key, "text", f"Label {key!r} from the log")


def available_columns(dataset: Dataset | None) -> list[Column]:
    """Every column the table can show: the canonical ones, then one per label key."""
    columns = list(CANONICAL_COLUMNS.values())
    if dataset is not None:
        columns += [label_column(k) for k in dataset.label_keys()]
    return columns


def default_keys(label_keys: Sequence[str]) -> list[str]:
    return [*DEFAULT_KEYS, *(LABEL_PREFIX + k for k in list(label_keys)[:DEFAULT_LABELS])]


def column_of(key: str) -> Column:
    if key.startswith(LABEL_PREFIX):
        return label_column(key[len(LABEL_PREFIX) :])
    try:
        return CANONICAL_COLUMNS[key]
    except KeyError:
        raise KeyError(f"unknown table column {key!r}") from None


# -- reading columns ---------------------------------------------------------------------


def numeric_array(dataset: Dataset, key: str, mode: str = "computed") -> np.ndarray:
    """A numeric column over all calls (float64 or int64; NaN / -1 where there is none)."""
    frame = dataset.frame
    if key == "cost":
        return dataset.cost(mode)
    if key == "cache_write":
        return frame.num("cache_write_5m_tokens") + frame.num("cache_write_1h_tokens")
    if key == "id":
        return frame.ids
    return frame.num(key)


def text_codes(dataset: Dataset, key: str) -> tuple[np.ndarray, list[Any]]:
    """Codes per call (-1 = none) and the distinct values of a text column."""
    if key in ("source", "format"):
        codes, values = dataset.dimension(key, UTC)
        return codes, values
    name = key[len(LABEL_PREFIX) :] if key.startswith(LABEL_PREFIX) else key
    col = dataset.frame.text(name)
    return col.codes, col.values


def raw_values(
    dataset: Dataset, key: str, positions: np.ndarray, mode: str = "computed"
) -> list[Any]:
    """Plain Python values of one column at ``positions`` (None where there is none)."""
    column = column_of(key)
    if column.kind == "text":
        codes, values = text_codes(dataset, key)
        return [None if c < 0 else values[c] for c in codes[positions].tolist()]
    arr = numeric_array(dataset, key, mode)[positions]
    if arr.dtype.kind == "f":
        return [None if math.isnan(v) else v for v in arr.tolist()]
    if column.key in ("line",):
        return [None if v < 0 else v for v in arr.tolist()]
    return arr.tolist()


def format_values(column: Column, values: Sequence[Any], zone: tzinfo) -> list[str]:
    """How the table shows values of a column."""
    kind = column.kind
    if kind == "time":
        return [format_time(v, zone) for v in values]
    if kind == "tokens":
        return [tokens(v) if v is not None else "" for v in values]
    if kind == "count":
        return ["" if v is None else f"{v:,}" for v in values]
    if kind == "money":
        return [money(v, unpriced=UNPRICED) for v in values]
    if kind == "duration":
        return ["" if v is None else duration_ms(v) for v in values]
    return ["" if v is None else text_of(v) for v in values]


def format_time(ts: float | None, zone: tzinfo) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%d %H:%M:%S")


def iso_time(ts: float | None, zone: tzinfo) -> str | None:
    """ISO 8601 with the zone's offset and milliseconds (exports, tooltips)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, zone).isoformat(timespec="milliseconds")


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def display_values(
    dataset: Dataset, key: str, positions: np.ndarray, zone: tzinfo, mode: str = "computed"
) -> list[str]:
    """The display text of one column at ``positions``."""
    column = column_of(key)
    texts = format_values(column, raw_values(dataset, key, positions, mode), zone)
    missing = _missing_money_text(key, mode)
    if missing != UNPRICED:
        texts = [missing if t == UNPRICED else t for t in texts]
    return texts


def _missing_money_text(key: str, mode: str) -> str:
    """What a money cell without a value says: only a missing *price* is "unpriced"."""
    if key == "reported_cost_usd" or (key == "cost" and mode == "reported"):
        return NOT_REPORTED
    return UNPRICED


def window(
    dataset: Dataset,
    positions: np.ndarray,
    keys: Sequence[str],
    zone: tzinfo,
    mode: str = "computed",
) -> list[tuple[str, ...]]:
    """The display text of rows at ``positions``: one tuple of cells per row."""
    columns = [display_values(dataset, k, positions, zone, mode) for k in keys]
    return list(zip(*columns, strict=True)) if columns else [() for _ in range(len(positions))]


def tsv(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows as tab-separated text (what Ctrl+C puts on the clipboard)."""

    def clean(text: str) -> str:
        return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")

    lines = ["\t".join(clean(h) for h in headers)] if headers else []
    lines += ["\t".join(clean(c) for c in row) for row in rows]
    return "\n".join(lines)


def export_headers(keys: Sequence[str]) -> list[str]:
    """Column names of an export: the call id, then each column's key (labels by name)."""
    names = ["id"]
    for key in keys:
        if key == "id":
            continue
        column = column_of(key)
        names.append(column.label if column.label is not None else key)
    return names


def export_rows(
    dataset: Dataset,
    positions: np.ndarray,
    keys: Sequence[str],
    zone: tzinfo,
    mode: str,
    fmt: str,
    chunk: int = 5000,
) -> Iterator[list[list[Any]]]:
    """Rows of an export in chunks: plain values, times in ISO 8601 with the zone's offset.

    A missing price is written as "unpriced" in CSV (so it is never read as
    $0) and as ``null`` in JSON.
    """
    keys = [k for k in keys if k != "id"]
    for part in chunks(positions, chunk):
        columns: list[list[Any]] = [dataset.frame.ids[part].tolist()]
        for key in keys:
            column = column_of(key)
            values = raw_values(dataset, key, part, mode)
            if column.kind == "time":
                values = [iso_time(v, zone) for v in values]
            elif column.kind == "money" and fmt == "csv":
                missing = _missing_money_text(key, mode)
                values = [missing if v is None else v for v in values]
            columns.append(values)
        yield [list(row) for row in zip(*columns, strict=True)]


def records(
    dataset: Dataset,
    positions: np.ndarray,
    keys: Sequence[str],
    zone: tzinfo,
    mode: str = "computed",
) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (copy as JSON, JSON export): plain values, ISO times."""
    out: list[dict[str, Any]] = [{"id": int(i)} for i in dataset.frame.ids[positions]]
    for key in keys:
        column = column_of(key)
        values = raw_values(dataset, key, positions, mode)
        if column.kind == "time":
            values = [iso_time(v, zone) for v in values]
        name = column.label if column.label is not None else key
        if key == "id":
            continue
        for row, value in zip(out, values, strict=True):
            row[name] = value
    return out


# -- order -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sort:
    key: str = "ts"
    descending: bool = True


class TableQuery:
    """Display orders of one dataset, with each column's global order cached.

    Thread-safe: the app computes orders on worker threads.
    """

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._lock = threading.Lock()
        # key -> (the arrays the order was computed from, order of non-null positions, nulls)
        self._orders: dict[tuple[str, str], tuple[tuple[Any, ...], np.ndarray, np.ndarray]] = {}

    def positions(
        self, filters: Filters, zone: tzinfo, mode: str = "computed", sort: Sort | None = None
    ) -> np.ndarray:
        """Positions (into the column cache) of the calls the filters keep, in display order."""
        dataset = self.dataset
        n = len(dataset.frame)
        keep = None if _no_filters(filters) else dataset.mask(filters, zone)
        if sort is None:
            return np.arange(n, dtype=np.int64) if keep is None else np.flatnonzero(keep)
        ordered, nulls = self.global_order(sort.key, mode)
        if sort.descending:
            ordered = ordered[::-1]
        if keep is not None:
            ordered = ordered[keep[ordered]]
            nulls = nulls[keep[nulls]]
        if len(nulls) == 0:
            return np.ascontiguousarray(ordered)
        return np.concatenate([ordered, nulls])

    def global_order(self, key: str, mode: str = "computed") -> tuple[np.ndarray, np.ndarray]:
        """All positions with a value in ascending order (stable), and those without one."""
        column = column_of(key)
        dataset = self.dataset
        cache_key = (key, mode if key == "cost" else "")
        if column.kind == "text":
            codes, values = text_codes(dataset, key)
            sources: tuple[Any, ...] = (codes, values)
        else:
            arr = numeric_array(dataset, key, mode)
            sources = _derived_sources(dataset, key, mode, arr)
        with self._lock:
            cached = self._orders.get(cache_key)
        if cached is not None and _same(cached[0], sources):
            return cached[1], cached[2]
        if column.kind == "text":
            order, nulls = _text_order(codes, values)
        elif key == "cost":  # shared with the percentiles of the groups
            order = dataset.cost_order(mode)[0]
            nulls = np.flatnonzero(np.isnan(arr))
        else:
            order, nulls = _numeric_order(arr, null_is_negative=key == "line")
        with self._lock:
            self._orders[cache_key] = (sources, order, nulls)
        return order, nulls

    def facet(
        self, filters: Filters, key: str, zone: tzinfo, limit: int = 500
    ) -> tuple[list[tuple[Any, int]], int]:
        """Distinct values of a column with their counts, most common first.

        Counted over the calls the *other* filters keep (the column's own value
        filter is left out, as Datasette's facets do), so every value can be
        picked. Returns ``(values, number of distinct values)``; ``None`` stands
        for calls without a value.
        """
        column = column_of(key)
        name = column.filter_name
        if name is not None:
            filters = filters.with_(
                where=tuple(w for w in filters.where if w[0] != name),
                where_not=tuple(w for w in filters.where_not if w[0] != name),
            )
        keep = None if _no_filters(filters) else self.dataset.mask(filters, zone)
        codes, values = text_codes(self.dataset, key)
        chosen = codes if keep is None else codes[keep]
        counts = np.bincount(chosen.astype(np.int64) + 1, minlength=len(values) + 1)
        present = np.flatnonzero(counts)
        ranked = present[np.lexsort((present, -counts[present]))]
        out = [(None if i == 0 else values[i - 1], int(counts[i])) for i in ranked[:limit]]
        return out, len(present)


def _no_filters(filters: Filters) -> bool:
    return filters == Filters()


def _derived_sources(dataset: Dataset, key: str, mode: str, arr: np.ndarray) -> tuple[Any, ...]:
    frame = dataset.frame
    if key == "cache_write":
        return (frame.num("cache_write_5m_tokens"), frame.num("cache_write_1h_tokens"))
    if key == "cost":
        if mode == "computed":
            return (frame.num("cost_usd"),)
        if mode == "reported":
            return (frame.num("reported_cost_usd"),)
        return (frame.num("cost_usd"), frame.num("reported_cost_usd"))
    return (arr,)


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _numeric_order(
    arr: np.ndarray, null_is_negative: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    if arr.dtype.kind == "f":
        null = np.isnan(arr)
    elif null_is_negative:
        null = arr < 0
    else:
        null = None
    if null is None or not null.any():
        return np.argsort(arr, kind="stable"), np.zeros(0, np.int64)
    valid = np.flatnonzero(~null)
    order = valid[np.argsort(arr[valid], kind="stable")]
    return order, np.flatnonzero(null)


def _text_order(codes: np.ndarray, values: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Order by the rank of each value (numbers by value, text case-insensitively)."""
    ranked = sorted(range(len(values)), key=lambda i: _text_sort_key(values[i]))
    rank = np.empty(len(values) + 1, dtype=np.int64)
    rank[np.asarray(ranked, dtype=np.int64) + 1] = np.arange(len(values))
    rank[0] = len(values)  # code -1: no value
    dtype = np.uint16 if len(values) < 65535 else np.int64  # small ints sort by radix
    keys = rank[codes.astype(np.int64) + 1].astype(dtype)
    order = np.argsort(keys, kind="stable")
    null_count = int(np.count_nonzero(codes < 0))
    if null_count == 0:
        return order, np.zeros(0, np.int64)
    return order[:-null_count], order[-null_count:]


def _text_sort_key(value: Any) -> tuple:
    if isinstance(value, bool):
        return (1, str(value).lower(), "")
    if isinstance(value, int | float):
        return (0, float(value), "")
    text = str(value)
    return (1, text.casefold(), text)


def chunks(positions: np.ndarray, size: int = 5000) -> Iterator[np.ndarray]:
    for start in range(0, len(positions), size):
        yield positions[start : start + size]


# -- filters ---------------------------------------------------------------------------------


def filter_text(value: Any) -> str:
    """A value as :class:`Filters` spells it (``""`` stands for "no value")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def range_name(column: Column) -> str | None:
    """The name a value range on this column is filtered by (None: no ranges)."""
    if column.key == "cost":
        return "cost"  # the computed cost
    if column.kind in ("tokens", "count", "money", "duration") and column.key not in (
        "cache_write",
        "id",
    ):
        return column.filter_name
    return None


def without_column(filters: Filters, name: str) -> Filters:
    """The filters with every condition on column ``name`` removed."""
    return filters.with_(
        where=tuple(w for w in filters.where if w[0] != name),
        where_not=tuple(w for w in filters.where_not if w[0] != name),
        ranges=tuple(r for r in filters.ranges if r[0] != name),
    )


def with_values(
    filters: Filters, name: str, values: Sequence[str], exclude: bool = False
) -> Filters:
    """Keep only (or, with ``exclude``, hide) calls whose ``name`` is one of ``values``."""
    base = filters.with_(
        where=tuple(w for w in filters.where if w[0] != name),
        where_not=tuple(w for w in filters.where_not if w[0] != name),
    )
    if not values:
        return base
    entry = ((name, tuple(dict.fromkeys(values))),)
    if exclude:
        return base.with_(where_not=base.where_not + entry)
    return base.with_(where=base.where + entry)


def add_value(filters: Filters, name: str, value: str, exclude: bool = False) -> Filters:
    """Narrow the filters by one value ("filter to this value" / "exclude this value")."""
    if exclude:
        current = dict(filters.where_not).get(name, ())
        return with_values(filters, name, [*current, value], exclude=True).with_(
            where=tuple(w for w in filters.where if w[0] != name)
        )
    return with_values(filters, name, [value])


def with_range(filters: Filters, name: str, lo: float | None, hi: float | None) -> Filters:
    ranges = tuple(r for r in filters.ranges if r[0] != name)
    if lo is not None or hi is not None:
        ranges += ((name, lo, hi),)
    return filters.with_(ranges=ranges)


def value_filter(filters: Filters, name: str) -> tuple[tuple[str, ...], bool]:
    """The values a column is filtered to, and whether they are excluded."""
    for column, values in filters.where:
        if column == name:
            return values, False
    for column, values in filters.where_not:
        if column == name:
            return values, True
    return (), False


def range_filter(filters: Filters, name: str) -> tuple[float | None, float | None]:
    for column, lo, hi in filters.ranges:
        if column == name:
            return lo, hi
    return None, None
