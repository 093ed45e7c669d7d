"""The price catalog as a table: one row per model, its latest prices, where they come from.

Rate cells are editable; an edit is not applied here but asked for
(:attr:`CatalogModel.rate_edit_requested`), so the editor can validate it,
save it and make it undoable. :class:`CatalogFilterModel` searches and filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import QApplication

from desktop.ui.plain_tip import plain_tip
from desktop.ui.price_format import (
    RATE_TITLES,
    long_context_text,
    rate_text,
    rate_tooltip,
    service_tiers_text,
)
from pricing.catalog import RATE_KEYS, ModelEntry
from pricing.user_catalog import UserCatalog
from pricing.user_layer import bundled_changed

Index = QModelIndex | QPersistentModelIndex

ENTRY_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS: tuple[tuple[str, str], ...] = (
    ("model", "Model"),
    ("provider", "Provider"),
    ("origin", "Origin"),
    ("in_data", "Calls in\nthis data"),
    *((key, f"{title}\n$/1M tokens") for key, title in RATE_TITLES.items()),
    ("long_context", "Long context\n(whole request)"),
    ("service_tiers", "Batch / flex / priority / fast / US-only"),
    ("versions", "Price versions"),
    ("source", "Source"),
    ("checked", "Checked"),
)
COLUMN_KEYS = tuple(key for key, _ in COLUMNS)
RIGHT_ALIGNED = frozenset((*RATE_KEYS, "in_data"))
ORIGIN_TEXT = {"bundled": "bundled", "user": "yours", "override": "your override"}


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """One catalog entry as the editor shows it."""

    entry: ModelEntry
    kind: str  # "bundled", "user" (added by the user) or "override" (of a bundled entry)
    note: str = ""  # for overrides: whether the bundled price changed underneath
    changed_underneath: bool = False
    calls: int | None = None  # calls of the open data this entry prices (None: no data)

    @property
    def origin_text(self) -> str:
        if self.changed_underneath:
            return "override ⚠ changed"
        return ORIGIN_TEXT[self.kind]


def catalog_rows(user: UserCatalog, calls: dict[str, int] | None = None) -> list[CatalogRow]:
    """The effective catalog (the user's entries first) with markers and call counts."""
    rows = []
    for entry in user.effective().entries:
        mine = user.get(entry.id) is not None
        base = user.bundled.get(entry.id)
        kind = "override" if mine and base is not None else "user" if mine else "bundled"
        changed = kind == "override" and base is not None and bundled_changed(entry, base)
        rows.append(
            CatalogRow(
                entry=entry,
                kind=kind,
                note=user.override_status(entry.id) if kind == "override" else "",
                changed_underneath=changed,
                calls=None if calls is None else calls.get(entry.id, 0),
            )
        )
    return rows


class CatalogModel(QAbstractTableModel):
    rate_edit_requested = Signal(str, str, str)  # entry id, rate key, text typed

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CatalogRow] = []
        self._editable = True

    # -- contents --------------------------------------------------------------------
    def set_rows(self, rows: list[CatalogRow]) -> None:
        """Replace the rows; unchanged ids in the same order only repaint."""
        same = [r.entry.id for r in rows] == [r.entry.id for r in self._rows]
        if same and rows:
            self._rows = list(rows)
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def set_editable(self, editable: bool) -> None:
        self._editable = editable

    def row_at(self, row: int) -> CatalogRow:
        return self._rows[row]

    def row_of(self, entry_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.entry.id == entry_id), -1)

    def providers(self) -> list[str]:
        return sorted({r.entry.provider for r in self._rows})

    # -- Qt model ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        key = COLUMN_KEYS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.ToolTipRole and key in RATE_KEYS:
            return (
                f"{RATE_TITLES[key]} rate in dollars per million tokens, latest price version. "
                "Double-click to edit; leave empty for the fallback, 0 for free."
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and key in RIGHT_ALIGNED:
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
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        key = COLUMN_KEYS[index.column()]
        latest = row.entry.versions[-1]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, key)
        if role == Qt.ItemDataRole.EditRole:
            if key in RATE_KEYS:
                value = latest.rates.get(key)
                return "" if value is None else format(value.normalize(), "f")
            return self._display(row, key)
        if role == ENTRY_ID_ROLE:
            return row.entry.id
        if role == SORT_ROLE:
            return self._sort_key(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in RIGHT_ALIGNED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if key in RATE_KEYS and latest.rates.get(key) is None:
                return QBrush(_palette().color(QPalette.ColorRole.PlaceholderText))
            if key == "in_data" and not row.calls:
                return QBrush(_palette().color(QPalette.ColorRole.PlaceholderText))
        if role == Qt.ItemDataRole.FontRole:
            if key == "origin" and row.kind != "bundled":
                font = QFont()
                font.setBold(True)
                return font
            if key in RATE_KEYS and latest.rates.get(key) is None:
                font = QFont()
                font.setItalic(True)
                return font
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        key = COLUMN_KEYS[index.column()]
        if key not in RATE_KEYS or not self._editable:
            return False
        row = self._rows[index.row()]
        text = "" if value is None else str(value).strip()
        current = row.entry.versions[-1].rates.get(key)
        if text == ("" if current is None else format(current.normalize(), "f")):
            return False
        self.rate_edit_requested.emit(row.entry.id, key, text)
        return False  # the editor applies it (validated, saved, undoable) and updates the rows

    # -- cells --------------------------------------------------------------------------
    @staticmethod
    def _display(row: CatalogRow, key: str) -> str:
        entry = row.entry
        latest = entry.versions[-1]
        if key == "model":
            return entry.display_name
        if key == "provider":
            return entry.provider + (f" ({entry.scope})" if entry.scope else "")
        if key == "origin":
            return row.origin_text
        if key in RATE_KEYS:
            return rate_text(key, latest.rates.get(key))
        if key == "long_context":
            return long_context_text(latest)
        if key == "service_tiers":
            return service_tiers_text(latest)
        if key == "versions":
            if len(entry.versions) == 1:
                return latest.label
            return f"{len(entry.versions)}: latest {latest.label}"
        if key == "source":
            return latest.source or "—"
        if key == "checked":
            return latest.checked.isoformat() if latest.checked else "—"
        if key == "in_data":
            return "—" if not row.calls else f"{row.calls:,}"
        return ""

    @staticmethod
    def _sort_key(row: CatalogRow, key: str) -> Any:
        latest = row.entry.versions[-1]
        if key in RATE_KEYS:
            value = latest.rates.get(key)
            return -1.0 if value is None else float(value)
        if key == "in_data":
            return row.calls or 0
        if key == "versions":
            return len(row.entry.versions)
        if key == "origin":
            return {"override": 0, "user": 1, "bundled": 2}[row.kind] - row.changed_underneath
        return CatalogModel._display(row, key).lower()

    @staticmethod
    def _tooltip(row: CatalogRow, key: str) -> str:
        entry = row.entry
        latest = entry.versions[-1]
        if key == "model":
            lines = [entry.display_name, f"id: {entry.id}", f"model: {entry.model}"]
            if entry.aliases:
                lines.append("also named: " + ", ".join(entry.aliases))
            if entry.match:
                lines.append("match rules: " + ", ".join(r.describe() for r in entry.match))
            if entry.note:
                lines.append(entry.note)
            return plain_tip("Price entry", *lines)
        if key == "origin":
            if row.kind == "bundled":
                return "Shipped with Spendtrail. Editing it makes your own override."
            if row.kind == "user":
                return "Added by you."
            return plain_tip("Your override of a bundled price", row.note)
        if key in RATE_KEYS:
            return rate_tooltip(key, latest.rates.get(key))
        if key == "versions":
            return plain_tip(
                "Price versions",
                *(
                    f"from {v.label}: {rate_text('input', v.rates.input)} in / "
                    f"{rate_text('output', v.rates.output)} out"
                    for v in entry.versions
                ),
            )
        if key == "in_data":
            if row.calls is None:
                return "Open logs to see how many of their calls this price applies to."
            return f"{row.calls:,} calls of the open data are priced with this entry."
        title = dict(COLUMNS)[key].replace("\n", " ")
        return plain_tip(title, CatalogModel._display(row, key))


class CatalogFilterModel(QSortFilterProxyModel):
    """Search text, provider and "show" filter over a :class:`CatalogModel`."""

    SHOW = ("all", "yours", "overrides", "in_data")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._provider = ""
        self._show = "all"
        self.setSortRole(SORT_ROLE)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_provider(self, provider: str) -> None:
        self.beginFilterChange()
        self._provider = provider
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_show(self, show: str) -> None:
        if show not in self.SHOW:
            raise ValueError(show)
        self.beginFilterChange()
        self._show = show
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, CatalogModel) or source_parent.isValid():
            return True
        row = model.row_at(source_row)
        entry = row.entry
        if self._provider and entry.provider != self._provider:
            return False
        if self._show == "yours" and row.kind == "bundled":
            return False
        if self._show == "overrides" and row.kind != "override":
            return False
        if self._show == "in_data" and not row.calls:
            return False
        if self._text:
            haystack = " ".join(
                (entry.id, entry.model, entry.display_name, entry.provider, *entry.aliases)
            ).lower()
            return all(word in haystack for word in self._text.split())
        return True


def _palette() -> QPalette:
    return QApplication.palette()
