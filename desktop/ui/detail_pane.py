"""The detail pane: one call's fields, its cost explained, its raw record and text.

Everything from the log is shown as plain text (item text, QPlainTextEdit),
never as rich text. The raw record is read from its source only when its tab
(or the text tab) is looked at.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.analysis.turn_text import turn_texts
from desktop.store.call_detail import CallDetail, call_detail
from desktop.store.raw import RawRecord, read_raw
from desktop.ui.context import AppContext

TABS = ("fields", "cost", "raw", "text")


class DetailPane(QWidget):
    """Shows the call given to :meth:`show_call`; empty text when there is none."""

    open_conversation = Signal(str)  # conversation id
    loaded = Signal(int)  # call id whose detail is shown
    raw_loaded = Signal(int)  # call id whose raw record is shown

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.call_id: int | None = None
        self.detail: CallDetail | None = None
        self.raw: RawRecord | None = None
        self._raw_for: int | None = None
        self.setMinimumWidth(260)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        self.empty = QLabel(
            "Select a call to see every field, its cost bucket by bucket with the price "
            "that was used, and the raw record from its log.\n\n"
            "Double-click or press Enter on a row to open it here."
        )
        self.empty.setObjectName("detailEmpty")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.empty.setMargin(24)
        self.stack.addWidget(self.empty)
        content = QWidget()
        self.stack.addWidget(content)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        self.title = QLabel("")
        self.title.setObjectName("detailTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.subtitle = QLabel("")
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle.setWordWrap(True)
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.subtitle)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("detailTabs")
        self.tabs.setDocumentMode(True)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

        self.fields = QTableWidget(0, 2)
        self.fields.setObjectName("detailFields")
        self.fields.setHorizontalHeaderLabels(["Field", "Value"])
        self.fields.verticalHeader().setVisible(False)
        self.fields.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.fields.horizontalHeader().setStretchLastSection(True)
        self.fields.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fields.setWordWrap(False)
        self.fields.verticalHeader().setDefaultSectionSize(self.fields.fontMetrics().height() + 6)
        self.fields.setAlternatingRowColors(True)
        self.tabs.addTab(self.fields, "Fields")

        cost_page = QWidget()
        cost_layout = QVBoxLayout(cost_page)
        cost_layout.setContentsMargins(0, 4, 0, 0)
        self.comparison = QLabel("")
        self.comparison.setObjectName("costComparison")
        self.comparison.setTextFormat(Qt.TextFormat.PlainText)
        self.comparison.setWordWrap(True)
        cost_layout.addWidget(self.comparison)
        self.buckets = QTableWidget(0, 4)
        self.buckets.setObjectName("costBuckets")
        self.buckets.setHorizontalHeaderLabels(["Bucket", "Tokens", "Rate", "Cost"])
        self.buckets.verticalHeader().setVisible(False)
        self.buckets.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.buckets.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.buckets.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.buckets.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.buckets.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
        self.buckets.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        cost_layout.addWidget(self.buckets)
        self.cost = QPlainTextEdit()
        self.cost.setObjectName("detailCost")
        self.cost.setReadOnly(True)
        self.cost.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        cost_layout.addWidget(self.cost, 1)
        self.tabs.addTab(cost_page, "Cost")

        raw_page = QWidget()
        raw_layout = QVBoxLayout(raw_page)
        raw_layout.setContentsMargins(0, 4, 0, 0)
        self.raw_note = QLabel("")
        self.raw_note.setObjectName("rawNote")
        self.raw_note.setTextFormat(Qt.TextFormat.PlainText)
        self.raw_note.setWordWrap(True)
        self.raw_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        raw_layout.addWidget(self.raw_note)
        self.raw_text = QPlainTextEdit()
        self.raw_text.setObjectName("rawRecord")
        self.raw_text.setReadOnly(True)
        self.raw_text.setFont(mono)
        self.raw_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        raw_layout.addWidget(self.raw_text, 1)
        self.tabs.addTab(raw_page, "Raw record")

        text_page = QSplitter(Qt.Orientation.Vertical)
        self.prompt = self._text_box("Prompt")
        self.response = self._text_box("Response")
        text_page.addWidget(self.prompt[0])
        text_page.addWidget(self.response[0])
        self.tabs.addTab(text_page, "Prompt / response")
        layout.addWidget(self.tabs, 1)

        buttons = QHBoxLayout()
        self.conversation_button = QPushButton("Open conversation")
        self.conversation_button.setObjectName("openConversation")
        self.conversation_button.clicked.connect(self._open_conversation)
        self.conversation_button.setEnabled(False)
        buttons.addWidget(self.conversation_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.tabs.currentChanged.connect(lambda _i: self._maybe_read_raw())
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(60)
        self._debounce.timeout.connect(self._load)
        tab = ctx.settings.value("requests/detail_tab", "fields")
        if tab in TABS:
            self.tabs.setCurrentIndex(TABS.index(str(tab)))

    def _text_box(self, title: str) -> tuple[QWidget, QPlainTextEdit]:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 4, 0, 0)
        label = QLabel(title)
        label.setTextFormat(Qt.TextFormat.PlainText)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        layout.addWidget(label)
        edit = QPlainTextEdit()
        edit.setReadOnly(True)
        edit.setObjectName(f"detail{title}")
        layout.addWidget(edit, 1)
        return box, edit

    # -- showing a call ---------------------------------------------------------------------
    def show_call(self, call_id: int | None) -> None:
        if call_id == self.call_id and self.detail is not None:
            return
        self.call_id = call_id
        self.raw = None
        self._raw_for = None
        if call_id is None:
            self.clear()
            return
        self._debounce.start()

    def reload(self) -> None:
        """Prices or data changed: read the shown call again."""
        if self.call_id is not None:
            self.detail = None
            self._debounce.start()

    def clear(self) -> None:
        self.call_id = None
        self.detail = None
        self.stack.setCurrentWidget(self.empty)
        self.title.setText("")
        self.subtitle.setText("")
        self.fields.setRowCount(0)
        self.cost.setPlainText("")
        self.comparison.setText("")
        self.buckets.setRowCount(0)
        self.raw_note.setText("")
        self.raw_text.setPlainText("")
        self.prompt[1].setPlainText("")
        self.response[1].setPlainText("")
        self.conversation_button.setEnabled(False)

    def _load(self) -> None:
        dataset = self.ctx.session.dataset
        call_id = self.call_id
        if dataset is None or call_id is None:
            return
        session, zone = self.ctx.session, self.ctx.state.zone

        def work() -> CallDetail | None:
            return call_detail(dataset, call_id, session.pricing_engine(), zone)

        self.ctx.tasks.submit(f"detail.call.{id(self)}", work, self._show, self._failed)

    def _show(self, detail: CallDetail | None) -> None:
        if detail is None or detail.call_id != self.call_id:
            return
        self.detail = detail
        self.stack.setCurrentIndex(1)
        self.title.setText(detail.summary)
        where = detail.source + (f" — {detail.location}" if detail.location else "")
        self.subtitle.setText(f"{where}  ({detail.format})" if detail.source else "")
        # Empty fields are left out: most logs fill only a few of the ids.
        rows: list[tuple[str, str, bool]] = [(k, v, False) for k, v in detail.fields if v]
        if detail.labels:
            rows.append(("Labels", "", True))
            rows += [(k, v, False) for k, v in detail.labels]
        self.fields.setRowCount(len(rows))
        for i, (name, value, heading) in enumerate(rows):
            key_item = QTableWidgetItem(name)
            value_item = QTableWidgetItem(value)
            value_item.setToolTip(value if len(value) > 40 else "")
            if heading:
                font = key_item.font()
                font.setBold(True)
                key_item.setFont(font)
            self.fields.setItem(i, 0, key_item)
            self.fields.setItem(i, 1, value_item)
        self.comparison.setText(detail.comparison)
        self.comparison.setVisible(bool(detail.comparison))
        self.buckets.setRowCount(len(detail.buckets))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for i, cells in enumerate(detail.buckets):
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(right)
                if cells[0] == "total":
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.buckets.setItem(i, j, item)
        self.buckets.setVisible(bool(detail.buckets))
        self.cost.setPlainText("\n".join(detail.cost_notes))
        self.raw_note.setText("")
        self.raw_text.setPlainText("")
        self.prompt[1].setPlainText("")
        self.response[1].setPlainText("")
        self.conversation_button.setEnabled(bool(detail.row.get("conversation_id")))
        self.loaded.emit(detail.call_id)
        self._maybe_read_raw()

    def _failed(self, message: str) -> None:
        self.stack.setCurrentIndex(1)
        self.title.setText("Could not read this call.")
        self.subtitle.setText(message.splitlines()[0])

    # -- raw record, on demand -----------------------------------------------------------
    def _maybe_read_raw(self) -> None:
        self.ctx.settings.setValue("requests/detail_tab", TABS[max(self.tabs.currentIndex(), 0)])
        if self.tabs.currentIndex() in (TABS.index("raw"), TABS.index("text")):
            self.read_raw()

    def read_raw(self) -> None:
        detail, dataset = self.detail, self.ctx.session.dataset
        if detail is None or dataset is None or self._raw_for == detail.call_id:
            return
        self._raw_for = detail.call_id
        self.raw_note.setText("Reading the record from its source…")
        row = detail.row

        def work() -> tuple[int, RawRecord, tuple[str | None, str | None]]:
            raw = read_raw(dataset, row)
            return detail.call_id, raw, turn_texts(dataset, row, raw.value)

        self.ctx.tasks.submit(f"detail.raw.{id(self)}", work, self._show_raw, self._raw_failed)

    def _show_raw(self, answer: tuple[int, RawRecord, tuple[str | None, str | None]]) -> None:
        call_id, raw, (prompt, response) = answer
        if call_id != self.call_id:
            return
        self.raw = raw
        note = raw.location
        if raw.note:
            note = f"{raw.note}\n{note}".strip()
        self.raw_note.setText(note)
        self.raw_text.setPlainText(raw.text)
        missing = "This log does not keep the text of calls."
        if raw.value is None:
            missing = raw.note or "The raw record could not be read."
        self.prompt[1].setPlainText(prompt if prompt is not None else missing)
        self.response[1].setPlainText(response if response is not None else missing)
        self.raw_loaded.emit(call_id)

    def _raw_failed(self, message: str) -> None:
        self._raw_for = None
        self.raw_note.setText(f"Could not read the record: {message.splitlines()[0]}")

    def _open_conversation(self) -> None:
        if self.detail is not None and self.detail.row.get("conversation_id"):
            self.open_conversation.emit(str(self.detail.row["conversation_id"]))

    def current_detail(self) -> Any:
        return self.detail
