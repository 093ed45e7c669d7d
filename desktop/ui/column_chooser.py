"""Choosing and ordering the requests table's columns (every label column included)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.store.table_query import Column

KEY_ROLE = int(Qt.ItemDataRole.UserRole)


class ColumnChooser(QDialog):
    """Tick the columns to show; drag to reorder. ``chosen()`` gives the keys in order."""

    def __init__(
        self,
        columns: Sequence[Column],
        shown: Sequence[str],
        defaults: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Columns")
        self.resize(380, 520)
        self.defaults = list(defaults)
        self.columns = {c.key: c for c in columns}
        layout = QVBoxLayout(self)
        hint = QLabel("Tick the columns to show; drag them to change their order.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a column…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._narrow)
        layout.addWidget(self.search)
        self.list = QListWidget()
        self.list.setObjectName("columnList")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        layout.addWidget(self.list, 1)
        self._fill(shown)

        row = QHBoxLayout()
        for text, slot in (
            ("Defaults", lambda: self._fill(self.defaults)),
            ("All", lambda: self._tick_all(True)),
            ("None", lambda: self._tick_all(False)),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _fill(self, shown: Sequence[str]) -> None:
        self.list.clear()
        order = [k for k in shown if k in self.columns]
        order += [k for k in self.columns if k not in order]
        visible = set(shown)
        for key in order:
            column = self.columns[key]
            title = column.title if column.label is None else f"{column.title}  (label)"
            item = QListWidgetItem(title)
            item.setData(KEY_ROLE, key)
            item.setToolTip(column.tip or column.title)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
            item.setCheckState(Qt.CheckState.Checked if key in visible else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self._narrow(self.search.text())

    def _tick_all(self, on: bool) -> None:
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for i in range(self.list.count()):
            item = self.list.item(i)
            if not item.isHidden():
                item.setCheckState(state)

    def _narrow(self, text: str) -> None:
        needle = text.strip().casefold()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def set_checked(self, key: str, on: bool) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(KEY_ROLE) == key:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def chosen(self) -> list[str]:
        keys = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                keys.append(item.data(KEY_ROLE))
        return keys
