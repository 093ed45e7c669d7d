"""What an import would do, model by model: added, changed (old → new) or unchanged."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desktop.ui.plain_tip import plain_tip
from desktop.ui.price_format import rate_text
from pricing.catalog import RATE_KEYS
from pricing.importing import ImportItem, ImportPreview
from pricing.money import per_million

Index = QModelIndex | QPersistentModelIndex

HEADERS = ("Status", "Model in the file", "Catalog id", "What changes")
STATUS_TEXT = {"added": "added", "changed": "changed", "unchanged": "unchanged"}
STATUS_COLOUR = {"added": QColor(46, 160, 67), "changed": QColor(210, 140, 0)}


def describe(item: ImportItem) -> str:
    if item.status == "changed":
        return " · ".join(
            f"{c.what}: {_dollars(c.what, c.old)} → {_dollars(c.what, c.new)}" for c in item.changes
        )
    if item.status == "added":
        latest = item.entry.versions[-1]
        return (
            f"new: {rate_text('input', latest.rates.input)} in / "
            f"{rate_text('output', latest.rates.output)} out per 1M"
        )
    return "same prices"


MONEY_CHANGES = frozenset((*RATE_KEYS, "web search per 1k", "per request"))


def _dollars(what: str, text: str) -> str:
    """Rates in the preview are plain numbers (per 1M tokens; — = not set)."""
    if what not in MONEY_CHANGES or not text or not text[0].isdigit():
        return text
    return per_million(Decimal(text)) if what in RATE_KEYS else f"${text}"


class ImportPreviewModel(QAbstractTableModel):
    def __init__(self, preview: ImportPreview, parent: Any = None) -> None:
        super().__init__(parent)
        self._all = list(preview.items)
        self._statuses: frozenset[str] = frozenset({"added", "changed"})
        self._rows = self._visible()

    def _visible(self) -> list[ImportItem]:
        order = {"changed": 0, "added": 1, "unchanged": 2}
        rows = [i for i in self._all if i.status in self._statuses]
        return sorted(rows, key=lambda i: (order[i.status], i.name.lower()))

    def set_statuses(self, statuses: frozenset[str]) -> None:
        self.beginResetModel()
        self._statuses = statuses
        self._rows = self._visible()
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 3 and item.changes:
                return plain_tip(
                    "What changes",
                    *(
                        f"{c.what}: {_dollars(c.what, c.old)} → {_dollars(c.what, c.new)}"
                        for c in item.changes
                    ),
                )
            return plain_tip(HEADERS[column], self.data(index))
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return STATUS_TEXT[item.status]
            if column == 1:
                return item.name
            if column == 2:
                return item.entry.id
            return describe(item)
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            colour = STATUS_COLOUR.get(item.status)
            return QBrush(colour) if colour is not None else None
        return None
