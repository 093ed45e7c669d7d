"""The price history of one model: one row per version, from its effective date.

Rates are editable per version (the edit is asked for, not applied here, like
in the catalog table). The version in force today is shown in bold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import QApplication

from desktop.ui.plain_tip import plain_tip
from desktop.ui.price_format import (
    RATE_TITLES,
    extras_text,
    long_context_text,
    rate_text,
    rate_tooltip,
    service_tiers_text,
)
from pricing.catalog import RATE_KEYS, ModelEntry, PriceVersion

Index = QModelIndex | QPersistentModelIndex

COLUMNS: tuple[tuple[str, str], ...] = (
    ("from", "Effective from"),
    ("until", "Until"),
    *((key, f"{title}\n$/1M tokens") for key, title in RATE_TITLES.items()),
    ("long_context", "Long context\n(whole request)"),
    ("service_tiers", "Batch / flex / priority / fast / US-only"),
    ("extras", "Other prices"),
    ("source", "Source"),
    ("checked", "Checked"),
    ("note", "Note"),
)
COLUMN_KEYS = tuple(key for key, _ in COLUMNS)


class PriceVersionsModel(QAbstractTableModel):
    rate_edit_requested = Signal(str, str, str, str)  # entry id, version label, rate key, text

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entry: ModelEntry | None = None
        self._current = -1
        self._editable = True

    def set_entry(self, entry: ModelEntry | None, now: datetime | None = None) -> None:
        self.beginResetModel()
        self._entry = entry
        self._current = -1
        if entry is not None:
            when = now or datetime.now(UTC)
            self._current = entry.versions.index(entry.version_at(when))
        self.endResetModel()

    def set_editable(self, editable: bool) -> None:
        self._editable = editable

    @property
    def entry(self) -> ModelEntry | None:
        return self._entry

    def version_at(self, row: int) -> PriceVersion | None:
        if self._entry is None or not 0 <= row < len(self._entry.versions):
            return None
        return self._entry.versions[row]

    # -- Qt model ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if parent.isValid() or self._entry is None:
            return 0
        return len(self._entry.versions)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMN_KEYS[section] in RATE_KEYS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._editable and COLUMN_KEYS[index.column()] in RATE_KEYS:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        version = self.version_at(index.row()) if index.isValid() else None
        if version is None:
            return None
        key = COLUMN_KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(index.row(), version, key)
        if role == Qt.ItemDataRole.EditRole:
            if key in RATE_KEYS:
                value = version.rates.get(key)
                return "" if value is None else format(value.normalize(), "f")
            return self._display(index.row(), version, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            if key in RATE_KEYS:
                return rate_tooltip(key, version.rates.get(key))
            if key == "from" and index.row() == self._current:
                return "In force today."
            title = COLUMNS[index.column()][1].replace("\n", " ")
            return plain_tip(title, self._display(index.row(), version, key))
        if role == Qt.ItemDataRole.TextAlignmentRole and key in RATE_KEYS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            if index.row() == self._current:
                font.setBold(True)
            if key in RATE_KEYS and version.rates.get(key) is None:
                font.setItalic(True)
            return font
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and key in RATE_KEYS
            and version.rates.get(key) is None
        ):
            return QBrush(QApplication.palette().color(QPalette.ColorRole.PlaceholderText))
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        version = self.version_at(index.row()) if index.isValid() else None
        if role != Qt.ItemDataRole.EditRole or version is None or self._entry is None:
            return False
        key = COLUMN_KEYS[index.column()]
        if key not in RATE_KEYS or not self._editable:
            return False
        text = "" if value is None else str(value).strip()
        current = version.rates.get(key)
        if text == ("" if current is None else format(current.normalize(), "f")):
            return False
        label = "launch" if version.effective_from is None else version.label
        self.rate_edit_requested.emit(self._entry.id, label, key, text)
        return False

    def _display(self, row: int, version: PriceVersion, key: str) -> str:
        assert self._entry is not None
        if key == "from":
            return version.label + ("  (now)" if row == self._current else "")
        if key == "until":
            following = self.version_at(row + 1)
            return following.label if following is not None else "—"
        if key in RATE_KEYS:
            return rate_text(key, version.rates.get(key))
        if key == "long_context":
            return long_context_text(version)
        if key == "service_tiers":
            return service_tiers_text(version)
        if key == "extras":
            return extras_text(version)
        if key == "source":
            return version.source or "—"
        if key == "checked":
            return version.checked.isoformat() if version.checked else "—"
        if key == "note":
            return version.note
        return ""
