"""Group keys as people read them, and as filters for a drill-down.

A group key is a tuple of values, one per grouped column (``None`` = the call
has no value there). Drilling into a group turns its key back into filters:
plain columns become ``where`` conditions, time-bucket columns (hour, day,
week, month) become the time range of that bucket.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

import numpy as np

from desktop.store.dataset import TIME_DIMENSIONS, Dataset, Filters
from desktop.timeutil import bucket_edges, bucket_label

NONE_TEXT = "(none)"
KEY_SEPARATOR = " · "

TimeRanges = dict[str, dict[str, tuple[float, float]]]


def value_text(value: Any) -> str:
    """One key value for display (the same text the filters match on)."""
    if value is None:
        return NONE_TEXT
    return filter_text(value)


def filter_text(value: Any) -> str:
    """A value as :class:`Filters` compares it (``""`` matches calls without a value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def key_text(key: Sequence[Any]) -> str:
    return KEY_SEPARATOR.join(value_text(v) for v in key)


def time_ranges(
    dataset: Dataset, mask: np.ndarray, columns: Sequence[str], zone: tzinfo
) -> TimeRanges:
    """For each time-bucket column: bucket label → (start, end), as the grouping made them.

    The edges are the ones :meth:`Dataset.dimension` groups by (from the first
    to the last selected call), so every label of a group has its range.
    """
    out: TimeRanges = {}
    ts_all = dataset.frame.num("ts")
    for column in columns:
        if column not in TIME_DIMENSIONS or column in out or len(ts_all) == 0:
            continue
        unit = TIME_DIMENSIONS[column]
        chosen = ts_all if not mask.any() else ts_all[mask]
        edges = bucket_edges(float(chosen.min()), float(chosen.max()), unit, zone)
        out[column] = {
            bucket_label(float(edges[i]), unit, zone): (float(edges[i]), float(edges[i + 1]))
            for i in range(len(edges) - 1)
        }
    return out


def key_filters(columns: Sequence[str], key: Sequence[Any], ranges: TimeRanges) -> Filters:
    """The filters that select exactly the calls of one group."""
    where: list[tuple[str, tuple[str, ...]]] = []
    since: float | None = None
    until: float | None = None
    for column, value in zip(columns, key, strict=True):
        if column in TIME_DIMENSIONS:
            span = ranges.get(column, {}).get(filter_text(value))
            if span is None:
                continue
            since = span[0] if since is None else max(since, span[0])
            until = span[1] if until is None else min(until, span[1])
            continue
        where.append((column, (filter_text(value),)))
    return Filters(since=since, until=until, where=tuple(where))
