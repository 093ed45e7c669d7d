"""The pricing editor: the catalog, your own prices, and what the open data still lacks.

Every accepted edit is validated, saved atomically to the user's price file
(temporary file, rename, backup of the previous file) and re-prices the open
data: the column cache first, so every view shows the new costs within a
moment, then the working store in the background. Edits are undoable
(Ctrl+Z / Ctrl+Shift+Z while the editor has focus); undo saves and re-prices too.
If saving fails, the file on disk is left as it was and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.analysis.model_usage import (
    LoggedModel,
    UnpricedModel,
    Usage,
    entry_usage,
    logged_models,
    new_entry_target,
    rates_text,
    unpriced_models,
)
from desktop.store.pricer import PricingSpec
from desktop.store.reprice import warm_up
from desktop.ui.add_model_dialog import AddModelDialog
from desktop.ui.catalog_model import (
    COLUMN_KEYS,
    ENTRY_ID_ROLE,
    CatalogFilterModel,
    CatalogModel,
    CatalogRow,
    catalog_rows,
)
from desktop.ui.context import AppContext
from desktop.ui.import_preview_dialog import ImportPreviewDialog
from desktop.ui.model_usage_model import ModelUsageModel
from desktop.ui.plain_tip import plain_tip
from desktop.ui.price_edit_dialog import PriceEditDialog
from desktop.ui.price_format import RATE_TITLES
from desktop.ui.price_version_dialog import PriceVersionDialog
from desktop.ui.price_versions_model import PriceVersionsModel
from desktop.ui.pricing_commands import CatalogEditCommand, PricingUndo
from desktop.ui.unpriced_panel import UnpricedPanel
from pricing.bundled import bundled_catalog
from pricing.catalog import RATE_KEYS
from pricing.catalog_json import catalog_to_document, dumps
from pricing.errors import PricingError, PricingFileError, PricingValidationError
from pricing.importing import ImportPreview
from pricing.user_catalog import UserCatalog
from pricing.user_layer import BACKUP_SUFFIX, atomic_write, default_user_file

Change = Callable[[UserCatalog], Any]
SHOW_CHOICES = (
    ("all", "All models"),
    ("yours", "Your prices"),
    ("overrides", "Your overrides"),
    ("in_data", "Used in this data"),
)
SHOW_KEYS = tuple(key for key, _title in SHOW_CHOICES)
INFO_STYLE = (
    "QLabel { background: rgba(40, 120, 220, 0.12); border: 1px solid rgba(40, 120, 220, 0.45);"
    " border-radius: 3px; padding: 5px 8px; }"
)
WARNING_STYLE = (
    "QLabel { background: rgba(230, 159, 0, 0.16); border: 1px solid rgba(230, 159, 0, 0.55);"
    " border-radius: 3px; padding: 4px 8px; }"
)
ERROR_STYLE = (
    "QLabel { background: rgba(200, 40, 40, 0.12); border: 1px solid rgba(200, 40, 40, 0.55);"
    " border-radius: 3px; padding: 5px 8px; }"
)


class PricingEditor(QWidget):
    saved = Signal()  # an edit (or undo/redo) was written to the user's price file
    usage_updated = Signal()  # the unpriced list and per-model usage were recomputed
    message_shown = Signal(str, bool)  # text, is an error

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user: UserCatalog | None = None
        self.load_error = ""
        self.active_dialog: QWidget | None = None
        self._logged: list[LoggedModel] | None = None
        self._usage: dict[str, list[Usage]] = {}
        self._selected_id: str | None = None
        self._last_error = ""
        self._awaiting_reprice = False
        self._action = ""  # what the last saved change was, for the messages
        self._user_path: Path | None = None

        self.undo_stack = QUndoStack(self)
        self.undoer = PricingUndo(self.undo_stack)
        self._build()
        self._wire()
        state = ctx.settings.value("pricing/splitter")
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)
        self.reload()

    # -- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.setSpacing(6)

        top = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("catalogSearch")
        self.search.setPlaceholderText("Find a model, id or alias…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        top.addWidget(self.search, 1)
        self.provider_box = QComboBox()
        self.provider_box.setObjectName("providerFilter")
        self.provider_box.setMinimumWidth(140)
        top.addWidget(self.provider_box)
        self.show_box = QComboBox()
        self.show_box.setObjectName("showFilter")
        for _key, title in SHOW_CHOICES:
            self.show_box.addItem(title)
        top.addWidget(self.show_box)
        top.addStretch(1)
        self.add_button = QPushButton("Add model…")
        self.add_button.setObjectName("addModel")
        top.addWidget(self.add_button)
        self.undo_button = QToolButton()
        self.undo_button.setObjectName("undoButton")
        self.redo_button = QToolButton()
        self.redo_button.setObjectName("redoButton")
        top.addWidget(self.undo_button)
        top.addWidget(self.redo_button)
        self.file_button = QToolButton()
        self.file_button.setObjectName("importExport")
        self.file_button.setText("Import / export")
        self.file_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        file_menu = QMenu(self.file_button)
        self.import_action = file_menu.addAction("Import a price file (ours or LiteLLM)…")
        self.export_action = file_menu.addAction("Export your prices…")
        self.export_all_action = file_menu.addAction("Export the whole catalog…")
        self.file_button.setMenu(file_menu)
        top.addWidget(self.file_button)
        layout.addLayout(top)

        self.banner = QLabel()
        self.banner.setObjectName("pricingBanner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(ERROR_STYLE)
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        self.reload_button = QPushButton("Reload")
        self.reload_button.setToolTip("Read your price file again (after fixing it).")
        self.move_aside_button = QPushButton("Set it aside…")
        self.move_aside_button.setToolTip(
            "Rename the unreadable file (it is kept) and start with no prices of your own."
        )
        banner_row.addWidget(self.reload_button)
        banner_row.addWidget(self.move_aside_button)
        self.banner_row = QWidget()
        self.banner_row.setLayout(banner_row)
        banner_row.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner_row)

        self.message = QLabel()
        self.message.setObjectName("pricingMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)

        self.catalog_model = CatalogModel(self)
        self.proxy = CatalogFilterModel(self)
        self.proxy.setSourceModel(self.catalog_model)
        self.table = QTableView()
        self.table.setObjectName("catalogTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        widths = {
            "model": 200,
            "provider": 90,
            "origin": 175,
            "long_context": 170,
            "service_tiers": 150,
            "versions": 130,
            "source": 160,
            "checked": 90,
            "in_data": 80,
        }
        for column, key in enumerate(COLUMN_KEYS):
            self.table.setColumnWidth(column, widths.get(key, 114 if key in RATE_KEYS else 100))

        self.detail_title = QLabel("Select a model to see its price history.")
        self.detail_title.setObjectName("detailTitle")
        self.detail_title.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_title.setWordWrap(True)
        font = self.detail_title.font()
        font.setBold(True)
        self.detail_title.setFont(font)
        self.detail_note = QLabel()
        self.detail_note.setObjectName("detailNote")
        self.detail_note.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_note.setWordWrap(True)
        self.detail_note.hide()
        actions = QHBoxLayout()
        self.version_button = QPushButton("New dated price…")
        self.version_button.setObjectName("addVersion")
        self.version_button.setToolTip("A price change from a date on; earlier calls keep theirs.")
        self.tiers_button = QPushButton("Tiers and extras…")
        self.tiers_button.setObjectName("editTiers")
        self.tiers_button.setToolTip(
            "Long-context price, batch / flex / priority / fast prices, the US-only uplift, "
            "web search and per-request fees of the selected price version."
        )
        self.duplicate_button = QPushButton("Duplicate…")
        self.duplicate_button.setObjectName("duplicateModel")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("deleteModel")
        self.delete_button.setToolTip("Delete a model you added.")
        self.revert_button = QPushButton("Revert to bundled")
        self.revert_button.setObjectName("revertModel")
        self.revert_button.setToolTip("Drop your override: the bundled price applies again.")
        for button in (
            self.version_button,
            self.tiers_button,
            self.duplicate_button,
            self.delete_button,
            self.revert_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)

        self.versions_model = PriceVersionsModel(self)
        self.versions_table = QTableView()
        self.versions_table.setObjectName("versionsTable")
        self.versions_table.setModel(self.versions_model)
        self.versions_table.verticalHeader().setVisible(False)
        self.versions_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.versions_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.versions_table.setWordWrap(False)
        self.versions_table.setEditTriggers(self.table.editTriggers())
        for column in range(self.versions_model.columnCount()):
            self.versions_table.setColumnWidth(column, 114 if 2 <= column < 8 else 120)
        self.versions_table.setColumnWidth(0, 150)
        self.usage_model = ModelUsageModel(self)
        self.usage_table = QTableView()
        self.usage_table.setObjectName("usageTable")
        self.usage_table.setModel(self.usage_model)
        self.usage_table.verticalHeader().setVisible(False)
        self.usage_table.setWordWrap(False)
        self.usage_table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((230, 150, 80, 110, 100)):
            self.usage_table.setColumnWidth(column, width)
        self.usage_empty = QLabel()
        self.usage_empty.setObjectName("usageEmpty")
        self.usage_empty.setTextFormat(Qt.TextFormat.PlainText)
        self.usage_empty.setWordWrap(True)
        usage_page = QWidget()
        usage_layout = QVBoxLayout(usage_page)
        usage_layout.setContentsMargins(0, 4, 0, 0)
        usage_layout.addWidget(self.usage_empty)
        usage_layout.addWidget(self.usage_table, 1)
        self.detail_tabs = QTabWidget()
        self.detail_tabs.setObjectName("detailTabs")
        self.detail_tabs.addTab(self.versions_table, "Price history")
        self.detail_tabs.addTab(usage_page, "Calls in this data")

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 4, 0, 0)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(self.detail_note)
        detail_layout.addLayout(actions)
        detail_layout.addWidget(self.detail_tabs, 1)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.table)
        left.addWidget(detail)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        self.unpriced_panel = UnpricedPanel(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("pricingSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.unpriced_panel)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 360])
        layout.addWidget(self.splitter, 1)

        self.footer = QLabel()
        self.footer.setObjectName("pricingFooter")
        self.footer.setTextFormat(Qt.TextFormat.PlainText)
        self.footer.setWordWrap(True)  # so a narrow window can still shrink
        self.footer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.footer)

        self.undo_action = QAction("Undo", self)
        self.undo_action.setObjectName("pricingUndo")
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.redo_action = QAction("Redo", self)
        self.redo_action.setObjectName("pricingRedo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setEnabled(False)
            self.addAction(action)
        self.undo_button.setDefaultAction(self.undo_action)
        self.redo_button.setDefaultAction(self.redo_action)

    def _wire(self) -> None:
        self.search.textChanged.connect(self.proxy.set_text)
        self.provider_box.currentIndexChanged.connect(self._provider_chosen)
        self.show_box.currentIndexChanged.connect(lambda i: self.proxy.set_show(SHOW_CHOICES[i][0]))
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        self.catalog_model.rate_edit_requested.connect(self._rate_edited)
        self.versions_model.rate_edit_requested.connect(self._version_rate_edited)
        self.add_button.clicked.connect(lambda: self.add_model())
        self.duplicate_button.clicked.connect(self.duplicate_selected)
        self.version_button.clicked.connect(self.add_version_to_selected)
        self.tiers_button.clicked.connect(self.edit_tiers_of_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.revert_button.clicked.connect(self.revert_selected)
        self.import_action.triggered.connect(lambda _c=False: self.choose_import())
        self.export_action.triggered.connect(lambda _c=False: self.choose_export(whole=False))
        self.export_all_action.triggered.connect(lambda _c=False: self.choose_export(whole=True))
        self.reload_button.clicked.connect(self.reload)
        self.move_aside_button.clicked.connect(self.set_aside)
        self.unpriced_panel.add_price_requested.connect(self.add_price_for)
        self.undo_action.triggered.connect(lambda _c=False: self.undoer.undo())
        self.redo_action.triggered.connect(lambda _c=False: self.undoer.redo())
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_stack.undoTextChanged.connect(
            lambda t: self.undo_action.setToolTip(plain_tip("Undo (Ctrl+Z)", t))
        )
        self.undo_stack.redoTextChanged.connect(
            lambda t: self.redo_action.setToolTip(plain_tip("Redo (Ctrl+Shift+Z)", t))
        )
        session = self.ctx.session
        session.loading_started.connect(self._source_changed)
        session.loaded.connect(self._loaded)
        session.data_changed.connect(self._data_changed)
        session.repriced.connect(self._repriced)
        session.reprice_failed.connect(self._reprice_failed)
        session.closed.connect(self.refresh_usage)

    @property
    def data_checked(self) -> bool:
        """The open data's models have been matched against the prices (unpriced list ready)."""
        return self._logged is not None

    # -- the user's price file ----------------------------------------------------------------
    def pricing_spec(self) -> PricingSpec:
        request = self.ctx.session.request
        return request.pricing if request is not None else PricingSpec()

    def user_path(self) -> Path:
        spec = self.pricing_spec()
        return Path(spec.user_file) if spec.user_file else default_user_file()

    def reload(self) -> None:
        """Read the user's price file again; an unusable file makes the editor read-only."""
        path = self.user_path()
        self._user_path = path
        try:
            self.user = UserCatalog.load(path)
            self.load_error = ""
        except PricingFileError as exc:
            self.user = None
            self.load_error = str(exc)
        self.undo_stack.clear()
        if self._selected_id is None and self.catalog_model.rowCount() == 0:
            rows = catalog_rows(self._display_catalog())
            self._selected_id = rows[0].entry.id if rows else None
        self._refresh_catalog()
        self._update_banner()

    def set_aside(self) -> None:
        """Rename an unreadable price file (kept beside it) and start without own prices."""
        path = self.user_path()
        if not path.exists():
            self.reload()
            return
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.name}.unreadable-{stamp}")
        box = QMessageBox(self)
        box.setWindowTitle("Set your price file aside")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(
            f"Rename {path.name} to {target.name} (it stays in {path.parent}) and start with "
            "no prices of your own? The bundled prices still apply."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        try:
            path.rename(target)
        except OSError as exc:
            self._message(f"Could not rename {path}: {exc}", True)
            return
        self.reload()
        self._message(f"Your unreadable price file was kept as {target}.", False)

    def _loaded(self, _result: object) -> None:
        self.refresh_usage()
        if self.show_box.currentIndex() == 0 and not self.search.text():
            # With data open, its own models are what people came to price.
            self.show_box.setCurrentIndex(SHOW_KEYS.index("in_data"))

    def _reprice_failed(self, message: str) -> None:
        self._message(f"Re-pricing failed: {message.splitlines()[0]}", True)

    def _source_changed(self, _request: object = None) -> None:
        if self.user_path() != self._user_path:
            self.reload()
        self.refresh_usage()

    def _update_banner(self) -> None:
        spec = self.pricing_spec()
        text = ""
        if self.load_error:
            text = (
                f"Your price file cannot be used, so it is left untouched and editing is off: "
                f"{self.load_error}"
            )
        elif spec.file:
            text = (
                f"The open data is priced with {spec.file} alone (--pricing). You can edit your "
                "own prices here, but they do not change the costs of this data."
            )
            self.banner.setStyleSheet(INFO_STYLE)
        if self.load_error:
            self.banner.setStyleSheet(ERROR_STYLE)
        self.banner.setText(text)
        self.banner_row.setVisible(bool(text))
        self.reload_button.setVisible(bool(self.load_error))
        self.move_aside_button.setVisible(bool(self.load_error))
        editable = self.user is not None
        self.catalog_model.set_editable(editable)
        self.versions_model.set_editable(editable)
        self.add_button.setEnabled(editable)
        self.file_button.setEnabled(True)
        self.import_action.setEnabled(editable)
        self.export_action.setEnabled(editable)
        self._update_actions()

    # -- showing the catalog -------------------------------------------------------------------
    def _display_catalog(self) -> UserCatalog:
        if self.user is not None:
            return self.user
        return UserCatalog(self.user_path(), (), bundled=bundled_catalog())

    def _refresh_catalog(self) -> None:
        calls = None
        if self._logged is not None:
            calls = {eid: sum(u.logged.calls for u in rows) for eid, rows in self._usage.items()}
        self.catalog_model.set_rows(catalog_rows(self._display_catalog(), calls))
        self._refresh_providers()
        self._reselect()
        self._update_footer()

    def _refresh_providers(self) -> None:
        current = self.provider_box.currentData()
        self.provider_box.blockSignals(True)
        self.provider_box.clear()
        self.provider_box.addItem("All providers", "")
        for provider in self.catalog_model.providers():
            self.provider_box.addItem(provider, provider)
        index = self.provider_box.findData(current) if current else 0
        self.provider_box.setCurrentIndex(max(index, 0))
        self.provider_box.blockSignals(False)

    def _provider_chosen(self, index: int) -> None:
        self.proxy.set_provider(self.provider_box.itemData(index) or "")

    def _update_footer(self) -> None:
        path = self.user_path()
        if self.user is None:
            self.footer.setText(f"Your prices: {path} (not in use)")
            return
        mine = [e for e in self.user.entries if self.user.bundled.get(e.id) is None]
        overrides = len(self.user.entries) - len(mine)
        exists = "" if path.exists() else " (not created yet: your first edit creates it)"
        self.footer.setText(
            f"Your prices: {path}{exists} · {len(mine)} model{'s' if len(mine) != 1 else ''} "
            f"of your own, {overrides} override{'s' if overrides != 1 else ''} · "
            f"each save keeps the previous file as {path.name}{BACKUP_SUFFIX}"
        )

    def select_entry(self, entry_id: str) -> None:
        self._selected_id = entry_id
        self._reselect()

    def _reselect(self) -> None:
        if self._selected_id is None:
            self._selection_changed()
            return
        row = self.catalog_model.row_of(self._selected_id)
        if row < 0:
            self._selected_id = None
            self._selection_changed()
            return
        index = self.proxy.mapFromSource(self.catalog_model.index(row, 0))
        if not index.isValid():  # filtered out: show everything rather than lose it
            self.search.clear()
            self.show_box.setCurrentIndex(0)
            self.provider_box.setCurrentIndex(0)
            index = self.proxy.mapFromSource(self.catalog_model.index(row, 0))
        selection = self.table.selectionModel()
        selection.setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        self._selection_changed()

    def selected_row(self) -> CatalogRow | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid():
            return None
        entry_id = index.data(ENTRY_ID_ROLE)
        row = self.catalog_model.row_of(entry_id)
        return self.catalog_model.row_at(row) if row >= 0 else None

    def _selection_changed(self) -> None:
        row = self.selected_row()
        if row is not None:
            self._selected_id = row.entry.id
        entry = row.entry if row is not None else None
        self.versions_model.set_entry(entry)
        if entry is not None:
            current = entry.versions.index(entry.version_at(datetime.now(UTC)))
            self.versions_table.selectRow(current)
        if row is None:
            self.detail_title.setText("Select a model to see its price history.")
            self.detail_note.hide()
        else:
            self.detail_title.setText(
                f"{row.entry.display_name}   ·   {row.entry.id}   ·   {row.origin_text}"
            )
            note = row.note if row.kind == "override" else ""
            if row.entry.note:
                note = (note + "\n" if note else "") + row.entry.note
            self.detail_note.setText(("⚠ " if row.changed_underneath else "") + note)
            self.detail_note.setStyleSheet(WARNING_STYLE if row.changed_underneath else "")
            self.detail_note.setVisible(bool(note))
        self._show_usage(row)
        self._update_actions()

    def _show_usage(self, row: CatalogRow | None) -> None:
        if self._logged is None:
            self.usage_model.set_rows([])
            self.usage_empty.setText(
                "Open logs to see which of their model names this price applies to."
            )
            self.usage_table.hide()
            self.usage_empty.show()
            return
        rows = self._usage.get(row.entry.id, []) if row is not None else []
        self.usage_model.set_rows(rows)
        if rows:
            self.usage_empty.setText(
                "Model names of the open data this price applies to, and the rule that chose it:"
            )
        elif row is not None:
            self.usage_empty.setText("No call of the open data is priced with this model.")
        else:
            self.usage_empty.setText("")
        self.usage_table.setVisible(bool(rows))

    def _update_actions(self) -> None:
        row = self.selected_row()
        editable = self.user is not None
        has = row is not None and editable
        self.version_button.setEnabled(has)
        self.tiers_button.setEnabled(has)
        self.duplicate_button.setEnabled(has)
        self.delete_button.setEnabled(has and row is not None and row.kind == "user")
        self.revert_button.setEnabled(has and row is not None and row.kind == "override")

    # -- messages -----------------------------------------------------------------------------
    def _message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else INFO_STYLE)
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message_shown.emit(text, error)

    # -- editing --------------------------------------------------------------------------------
    def edit(self, text: str, change: Change, select: str | None = None) -> str | None:
        """Apply a change to a copy of the user's prices, validate, save, push on the undo stack.

        Returns None when done (or when nothing changed), else a message for the user;
        on any failure nothing changes, on disk or on screen.
        """
        if self.user is None:
            return self.load_error or "Your prices cannot be edited right now."
        candidate = UserCatalog(self.user.path, self.user.entries, bundled=self.user.bundled)
        try:
            change(candidate)
        except PricingError as exc:
            return str(exc)
        before, after = self.user.entries, candidate.entries
        if before == after:
            return None
        if not self.apply_entries(after, select, text[:1].upper() + text[1:]):
            return self._last_error
        self.undo_stack.push(CatalogEditCommand(self, text, before, after, select))
        return None

    def apply_entries(self, entries: tuple, select: str | None, action: str = "") -> bool:
        """Save ``entries`` as the user's prices, show them and re-price (False: not saved)."""
        assert self.user is not None
        path = self.user.path
        candidate = UserCatalog(path, entries, bundled=self.user.bundled)
        try:
            candidate.save()
        except Exception as exc:  # any failure: the previous file stays, nothing changes
            self._last_error = (
                f"Could not save your prices ({type(exc).__name__}: {exc}). {path} was not "
                "changed: the previous prices are still in force."
            )
            self._message(self._last_error, True)
            return False
        self.user = candidate
        self._action = action or "Your prices changed"
        if select is not None:
            self._selected_id = select
        self._refresh_catalog()
        self._reprice()
        self.saved.emit()
        return True

    def _reprice(self) -> None:
        spec = self.pricing_spec()
        session = self.ctx.session
        action = self._action
        if spec.file:
            self._message(
                f"{action}: saved to {self.user_path()}. The open data is priced with "
                f"{spec.file} alone, so its costs do not change.",
                False,
            )
            return
        self._awaiting_reprice = session.dataset is not None
        if self._awaiting_reprice:
            self._message(f"{action}: saved. Re-pricing the open data…", False)
        else:
            self._message(f"{action}: saved to {self.user_path()}.", False)

        def ready(engine: Any) -> None:
            if engine.problems:
                self._message("; ".join(engine.problems), True)
            session.apply_pricing(engine, self.ctx.tasks)

        def failed(message: str) -> None:
            self._awaiting_reprice = False
            self._message(f"{action}: saved, but the prices could not be loaded: {message}", True)

        self.ctx.tasks.submit("pricing.engine", spec.load, ready, failed, owner=self)

    def _data_changed(self) -> None:
        if self._awaiting_reprice:
            self._awaiting_reprice = False
            self._message(
                f"{self._action}: saved and applied; every view shows the new costs.", False
            )
        self.refresh_usage()

    def _repriced(self, plan: Any) -> None:
        calls = getattr(plan, "calls", 0)
        if calls and self.message.text().startswith(f"{self._action}: saved and applied"):
            self._message(
                f"{self._action}: saved and applied; {calls:,} call"
                f"{'s' if calls != 1 else ''} re-priced.",
                False,
            )

    def _rate_edited(self, entry_id: str, key: str, text: str) -> None:
        self._set_rate(entry_id, key, text, None)

    def _version_rate_edited(self, entry_id: str, version: str, key: str, text: str) -> None:
        self._set_rate(entry_id, key, text, version)

    def _set_rate(self, entry_id: str, key: str, text: str, version: str | None) -> None:
        name = self._name_of(entry_id)
        value = "not set" if not text else f"${text}"
        when = "" if version is None else f" (price from {version})"
        error = self.edit(
            f"set {RATE_TITLES[key].lower()} of {name} to {value}{when}",
            lambda c: c.set_rate(entry_id, key, text, version=version),
            select=entry_id,
        )
        if error:
            self._message(f"Not changed: {error}", True)

    def set_rate(self, entry_id: str, key: str, text: str, version: str | None = None) -> None:
        """Set one rate as if typed into the table (``text`` "" = not set)."""
        self._set_rate(entry_id, key, text, version)

    def _name_of(self, entry_id: str) -> str:
        entry = self._display_catalog().effective().get(entry_id)
        return entry.display_name if entry is not None else entry_id

    # -- dialogs ------------------------------------------------------------------------------
    def _open(self, dialog: QWidget) -> None:
        self.active_dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _o=None: setattr(self, "active_dialog", None))
        dialog.open()  # type: ignore[attr-defined]

    def _providers(self) -> list[str]:
        return self.catalog_model.providers()

    def add_model(self, **prefill: Any) -> AddModelDialog:
        """The "add a model" dialog (pre-filled from ``prefill``)."""
        guess_source = prefill.pop("guess_source", "")
        guess_rates = dict(prefill.get("rates") or {})

        def submit(values: dict[str, Any]) -> str | None:
            source = "entered by the user"
            if guess_source and values["rates"] == guess_rates:
                source = f"guess: the rates of {guess_source} (nearest known model), not checked"
            entry_id = values["entry_id"]
            return self.edit(
                f"add {values['model']}",
                lambda c: c.add_model(
                    entry_id,
                    provider=values["provider"],
                    model=values["model"],
                    rates=values["rates"],
                    display_name=values["display_name"],
                    aliases=values["aliases"],
                    source=source,
                ),
                select=entry_id,
            )

        dialog = AddModelDialog(self, submit, providers=self._providers(), **prefill)
        self._open(dialog)
        return dialog

    def add_price_for(self, item: UnpricedModel) -> AddModelDialog | None:
        """ "Add price" for an unpriced model of the data, pre-filled (rates: a marked guess)."""
        if self.user is None:
            self._message(self.load_error, True)
            return None
        model = item.logged.model or ""
        taken = {e.id for e in self.user.effective().entries}
        entry_id, provider = new_entry_target(model, item.logged.provider, taken)
        prefill: dict[str, Any] = {"model": model, "provider": provider, "entry_id": entry_id}
        if item.guess is not None:
            prefill["rates"] = item.guess.as_text()
            prefill["guess_source"] = item.guess.display_name
            prefill["guess_note"] = (
                f"Rates pre-filled from {item.guess.display_name}, the nearest known model. "
                "This is a guess: check them against your provider's price list."
            )
        return self.add_model(**prefill)

    def duplicate_selected(self) -> AddModelDialog | None:
        row = self.selected_row()
        if row is None or self.user is None:
            return None
        source = row.entry
        taken = {e.id for e in self.user.effective().entries}
        entry_id, _ = new_entry_target(f"{source.model}-copy", source.provider, taken)

        def submit(values: dict[str, Any]) -> str | None:
            new_id = values["entry_id"]
            return self.edit(
                f"duplicate {source.display_name} as {values['model']}",
                lambda c: c.duplicate(
                    source.id,
                    new_id,
                    model=values["model"],
                    display_name=values["display_name"],
                    provider=values["provider"],
                ),
                select=new_id,
            )

        dialog = AddModelDialog(
            self,
            submit,
            providers=self._providers(),
            model=f"{source.model}-copy",
            provider=source.provider,
            entry_id=entry_id,
            duplicate_of=source.display_name,
        )
        self._open(dialog)
        return dialog

    def add_version_to_selected(self) -> PriceVersionDialog | None:
        row = self.selected_row()
        if row is None or self.user is None:
            return None
        entry = row.entry

        def rates_for(day: date) -> dict[str, str]:
            when = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return rates_text(entry.version_at(when).rates)

        def submit(values: dict[str, Any]) -> str | None:
            return self.edit(
                f"add a price of {entry.display_name} from {values['effective_from']}",
                lambda c: c.add_version(
                    entry.id,
                    values["effective_from"],
                    values["rates"],
                    source=values["source"],
                    note=values["note"],
                ),
                select=entry.id,
            )

        dialog = PriceVersionDialog(
            self, submit, model_name=entry.display_name, rates_for=rates_for
        )
        self._open(dialog)
        return dialog

    def edit_tiers_of_selected(self) -> PriceEditDialog | None:
        row = self.selected_row()
        if row is None or self.user is None:
            return None
        entry = row.entry
        version_row = self.versions_table.selectionModel().currentIndex().row()
        version = self.versions_model.version_at(version_row) or entry.versions[-1]
        label = "launch" if version.effective_from is None else version.label

        def submit(values: dict[str, Any]) -> str | None:
            def change(c: UserCatalog) -> None:
                if values["long_context_editable"]:
                    long_context = values["long_context"]
                    if long_context is None:
                        c.set_long_context(entry.id, None, version=label)
                    else:
                        threshold = _whole_number(long_context["threshold"])
                        c.set_long_context(
                            entry.id,
                            threshold,
                            op=long_context["op"],
                            rates=long_context["rates"],
                            version=label,
                        )
                for name, variant in values["variants"].items():
                    if variant is None:
                        c.set_variant(entry.id, name, version=label)
                    elif "multiplier" in variant:
                        if not variant["multiplier"]:
                            raise PricingValidationError(f"{name}: enter a multiplier, e.g. 0.5")
                        c.set_variant(
                            entry.id, name, multiplier=variant["multiplier"], version=label
                        )
                    else:
                        if not variant["rates"]:
                            raise PricingValidationError(
                                f"{name}: enter at least one rate, or choose another price"
                            )
                        c.set_variant(
                            entry.id,
                            name,
                            rates=variant["rates"],
                            tier_rates=dict(variant["tier_rates"]),
                            version=label,
                        )
                for extra in ("web_search_per_1k", "per_request"):
                    c.set_rate(entry.id, extra, values[extra], version=label)

            return self.edit(
                f"edit the tiers of {entry.display_name} (price from {version.label})",
                change,
                select=entry.id,
            )

        dialog = PriceEditDialog(self, submit, model_name=entry.display_name, version=version)
        self._open(dialog)
        return dialog

    def delete_selected(self) -> None:
        row = self.selected_row()
        if row is None or row.kind != "user":
            return
        entry = row.entry
        error = self.edit(f"delete {entry.display_name}", lambda c: c.delete(entry.id))
        if error:
            self._message(f"Not deleted: {error}", True)

    def revert_selected(self) -> None:
        row = self.selected_row()
        if row is None or row.kind != "override":
            return
        entry = row.entry
        error = self.edit(
            f"revert {entry.display_name} to the bundled price",
            lambda c: c.revert(entry.id),
            select=entry.id,
        )
        if error:
            self._message(f"Not reverted: {error}", True)

    # -- import and export ----------------------------------------------------------------------
    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import prices", "", "Price files (*.json);;All files (*)"
        )
        if path:
            self.preview_import(Path(path))

    def preview_import(self, path: Path) -> None:
        """Read ``path`` on a worker and show what importing it would change."""
        if self.user is None:
            self._message(self.load_error, True)
            return
        user = UserCatalog(self.user.path, self.user.entries, bundled=self.user.bundled)
        self._message(f"Reading {path}…", False)
        self.ctx.tasks.submit(
            "pricing.import",
            lambda: user.preview_import(path),
            self._show_preview,
            lambda message: self._message(f"Cannot import: {message.splitlines()[0]}", True),
            owner=self,
        )

    def _show_preview(self, preview: ImportPreview) -> None:
        self._message("", False)
        dialog = ImportPreviewDialog(preview, self)
        dialog.accepted.connect(lambda: self._apply_import(preview, dialog))
        self._open(dialog)

    def _apply_import(self, preview: ImportPreview, dialog: ImportPreviewDialog) -> None:
        include = dialog.include_changed.isChecked()
        count = dialog.count()
        error = self.edit(
            f"import {count:,} model{'s' if count != 1 else ''} from {preview.path.name}",
            lambda c: c.apply_import(preview, include_changed=include),
        )
        if error:
            self._message(f"Not imported: {error}", True)

    def export_dialog(self) -> None:
        """File ▸ Export… (Ctrl+E) while the editor is shown: export your prices."""
        self.choose_export(whole=False)

    def choose_export(self, whole: bool) -> None:
        title = "Export the whole catalog" if whole else "Export your prices"
        name = "spendtrail-catalog.json" if whole else "spendtrail-prices.json"
        path, _ = QFileDialog.getSaveFileName(self, title, name, "Price files (*.json)")
        if path:
            self.export(Path(path), whole=whole)

    def export(self, path: Path, whole: bool = False) -> bool:
        """Write your prices (or the whole effective catalog) in Spendtrail's format."""
        catalog = self._display_catalog()
        document = catalog_to_document(catalog.effective() if whole else catalog.catalog())
        try:
            atomic_write(path, dumps(document), backup=False)
        except OSError as exc:
            self._message(f"Could not export to {path}: {exc}", True)
            return False
        what = "the whole catalog" if whole else "your prices"
        self._message(f"Exported {what} to {path}.", False)
        return True

    # -- pricing coverage of the open data --------------------------------------------------------
    def refresh_usage(self) -> None:
        session = self.ctx.session
        dataset = session.dataset
        if dataset is None:
            self._logged = None
            self._usage = {}
            self.unpriced_panel.set_no_data()
            self._refresh_catalog()
            self.usage_updated.emit()
            return

        def compute() -> tuple[list, list, dict]:
            warm_up(dataset)  # the first price edit then re-prices in milliseconds
            engine = session.pricing_engine()
            logged = logged_models(dataset)
            return logged, unpriced_models(logged, engine), entry_usage(logged, engine)

        self.ctx.tasks.submit("pricing.usage", compute, self._usage_ready, owner=self)

    def _usage_ready(self, answer: tuple[list, list, dict]) -> None:
        logged, unpriced, usage = answer
        self._logged, self._usage = logged, usage
        self.unpriced_panel.set_models(unpriced, sum(m.calls for m in logged))
        self._refresh_catalog()
        self.usage_updated.emit()

    def save_settings(self) -> None:
        self.ctx.settings.setValue("pricing/splitter", self.splitter.saveState())


def _whole_number(text: str) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise PricingValidationError(
            f"the long-context threshold must be a whole number of tokens, not {text!r}"
        ) from None
    if value <= 0:
        raise PricingValidationError("the long-context threshold must be a positive token count")
    return value
