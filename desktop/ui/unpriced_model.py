"""The models of the open data that have no price: calls, tokens and a nearest guess."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desktop.analysis.model_usage import UnpricedModel
from desktop.numbers import tokens
from desktop.ui.plain_tip import plain_tip
from desktop.ui.price_format import rate_text
from desktop.ui.row_table_model import RIGHT_ALIGNED, Index, RowTableModel

HEADERS = ("Model", "Provider", "Unpriced calls", "Tokens", "Nearest known model (a guess)")
NUMERIC = frozenset({2, 3})


class UnpricedTableModel(RowTableModel[UnpricedModel]):
    HEADERS = HEADERS
    RIGHT = NUMERIC

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index)
        if item is None:
            return None
        logged = item.logged
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return "(no model name)" if logged.model is None else logged.model
            if column == 1:
                return "(not logged)" if logged.provider is None else logged.provider
            if column == 2:
                return f"{logged.unpriced_calls:,}"
            if column == 3:
                return tokens(logged.unpriced_tokens)
            if item.guess is None:
                return "—"
            rates = item.guess.rates
            return (
                f"{item.guess.display_name}: {rate_text('input', rates.input)} in / "
                f"{rate_text('output', rates.output)} out"
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [item.reason]
            if item.suggestions:
                lines.append("Nearest catalog names: " + ", ".join(item.suggestions))
            lines.append("Not counted as $0. Add a price to include these calls in the totals.")
            return plain_tip("No price for this model", *lines)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return RIGHT_ALIGNED
        return None
