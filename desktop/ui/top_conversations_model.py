"""The most expensive conversations as a table: id, turns, models, cost, when."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from desktop.analysis.top_conversations import ConversationCost
from desktop.numbers import money_total, tokens
from desktop.ui.plain_tip import plain_tip
from desktop.ui.row_table_model import RIGHT_ALIGNED, Index, RowTableModel

HEADERS = ("Conversation", "Turns", "Models", "Cost", "Started")
RIGHT = frozenset({1, 3})
VALUE_ROLE = Qt.ItemDataRole.UserRole  # the conversation id as stored


class TopConversationsModel(RowTableModel[ConversationCost]):
    HEADERS = HEADERS
    RIGHT = RIGHT

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._zone: tzinfo | None = None
        self.warning = QColor("#b25b00")

    def set_rows(self, rows: Iterable[ConversationCost], zone: tzinfo | None = None) -> None:
        self._zone = zone  # (times are shown in it)
        super().set_rows(rows)

    def conversation(self, row: int) -> ConversationCost | None:
        return self.row_at(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        conv = self.item(index)
        if conv is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(conv, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in RIGHT:
            return RIGHT_ALIGNED
        if role == Qt.ItemDataRole.ForegroundRole and column == 3 and conv.unpriced_calls:
            return self.warning
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and len(conv.models) > 1:
            return plain_tip("Models, by cost (the most first)", *conv.models)
        if role == VALUE_ROLE:
            return conv.value
        return None

    def _display(self, conv: ConversationCost, column: int) -> str:
        if column == 0:
            return str(conv.value)
        if column == 1:
            return tokens(conv.turns)
        if column == 2:  # as the conversations view: the first model, and how many more
            names = conv.models
            return names[0] if len(names) == 1 else f"{names[0]} +{len(names) - 1}"
        if column == 3:
            if not conv.priced:
                return f"unpriced ({conv.unpriced_calls:,})"
            text = money_total(conv.cost_usd)
            if conv.unpriced_calls:
                text += f" + {conv.unpriced_calls:,} unpriced"
            return text
        if self._zone is None:
            return ""
        return datetime.fromtimestamp(conv.first_ts, self._zone).strftime("%Y-%m-%d %H:%M")
