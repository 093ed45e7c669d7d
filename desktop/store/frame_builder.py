"""Building the column cache while a first load inserts the rows.

Reading every column back from SQLite after a load of a million calls takes
seconds; the batches being inserted already hold the same columns. The
builder gathers them (numeric arrays as they are, text as codes into one
growing value list per column) and installs them as the cache, provided the
store ended up holding exactly those rows in that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from desktop.store.batch import Batch, in_row_order
from desktop.store.frame import Frame, TextColumn

NUMERIC = (
    "ts",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
    "web_search_requests",
    "latency_ms",
    "reported_cost_usd",
    "cost_usd",
    "cost_flags",
    "line",
    "offset",
    "source_id",
)


class _Column:
    """A growing array: filled in place, so a million values are held once."""

    def __init__(self, dtype: type, capacity: int, fill: int = 0) -> None:
        self.data = np.full(max(capacity, 1024), fill, dtype=dtype)
        self.fill = fill

    def put(self, where: slice | np.ndarray, values: np.ndarray) -> None:
        """Write at a slice (growing the array as needed) or at given positions."""
        if isinstance(where, slice) and where.stop > len(self.data):
            size = max(where.stop, int(len(self.data) * 1.5))
            grown = np.full(size, self.fill, dtype=self.data.dtype)
            grown[: where.start] = self.data[: where.start]
            self.data = grown
        self.data[where] = values

    def result(self, n: int) -> np.ndarray:
        return self.data[:n].copy() if len(self.data) > n * 1.05 else self.data[:n]


@dataclass(slots=True)
class _Text:
    column: _Column
    values: list[Any] = field(default_factory=list)
    index: dict[Any, int] = field(default_factory=dict)


class FrameBuilder:
    def __init__(self, bytes_total: int = 0) -> None:
        self.n = 0
        self.bytes_total = bytes_total  # to size the columns once from the first batch
        self.capacity = 0
        self.num: dict[str, _Column] = {}
        self.text: dict[str, _Text] = {}
        self.replaced = False  # rows were overwritten: value lists need tidying

    def add(self, batch: Batch, batch_bytes: int = 0) -> None:
        n = batch.n
        if not n:
            return
        if not self.capacity and batch_bytes and self.bytes_total:
            self.capacity = int(n * self.bytes_total / batch_bytes * 1.05) + 1024
        self._write(batch, slice(self.n, self.n + n), max(self.capacity, self.n + n))
        self.n += n

    def replace(self, positions: Sequence[int], batch: Batch) -> None:
        """Rows already gathered (by position) take the values of ``batch``'s rows."""
        if batch.n:
            self._write(batch, np.asarray(positions, dtype=np.int64), self.n)
            self.replaced = True

    def _write(self, batch: Batch, where: slice | np.ndarray, capacity: int) -> None:
        n = batch.n
        for name in NUMERIC:
            if name == "source_id" and name not in batch.num:
                values = np.full(n, batch.source_id, dtype=np.int64)
            elif name == "offset":
                # -1 for "no offset", as the cache reads nulls of integer columns
                offsets = batch.num[name]
                values = np.where(np.isnan(offsets), -1, offsets).astype(np.int64)
            else:
                values = batch.num[name]
            col = self.num.get(name)
            if col is None:
                col = self.num[name] = _Column(values.dtype.type, capacity)
            col.put(where, values)
        for name, (codes, values) in batch.codes.items():
            text = self.text.get(name)
            if text is None:  # rows before it simply have no value (-1)
                text = self.text[name] = _Text(_Column(np.int32, capacity, fill=-1))
            lut = np.fromiter(
                (text.index.setdefault(v, len(text.index)) for v in values),
                dtype=np.int32,
                count=len(values),
            )
            if len(text.index) > len(text.values):
                text.values.extend(list(text.index)[len(text.values) :])
            mapped = np.where(codes >= 0, lut[np.maximum(codes, 0)] if len(lut) else -1, -1)
            text.column.put(where, mapped.astype(np.int32))
        for name, text in self.text.items():
            if name not in batch.codes:
                text.column.put(where, np.full(n, -1, dtype=np.int32))

    def install(self, frame: Frame, first_id: int) -> None:
        """Write the gathered columns as the cache of rows ``first_id`` … ``first_id + n - 1``."""
        ids = np.arange(first_id, first_id + self.n, dtype=np.int64)
        num = {name: col.result(self.n) for name, col in self.num.items()}
        text = {}
        for name, t in self.text.items():
            codes, values = t.column.result(self.n), t.values
            if self.replaced:
                codes, values = in_row_order(codes, values)
            text[name] = TextColumn(codes, values)
        self.num.clear()
        self.text.clear()
        frame.install(ids, num, text)
