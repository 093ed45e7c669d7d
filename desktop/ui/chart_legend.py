"""A chart legend beside the plot (never over the data): swatch, name, amount.

Names come from the logs and are shown as plain text, elided in the middle
when long.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

NAME_WIDTH = 250


class ChartLegend(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartLegend")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(3)
        outer.addLayout(self.grid)
        outer.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.entries: list[tuple[str, str]] = []

    def set_entries(self, entries: list[tuple[str, str, QColor]]) -> None:
        """(name, amount, colour) per series, in stack order (the bottom one first)."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.entries = [(name, amount) for name, amount, _ in entries]
        for row, (name, amount, color) in enumerate(entries):
            swatch = QLabel()
            swatch.setFixedSize(12, 12)
            swatch.setStyleSheet(f"background-color: {color.name()}; border-radius: 2px;")
            label = QLabel(
                self.fontMetrics().elidedText(name, Qt.TextElideMode.ElideMiddle, NAME_WIDTH)
            )
            label.setTextFormat(Qt.TextFormat.PlainText)
            value = QLabel(amount)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.grid.addWidget(swatch, row, 0)
            self.grid.addWidget(label, row, 1)
            self.grid.addWidget(value, row, 2)
        self.setVisible(bool(entries))
        self.adjustSize()
