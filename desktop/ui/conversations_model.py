"""The conversations as a table, most expensive first; sorting happens on numpy arrays."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desktop.analysis.conversations import ConversationList
from desktop.numbers import money, money_total, tokens
from desktop.timeutil import resolve_zone
from desktop.ui.plain_tip import plain_tip

Index = QModelIndex | QPersistentModelIndex

COLUMNS: tuple[tuple[str, str], ...] = (
    ("key", "Conversation"),
    ("first", "First call"),
    ("last", "Last call"),
    ("turns", "Turns"),
    ("models", "Models"),
    ("tokens", "Tokens"),
    ("cost", "Cost"),
    ("top", "Most expensive turn"),
    ("unpriced", "Unpriced turns"),
)
COLUMN_KEYS = tuple(key for key, _ in COLUMNS)
RIGHT = frozenset({"turns", "tokens", "cost", "top", "unpriced"})
WARNING = QColor(200, 110, 0)


def local_time(ts: float, zone: tzinfo) -> str:
    return datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%d %H:%M:%S")


class ConversationsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._list: ConversationList | None = None
        self._order = np.zeros(0, dtype=np.int64)  # view row -> list row
        self._sort: tuple[int, Qt.SortOrder] = (
            COLUMN_KEYS.index("cost"),
            Qt.SortOrder.DescendingOrder,
        )
        self._zone: tzinfo = resolve_zone("UTC")

    # -- contents ---------------------------------------------------------------------
    def set_list(self, conversations: ConversationList | None) -> None:
        self.beginResetModel()
        self._list = conversations
        self._order = self._sorted()
        self.endResetModel()

    def set_zone(self, zone: tzinfo) -> None:
        self._zone = zone
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 1), self.index(self.rowCount() - 1, 2))

    @property
    def conversations(self) -> ConversationList | None:
        return self._list

    def key_at(self, row: int) -> Any:
        assert self._list is not None
        return self._list.key(int(self._order[row]))

    def row_of(self, value: Any) -> int:
        if self._list is None:
            return -1
        found = self._list.find(value)
        if found < 0:
            return -1
        rows = np.flatnonzero(self._order == found)
        return int(rows[0]) if len(rows) else -1

    # -- sorting ----------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        old = self._order
        persistent = self.persistentIndexList()
        self._sort = (column, order)
        self._order = self._sorted()
        if persistent:
            where = np.empty(len(self._order), dtype=np.int64)
            where[self._order] = np.arange(len(self._order))
            new = [self.index(int(where[old[i.row()]]), i.column()) for i in persistent]
            self.changePersistentIndexList(persistent, new)
        self.layoutChanged.emit()

    def _sorted(self) -> np.ndarray:
        if self._list is None:
            return np.zeros(0, dtype=np.int64)
        column, order = self._sort
        descending = order == Qt.SortOrder.DescendingOrder
        return self._list.sort_order(COLUMN_KEYS[column], descending)

    # -- Qt model ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMN_KEYS[section] in RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._list is None or not 0 <= index.row() < len(self._order):
            return None
        i = int(self._order[index.row()])
        key = COLUMN_KEYS[index.column()]
        c = self._list
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(c, i, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "models":
                return plain_tip("Models, the most used first", *c.models(i))
            if key == "cost" and c.unpriced[i]:
                return (
                    f"{money_total(float(c.cost[i]))} for the priced turns; "
                    f"{int(c.unpriced[i]):,} turns have no price and are not included."
                )
            return plain_tip(COLUMNS[index.column()][1], self._display(c, i, key))
        if role == Qt.ItemDataRole.TextAlignmentRole and key in RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and key in ("unpriced", "cost") and c.unpriced[i]:
            return QBrush(WARNING)
        return None

    def _display(self, c: ConversationList, i: int, key: str) -> str:
        if key == "key":
            value = c.key(i)
            return "(none)" if value is None else str(value)
        if key == "first":
            return local_time(float(c.first_ts[i]), self._zone)
        if key == "last":
            return local_time(float(c.last_ts[i]), self._zone)
        if key == "turns":
            return f"{int(c.turns[i]):,}"
        if key == "models":
            names = c.models(i)
            return names[0] if len(names) == 1 else f"{names[0]} +{len(names) - 1}"
        if key == "tokens":
            return tokens(int(c.tokens[i]))
        if key == "cost":
            if c.unpriced[i] == c.turns[i]:
                return "unpriced"
            text = money_total(float(c.cost[i]))
            return text + (" +unpriced" if c.unpriced[i] else "")
        if key == "top":
            top = float(c.top_turn_cost[i])
            return "—" if np.isnan(top) else money(top)
        if key == "unpriced":
            return f"{int(c.unpriced[i]):,}" if c.unpriced[i] else "—"
        return ""
