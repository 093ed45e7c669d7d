"""Building the column cache while a first load inserts the rows.

Reading every column back from SQLite after a load of a million calls takes
seconds; the batches being inserted already hold the same columns. The
builder gathers them (numeric arrays as they are, text as codes into one
growing value list per column) and installs them as the cache, provided the
store ended up holding exactly those rows in that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from desktop.store.batch import Batch
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


@dataclass(slots=True)
class _Text:
    parts: list[np.ndarray] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    index: dict[Any, int] = field(default_factory=dict)


class FrameBuilder:
    def __init__(self) -> None:
        self.n = 0
        self.num: dict[str, list[np.ndarray]] = {name: [] for name in NUMERIC}
        self.text: dict[str, _Text] = {}

    def add(self, batch: Batch) -> None:
        n = batch.n
        if not n:
            return
        for name in NUMERIC:
            if name == "source_id":
                self.num[name].append(np.full(n, batch.source_id, dtype=np.int64))
            elif name == "offset":
                # -1 for "no offset", as the cache reads nulls of integer columns
                offsets = batch.num[name]
                self.num[name].append(np.where(np.isnan(offsets), -1, offsets).astype(np.int64))
            else:
                self.num[name].append(batch.num[name])
        for name, (codes, values) in batch.codes.items():
            col = self.text.get(name)
            if col is None:
                col = self.text[name] = _Text()
                if self.n:
                    col.parts.append(np.full(self.n, -1, dtype=np.int32))
            lut = np.fromiter(
                (col.index.setdefault(v, len(col.index)) for v in values),
                dtype=np.int32,
                count=len(values),
            )
            if len(col.index) > len(col.values):
                col.values.extend(list(col.index)[len(col.values) :])
            mapped = np.where(codes >= 0, lut[np.maximum(codes, 0)] if len(lut) else -1, -1)
            col.parts.append(mapped.astype(np.int32))
        for name, col in self.text.items():
            if name not in batch.codes:
                col.parts.append(np.full(n, -1, dtype=np.int32))
        self.n += n

    def install(self, frame: Frame, first_id: int) -> None:
        """Write the gathered columns as the cache of rows ``first_id`` … ``first_id + n - 1``."""
        ids = np.arange(first_id, first_id + self.n, dtype=np.int64)
        # One column at a time, dropping its parts as it is joined: a million
        # calls must not need every column twice over.
        num = {}
        for name in list(self.num):
            parts = self.num.pop(name)
            if parts:
                num[name] = np.concatenate(parts)
        text = {}
        for name in list(self.text):
            col = self.text.pop(name)
            text[name] = TextColumn(np.concatenate(col.parts), col.values)
        frame.install(ids, num, text)
