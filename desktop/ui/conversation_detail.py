"""One conversation opened: what it cost, what drove it, every turn and its text."""

from __future__ import annotations

import math
from datetime import tzinfo

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.analysis.conversations import ConversationTurns
from desktop.analysis.turn_text import TurnText, read_turn_text
from desktop.numbers import money, money_total, percent, tokens
from desktop.ui.context import AppContext
from desktop.ui.conversations_model import local_time
from desktop.ui.turns_chart import TurnsChart
from desktop.ui.turns_model import TurnsModel

DRIVER_STYLE = (
    "QLabel { background: rgba(230, 159, 0, 0.16); border: 1px solid rgba(230, 159, 0, 0.55);"
    " border-radius: 3px; padding: 5px 8px; }"
)
WIDTHS = (36, 72, 200, 72, 82, 86, 64, 78, 90, 76, 82, 64, 50)


class ConversationDetail(QWidget):
    turn_selected = Signal(int)  # index of the selected turn
    text_shown = Signal()  # the selected turn's text arrived

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.turns: ConversationTurns | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)

        self.title = QLabel("Pick a conversation to see its turns.")
        self.title.setObjectName("conversationTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.facts = QLabel()
        self.facts.setObjectName("conversationFacts")
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.facts.setWordWrap(True)
        layout.addWidget(self.facts)
        self.driver = QLabel()
        self.driver.setObjectName("costDriver")
        self.driver.setTextFormat(Qt.TextFormat.PlainText)
        self.driver.setWordWrap(True)
        self.driver.setStyleSheet(DRIVER_STYLE)
        self.driver.hide()
        layout.addWidget(self.driver)

        self.chart = TurnsChart()
        self.model = TurnsModel(self)
        self.table = QTableView()
        self.table.setObjectName("turnsTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(WIDTHS):
            self.table.setColumnWidth(column, width)

        text = QWidget()
        text_layout = QVBoxLayout(text)
        text_layout.setContentsMargins(0, 0, 0, 0)
        text_layout.setSpacing(2)
        self.turn_info = QLabel("Select a turn to read its prompt and response.")
        self.turn_info.setObjectName("turnInfo")
        self.turn_info.setTextFormat(Qt.TextFormat.PlainText)
        self.turn_info.setWordWrap(True)
        text_layout.addWidget(self.turn_info)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.prompt = QPlainTextEdit()
        self.prompt.setObjectName("turnPrompt")
        self.prompt.setReadOnly(True)
        self.prompt.setFont(mono)
        self.prompt.setPlaceholderText("Prompt")
        self.response = QPlainTextEdit()
        self.response.setObjectName("turnResponse")
        self.response.setReadOnly(True)
        self.response.setFont(mono)
        self.response.setPlaceholderText("Response")
        self.prompt_label = QLabel("Prompt (what this turn added)")
        self.response_label = QLabel("Response")
        text_layout.addWidget(self.prompt_label)
        text_layout.addWidget(self.prompt, 1)
        text_layout.addWidget(self.response_label)
        text_layout.addWidget(self.response, 1)

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.table)
        lower.addWidget(text)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 1)
        lower.setSizes([1100, 260])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.chart)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        layout.addWidget(self.splitter, 1)

        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._row_changed(current.row())
        )
        self.chart.turn_clicked.connect(self.select_turn)
        self.set_turns(None)

    # -- contents ---------------------------------------------------------------------
    def set_zone(self, zone: tzinfo) -> None:
        self.model.set_zone(zone)
        if self.turns is not None:
            self._describe(self.turns, zone)

    def set_turns(self, turns: ConversationTurns | None, driver: str = "") -> None:
        self.turns = turns
        self.model.set_turns(turns)
        self.table.resizeColumnToContents(1)
        self.chart.set_turns(turns)
        self._clear_text()
        if turns is None:
            self.title.setText("Pick a conversation to see its turns.")
            self.facts.setText("")
            self.driver.hide()
            return
        if len(turns) == 0:
            self.title.setText(f"{turns.column}: {turns.value}")
            self.facts.setText("No calls of the open data belong to this conversation.")
            self.driver.hide()
            return
        self._describe(turns, self.ctx.state.zone)
        self.driver.setText(driver)
        self.driver.setVisible(bool(driver))
        top = turns.most_expensive
        self.select_turn(top if top >= 0 else 0)

    def _describe(self, turns: ConversationTurns, zone: tzinfo) -> None:
        n = len(turns)
        self.title.setText(f"{turns.column}: {turns.value}")
        first, last = float(turns.ts[0]), float(turns.ts[-1])
        span = last - first
        side = sum(1 for b in turns.branch if b is not None)
        parts = [f"{n:,} turn{'s' if n != 1 else ''}"]
        if side:
            parts[0] += f" ({side:,} in side chains)"
        parts.append(f"{local_time(first, zone)} → {local_time(last, zone)} ({_span(span)})")
        cost = money_total(turns.total_cost)
        unpriced = turns.unpriced_turns
        parts.append(
            cost
            + (f" + {unpriced:,} unpriced turn{'s' if unpriced != 1 else ''}" if unpriced else "")
        )
        hit = turns.overall_hit_rate
        parts.append("cache hit rate " + ("—" if hit is None else percent(hit)))
        cold = int(turns.cold.sum())
        if cold:
            parts.append(f"cache went cold {cold:,} time{'s' if cold != 1 else ''}")
        prompt = int(turns.prompt_total.sum())
        parts.append(
            f"{tokens(prompt)} prompt + {tokens(int(turns.output_tokens.sum()))} output tokens"
        )
        counts: dict[str, int] = {}
        for name in turns.model:
            key = "(no model)" if name is None else str(name)
            counts[key] = counts.get(key, 0) + 1
        models = ", ".join(
            f"{name} ×{count:,}" for name, count in sorted(counts.items(), key=lambda kv: -kv[1])
        )
        facts = " · ".join(parts) + f"\nModels: {models}"
        if turns.in_filters != n:
            facts += (
                f"\nAll {n:,} turns are shown; {turns.in_filters:,} of them match the current "
                "filters."
            )
        self.facts.setText(facts)

    def select_turn(self, index: int) -> None:
        if self.turns is None or not 0 <= index < len(self.turns):
            return
        model_index = self.model.index(index, 0)
        self.table.selectionModel().setCurrentIndex(
            model_index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(model_index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def selected_turn(self) -> int:
        index = self.table.selectionModel().currentIndex()
        return index.row() if index.isValid() else -1

    # -- the selected turn ------------------------------------------------------------------
    def _row_changed(self, index: int) -> None:
        turns = self.turns
        if turns is None or not 0 <= index < len(turns):
            self.chart.select(-1)
            return
        self.chart.select(index)
        self.turn_selected.emit(index)
        cost = float(turns.cost[index])
        when = local_time(float(turns.ts[index]), self.ctx.state.zone)
        head = f"Turn {index + 1} of {len(turns)} · {when}"
        head += " · " + ("unpriced" if math.isnan(cost) else money(cost))
        if turns.branch[index] is not None:
            head += f" · side chain: {turns.branch[index]}"
        if turns.cold[index]:
            head += f"\n{turns.cold_reason[index]}"
        self.turn_info.setText(head)
        self.prompt.setPlainText("")
        self.response.setPlainText("")
        self.prompt.setPlaceholderText("Reading…")
        self.response.setPlaceholderText("")
        dataset = self.ctx.session.dataset
        if dataset is None:
            return
        call_id = int(turns.ids[index])
        self.ctx.tasks.submit(
            "conversations.text",
            lambda: read_turn_text(dataset, call_id),
            lambda text: self._show_text(index, text),
            lambda message: self._show_text(index, TurnText(None, None, message.splitlines()[0])),
            owner=self,
        )

    def _show_text(self, index: int, text: TurnText) -> None:
        if index != self.selected_turn():
            return
        self.prompt.setPlaceholderText("No prompt text in the log." if text.response else "")
        self.response.setPlaceholderText("No response text in the log." if text.prompt else "")
        self.prompt.setPlainText(text.prompt or "")
        self.response.setPlainText(text.response or "")
        if text.note:
            self.prompt.setPlaceholderText(text.note)
        self.text_shown.emit()

    def _clear_text(self) -> None:
        self.turn_info.setText("Select a turn to read its prompt and response.")
        self.prompt.setPlainText("")
        self.response.setPlainText("")
        self.prompt.setPlaceholderText("Prompt")
        self.response.setPlaceholderText("Response")


def _span(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
