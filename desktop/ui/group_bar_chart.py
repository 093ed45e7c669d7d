"""Cost by group as horizontal bars: label, bar, amount and share; click to drill down.

Painted directly (a ranked list of bars needs no zooming or axes): labels are
elided in the middle, amounts right-aligned, and a group's unpriced calls are
written beside its bar in the warning colour, never hidden. Clicking a row
(or Enter on the focused row) emits ``activated`` with the row's index.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.ui.theme import chart_colors

ROW_GAP = 6
PADDING = 8


@dataclass(frozen=True)
class BarRow:
    label: str
    cost: float
    amount: str  # money text, or "unpriced"
    share: str
    unpriced: int
    color: QColor
    muted: bool = False  # the "Other" row


class GroupBarChart(QWidget):
    activated = Signal(int)  # row index

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("groupBarChart")
        self.rows: list[BarRow] = []
        self.hovered: int | None = None
        self.current = 0
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Base)

    def set_rows(self, rows: list[BarRow]) -> None:
        self.rows = rows
        self.hovered = None
        self.current = min(self.current, max(len(rows) - 1, 0))
        self.updateGeometry()
        self.update()

    # -- geometry ---------------------------------------------------------------------
    def row_height(self) -> int:
        return self.fontMetrics().height() + ROW_GAP + 4

    def sizeHint(self) -> QSize:
        return QSize(420, PADDING * 2 + self.row_height() * max(len(self.rows), 1))

    def minimumSizeHint(self) -> QSize:
        return QSize(240, self.sizeHint().height())

    def row_at(self, y: float) -> int | None:
        index = int((y - PADDING) // self.row_height())
        return index if 0 <= index < len(self.rows) and y >= PADDING else None

    def _columns(self) -> tuple[int, int, int, int]:
        """x of the bar, bar area width, amount column width, share column width."""
        fm = self.fontMetrics()
        width = self.width() - 2 * PADDING
        label_w = min(int(width * 0.42), 320)
        amount_w = max((fm.horizontalAdvance(r.amount) for r in self.rows), default=0) + 12
        share_w = fm.horizontalAdvance("100.0%") + 12
        bar_x = PADDING + label_w + 8
        bar_w = max(width - label_w - 8 - amount_w - share_w, 20)
        return bar_x, bar_w, amount_w, share_w

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.rows:
            return
        colors = chart_colors(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(self.font())
        bar_x, bar_w, amount_w, share_w = self._columns()
        top = max((r.cost for r in self.rows), default=0.0) or 1.0
        # Bars use the whole width unless a row's unpriced note would not fit after its bar.
        scale_w = float(bar_w)
        for r in self.rows:
            if r.unpriced and r.cost > 0:
                room = bar_w - fm.horizontalAdvance(_unpriced_text(r.unpriced)) - 8
                scale_w = min(scale_w, max(room, 20) * top / r.cost)
        h = self.row_height()
        label_w = bar_x - PADDING - 8
        for i, row in enumerate(self.rows):
            y = PADDING + i * h
            rect = QRectF(0, y, self.width(), h)
            if i == self.hovered or (self.hasFocus() and i == self.current):
                painter.fillRect(rect, _with_alpha(colors.highlight, 35))
            text_rect = QRectF(PADDING, y, label_w, h)
            painter.setPen(colors.muted if row.muted else colors.text)
            painter.drawText(
                text_rect,
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                fm.elidedText(row.label, Qt.TextElideMode.ElideMiddle, int(label_w)),
            )
            length = scale_w * max(row.cost, 0.0) / top
            bar_rect = QRectF(bar_x, y + ROW_GAP / 2 + 2, max(length, 1.5), h - ROW_GAP - 4)
            painter.fillRect(bar_rect, row.color)
            if row.unpriced:
                painter.setPen(colors.warning)
                note = _unpriced_text(row.unpriced)
                painter.drawText(
                    QRectF(bar_x + length + 6, y, fm.horizontalAdvance(note) + 4, h),
                    Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                    note,
                )
            right = self.width() - PADDING
            painter.setPen(colors.warning if row.amount == "unpriced" else colors.text)
            painter.drawText(
                QRectF(right - share_w - amount_w, y, amount_w, h),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                row.amount,
            )
            painter.setPen(colors.muted)
            painter.drawText(
                QRectF(right - share_w, y, share_w, h),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                row.share,
            )
        painter.end()

    # -- mouse and keys -----------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.row_at(event.position().y())
        if index != self.hovered:
            self.hovered = index
            self.setCursor(
                Qt.CursorShape.PointingHandCursor
                if index is not None
                else Qt.CursorShape.ArrowCursor
            )
            self.update()

    def leaveEvent(self, event: QEvent) -> None:
        self.hovered = None
        self.update()
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        index = self.row_at(event.position().y())
        if event.button() == Qt.MouseButton.LeftButton and index is not None:
            self.current = index
            self.activated.emit(index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Down and self.rows:
            self.current = min(self.current + 1, len(self.rows) - 1)
        elif key == Qt.Key.Key_Up and self.rows:
            self.current = max(self.current - 1, 0)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.rows:
            self.activated.emit(self.current)
        else:
            super().keyPressEvent(event)
            return
        self.update()


def _unpriced_text(count: int) -> str:
    return f"+ {count:,} unpriced"


def _with_alpha(color: QColor, alpha: int) -> QColor:
    out = QColor(color)
    out.setAlpha(alpha)
    return out
