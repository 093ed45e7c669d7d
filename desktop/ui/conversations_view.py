"""Conversations sorted by cost; open one to see every turn, its cache and its text.

What defines a conversation is the user's choice (``conversation_id``, a
session label, ``trace_id`` or any label) and is remembered per set of open
sources. Other views open a conversation through
``ctx.navigator.open_conversation(column, value)``.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.analysis.conversations import (
    ConversationList,
    ConversationTurns,
    conversation_columns,
    conversation_list,
    conversation_turns,
    cost_driver,
    default_column,
    explain_turn,
)
from desktop.commands.report import safe_cell
from desktop.numbers import money
from desktop.timeutil import iso_utc
from desktop.ui.context import AppContext
from desktop.ui.conversation_detail import ConversationDetail
from desktop.ui.conversations_model import COLUMN_KEYS, ConversationsModel

LIST_WIDTHS = {
    "key": 250,
    "first": 150,
    "last": 150,
    "turns": 60,
    "models": 240,
    "tokens": 110,
    "cost": 110,
    "top": 140,
    "unpriced": 110,
}


class ConversationsView(QWidget):
    list_ready = Signal()  # the conversation list was (re)computed
    conversation_opened = Signal()  # a conversation's turns are shown

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.column = ""
        self._open_value: Any = None  # the conversation shown in the detail
        self._has_open = False
        self._pending: tuple[str, Any] | None = None  # asked for before the data was ready
        self._selecting = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.setSpacing(4)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("A conversation is every call with the same"))
        self.column_box = QComboBox()
        self.column_box.setObjectName("conversationColumn")
        self.column_box.setMinimumWidth(180)
        self.column_box.setToolTip(
            "The column whose value groups calls into conversations: conversation_id, a "
            "session label, trace_id or any label. Remembered for these sources."
        )
        bar.addWidget(self.column_box)
        self.summary = QLabel("Open logs to see their conversations.")
        self.summary.setObjectName("conversationSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        bar.addWidget(self.summary, 1)
        layout.addLayout(bar)

        self.model = ConversationsModel(self)
        self.table = QTableView()
        self.table.setObjectName("conversationsTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(
            COLUMN_KEYS.index("cost"), Qt.SortOrder.DescendingOrder
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, key in enumerate(COLUMN_KEYS):
            self.table.setColumnWidth(column, LIST_WIDTHS[key])

        self.detail = ConversationDetail(ctx)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("conversationsSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([210, 640])
        layout.addWidget(self.splitter, 1)
        state = ctx.settings.value("conversations/splitter")
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)

        self.column_box.activated.connect(lambda _i: self._column_chosen())
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._row_changed(current.row())
        )
        session = ctx.session
        session.loaded.connect(self._data_loaded)
        session.data_changed.connect(self.refresh)
        session.closed.connect(self._closed)
        session.loading_started.connect(self._closed)
        ctx.state.changed.connect(self._state_changed)
        ctx.navigator.open_conversation.connect(self.open_conversation)

    # -- the column that defines a conversation ------------------------------------------
    def _settings_key(self) -> str | None:
        request = self.ctx.session.request
        if request is None:
            return None
        paths = sorted(str(Path(p).resolve()) for p in request.paths)
        digest = hashlib.sha1("\n".join(paths).encode()).hexdigest()[:16]
        return f"conversations/column/{digest}"

    def _data_loaded(self, _result: object = None) -> None:
        dataset = self.ctx.session.dataset
        if dataset is None:
            return
        key = self._settings_key()
        remembered = self.ctx.settings.value(key) if key else None
        pending = self._pending[0] if self._pending else None
        wanted = pending or remembered
        self.summary.setText("Finding conversations…")

        def choose() -> tuple[list[str], str]:  # reads columns: off the UI thread
            columns = conversation_columns(dataset)
            column = wanted if wanted in columns else default_column(dataset)
            return columns, column

        def chosen(answer: tuple[list[str], str]) -> None:
            self._fill_columns(*answer)
            self.refresh()

        self.ctx.tasks.submit(
            "conversations.columns",
            choose,
            chosen,
            self._failed,
            owner=self,
        )

    def _fill_columns(self, columns: list[str], current: str) -> None:
        self.column_box.blockSignals(True)
        self.column_box.clear()
        self.column_box.addItems(columns)
        self.column_box.setCurrentText(current)
        self.column_box.blockSignals(False)
        self.column = current

    def _column_chosen(self) -> None:
        column = self.column_box.currentText()
        if column and column != self.column:
            self.set_column(column)

    def set_column(self, column: str) -> None:
        """Define conversations by ``column`` (remembered for the open sources)."""
        if self.column_box.findText(column) < 0:
            self.column_box.addItem(column)
        self.column_box.setCurrentText(column)
        self.column = column
        key = self._settings_key()
        if key:
            self.ctx.settings.setValue(key, column)
        self._has_open = False
        self._open_value = None
        self.detail.set_turns(None)
        self.refresh()

    # -- the list ------------------------------------------------------------------------------
    def _state_changed(self, what: str) -> None:
        if what in ("filters", "range", "cost_mode"):
            self.refresh()
        elif what == "zone":
            self.model.set_zone(self.ctx.state.zone)
            self.detail.set_zone(self.ctx.state.zone)

    def refresh(self) -> None:
        dataset = self.ctx.session.dataset
        if dataset is None or not self.column:
            return
        state = self.ctx.state
        filters, zone, mode, column = (
            state.effective_filters(),
            state.zone,
            state.cost_mode,
            self.column,
        )
        self.summary.setText("Finding conversations…")

        def compute() -> ConversationList:
            mask = dataset.mask(filters, zone)
            return conversation_list(dataset, mask, column, zone, mode)

        self.ctx.tasks.submit(
            "conversations.list",
            compute,
            self._list_ready,
            self._failed,
            owner=self,
        )

    def _failed(self, message: str) -> None:
        self.summary.setText(f"Could not list the conversations: {message.splitlines()[0]}")

    def _list_ready(self, conversations: ConversationList) -> None:
        self.model.set_zone(self.ctx.state.zone)
        self.model.set_list(conversations)
        n = len(conversations)
        calls = conversations.calls
        text = f"{self.column}: {n:,} conversation{'s' if n != 1 else ''}, {calls:,} calls"
        if conversations.without_key:
            text += f" ({conversations.without_key:,} calls have no {self.column})"
        if n == 0:
            text = f"No call of the current selection has a {self.column}. Pick another column."
        self.summary.setText(text)
        pending, self._pending = self._pending, None
        if pending is not None:
            self._show(pending[1])
        elif self._has_open:
            self._show(self._open_value)
        elif n:
            self._show(conversations.key(0))
        self.list_ready.emit()

    def _closed(self, _request: object = None) -> None:
        self.model.set_list(None)
        self.detail.set_turns(None)
        self._has_open = False
        self._open_value = None
        self.summary.setText("Open logs to see their conversations.")

    # -- opening one --------------------------------------------------------------------------
    def open_conversation(self, column: str, value: Any) -> None:
        """Show the conversation where ``column`` equals ``value`` (and switch to this view)."""
        self.ctx.navigator.show_view.emit("conversations")
        if self.ctx.session.dataset is None or not self.column:
            self._pending = (column, value)
            return
        if column != self.column:
            self._pending = (column, value)
            self.set_column(column)
            return
        self._show(value)

    def _show(self, value: Any) -> None:
        """Select the conversation in the list (if it is there) and open it."""
        row = self.model.row_of(value)
        self._selecting = True
        try:
            if row >= 0:
                index = self.model.index(row, 0)
                self.table.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.scrollTo(index)
            else:  # filtered out of the list, or asked for by value: open it all the same
                self.table.clearSelection()
        finally:
            self._selecting = False
        self._load_turns(value)

    def _row_changed(self, row: int) -> None:
        if self._selecting or row < 0 or self.model.conversations is None:
            return
        self._load_turns(self.model.key_at(row))

    def _load_turns(self, value: Any) -> None:
        dataset = self.ctx.session.dataset
        if dataset is None:
            return
        self._has_open = True
        self._open_value = value
        state = self.ctx.state
        filters, zone, mode, column = (
            state.effective_filters(),
            state.zone,
            state.cost_mode,
            self.column,
        )
        session = self.ctx.session

        def compute() -> tuple[ConversationTurns, str]:
            mask = dataset.mask(filters, zone)
            turns = conversation_turns(dataset, column, value, zone, mode, mask)
            return turns, _driver(session, turns, mode)

        self.ctx.tasks.submit(
            "conversations.turns",
            compute,
            self._turns_ready,
            lambda m: self.detail.facts.setText(f"Could not open it: {m.splitlines()[0]}"),
            owner=self,
        )

    def _turns_ready(self, answer: tuple[ConversationTurns, str]) -> None:
        turns, driver = answer
        if not (self._has_open and turns.value == self._open_value and turns.column == self.column):
            return
        self.detail.set_turns(turns, driver)
        self.conversation_opened.emit()

    # -- export and settings ----------------------------------------------------------------
    def export_dialog(self) -> None:
        turns = self.detail.turns
        if turns is None or len(turns) == 0:
            QMessageBox.information(self, "Export", "Open a conversation to export its turns.")
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the turns of this conversation", "conversation.csv", "CSV (*.csv)"
        )
        if path:
            export_turns(turns, Path(path))

    def save_settings(self) -> None:
        self.ctx.settings.setValue("conversations/splitter", self.splitter.saveState())


def _driver(session: Any, turns: ConversationTurns, mode: str = "computed") -> str:
    """What made the most expensive turn cost what it did (computed prices)."""
    top = turns.most_expensive
    if top < 0:
        return ""
    engine = session.pricing_engine()
    explanation = explain_turn(engine, turns, top)
    text = f"Most expensive turn: #{top + 1}"
    cost = float(turns.cost[top])
    text += f" ({money(cost)}). {cost_driver(explanation)}"
    text += "." if mode == "computed" else " (by our computed price)."
    if turns.cold[top]:
        text += f" The cache had gone cold: {turns.cold_reason[top].removeprefix('cache cold: ')}."
    return text


def export_turns(turns: ConversationTurns, path: Path) -> None:
    """The turns as CSV, with the same figures the table shows (UTC times)."""
    cumulative = turns.cumulative_cost
    hit = turns.hit_rate
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(
            [
                "turn",
                "ts",
                "model",
                "side_chain",
                "input_tokens",
                "cache_read_tokens",
                "cache_write_5m_tokens",
                "cache_write_1h_tokens",
                "output_tokens",
                "reasoning_tokens",
                "cache_hit_rate",
                "cache_cold",
                "cost_usd",
                "cumulative_cost_usd",
                "latency_ms",
                "status",
            ]
        )
        for i in range(len(turns)):
            cost = float(turns.cost[i])
            writer.writerow(
                [
                    i + 1,
                    iso_utc(float(turns.ts[i])),
                    safe_cell(turns.model[i]),
                    safe_cell(turns.branch[i]),
                    int(turns.input_tokens[i]),
                    int(turns.cache_read_tokens[i]),
                    int(turns.cache_write_5m_tokens[i]),
                    int(turns.cache_write_1h_tokens[i]),
                    int(turns.output_tokens[i]),
                    int(turns.reasoning_tokens[i]),
                    "" if hit[i] != hit[i] else round(float(hit[i]), 6),
                    "yes" if turns.cold[i] else "",
                    "" if cost != cost else round(cost, 10),
                    round(float(cumulative[i]), 10),
                    ""
                    if turns.latency_ms[i] != turns.latency_ms[i]
                    else float(turns.latency_ms[i]),
                    safe_cell(turns.status[i]),
                ]
            )
    tmp.replace(path)
