"""A batch of calls as columns, priced in bulk.

Parser processes turn records into a :class:`Batch`: numeric columns become
numpy arrays (cheap to send between processes), text columns stay lists, and
costs are computed per (provider, model, service tier) with the same rate
cells and formula the store and the column cache use when re-pricing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from desktop.logs.columns import Columns
from desktop.record import CallRecord
from desktop.store.schema import CORE_COLUMNS, RECORD_COLUMNS
from pricing.cells import CostFlag, RateCell

_ASSUMED_CR = int(CostFlag.ASSUMED_CACHE_READ)
_ASSUMED_W5 = int(CostFlag.ASSUMED_CACHE_WRITE_5M)
_ASSUMED_W1 = int(CostFlag.ASSUMED_CACHE_WRITE_1H)


def call_flags(
    cell_flags: int, cache_read: np.ndarray, write_5m: np.ndarray, write_1h: np.ndarray
) -> np.ndarray:
    """A cell's flags per call: an assumed cache rate only matters where that bucket is used
    (numpy form of :func:`pricing.cells.flags_for_call`)."""
    flags = np.full(len(cache_read), cell_flags, dtype=np.int64)
    flags[cache_read == 0] &= ~_ASSUMED_CR
    flags[write_5m == 0] &= ~_ASSUMED_W5
    flags[write_1h == 0] &= ~_ASSUMED_W1
    return flags


if TYPE_CHECKING:
    from desktop.store.pricer import Pricer

# Nullable numbers travel as float64 with NaN for null: SQLite stores a bound
# NaN as NULL, and an integral float in an INTEGER column as an integer.
FLOAT_FIELDS = ("ts", "latency_ms", "reported_cost_usd", "offset", "dedup_rank")
INT_FIELDS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
    "web_search_requests",
    "line",
)
TEXT_FIELDS = tuple(c for c in RECORD_COLUMNS if c not in FLOAT_FIELDS and c not in INT_FIELDS)
_INDEX = {name: i for i, name in enumerate(RECORD_COLUMNS)}
# Text columns with few distinct values: sharing one string object per value
# makes them cheap to send between processes (pickle stores a repeat as a reference).
REPEATED_TEXT = frozenset({"provider", "model", "service_tier", "status"})
ZERO_DEFAULT = frozenset({"web_search_requests", "cost_flags"})  # columns whose default is 0


CODED_TEXT = ("provider", "model", "service_tier", "status", "price_id")


def encode(values: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes per value (-1 = null) and the distinct values, in order of first appearance.

    Booleans become 1/0, as SQLite stores them, so the cache built here equals
    the one read back from the store.
    """
    # dict.fromkeys and map run in C: no Python frame per value. (True == 1 and
    # 1.0 == 1 share a key, as they share a value in SQLite.)
    distinct = list(dict.fromkeys(values))
    index = {v: i for i, v in enumerate(distinct)}
    codes = np.fromiter(map(index.__getitem__, values), dtype=np.int32, count=len(values))
    none = index.get(None)
    if none is not None:
        codes[codes == none] = -1
        codes[codes > none] -= 1
        del distinct[none]
    return codes, [int(v) if type(v) is bool else v for v in distinct]


