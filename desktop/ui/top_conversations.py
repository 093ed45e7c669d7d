"""The overview's "most expensive conversations" list; double-click opens one."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.analysis.top_conversations import ConversationCost
from desktop.ui.theme import chart_colors
from desktop.ui.top_conversations_model import TopConversationsModel


class TopConversations(QWidget):
    conversation_activated = Signal(object)  # the conversation id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TopConversationsModel(self)
        self.table = QTableView()
        self.table.setObjectName("topConversations")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self.table.doubleClicked.connect(self._open)
        self.table.activated.connect(self._open)

        self.empty = QLabel("")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    def set_rows(self, rows: list[ConversationCost], zone: tzinfo, has_ids: bool) -> None:
        self.model.warning = chart_colors(self.palette()).warning
        self.model.set_rows(rows, zone)
        if rows:
            self.stack.setCurrentWidget(self.table)
            self._fit_columns()
        else:
            self.empty.setText(
                "No conversation in the selection."
                if has_ids
                else "These logs carry no conversation ids."
            )
            self.stack.setCurrentWidget(self.empty)

    def _fit_columns(self) -> None:
        fm = self.table.fontMetrics()
        self.table.setColumnWidth(0, fm.horizontalAdvance("conv_0123456789abcdef") + 16)
        self.table.setColumnWidth(1, fm.horizontalAdvance("Turns") + 24)
        self.table.setColumnWidth(3, fm.horizontalAdvance("$1,234.56 + 99 unpriced") + 16)
        self.table.setColumnWidth(4, fm.horizontalAdvance("2026-07-31 23:59") + 16)

    def _open(self, index: QModelIndex) -> None:
        conv: Any = self.model.conversation(index.row())
        if conv is not None:
            self.conversation_activated.emit(conv.value)
