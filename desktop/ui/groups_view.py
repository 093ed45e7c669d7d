"""Group by any columns: a pivot tree with calls, tokens, cost, share and percentiles.

The grouping is the shared one (the toolbar's Group-by box sets it too); the
list on the left adds, removes and reorders columns. Each level of the tree
is the grouping by the columns up to it, with statistics of that subset.
Double-click a group (or press Enter) to see its requests; export the tree
to CSV or JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from PySide6.QtCore import QByteArray, QEvent, QModelIndex, Qt
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from desktop.analysis.pivot import Pivot, build_pivot, groupable_columns
from desktop.analysis.selection import SelectionCache
from desktop.numbers import money, money_total, tokens
from desktop.ui.context import AppContext
from desktop.ui.group_by_picker import GroupByPicker
from desktop.ui.groups_model import COLUMNS, SHARE_COLUMN, SHARE_ROLE, GroupsModel
from desktop.ui.share_bar_delegate import ShareBarDelegate
from desktop.ui.theme import chart_colors

EXPAND_ALL_LIMIT = 2000  # nodes: beyond this, "Expand all" only opens the first level
AUTO_EXPAND_LIMIT = 60  # nodes: small trees open fully on their own


class GroupsView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.selection = SelectionCache()
        self.pivot: Pivot | None = None
        self._dirty = True
        self._expanded: set[tuple[Any, ...]] = set()
        self._sort = (1, Qt.SortOrder.DescendingOrder)
        self._build()
        ctx.state.changed.connect(self._state_changed)
        session = ctx.session
        session.loading_started.connect(lambda _r: self._show_message("Loading…"))
        session.loaded.connect(lambda _r: self._data_changed())
        session.data_changed.connect(self._data_changed)
        session.closed.connect(self._closed)
        self.picker.set_columns(ctx.state.group_by)
        self._restore_settings()
        if session.dataset is None and not session.loading:
            self._closed()

    # -- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        self.picker = GroupByPicker()
        self.picker.columns_changed.connect(self.ctx.state.set_group_by)

        self.summary = QLabel("")
        self.summary.setObjectName("groupsSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.expand_all = QPushButton("Expand all")
        self.expand_all.clicked.connect(self._expand_all)
        self.collapse_all = QPushButton("Collapse all")
        self.collapse_all.clicked.connect(lambda: self.tree.collapseAll())
        self.export = QPushButton("Export…")
        self.export.setObjectName("exportGroups")
        self.export.clicked.connect(self.export_dialog)
        header = QHBoxLayout()
        header.addWidget(self.summary, 1)
        header.addWidget(self.expand_all)
        header.addWidget(self.collapse_all)
        header.addWidget(self.export)

        self.model = GroupsModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("groupsTree")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSortingEnabled(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setItemDelegateForColumn(SHARE_COLUMN, ShareBarDelegate(SHARE_ROLE, self.tree))
        self.tree.header().setSortIndicator(*self._sort)
        self.tree.header().sortIndicatorChanged.connect(self._sorted)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(False)
        self.tree.doubleClicked.connect(self._open)
        self.tree.activated.connect(self._open)
        self.tree.expanded.connect(self._remember_expanded)
        self.tree.collapsed.connect(self._forget_expanded)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.hint = QLabel(
            "Double-click a group to see its requests · click a header to sort · "
            "each level's percentiles are of its own calls"
        )
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)  # so a narrow window can still shrink

        table_page = QWidget()
        table_layout = QVBoxLayout(table_page)
        table_layout.setContentsMargins(8, 8, 8, 4)
        table_layout.addLayout(header)
        table_layout.addWidget(self.tree, 1)
        table_layout.addWidget(self.hint)

        message_page = QWidget()
        message_layout = QVBoxLayout(message_page)
        message_layout.addStretch(2)
        self.message = QLabel("")
        self.message.setObjectName("groupsMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        font = self.message.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.message.setFont(font)
        message_layout.addWidget(self.message)
        self.message_button = QPushButton("Clear filters")
        self.message_button.clicked.connect(self.ctx.state.clear_filters)
        message_layout.addWidget(self.message_button, 0, Qt.AlignmentFlag.AlignHCenter)
        message_layout.addStretch(3)

        self.pages = QStackedWidget()
        self.pages.addWidget(table_page)
        self.pages.addWidget(message_page)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("groupsSplitter")
        self.splitter.addWidget(self.picker)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([190, 1100])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._style()

    def _style(self) -> None:
        colors = chart_colors(self.palette())
        self.model.warning = colors.warning
        self.hint.setStyleSheet(f"color: {colors.muted.name()};")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._style()
        super().changeEvent(event)

    def _show_message(self, text: str, clear_button: bool = False) -> None:
        self.message.setText(text)
        self.message_button.setVisible(clear_button)
        self.pages.setCurrentIndex(1)

    # -- state --------------------------------------------------------------------------------
    def _closed(self) -> None:
        self.selection.clear()
        self.pivot = None
        self.model.set_pivot(None)
        self._show_message("Open a log file or folder to group its calls by any column.")

    def _data_changed(self) -> None:
        self.selection.clear()
        self.refresh()

    def _state_changed(self, what: str) -> None:
        if what == "grouping":
            self.picker.set_columns(self.ctx.state.group_by)
            self._expanded.clear()
        if what != "bucket":
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def refresh(self) -> None:
        dataset = self.ctx.session.dataset
        if dataset is None:
            return
        if not self.isVisible():
            self._dirty = True
            return
        self._dirty = False
        self.picker.set_available(groupable_columns(dataset))
        state = self.ctx.state
        filters, zone, mode = state.effective_filters(), state.zone, state.cost_mode
        columns = state.group_by
        column, order = self._sort
        key = COLUMNS[column][0]
        selection = self.selection

        def compute() -> Pivot:
            mask = selection.mask(dataset, filters, zone)
            pivot = build_pivot(dataset, mask, columns, zone, mode)
            pivot.sort(key, descending=order == Qt.SortOrder.DescendingOrder)
            return pivot

        self.summary.setText("Computing…")
        self.ctx.tasks.submit("groups.pivot", compute, self._show_pivot, self._failed)

    def _failed(self, message: str) -> None:
        self._show_message(f"Could not group: {message.splitlines()[0]}")

    def _show_pivot(self, pivot: Pivot) -> None:
        totals = pivot.totals
        if totals.calls == 0:
            self.pivot = None
            self.model.set_pivot(None)
            self._show_message("No calls match the filters.", clear_button=True)
            return
        self.pages.setCurrentIndex(0)
        expanded = set(self._expanded)
        self.pivot = pivot
        self.model.set_pivot(pivot)
        self._describe(pivot)
        self._fit_columns()
        if expanded:
            self._restore_expanded(expanded)
        elif pivot.count() <= AUTO_EXPAND_LIMIT:
            self.tree.expandAll()

    def _describe(self, pivot: Pivot) -> None:
        totals = pivot.totals
        cost = money_total(totals.cost_usd)
        if totals.unpriced_calls:
            plural = "" if totals.unpriced_calls == 1 else "s"
            cost += f" + {totals.unpriced_calls:,} unpriced call{plural}"
        first = pivot.count(0)
        levels = " → ".join(pivot.columns)
        overall = pivot.overall
        stats = ""
        if overall.p50_cost_usd is not None:
            stats = (
                f" · per call: p50 {money(overall.p50_cost_usd)},"
                f" p95 {money(overall.p95_cost_usd)}, max {money(overall.max_cost_usd)}"
            )
        self.summary.setText(
            f"{first:,} group{'' if first == 1 else 's'} of {levels} · "
            f"{tokens(totals.calls)} call{'' if totals.calls == 1 else 's'} · {cost}{stats}"
        )

    def _fit_columns(self) -> None:
        fm = self.tree.fontMetrics()
        self.tree.setColumnWidth(0, max(fm.horizontalAdvance("M" * 18), 240))
        for column in range(1, len(COLUMNS)):
            title = COLUMNS[column][1]
            sample = "$12,345.67" if column == 1 else "123,456,789"
            width = max(fm.horizontalAdvance(sample), fm.horizontalAdvance(title) + 18) + 16
            self.tree.setColumnWidth(column, width)

    # -- expansion ------------------------------------------------------------------------
    def _remember_expanded(self, index: QModelIndex) -> None:
        node = self.model.node(index)
        if node is not None and node.group is not None:
            self._expanded.add(node.key)

    def _forget_expanded(self, index: QModelIndex) -> None:
        node = self.model.node(index)
        if node is not None:
            self._expanded.discard(node.key)

    def _restore_expanded(self, keys: set[tuple[Any, ...]]) -> None:
        if self.pivot is None:
            return
        for node in self.pivot.walk():
            if node.children and node.key in keys:
                self.tree.expand(self.model.index_of(node))

    def _expand_all(self) -> None:
        if self.pivot is not None and self.pivot.count() > EXPAND_ALL_LIMIT:
            self.tree.expandToDepth(0)
        else:
            self.tree.expandAll()

    # -- actions -------------------------------------------------------------------------------
    def _sorted(self, column: int, order: Qt.SortOrder) -> None:
        self._sort = (column, order)

    def _open(self, index: QModelIndex) -> None:
        node = self.model.node(index)
        if node is None or node.group is None or self.pivot is None:
            return
        self.ctx.drill_down(self.pivot.filters_for(node))

    def _context_menu(self, pos: Any) -> None:
        index = self.tree.indexAt(pos)
        node = self.model.node(index) if index.isValid() else None
        if node is None or node.group is None or self.pivot is None:
            return
        menu = QMenu(self)
        show = QAction("Show requests", menu)
        show.triggered.connect(lambda: self._open(index))
        keep = QAction("Keep only this group (filter every view)", menu)
        keep.triggered.connect(lambda: self._keep_only(self.pivot.filters_for(node)))
        menu.addAction(show)
        menu.addAction(keep)
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def _keep_only(self, filters: Any) -> None:
        state = self.ctx.state
        for column, values in filters.where:
            state.set_where(column, values)
        if filters.since is not None:
            state.set_time_range(filters.since, filters.until)

    # -- export and settings ---------------------------------------------------------------
    def export_dialog(self) -> None:
        if self.pivot is None:
            QMessageBox.information(self, "Export", "There are no groups to export yet.")
            return
        name = "spendtrail-by-" + "-".join(self.pivot.columns)
        path, chosen = QFileDialog.getSaveFileName(
            self,
            "Export the groups",
            str(Path.home() / f"{name}.csv"),
            "CSV (*.csv);;JSON (*.json)",
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() not in (".csv", ".json"):
            target = target.with_suffix(".json" if "json" in chosen.lower() else ".csv")
        try:
            self.save(target)
        except OSError as exc:
            QMessageBox.warning(self, "Export", f"Could not write {target}: {exc}")

    def save(self, path: Path) -> None:
        """Write the shown tree (in its current order) as CSV or JSON, by the file's suffix."""
        if self.pivot is None:
            raise OSError("nothing to export")
        if path.suffix.lower() == ".json":
            data = self.pivot.as_json()
            data["time_zone"] = self.ctx.state.zone_name
            data["cost_mode"] = self.ctx.state.cost_mode
            path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
        else:
            path.write_text(self.pivot.csv_text(), encoding="utf-8")

    def save_settings(self) -> None:
        self.ctx.settings.setValue("groups/splitter", self.splitter.saveState())

    def _restore_settings(self) -> None:
        value = self.ctx.settings.value("groups/splitter")
        if isinstance(value, QByteArray):
            self.splitter.restoreState(value)
