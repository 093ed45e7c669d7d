"""Paints a group's share of the total as a thin bar under its percentage."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from desktop.ui.theme import chart_colors

Index = QModelIndex | QPersistentModelIndex


class ShareBarDelegate(QStyledItemDelegate):
    def __init__(self, share_role: int, parent: object = None) -> None:
        super().__init__(parent)
        self.share_role = share_role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        share = index.data(self.share_role)
        if isinstance(share, float) and share > 0:
            color = QColor(chart_colors(option.palette).highlight)
            color.setAlpha(120)
            rect = option.rect.adjusted(3, option.rect.height() - 6, -3, -2)
            width = max(rect.width() * min(share, 1.0), 1.0)
            painter.fillRect(QRectF(rect.left(), rect.top(), width, rect.height()), color)
        super().paint(painter, option, index)
