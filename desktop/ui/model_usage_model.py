"""Which model names of the open data a catalog entry prices, and by which rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt

from desktop.analysis.model_usage import Usage
from desktop.numbers import money_total, tokens
from desktop.ui.plain_tip import plain_tip
from desktop.ui.row_table_model import RIGHT_ALIGNED, Index, RowTableModel

HEADERS = ("Model in the logs", "Provider in the logs", "Calls", "Tokens", "Cost", "Matched by")
NUMERIC = frozenset({2, 3, 4})


class ModelUsageModel(RowTableModel[Usage]):
    HEADERS = HEADERS
    RIGHT = NUMERIC

    def set_rows(self, rows: Iterable[Usage]) -> None:
        super().set_rows(sorted(rows, key=lambda u: -u.logged.calls))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        usage = self.item(index)
        if usage is None:
            return None
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
            return RIGHT_ALIGNED
        return None
