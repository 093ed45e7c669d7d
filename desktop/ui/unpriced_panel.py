""" "Unpriced in this data": the models with no price, and one click to add one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.analysis.model_usage import UnpricedModel
from desktop.ui.unpriced_model import UnpricedTableModel


class UnpricedPanel(QWidget):
    add_price_requested = Signal(object)  # UnpricedModel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unpricedPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("Unpriced in this data")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.summary = QLabel("Open logs to see which of their models have no price.")
        self.summary.setObjectName("unpricedSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.summary)

        self.model = UnpricedTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("unpricedTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.table.setColumnHidden(4, True)
        self.table.doubleClicked.connect(lambda _i: self._request())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection())
        layout.addWidget(self.table, 1)

        self.guess = QLabel()
        self.guess.setObjectName("unpricedGuess")
        self.guess.setWordWrap(True)
        self.guess.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.guess)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add price…")
        self.add_button.setObjectName("addUnpricedPrice")
        self.add_button.setToolTip(
            "Add a price for the selected model, pre-filled with its name (and the nearest "
            "known model's rates, marked as a guess)."
        )
        self.add_button.clicked.connect(self._request)
        self.add_button.setEnabled(False)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.table.hide()

    def set_no_data(self) -> None:
        self.model.set_rows([])
        self.table.hide()
        self.summary.setText("Open logs to see which of their models have no price.")
        self._selection()

    def set_models(self, models: list[UnpricedModel], calls: int) -> None:
        self.model.set_rows(models)
        self.table.setVisible(bool(models))
        if not models:
            self.summary.setText(f"Every call of the open data has a price ({calls:,} calls).")
        else:
            unpriced = sum(m.logged.unpriced_calls for m in models)
            self.summary.setText(
                f"{unpriced:,} calls of {len(models)} model"
                f"{'s' if len(models) != 1 else ''} have no price. They are not counted as "
                "$0: totals say how many calls are unpriced until you add a price."
            )
            self.table.selectRow(0)
        self._selection()

    def selected(self) -> UnpricedModel | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selection(self) -> None:
        item = self.selected()
        self.add_button.setEnabled(item is not None)
        if item is None:
            self.guess.setText("")
            return
        if item.guess is None:
            self.guess.setText(f"Why it has no price: {item.reason}.")
        else:
            self.guess.setText(
                f"Nearest known model: {item.guess.display_name} (its rates pre-fill the new "
                "price as a guess; check them)."
            )

    def _request(self) -> None:
        item = self.selected()
        if item is not None:
            self.add_price_requested.emit(item)
