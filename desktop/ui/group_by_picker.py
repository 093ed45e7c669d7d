"""Choosing the grouping: an ordered list of columns, added, removed and reordered.

The first column is the outer level of the tree (tenant → feature → model).
Changes are emitted as a tuple; the view puts them in the shared view state,
so the toolbar's Group-by box, the overview's charts and this list agree.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

ADD_PROMPT = "Add a column…"


class GroupByPicker(QWidget):
    columns_changed = Signal(tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("groupByPicker")
        self._available: list[str] = []
        title = QLabel("Group by (outer first)")
        title.setTextFormat(Qt.TextFormat.PlainText)
        font = title.font()
        font.setBold(True)
        title.setFont(font)

        self.list = QListWidget()
        self.list.setObjectName("groupColumns")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.model().rowsMoved.connect(lambda *_a: self._emit())
        self.list.currentRowChanged.connect(lambda _r: self._sync_buttons())

        self.up = QPushButton("Up")
        self.down = QPushButton("Down")
        self.remove = QPushButton("Remove")
        for button, slot in ((self.up, -1), (self.down, 1)):
            button.clicked.connect(lambda _c=False, step=slot: self._move(step))
        self.remove.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for button in (self.up, self.down, self.remove):
            buttons.addWidget(button)

        self.add = QComboBox()
        self.add.setObjectName("addGroupColumn")
        self.add.activated.connect(self._add)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.add)
        self._sync_buttons()

    def columns(self) -> tuple[str, ...]:
        return tuple(self.list.item(i).text() for i in range(self.list.count()))

    def set_available(self, columns: list[str]) -> None:
        if list(columns) != self._available:
            self._available = list(columns)
            self._fill_add()

    def set_columns(self, columns: tuple[str, ...]) -> None:
        if columns == self.columns():
            return
        current = self.list.currentRow()
        self.list.blockSignals(True)
        self.list.clear()
        for column in columns:
            item = QListWidgetItem(column)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self.list.count():
            self.list.setCurrentRow(min(max(current, 0), self.list.count() - 1))
        self._fill_add()
        self._sync_buttons()

    # -- editing ---------------------------------------------------------------------------
    def _fill_add(self) -> None:
        chosen = set(self.columns())
        self.add.blockSignals(True)
        self.add.clear()
        self.add.addItem(ADD_PROMPT, None)
        for column in self._available:
            if column not in chosen:
                self.add.addItem(column, column)
        self.add.setCurrentIndex(0)
        self.add.blockSignals(False)

    def _add(self, index: int) -> None:
        column = self.add.itemData(index)
        if column:
            self.set_columns((*self.columns(), column))
            self.list.setCurrentRow(self.list.count() - 1)
            self._emit()

    def _remove(self) -> None:
        row = self.list.currentRow()
        if row < 0 or self.list.count() <= 1:
            return
        columns = list(self.columns())
        del columns[row]
        self.set_columns(tuple(columns))
        self._emit()

    def _move(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        columns = list(self.columns())
        columns[row], columns[target] = columns[target], columns[row]
        self.set_columns(tuple(columns))
        self.list.setCurrentRow(target)
        self._emit()

    def _sync_buttons(self) -> None:
        row, count = self.list.currentRow(), self.list.count()
        self.up.setEnabled(row > 0)
        self.down.setEnabled(0 <= row < count - 1)
        self.remove.setEnabled(row >= 0 and count > 1)

    def _emit(self) -> None:
        self._fill_add()
        self._sync_buttons()
        if self.columns():
            self.columns_changed.emit(self.columns())
