"""The requests view: every call in a sortable, filterable table, with a detail pane.

Which calls are shown and in which order is computed on a worker over the
column cache (:class:`~desktop.store.table_query.TableQuery`); the model then
knows its row count at once and fetches the cells of the visible rows a
window at a time. Filters live in the shared view state, so every view
follows a filter set here, and a drill-down from another view lands here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.numbers import money_total
from desktop.store.dataset import Dataset, Filters
from desktop.store.table_export import ExportJob
from desktop.store.table_query import (
    Column,
    Sort,
    TableQuery,
    add_value,
    available_columns,
    chunks,
    column_of,
    default_keys,
    export_headers,
    export_rows,
    filter_text,
    range_name,
    raw_values,
    records,
    tsv,
    window,
)
from desktop.ui.column_chooser import ColumnChooser
from desktop.ui.column_filter_dialog import ColumnFilterDialog
from desktop.ui.context import AppContext
from desktop.ui.detail_pane import DetailPane
from desktop.ui.export_dialog import ExportDialog
from desktop.ui.requests_model import RequestsModel

COPY_LIMIT = 100_000  # rows put on the clipboard at most
COLUMNS_KEY = "requests/columns"
WIDTHS_KEY = "requests/widths"
SPLITTER_KEY = "requests/splitter"
DETAIL_KEY = "requests/detail_visible"
SORT_KEY = "requests/sort"
DEFAULT_WIDTHS = {"time": 142, "text": 110, "tokens": 74, "money": 82, "duration": 70, "count": 64}
WIDE_TEXT = {"model": 205, "source": 220, "error": 200, "request_id": 180, "price_id": 180}


class RequestsView(QWidget):
    """The requests table, its toolbar and the detail pane."""

    order_ready = Signal(int)  # rows shown, once an order (filters + sort) is in place
    copied = Signal(str)  # text put on the clipboard

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.query: TableQuery | None = None
        self.sort = _read_sort(ctx.settings.value(SORT_KEY, "ts:desc"))
        self.current_id: int | None = None
        self.pending_select: int | None = None
        self.pending_order = False
        self.select_first = False
        self._totals: Any = None
        self._totals_key: Any = None
        self.total_calls = 0
        self._widths: dict[str, int] = _read_json(ctx.settings.value(WIDTHS_KEY), {})

        self.model = RequestsModel(ctx.tasks, self)
        self.model.zone, self.model.mode = ctx.state.zone, ctx.state.cost_mode
        self.model.sort_requested.connect(self._sort_requested)

        # toolbar ---------------------------------------------------------------------------
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        self.summary = QLabel("No data open.")
        self.summary.setObjectName("requestsSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        bar.addWidget(self.summary, 1)
        self.filter_button = QToolButton()
        self.filter_button.setObjectName("filterColumn")
        self.filter_button.setText("Filter")
        self.filter_button.setToolTip("Filter by a column's values, a range or a time span")
        self.filter_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.filter_menu = QMenu(self.filter_button)
        self.filter_menu.aboutToShow.connect(self._fill_filter_menu)
        self.filter_button.setMenu(self.filter_menu)
        bar.addWidget(self.filter_button)
        self.columns_button = QPushButton("Columns…")
        self.columns_button.setObjectName("chooseColumns")
        self.columns_button.clicked.connect(self.choose_columns)
        bar.addWidget(self.columns_button)
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("exportRequests")
        self.export_button.setToolTip("Export every row of the current filters and order (Ctrl+E)")
        self.export_button.clicked.connect(self.export_dialog)
        bar.addWidget(self.export_button)
        self.detail_button = QPushButton("Details")
        self.detail_button.setObjectName("toggleDetail")
        self.detail_button.setCheckable(True)
        self.detail_button.setToolTip("Show the selected call's fields, cost and raw record")
        bar.addWidget(self.detail_button)

        # table -----------------------------------------------------------------------------
        self.table = QTableView()
        self.table.setObjectName("requestsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setSortingEnabled(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._cell_menu)
        self.table.doubleClicked.connect(lambda _i: self.open_detail())
        self.table.installEventFilter(self)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.sectionResized.connect(self._section_resized)
        header.sectionMoved.connect(lambda *_a: self._save_columns())
        self.table.verticalScrollBar().valueChanged.connect(lambda _v: self._prefetch())
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)

        self.detail = DetailPane(ctx)
        self.detail.open_conversation.connect(
            lambda value: ctx.navigator.open_conversation.emit("conversation_id", value)
        )
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("requestsSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        state = ctx.settings.value(SPLITTER_KEY)
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)
        else:
            self.splitter.setSizes([1000, 380])
        visible = _truthy(ctx.settings.value(DETAIL_KEY, True))
        self.detail.setVisible(visible)
        self.detail_button.setChecked(visible)
        self.detail_button.toggled.connect(self.set_detail_visible)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

        self._copy_action = QAction("Copy", self)
        self._copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self._copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._copy_action.triggered.connect(self.copy_rows)
        self.table.addAction(self._copy_action)

        self._requery_timer = QTimer(self)
        self._requery_timer.setSingleShot(True)
        self._requery_timer.setInterval(0)
        self._requery_timer.timeout.connect(self.refresh)

        session = ctx.session
        session.loading_started.connect(lambda _r: self._clear())
        session.loaded.connect(lambda _r: self._data_opened())
        session.data_changed.connect(self._prices_changed)
        session.closed.connect(self._clear)
        ctx.state.changed.connect(self._state_changed)
        ctx.navigator.select_call.connect(self.select_call)
        if session.dataset is not None:
            self._data_opened()

    # -- data --------------------------------------------------------------------------------
    def _channel(self, name: str) -> str:
        return f"requests.{name}.{id(self)}"

    @property
    def dataset(self) -> Dataset | None:
        return self.ctx.session.dataset

    def _clear(self) -> None:
        self.query = None
        self.total_calls = 0
        self.model.set_rows(None, np.zeros(0, dtype=np.int64))
        self.detail.clear()
        self.summary.setText("Loading…" if self.ctx.session.loading else "No data open.")

    def _data_opened(self) -> None:
        dataset = self.dataset
        if dataset is None:
            return
        self.query = TableQuery(dataset)
        self._totals_key = None
        self.total_calls = 0
        self.select_first = self.current_id is None  # fresh data: show the newest call
        keys = self._saved_columns(dataset)
        self.model.set_columns(keys)
        self._apply_widths()
        self.refresh()
        self._warm_cost_order()

    def _prices_changed(self) -> None:
        self._totals_key = None
        self.detail.reload()
        self.model.refresh_cells()
        self.refresh()
        self._warm_cost_order()

    def _warm_cost_order(self) -> None:
        """Sort the costs ahead (on a worker): the first sort by cost is then instant."""
        dataset, mode = self.dataset, self.ctx.state.cost_mode
        if dataset is None:
            return

        def sort_costs() -> None:
            dataset.cost_order(mode)

        self.ctx.tasks.submit("requests.cost_order", sort_costs)

    def _state_changed(self, what: str) -> None:
        if what in ("filters", "range"):
            self._requery_timer.start()
        elif what == "zone":
            self.model.set_format(self.ctx.state.zone, self.ctx.state.cost_mode)
            self.detail.reload()
        elif what == "cost_mode":
            self.model.set_format(self.ctx.state.zone, self.ctx.state.cost_mode)
            self._requery_timer.start()  # the order by cost and the totals follow the mode

    def refresh(self) -> None:
        """Compute the rows for the current filters and sort (on a worker)."""
        dataset, query = self.dataset, self.query
        if dataset is None or query is None:
            return
        state = self.ctx.state
        filters, zone, mode, sort = (
            state.effective_filters(),
            state.zone,
            state.cost_mode,
            self.sort,
        )
        keys = self.model.keys()
        anchor_id = self.pending_select if self.pending_select is not None else self.current_id
        visible = max(self._visible_rows(), 40)
        self.pending_order = True
        self.summary.setText("Sorting and filtering…" if self.total_calls else "Reading…")

        totals_key = (filters, mode, id(dataset))
        known_totals = self._totals if self._totals_key == totals_key else None

        def work() -> dict[str, Any]:
            positions = query.positions(filters, zone, mode, sort)
            totals = known_totals
            if totals is None:  # a new sort alone keeps the totals
                mask = np.zeros(len(dataset.frame), dtype=bool)
                mask[positions] = True
                totals = dataset.totals(mask, mode)
            ids = dataset.frame.ids[positions]
            anchor = None
            if anchor_id is not None:
                found = np.flatnonzero(ids == anchor_id)
                anchor = int(found[0]) if len(found) else None
            centre = anchor if anchor is not None else visible // 2
            first = max(0, centre - visible)
            part = positions[first : first + 3 * visible]
            return {
                "positions": positions,
                "ids": ids,
                "totals": totals,
                "totals_key": totals_key,
                "all": len(dataset.frame),
                "anchor": anchor,
                "first": first,
                "rows": window(dataset, part, keys, zone, mode),
                "keys": keys,
                "sort": sort,
                "filters": filters,
            }

        self.ctx.tasks.submit(self._channel("order"), work, self._order_ready, self._order_failed)

    def _order_ready(self, answer: dict[str, Any]) -> None:
        dataset = self.dataset
        if dataset is None or answer["keys"] != self.model.keys():
            self._requery_timer.start()  # the columns changed meanwhile
            return
        self.pending_order = False
        self.model.set_rows(dataset, answer["positions"], answer["sort"], answer["ids"])
        self._totals, self._totals_key = answer["totals"], answer["totals_key"]
        self.select_first, select_first = False, self.select_first
        self.model.prime(answer["first"], answer["rows"])
        self._show_sort_indicator()
        totals = answer["totals"]
        self.total_calls = answer["all"]
        self.summary.setText(_summary(totals, answer["all"], answer["filters"]))
        anchor = answer["anchor"]
        wanted = self.pending_select
        self.pending_select = None
        if anchor is not None:
            self._select_row(anchor, center=wanted is not None)
        elif select_first and wanted is None and self.model.rowCount():
            self._select_row(0)
        else:
            self.current_id = None
            self.detail.clear()
            if wanted is not None:
                self.summary.setText(
                    self.summary.text() + f" · call {wanted} is not in the filtered rows"
                )
            self.table.scrollToTop()
        self._prefetch()
        self.order_ready.emit(self.model.rowCount())

    def _order_failed(self, message: str) -> None:
        self.pending_order = False
        self.summary.setText(f"Could not filter: {message.splitlines()[0]}")

    # -- sorting --------------------------------------------------------------------------
    def _sort_requested(self, sort: Sort) -> None:
        if sort == self.sort:
            return
        self.sort = sort
        self.ctx.settings.setValue(SORT_KEY, f"{sort.key}:{'desc' if sort.descending else 'asc'}")
        self.refresh()

    def sort_by(self, key: str, descending: bool = False) -> None:
        self._sort_requested(Sort(key, descending))

    def _show_sort_indicator(self) -> None:
        header = self.table.horizontalHeader()
        keys = self.model.keys()
        header.blockSignals(True)
        if self.sort.key in keys:
            order = (
                Qt.SortOrder.DescendingOrder
                if self.sort.descending
                else Qt.SortOrder.AscendingOrder
            )
            header.setSortIndicator(keys.index(self.sort.key), order)
            header.setSortIndicatorShown(True)
        else:
            header.setSortIndicatorShown(False)
        header.blockSignals(False)

    # -- selection ------------------------------------------------------------------------
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        call_id = self.model.call_id(current.row()) if current.isValid() else None
        if call_id is None:
            return
        self.current_id = call_id
        if self.detail.isVisible():
            self.detail.show_call(call_id)

    def _select_row(self, row: int, center: bool = False) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        hint = (
            QAbstractItemView.ScrollHint.PositionAtCenter
            if center
            else QAbstractItemView.ScrollHint.EnsureVisible
        )
        self.table.scrollTo(index, hint)

    def select_call(self, call_id: int) -> None:
        """Select and reveal a call (from another view); clears filters that hide it."""
        self.ctx.navigator.show_view.emit("requests")
        row = self.model.row_of(call_id) if not self.pending_order else None
        if row is not None:
            self._select_row(row, center=True)
            return
        self.pending_select = call_id
        if self.pending_order or self.dataset is None:
            return
        state = self.ctx.state
        if state.filters != Filters() or state.time_range is not None:
            state.clear_filters()  # triggers a requery that selects it
        else:
            self.refresh()

    def selected_rows(self) -> np.ndarray:
        """Rows of the selection, in display order (fast for huge selections)."""
        selection = self.table.selectionModel().selection()
        parts = [np.arange(r.top(), r.bottom() + 1) for r in selection]
        if not parts:
            current = self.table.currentIndex()
            return np.array([current.row()]) if current.isValid() else np.zeros(0, np.int64)
        return np.unique(np.concatenate(parts))

    def current_call_id(self) -> int | None:
        return self.current_id

    # -- detail ----------------------------------------------------------------------------
    def set_detail_visible(self, visible: bool) -> None:
        self.detail.setVisible(visible)
        if self.detail_button.isChecked() != visible:
            self.detail_button.setChecked(visible)
        self.ctx.settings.setValue(DETAIL_KEY, visible)
        if visible and self.current_id is not None:
            self.detail.show_call(self.current_id)

    def open_detail(self) -> None:
        """Double-click / Enter: show the detail pane for the current call."""
        self.set_detail_visible(True)
        if self.current_id is not None:
            self.detail.show_call(self.current_id)

    # -- fetching visible rows -------------------------------------------------------------
    def _visible_rows(self) -> int:
        height = self.table.viewport().height()
        return max(1, height // max(self.table.verticalHeader().defaultSectionSize(), 1) + 1)

    def _prefetch(self) -> None:
        first = self.table.rowAt(0)
        if first < 0:
            return
        self.model.prefetch(first, first + self._visible_rows())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            key = QKeyEvent(event).key() if not isinstance(event, QKeyEvent) else event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_detail()
                return True
        return super().eventFilter(watched, event)

    # -- columns ---------------------------------------------------------------------------
    def _saved_columns(self, dataset: Dataset) -> list[str]:
        known = {c.key for c in available_columns(dataset)}
        saved = _read_json(self.ctx.settings.value(COLUMNS_KEY), None)
        if isinstance(saved, list):
            keys = [k for k in saved if isinstance(k, str) and k in known]
            if keys:
                return keys
        return default_keys(dataset.label_keys())

    def set_columns(self, keys: list[str]) -> None:
        if not keys:
            return
        self.model.set_columns(keys)
        self._apply_widths()
        self._save_columns()
        self.refresh()

    def choose_columns(self) -> None:
        dataset = self.dataset
        columns = available_columns(dataset)
        defaults = default_keys(dataset.label_keys() if dataset is not None else [])
        dialog = ColumnChooser(columns, self.visual_keys(), defaults, self)
        if dialog.exec() and dialog.chosen():
            self.set_columns(dialog.chosen())

    def visual_keys(self) -> list[str]:
        """The shown columns in the order the user sees them (sections can be dragged)."""
        header = self.table.horizontalHeader()
        keys = self.model.keys()
        return [keys[header.logicalIndex(v)] for v in range(len(keys))]

    def _save_columns(self) -> None:
        if self.model.columns:
            self.ctx.settings.setValue(COLUMNS_KEY, orjson.dumps(self.visual_keys()).decode())

    def _apply_widths(self) -> None:
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        for i, column in enumerate(self.model.columns):
            width = (
                self._widths.get(column.key)
                or WIDE_TEXT.get(column.key)
                or DEFAULT_WIDTHS.get(column.kind, 110)
            )
            header.resizeSection(i, int(width))
        header.blockSignals(False)

    def _section_resized(self, index: int, _old: int, new: int) -> None:
        if 0 <= index < len(self.model.columns) and new > 0:
            self._widths[self.model.columns[index].key] = new

    def hide_column(self, key: str) -> None:
        keys = [k for k in self.visual_keys() if k != key]
        self.set_columns(keys)

    # -- menus -------------------------------------------------------------------------------
    def _header_menu(self, pos: QPoint) -> None:
        section = self.table.horizontalHeader().logicalIndexAt(pos)
        menu = QMenu(self)
        if 0 <= section < len(self.model.columns):
            column = self.model.columns[section]
            menu.addAction("Sort ascending", lambda: self.sort_by(column.key, False))
            menu.addAction("Sort descending", lambda: self.sort_by(column.key, True))
            menu.addSeparator()
            action = menu.addAction(f"Filter {column.title}…", lambda: self.filter_column(column))
            action.setEnabled(_filterable(column))
            menu.addAction(f"Hide {column.title}", lambda: self.hide_column(column.key))
            menu.addSeparator()
        menu.addAction("Columns…", self.choose_columns)
        menu.exec(self.table.horizontalHeader().mapToGlobal(pos))

    def _fill_filter_menu(self) -> None:
        self.filter_menu.clear()
        shown = [c for c in self.model.columns if _filterable(c)]
        for column in shown:
            self.filter_menu.addAction(column.title, lambda c=column: self.filter_column(c))
        others = [
            c
            for c in available_columns(self.dataset)
            if _filterable(c) and c.key not in {s.key for s in shown}
        ]
        if others:
            more = self.filter_menu.addMenu("Other columns")
            for column in others:
                more.addAction(column.title, lambda c=column: self.filter_column(c))
        self.filter_menu.addSeparator()
        clear = self.filter_menu.addAction("Clear all filters", self.ctx.state.clear_filters)
        clear.setEnabled(
            self.ctx.state.filters != Filters() or self.ctx.state.time_range is not None
        )

    def filter_column(self, column: Column) -> ColumnFilterDialog | None:
        if self.query is None:
            return None
        dialog = ColumnFilterDialog(self.ctx, self.query, column, self)
        dialog.accepted.connect(lambda: self._apply_dialog(dialog))
        dialog.open()
        return dialog

    def _apply_dialog(self, dialog: ColumnFilterDialog) -> None:
        result = dialog.result_filters()
        if result is not None:
            self.ctx.state.set_filters(result)

    def _cell_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        column = self.model.columns[index.column()]
        text = str(self.model.data(index) or "")
        menu = QMenu(self)
        menu.addAction("Copy cell", lambda: self._set_clipboard(text))
        menu.addAction("Copy rows", self.copy_rows).setShortcut(QKeySequence.StandardKey.Copy)
        menu.addAction("Copy rows as JSON", self.copy_rows_json)
        menu.addSeparator()
        if _value_filterable(column, text):
            short = text if len(text) <= 40 else text[:39] + "…"
            menu.addAction(
                f"Filter to {column.title} = {short}",
                lambda: self.filter_by_cell(index.row(), column.key, exclude=False),
            )
            menu.addAction(
                f"Exclude {column.title} = {short}",
                lambda: self.filter_by_cell(index.row(), column.key, exclude=True),
            )
            menu.addSeparator()
        menu.addAction("Show details", self.open_detail)
        menu.addAction("Open conversation", lambda: self.open_conversation(index.row()))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    # -- actions on cells ------------------------------------------------------------------
    def filter_by_cell(self, row: int, key: str, exclude: bool = False) -> None:
        """Filter to (or exclude) the value of ``key`` in ``row``."""
        dataset = self.dataset
        if dataset is None or not 0 <= row < self.model.rowCount():
            return
        name = "cost_usd" if key == "cost" else column_of(key).filter_name
        if name is None:
            return
        position = self.model.positions[row : row + 1]
        mode = self.ctx.state.cost_mode

        def work() -> str:
            return filter_text(raw_values(dataset, key, position, mode)[0])

        def apply(value: str) -> None:
            state = self.ctx.state
            state.set_filters(add_value(state.filters, name, value, exclude))

        self.ctx.tasks.submit(self._channel("cell"), work, apply, owner=self)

    def open_conversation(self, row: int) -> None:
        dataset = self.dataset
        if dataset is None or not 0 <= row < self.model.rowCount():
            return
        position = self.model.positions[row : row + 1]

        def work() -> Any:
            return raw_values(dataset, "conversation_id", position)[0]

        def done(value: Any) -> None:
            if value is None:
                self.summary.setText("This call has no conversation id.")
                return
            self.ctx.navigator.open_conversation.emit("conversation_id", str(value))

        self.ctx.tasks.submit(self._channel("cell"), work, done, owner=self)

    def copy_rows(self) -> None:
        """Ctrl+C: the selected rows as tab-separated text, with a header line."""
        self._copy(as_json=False)

    def copy_rows_json(self) -> None:
        self._copy(as_json=True)

    def _copy(self, as_json: bool) -> None:
        dataset = self.dataset
        rows = self.selected_rows()
        if dataset is None or not len(rows):
            return
        cut = len(rows) > COPY_LIMIT
        positions = self.model.positions[rows[:COPY_LIMIT]]
        keys = self.visual_keys()
        titles = [
            self.model.headerData(self.model.keys().index(k), Qt.Orientation.Horizontal)
            for k in keys
        ]
        zone, mode = self.ctx.state.zone, self.ctx.state.cost_mode

        def work() -> str:
            if as_json:
                data = records(dataset, positions, keys, zone, mode)
                return orjson.dumps(
                    data if len(data) != 1 else data[0], option=orjson.OPT_INDENT_2
                ).decode()
            parts = [window(dataset, p, keys, zone, mode) for p in chunks(positions, 20_000)]
            return tsv([str(t) for t in titles], [r for part in parts for r in part])

        def done(text: str) -> None:
            self._set_clipboard(text)
            note = f" (the first {COPY_LIMIT:,})" if cut else ""
            window = self.window()
            if isinstance(window, QMainWindow):
                window.statusBar().showMessage(f"Copied {len(positions):,} rows{note}.", 4000)

        self.ctx.tasks.submit(self._channel("copy"), work, done, owner=self)

    def _set_clipboard(self, text: str) -> None:
        QApplication.clipboard().setText(text)
        self.copied.emit(text)

    # -- export ------------------------------------------------------------------------------
    def export_job(self) -> ExportJob | None:
        dataset = self.dataset
        if dataset is None or self.pending_order:
            return None
        positions = self.model.positions.copy()
        keys = self.visual_keys()
        zone, mode = self.ctx.state.zone, self.ctx.state.cost_mode
        return ExportJob(
            title="requests",
            headers=export_headers(keys),
            chunks=lambda fmt: export_rows(dataset, positions, keys, zone, mode, fmt),
            total=len(positions),
            suggested_name="requests",
        )

    def export_dialog(self) -> ExportDialog | None:
        """File ▸ Export… (Ctrl+E): the filtered, sorted table, every row."""
        job = self.export_job()
        if job is None:
            self.summary.setText("Nothing to export yet: open some logs first.")
            return None
        dialog = ExportDialog(job, self.ctx.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- persistence ---------------------------------------------------------------------
    def save_settings(self) -> None:
        settings = self.ctx.settings
        settings.setValue(SPLITTER_KEY, self.splitter.saveState())
        settings.setValue(WIDTHS_KEY, orjson.dumps(self._widths).decode())
        settings.setValue(
            DETAIL_KEY, self.detail.isVisibleTo(self) or self.detail_button.isChecked()
        )
        self._save_columns()


def _summary(totals: Any, all_calls: int, filters: Filters) -> str:
    calls = f"{totals.calls:,} calls"
    if totals.calls != all_calls:
        calls = f"{totals.calls:,} of {all_calls:,} calls"
    text = f"{calls} · {money_total(totals.cost_usd)}"
    if totals.unpriced_calls:
        text += f" + {totals.unpriced_calls:,} unpriced"
    return text


def _filterable(column: Column) -> bool:
    return column.kind == "time" or column.facetable or range_name(column) is not None


def _value_filterable(column: Column, text: str) -> bool:
    if column.kind in ("text", "tokens", "count"):
        return column.key != "id"
    return column.key in ("cost", "cost_usd") and text == "unpriced"


def _read_sort(value: Any) -> Sort:
    text = str(value or "ts:desc")
    key, _, direction = text.partition(":")
    try:
        column_of(key)
    except KeyError:
        return Sort()
    return Sort(key, direction != "asc")


def _read_json(value: Any, default: Any) -> Any:
    if not value:
        return default
    try:
        return orjson.loads(str(value))
    except orjson.JSONDecodeError:
        return default


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() not in ("false", "0", "")
    return bool(value)
