"""Lines and files that could not be billed: file, line and reason."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop.ui.plain_tip import plain_tip
from desktop.ui.row_table_model import RIGHT_ALIGNED, Index, RowTableModel

HEADERS = ("File", "Line", "Reason")


class ProblemsModel(RowTableModel[tuple[str, int | None, str]]):
    HEADERS = HEADERS
    RIGHT = frozenset({1})

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.item(index)
        if row is None:
            return None
        value = row[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 1:
                return "" if value is None else f"{value:,}"
            return str(value)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() != 1:
            # Reasons quote log text: it never leads a tooltip, so Qt cannot take it as markup.
            return plain_tip(HEADERS[index.column()], value)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return RIGHT_ALIGNED
        return None
