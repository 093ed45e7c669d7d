"""The requests table's model: a million rows, fetched a window at a time.

The design follows DB Browser for SQLite's table model. The row count is known
at once: the model holds the call ids in display order (computed elsewhere,
on a worker). ``data()`` never blocks: a row that is not cached yet shows a
placeholder (in italics) and asks for a window of rows centred on the rows
being painted; the window is read on a worker; a newer window replaces a
pending one, and each answer carries the generation it was asked for, so an
answer for an older order or column set is dropped. Rows are kept in a sparse
cache that forgets rows far away from where the user looks.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from desktop.store.dataset import Dataset
from desktop.store.table_query import UNPRICED, Column, Sort, column_of, window
from desktop.timeutil import resolve_zone, zone_name
from desktop.ui.plain_tip import plain_tip
from desktop.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex

CALL_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
PLACEHOLDER = "…"
WINDOW_MIN = 256  # rows fetched at least per request
CACHE_LIMIT = 20_000  # rows kept; beyond that, rows far from the view are forgotten

_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class RequestsModel(QAbstractTableModel):
    """Calls in display order; cells arrive from a worker, a window at a time."""

    sort_requested = Signal(object)  # Sort
    rows_fetched = Signal(int, int)  # first, last row filled

    def __init__(self, tasks: TaskRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.channel = f"requests.rows.{id(self)}"
        self.dataset: Dataset | None = None
        self.positions = np.zeros(0, dtype=np.int64)
        self.ids = np.zeros(0, dtype=np.int64)
        self.columns: list[Column] = []
        self.zone: tzinfo = resolve_zone("UTC")
        self.mode = "computed"
        self.sort_order = Sort()
        self.generation = 0
        self._rows: dict[int, tuple[str, ...]] = {}
        self._wanted: tuple[int, int] | None = None
        self._inflight: tuple[int, int, int] | None = None  # generation, first, last
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._fetch_wanted)
        self._italic = QFont()
        self._italic.setItalic(True)

    # -- what is shown ----------------------------------------------------------------------
    def set_rows(
        self,
        dataset: Dataset | None,
        positions: np.ndarray,
        sort: Sort | None = None,
        ids: np.ndarray | None = None,
    ) -> None:
        """A new set of calls (or a new order): the cache starts empty.

        ``ids`` (the call ids at ``positions``) can be computed on the worker
        that computed the order, to keep a million-row look-up off this thread.
        """
        self.beginResetModel()
        self.dataset = dataset
        self.positions = np.asarray(positions, dtype=np.int64)
        if ids is None:
            ids = (
                dataset.frame.ids[self.positions]
                if dataset is not None and len(self.positions)
                else np.zeros(0, dtype=np.int64)
            )
        self.ids = ids
        if sort is not None:
            self.sort_order = sort
        self._forget()
        self.endResetModel()

    def set_columns(self, keys: list[str]) -> None:
        self.beginResetModel()
        self.columns = [column_of(k) for k in keys]
        self._forget()
        self.endResetModel()

    def set_format(self, zone: tzinfo, mode: str) -> None:
        """Another time zone or cost mode: the same rows, other cell text."""
        changed = zone_name(zone) != zone_name(self.zone) or mode != self.mode
        self.zone, self.mode = zone, mode
        if changed:
            self.refresh_cells()

    def refresh_cells(self) -> None:
        """Forget the cached cells (prices changed…); rows and order stay."""
        self._forget()
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
            )
        if self.columnCount():
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)

    def prime(self, first: int, rows: list[tuple[str, ...]]) -> None:
        """Cells computed together with the order (the first screenful): no round trip."""
        width = len(self.columns)
        for i, cells in enumerate(rows):
            if first + i < len(self.ids) and len(cells) == width:
                self._rows[first + i] = cells
        if rows and self.rowCount() and width:
            last = min(first + len(rows), self.rowCount()) - 1
            self.dataChanged.emit(self.index(first, 0), self.index(last, width - 1))

    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def call_id(self, row: int) -> int | None:
        return int(self.ids[row]) if 0 <= row < len(self.ids) else None

    def row_of(self, call_id: int) -> int | None:
        found = np.flatnonzero(self.ids == call_id)
        return int(found[0]) if len(found) else None

    def cached(self, row: int) -> tuple[str, ...] | None:
        return self._rows.get(row)

    def is_loaded(self, first: int, last: int) -> bool:
        return all(r in self._rows for r in range(first, last + 1))

    # -- Qt model --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < len(self.ids) and 0 <= col < len(self.columns)):
            return None
        if role == CALL_ID_ROLE:
            return int(self.ids[row])
        column = self.columns[col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN_RIGHT if column.numeric else _ALIGN_LEFT
        cells = self._rows.get(row)
        if role == Qt.ItemDataRole.DisplayRole:
            if cells is None:
                self._want(row)
                return PLACEHOLDER
            return cells[col]
        if role == Qt.ItemDataRole.FontRole:
            if cells is None or (column.kind == "money" and cells[col] == UNPRICED):
                return self._italic
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if cells is None:
                return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
            if column.kind == "money" and cells[col] == UNPRICED:
                return QColor(200, 110, 0)
            if column.key == "status" and cells[col] not in ("", "ok"):
                return QColor(205, 50, 50)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if cells is None:
                return "Loading…"
            if column.kind == "money" and cells[col] == UNPRICED:
                return "No price for this model: not counted as $0. Add one in the Pricing view."
            text = cells[col]
            # Log text never leads a tooltip: Qt would read a leading tag as markup.
            return plain_tip(column.title, text) if len(text) > 24 else None
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.ids):
                return f"{section + 1:,}"
            return None
        if not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            if column.kind == "time":
                return f"{column.title} ({zone_name(self.zone)})"
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = column.tip or column.title
            if column.key == "cost":
                tip += f" ({self.mode})"
            return tip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN_RIGHT if column.numeric else _ALIGN_LEFT
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self.columns):
            self.sort_requested.emit(
                Sort(self.columns[column].key, order == Qt.SortOrder.DescendingOrder)
            )

    # -- fetching --------------------------------------------------------------------------
    def prefetch(self, first: int, last: int) -> None:
        """Ask for the rows the view shows (the view calls this when it scrolls)."""
        if self.rowCount() == 0 or last < first:
            return
        first, last = max(first, 0), min(last, self.rowCount() - 1)
        if not self.is_loaded(first, last):
            self._want(first)
            self._want(last)

    def _want(self, row: int) -> None:
        lo, hi = self._wanted if self._wanted is not None else (row, row)
        self._wanted = (min(lo, row), max(hi, row))
        if not self._timer.isActive():
            self._timer.start()

    def _fetch_wanted(self) -> None:
        wanted, self._wanted = self._wanted, None
        dataset = self.dataset
        if wanted is None or dataset is None or not self.columns:
            return
        first, last = wanted
        n = self.rowCount()
        first, last = max(0, first), min(n - 1, last)
        if first > last or self.is_loaded(first, last):
            return
        inflight = self._inflight
        if (
            inflight is not None
            and inflight[0] == self.generation
            and inflight[1] <= first
            and last <= inflight[2]
        ):
            return  # already on its way
        # A window centred on the rows asked for, trimmed to what is missing.
        span = max(WINDOW_MIN, 3 * (last - first + 1))
        centre = (first + last) // 2
        lo = max(0, centre - span // 2)
        hi = min(n - 1, lo + span - 1)
        lo = max(0, min(lo, hi - span + 1))
        while lo < first and lo in self._rows:
            lo += 1
        while hi > last and hi in self._rows:
            hi -= 1
        generation = self.generation
        positions = self.positions[lo : hi + 1].copy()
        keys, zone, mode = self.keys(), self.zone, self.mode
        self._inflight = (generation, lo, hi)

        def fetch() -> tuple[int, int, list[tuple[str, ...]]]:
            return generation, lo, window(dataset, positions, keys, zone, mode)

        self.tasks.submit(self.channel, fetch, self._fetched, self._fetch_failed)

    def _fetched(self, answer: tuple[int, int, list[tuple[str, ...]]]) -> None:
        generation, first, rows = answer
        self._inflight = None
        if generation != self.generation or not rows:
            return  # asked for an older order or column set
        last = first + len(rows) - 1
        for i, cells in enumerate(rows):
            self._rows[first + i] = cells
        self._evict(first, last)
        self.dataChanged.emit(self.index(first, 0), self.index(last, self.columnCount() - 1))
        self.rows_fetched.emit(first, last)
        if self._wanted is not None and not self._timer.isActive():
            self._timer.start()

    def _fetch_failed(self, message: str) -> None:
        self._inflight = None

    def _evict(self, first: int, last: int) -> None:
        if len(self._rows) <= CACHE_LIMIT:
            return
        centre = (first + last) // 2
        rows = np.fromiter(self._rows.keys(), dtype=np.int64, count=len(self._rows))
        far = rows[np.argsort(-np.abs(rows - centre), kind="stable")][
            : len(rows) - CACHE_LIMIT // 2
        ]
        for row in far.tolist():
            del self._rows[row]

    def _forget(self) -> None:
        self.generation += 1
        self._rows.clear()
        self._wanted = None
        self._inflight = None
        self.tasks.cancel(self.channel)
