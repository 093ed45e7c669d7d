"""Which model names of the open data a catalog entry prices, and by which rule."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.analysis.model_usage import Usage
from desktop.numbers import money_total, tokens
from desktop.ui.plain_tip import plain_tip

Index = QModelIndex | QPersistentModelIndex

HEADERS = ("Model in the logs", "Provider in the logs", "Calls", "Tokens", "Cost", "Matched by")
NUMERIC = frozenset({2, 3, 4})


class ModelUsageModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Usage] = []

    def set_rows(self, rows: list[Usage]) -> None:
        self.beginResetModel()
        self._rows = sorted(rows, key=lambda u: -u.logged.calls)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        usage = self._rows[index.row()]
        logged = usage.logged
        column = index.column()
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 5:
                return plain_tip("Matched by", usage.rule, *usage.notes)
            return plain_tip(HEADERS[column], self.data(index))
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return "(no model name)" if logged.model is None else logged.model
            if column == 1:
                return "(not logged)" if logged.provider is None else logged.provider
            if column == 2:
                return f"{logged.calls:,}"
            if column == 3:
                return tokens(logged.tokens)
            if column == 4:
                return money_total(logged.cost_usd)
            return usage.rule
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
