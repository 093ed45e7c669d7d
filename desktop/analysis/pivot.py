"""A nested pivot: group by several columns as a tree (tenant → feature → model).

Every node holds the statistics of exactly its own subset of calls: the
percentiles of a tenant are computed over that tenant's calls, never rolled up
from its children. Each level is one :meth:`Dataset.groups` question over a
prefix of the columns, so level *k* agrees with ``spendtrail report --by``
that prefix, row for row.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

import numpy as np

from desktop.analysis.keys import TimeRanges, key_filters, time_ranges, value_text
from desktop.commands.report import safe_cell
from desktop.record import TOKEN_FIELDS
from desktop.store.dataset import Dataset, Filters, Group, Totals

# Sortable measures: name → how to read it from a group (None sorts last).
MEASURES: dict[str, Any] = {
    "calls": lambda g: g.calls,
    "cost_usd": lambda g: g.cost_usd if g.calls > g.unpriced_calls else None,
    "share": lambda g: g.share,
    "unpriced_calls": lambda g: g.unpriced_calls,
    "mean_cost_usd": lambda g: g.mean_cost_usd,
    "p50_cost_usd": lambda g: g.p50_cost_usd,
    "p95_cost_usd": lambda g: g.p95_cost_usd,
    "max_cost_usd": lambda g: g.max_cost_usd,
    "cache_write_tokens": lambda g: (
        g.sums.get("cache_write_5m_tokens", 0) + g.sums.get("cache_write_1h_tokens", 0)
    ),
    **{name: (lambda g, n=name: g.sums.get(n, 0)) for name in TOKEN_FIELDS},
}
# Columns worth grouping by besides the labels (ids unique per call are left out).
GROUPABLE_CORE = (
    "provider",
    "model",
    "service_tier",
    "status",
    "error",
    "price_id",
    "conversation_id",
    "format",
    "source",
)
TIME_COLUMNS = ("hour", "day", "week", "month")
CSV_METRICS = ("calls", *TOKEN_FIELDS, "cost_usd", "unpriced_calls")
CSV_STATS = ("share", "mean_cost_usd", "p50_cost_usd", "p95_cost_usd", "max_cost_usd")


@dataclass(eq=False)
class PivotNode:
    """One group in the tree; the root has no group and holds the first level."""

    group: Group | None
    depth: int  # 0 = first grouped column; the root is -1
    parent: PivotNode | None = None
    children: list[PivotNode] = field(default_factory=list)
    row: int = 0  # position among its siblings (follows the sort)
    id: int = 0  # index in Pivot.nodes
    rank: int = 0  # position in the default order (cost, then calls)

    @property
    def key(self) -> tuple[Any, ...]:
        return () if self.group is None else self.group.key

    @property
    def value(self) -> Any:
        return self.key[-1] if self.key else None

    @property
    def label(self) -> str:
        return value_text(self.value)


@dataclass
class OverallStats:
    """Per-call cost statistics of the whole selection (the row above the groups)."""

    mean_cost_usd: float | None
    p50_cost_usd: float | None
    p95_cost_usd: float | None
    max_cost_usd: float | None


@dataclass
class Pivot:
    columns: tuple[str, ...]
    root: PivotNode
    nodes: list[PivotNode]
    totals: Totals
    overall: OverallStats
    ranges: TimeRanges
    sort_key: str = "cost_usd"
    descending: bool = True

    def levels(self) -> int:
        return len(self.columns)

    def count(self, depth: int | None = None) -> int:
        """Number of groups (at one level, or in the whole tree)."""
        if depth is None:
            return len(self.nodes) - 1
        return sum(1 for n in self.nodes if n.depth == depth)

    def walk(self, node: PivotNode | None = None) -> Iterator[PivotNode]:
        """Depth-first, in the current sort order (the root itself is not yielded)."""
        stack = list(reversed((node or self.root).children))
        while stack:
            current = stack.pop()
            yield current
            stack.extend(reversed(current.children))

    def filters_for(self, node: PivotNode) -> Filters:
        """Filters selecting exactly this node's calls (time buckets become a time range)."""
        return key_filters(self.columns[: node.depth + 1], node.key, self.ranges)

    def sort(self, key: str, descending: bool = True) -> None:
        """Sort every node's children; missing values (an unpriced group's mean) go last."""
        self.sort_key, self.descending = key, descending
        for node in self.nodes:
            if node.children:
                _sort_children(node, key, descending)

    # -- export ---------------------------------------------------------------------
    def csv_text(self) -> str:
        """The tree flattened, one row per group in the shown order; formula-safe."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["level", *self.columns, *CSV_METRICS, *CSV_STATS])
        for node in self.walk():
            data = self._values(node)
            key = [safe_cell(value_text(v)) for v in node.key]
            key += [""] * (len(self.columns) - len(key))
            writer.writerow(
                [node.depth + 1, *key, *(data[m] for m in CSV_METRICS)]
                + ["" if data[s] is None else data[s] for s in CSV_STATS]
            )
        return out.getvalue()

    def as_json(self) -> dict[str, Any]:
        """The tree as nested objects: each group with its key, numbers and children."""

        def node_json(node: PivotNode) -> dict[str, Any]:
            data = self._values(node)
            data["children"] = [node_json(c) for c in node.children]
            return data

        return {
            "by": list(self.columns),
            "totals": self.totals.as_dict(),
            "groups": [node_json(c) for c in self.root.children],
        }

    def _values(self, node: PivotNode) -> dict[str, Any]:
        assert node.group is not None
        return node.group.as_dict(self.columns[: node.depth + 1])


def groupable_columns(dataset: Dataset) -> list[str]:
    """What a person can group by: provider and model, every label, time, the rest."""
    labels = [k for k in dataset.label_keys() if k not in GROUPABLE_CORE]
    return [*GROUPABLE_CORE[:2], *labels, *TIME_COLUMNS, *GROUPABLE_CORE[2:]]


def build_pivot(
    dataset: Dataset,
    mask: np.ndarray,
    columns: Sequence[str],
    zone: tzinfo,
    mode: str = "computed",
) -> Pivot:
    """All levels of the tree at once: one grouping per prefix of ``columns``."""
    columns = tuple(dataset.resolve(c) for c in columns)
    root = PivotNode(group=None, depth=-1)
    nodes = [root]
    parents: dict[tuple[Any, ...], PivotNode] = {(): root}
    for depth in range(len(columns)):
        level: dict[tuple[Any, ...], PivotNode] = {}
        for group in dataset.groups(mask, columns[: depth + 1], zone, mode):
            parent = parents[group.key[:-1]]
            row = len(parent.children)
            node = PivotNode(group, depth, parent, row=row, id=len(nodes), rank=row)
            parent.children.append(node)
            nodes.append(node)
            level[group.key] = node
        parents = level
    totals = dataset.totals(mask, mode)
    return Pivot(
        columns=columns,
        root=root,
        nodes=nodes,
        totals=totals,
        overall=overall_stats(dataset, mask, mode),
        ranges=time_ranges(dataset, mask, columns, zone),
    )


def overall_stats(dataset: Dataset, mask: np.ndarray, mode: str = "computed") -> OverallStats:
    cost = dataset.cost(mode)[mask]
    cost = cost[~np.isnan(cost)]
    if len(cost) == 0:
        return OverallStats(None, None, None, None)
    p50, p95 = np.percentile(cost, [50, 95])
    return OverallStats(float(cost.mean()), float(p50), float(p95), float(cost.max()))


def _sort_children(node: PivotNode, key: str, descending: bool) -> None:
    if key == "group":
        read = _group_value
    else:
        measure = MEASURES[key]

        def read(n: PivotNode) -> Any:
            value = measure(n.group)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                return None
            return value

    # Ties keep the default order (cost, then calls): sort by rank first, then
    # stably by the key (``reverse`` keeps equal items in order too).
    present = sorted((n for n in node.children if read(n) is not None), key=lambda n: n.rank)
    missing = sorted((n for n in node.children if read(n) is None), key=lambda n: n.rank)
    present.sort(key=read, reverse=descending)
    node.children = present + missing
    for row, child in enumerate(node.children):
        child.row = row


def _group_value(node: PivotNode) -> Any:
    """Numbers in numeric order before text in case-insensitive order; no value last."""
    value = node.value
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, value_text(value).casefold())
