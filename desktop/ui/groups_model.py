"""The nested pivot as a tree model: one row per group, children per next column.

Rows are :class:`PivotNode` objects of a :class:`Pivot` (computed on a worker);
an index carries its node's id. Sorting reorders every level's children in
place (persistent indexes follow), so expanded rows stay expanded.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from desktop.analysis.pivot import MEASURES, Pivot, PivotNode
from desktop.numbers import money, money_total, percent, tokens

Index = QModelIndex | QPersistentModelIndex

# (sort key, header, tooltip)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("group", "Group", "The value of the grouped column (expand for the next column)"),
    ("cost_usd", "Cost", "Cost of the priced calls of the group"),
    ("share", "Share", "Share of the total cost of the selection"),
    ("calls", "Calls", "Calls in the group"),
    ("unpriced_calls", "Unpriced", "Calls without a price: counted here, not in the cost"),
    ("mean_cost_usd", "Mean", "Mean cost per priced call"),
    ("p50_cost_usd", "p50", "Median cost per priced call (of this group's own calls)"),
    ("p95_cost_usd", "p95", "95th percentile of the cost per priced call"),
    ("max_cost_usd", "Max", "The most expensive call"),
    ("input_tokens", "Input", "Uncached input tokens"),
    ("cache_read_tokens", "Cache read", "Input tokens read from the prompt cache"),
    ("cache_write_5m_tokens", "Cache write 5m", "Input tokens written to the 5-minute cache"),
    ("cache_write_1h_tokens", "Cache write 1h", "Input tokens written to the 1-hour cache"),
    ("output_tokens", "Output", "Output tokens (reasoning included)"),
    ("reasoning_tokens", "Reasoning", "Reasoning tokens (part of the output)"),
)
SORT_ROLE = Qt.ItemDataRole.UserRole
SHARE_ROLE = Qt.ItemDataRole.UserRole + 1  # 0..1, for the share bar
COST_COLUMN = 1
SHARE_COLUMN = 2
UNPRICED_COLUMN = 4


class GroupsModel(QAbstractItemModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.pivot: Pivot | None = None
        self.warning = QColor("#b25b00")

    def set_pivot(self, pivot: Pivot | None) -> None:
        self.beginResetModel()
        self.pivot = pivot
        self.endResetModel()

    def node(self, index: Index) -> PivotNode | None:
        if self.pivot is None:
            return None
        if not index.isValid():
            return self.pivot.root
        node_id = index.internalId()
        return self.pivot.nodes[node_id] if 0 < node_id < len(self.pivot.nodes) else None

    def index_of(self, node: PivotNode, column: int = 0) -> QModelIndex:
        if node.group is None:
            return QModelIndex()
        return self.createIndex(node.row, column, node.id)

    # -- structure ----------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self.node(parent)
        if node is None or not 0 <= row < len(node.children) or not 0 <= column < len(COLUMNS):
            return QModelIndex()
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        return self.createIndex(row, column, node.children[row].id)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node = self.node(index)
        if node is None or node.parent is None or node.parent.group is None:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent.id)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self.node(parent)
        return len(node.children) if node is not None else 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- data -------------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self.node(index) if index.isValid() else None
        if node is None or node.group is None:
            return None
        column = index.column()
        group = node.group
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(node, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        warn = column == UNPRICED_COLUMN or (
            column == COST_COLUMN and group.calls == group.unpriced_calls
        )
        if role == Qt.ItemDataRole.ForegroundRole and group.unpriced_calls and warn:
            return self.warning
        if role == SHARE_ROLE and column == SHARE_COLUMN:
            return group.share
        if role == SORT_ROLE:
            return self._sort_value(node, column)
        return None

    def _display(self, node: PivotNode, column: int) -> str:
        group = node.group
        assert group is not None
        key = COLUMNS[column][0]
        if key == "group":
            return node.label
        if key == "cost_usd":
            return money_total(group.cost_usd) if group.calls > group.unpriced_calls else "unpriced"
        if key == "share":
            return percent(group.share)
        if key == "calls":
            return tokens(group.calls)
        if key == "unpriced_calls":
            return tokens(group.unpriced_calls) if group.unpriced_calls else ""
        if key.endswith("_cost_usd"):
            return money(getattr(group, key))
        return tokens(group.sums.get(key, 0))

    def _sort_value(self, node: PivotNode, column: int) -> Any:
        key = COLUMNS[column][0]
        return node.label if key == "group" else MEASURES[key](node.group)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == 0 and self.pivot is not None:
                return " → ".join(self.pivot.columns)
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][2]
        if role == Qt.ItemDataRole.TextAlignmentRole and section > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # -- sorting -------------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.pivot is None or not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        nodes = [self.node(i) for i in before]
        self.pivot.sort(COLUMNS[column][0], descending=order == Qt.SortOrder.DescendingOrder)
        after = [
            self.index_of(n, i.column()) if n is not None else QModelIndex()
            for n, i in zip(nodes, before, strict=True)
        ]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()