def in_row_order(codes: np.ndarray, values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes renumbered so values come in order of first use by row, unused ones dropped
    (as :func:`encode` gives them, and as they are read back from the store).

    After rows were dropped or overwritten, a value may be left unused, or first
    used further down than another value.
    """
    used = codes >= 0
    distinct, first = np.unique(codes[used], return_index=True)
    order = distinct[np.argsort(first, kind="stable")]
    lut = np.full(len(values) + 1, -1, dtype=np.int32)
    lut[order] = np.arange(len(order), dtype=np.int32)
    return np.where(used, lut[codes], -1).astype(np.int32), [values[i] for i in order]


def _shared(values: Sequence[Any]) -> list[Any]:
    seen: dict[Any, Any] = {}
    setdefault = seen.setdefault
    return [v if v is None else setdefault(v, v) for v in values]


_UNPRICED = int(CostFlag.UNPRICED)


def price_rows(
    cells: Sequence[RateCell],
    rows: np.ndarray,
    ts: np.ndarray,
    tokens: Sequence[np.ndarray],
    cost: np.ndarray,
    flags: np.ndarray,
    price_id: np.ndarray,
) -> None:
    """Price ``rows`` in place: the first cell whose conditions a call meets wins.

    ``tokens`` are the input, cache read, 5m write, 1h write, output, reasoning
    and web-search columns. Calls no cell covers stay unpriced, except calls with
    no usage at all (a rejected request), which cost nothing, price or not.
    """
    cost[rows] = np.nan
    flags[rows] = _UNPRICED
    price_id[rows] = None
    prompt = tokens[0][rows] + tokens[1][rows] + tokens[2][rows] + tokens[3][rows]
    open_rows, open_prompt = rows, prompt
    for cell in cells:
        if len(open_rows) == 0:
            break
        hit = cell.mask(ts[open_rows], open_prompt)
        chosen = open_rows[hit]
        if len(chosen):
            cost[chosen] = cell.cost_array(*(t[chosen] for t in tokens))
            flags[chosen] = call_flags(
                cell.flags, tokens[1][chosen], tokens[2][chosen], tokens[3][chosen]
            )
            price_id[chosen] = cell.price_id
        open_rows, open_prompt = open_rows[~hit], open_prompt[~hit]
    if len(open_rows):
        idle = open_rows[(open_prompt + tokens[4][open_rows] + tokens[6][open_rows]) == 0]
        cost[idle] = 0.0
        flags[idle] = 0


@dataclass(slots=True)
class Batch:
    n: int
    source_id: int  # of every row, unless ``num`` has a "source_id" column (several files)
    num: dict[str, np.ndarray] = field(default_factory=dict)
    text: dict[str, list[Any]] = field(default_factory=dict)
    label_keys: tuple[str, ...] = ()
    labels: list[list[Any]] = field(default_factory=list)  # one list per label key
    # Dictionary-encoded text columns (and labels by key) for the column cache.
    codes: dict[str, tuple[np.ndarray, list[Any]]] = field(default_factory=dict)

    @property
    def dedup(self) -> bool:
        return any(v is not None for v in self.text.get("dedup_key", ()))

    @classmethod
    def from_records(cls, records: Sequence[CallRecord], source_id: int, pricer: Pricer) -> Batch:
        if not records:
            return cls(0, source_id)
        columns = Columns()
        columns.add_records(records)
        return cls.from_columns(columns.n, columns.columns, columns.labels, source_id, pricer)

    @classmethod
    def from_columns(
        cls,
        n: int,
        columns: dict[str, Sequence[Any]],
        labels: dict[str, list[Any]],
        source_id: int,
        pricer: Pricer,
    ) -> Batch:
        """A batch from columns in record field order (lists or numpy arrays) and label
        columns (one list per key, None where a row has no such label)."""
        batch = cls(n, source_id)
        if n == 0:
            return batch
        for name in FLOAT_FIELDS:
            batch.num[name] = np.asarray(columns[name], dtype=np.float64)
        for name in INT_FIELDS:
            batch.num[name] = np.asarray(columns[name], dtype=np.int64)
        for name in TEXT_FIELDS:
            values = columns[name]
            batch.text[name] = _shared(values) if name in REPEATED_TEXT else list(values)
        batch.label_keys = tuple(labels)
        batch.labels = list(labels.values())
        batch._price(pricer)
        for name in CODED_TEXT:
            batch.codes[name] = encode(batch.text[name])
        for key, values in zip(batch.label_keys, batch.labels, strict=True):
            if key not in CORE_COLUMNS:  # a label named like a canonical column is read lazily
                batch.codes[key] = encode(values)
        return batch

    def _price(self, pricer: Pricer) -> None:
        n = self.n
        num, text = self.num, self.text
        combos: dict[tuple[Any, Any, Any], int] = {}
        setdefault = combos.setdefault
        combo_of = np.fromiter(
            (
                setdefault(key, len(combos))
                for key in zip(text["provider"], text["model"], text["service_tier"], strict=True)
            ),
            dtype=np.int64,
            count=n,
        )
        cost = np.full(n, np.nan)
        flags = np.full(n, _UNPRICED, dtype=np.int64)
        price_id = np.full(n, None, dtype=object)
        tokens = [num[name] for name in INT_FIELDS[:7]]
        for (provider, model, tier), code in combos.items():
            rows = np.flatnonzero(combo_of == code) if len(combos) > 1 else np.arange(n)
            price_rows(
                pricer.cells(provider, model, tier), rows, num["ts"], tokens, cost, flags, price_id
            )
        num["cost_usd"] = cost
        num["cost_flags"] = flags
        text["price_id"] = price_id.tolist()

    def take(self, rows: Sequence[int]) -> Batch:
        """The given rows (positions, in that order) as a batch of their own."""
        index = np.asarray(rows, dtype=np.int64)
        picked = Batch(len(index), self.source_id, label_keys=self.label_keys)
        picked.num = {name: arr[index] for name, arr in self.num.items()}
        picked.text = {name: [values[i] for i in rows] for name, values in self.text.items()}
        picked.labels = [[values[i] for i in rows] for values in self.labels]
        picked.codes = {
            name: in_row_order(codes[index], values) for name, (codes, values) in self.codes.items()
        }
        return picked

    # -- for the store ------------------------------------------------------------
    def column_values(self) -> Iterator[Iterable[Any]]:
        """Per CORE_COLUMNS column, an iterable of Python values in row order."""
        for name in CORE_COLUMNS:
            yield self.values_of(name)

    def values_of(self, name: str) -> Iterable[Any]:
        if name == "source_id" and name not in self.num:
            return repeat(self.source_id, self.n)
        if name in self.num:
            return self.num[name].tolist()
        return self.text[name]

    def combos(self) -> list[tuple[Any, Any, Any]]:
        """The distinct (provider, model, service tier) combinations of this batch."""
        if not self.n:
            return []
        parts = [self.codes[name] for name in ("provider", "model", "service_tier")]
        sizes = [len(values) + 1 for _codes, values in parts]
        flat = np.ravel_multi_index([codes.astype(np.int64) + 1 for codes, _ in parts], sizes)
        out = []
        for key in sorted(set(flat.tolist())):  # (np.unique would import numpy.ma)
            idx = np.unravel_index(key, sizes)
            out.append(tuple(None if i == 0 else parts[k][1][i - 1] for k, i in enumerate(idx)))
        return out

    def empty_columns(self) -> set[str]:
        """Columns with nothing in this batch (all null, or all zero where zero is the default);
        leaving them out of the INSERT saves binding a million empty values."""
        empty = set()
        for name, values in self.text.items():
            if values.count(None) == self.n:
                empty.add(name)
        for name, arr in self.num.items():
            if (arr.dtype.kind == "f" and np.isnan(arr).all()) or (
                name in ZERO_DEFAULT and not arr.any()
            ):
                empty.add(name)
        return empty

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Row tuples laid out as CORE_COLUMNS followed by the label keys."""
        return zip(*self.column_values(), *self.labels)  # noqa: B905 - equal lengths
