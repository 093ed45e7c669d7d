"""The small card that follows the mouse over a chart: a bucket's exact values.

Plain-text labels only (series names come from the logs); a coloured swatch
ties each row to its series.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from desktop.analysis.cost_series import HoverFacts

NAME_WIDTH = 300  # longer series names are elided in the middle


class ChartHoverCard(QFrame):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("chartHoverCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(8, 6, 8, 6)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(2)
        self.hide()

    def show_facts(self, facts: HoverFacts, colors: list[QColor], warning: QColor) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        title = self._label(facts.title, bold=True)
        self.grid.addWidget(title, 0, 0, 1, 3)
        row = 1
        for (name, value), index in zip(facts.rows, facts.series_index, strict=True):
            swatch = QLabel()
            swatch.setFixedSize(10, 10)
            color = colors[index] if index < len(colors) else QColor("gray")
            swatch.setStyleSheet(f"background-color: {color.name()}; border-radius: 2px;")
            self.grid.addWidget(swatch, row, 0)
            self.grid.addWidget(self._label(self._elide(name)), row, 1)
            self.grid.addWidget(self._label(value, right=True), row, 2)
            row += 1
        self.grid.addWidget(self._label("Total", bold=True), row, 1)
        self.grid.addWidget(self._label(facts.total, bold=True, right=True), row, 2)
        row += 1
        self.grid.addWidget(self._label("Calls"), row, 1)
        self.grid.addWidget(self._label(facts.calls, right=True), row, 2)
        if facts.unpriced:
            row += 1
            plural = "" if facts.unpriced == 1 else "s"
            note = self._label(
                f"+ {facts.unpriced:,} unpriced call{plural} (no price, not in the total)"
            )
            note.setStyleSheet(f"color: {warning.name()};")
            self.grid.addWidget(note, row, 0, 1, 3)
        self.adjustSize()

    def place_near(self, pos: QPoint) -> None:
        """Beside the mouse, flipped to stay inside the parent."""
        parent = self.parentWidget()
        x, y = pos.x() + 16, pos.y() + 12
        if parent is not None:
            if x + self.width() > parent.width():
                x = pos.x() - 16 - self.width()
            y = min(y, parent.height() - self.height() - 4)
        self.move(max(x, 4), max(y, 4))
        self.show()
        self.raise_()

    def _label(self, text: str, bold: bool = False, right: bool = False) -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        if bold:
            font = label.font()
            font.setBold(True)
            label.setFont(font)
        if right:
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return label

    def _elide(self, text: str) -> str:
        return self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, NAME_WIDTH)
