"""The main window: start page or workspace, the views as tabs, menus, status bar.

Views live in their own modules; this window only arranges them and wires
navigation between them (drill-downs, opening a conversation, selecting a call).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.logs.expand import LOG_SUFFIXES
from desktop.store.dataset import Filters
from desktop.store.pricer import PricingSpec
from desktop.store.session import OpenRequest
from desktop.ui.context import AppContext
from desktop.ui.menus import build_menus
from desktop.ui.problems_panel import ProblemsPanel
from desktop.ui.start_page import StartPage
from desktop.ui.status_panel import StatusPanel
from desktop.ui.view_controls import ViewControls

# (name, tab title, "module:Class"): each view takes (AppContext, parent).
VIEWS: tuple[tuple[str, str, str], ...] = (
    ("overview", "Overview", "desktop.ui.overview_view:OverviewView"),
    ("requests", "Requests", "desktop.ui.requests_view:RequestsView"),
    ("groups", "Groups", "desktop.ui.groups_view:GroupsView"),
    ("conversations", "Conversations", "desktop.ui.conversations_view:ConversationsView"),
    ("pricing", "Pricing", "desktop.ui.pricing_editor:PricingEditor"),
)

# The endings a folder is searched for (compound ones, like .jsonl.gz, end in one of these).
LOG_FILTER = (
    "Logs (" + " ".join("*" + s for s in LOG_SUFFIXES if s.count(".") == 1) + ");;All files (*)"
)


def _load_view(spec: str) -> Callable[[AppContext, QWidget], QWidget]:
    module, name = spec.split(":")
    return getattr(importlib.import_module(module), name)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext | None = None) -> None:
        super().__init__()
        self.ctx = ctx or AppContext.create(self)
        self.setWindowTitle("Spendtrail")
        self.setAcceptDrops(True)
        self.setObjectName("mainWindow")

        self.stack = QStackedWidget()
        self.start_page = StartPage(self.ctx)
        self.start_page.open_paths.connect(self.open_paths)
        self.start_page.open_file_requested.connect(self.choose_files)
        self.start_page.open_folder_requested.connect(self.choose_folder)
        self.start_page.open_demo_requested.connect(self.open_demo)
        self.stack.addWidget(self.start_page)

        self.workspace = QWidget()
        layout = QVBoxLayout(self.workspace)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.controls = ViewControls(self.ctx)
        layout.addWidget(self.controls)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("views")
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)
        self.views: dict[str, QWidget] = {}
        for name, title, spec in VIEWS:
            view = _load_view(spec)(self.ctx, self.tabs)
            view.setObjectName(f"{name}View")
            self.views[name] = view
            self.tabs.addTab(view, title)
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)

        self.problems_panel = ProblemsPanel(self.ctx)
        self.problems_dock = QDockWidget("Problems", self)
        self.problems_dock.setObjectName("problemsDock")
        self.problems_dock.setWidget(self.problems_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        self.problems_dock.hide()

        self.status = StatusPanel(self.ctx, self.statusBar())
        self.status.show_problems.connect(self.show_problems)
        self.actions_by_name = build_menus(self)

        nav = self.ctx.navigator
        nav.show_view.connect(self.show_view)
        nav.show_requests.connect(self._drill_down)
        self.ctx.session.loading_started.connect(
            lambda _r: self.stack.setCurrentWidget(self.workspace)
        )
        self.ctx.session.load_failed.connect(self._load_failed)
        self.ctx.session.closed.connect(lambda: self.stack.setCurrentWidget(self.start_page))
        self._restore_layout()
        self.start_page.discover()

    # -- opening -----------------------------------------------------------------------------
    def open_request(self, request: OpenRequest) -> None:
        self.start_page.remember(list(request.paths))
        names = ", ".join(p.name or str(p) for p in request.paths[:2])
        self.setWindowTitle(f"{names} — Spendtrail")
        self.ctx.session.open(request)

    def open_paths(self, paths: list[Path], pricing: PricingSpec | None = None) -> None:
        if not paths:
            return
        self.open_request(OpenRequest(tuple(Path(p) for p in paths), pricing or PricingSpec()))

    def open_demo(self) -> None:
        from desktop.commands.demo_data import demo_directory

        self.statusBar().showMessage("Writing the demo data (first time only)…")
        self.ctx.tasks.submit(
            "open.demo",
            demo_directory,
            lambda folder: self.open_paths([folder]),
            lambda message: QMessageBox.warning(self, "Demo data", message.splitlines()[0]),
        )

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open log files", "", LOG_FILTER)
        self.open_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of logs")
        if folder:
            self.open_paths([Path(folder)])

    def reload(self) -> None:
        self.ctx.session.reload()

    def close_sources(self) -> None:
        self.ctx.session.close()
        self.setWindowTitle("Spendtrail")

    def _load_failed(self, message: str) -> None:
        QMessageBox.warning(self, "Could not open the logs", message)

    # -- drag and drop ------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
            self.start_page.set_drop_active(True)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.start_page.set_drop_active(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self.start_page.set_drop_active(False)
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # -- views -----------------------------------------------------------------------------------
    def show_view(self, name: str) -> None:
        view = self.views.get(name)
        if view is not None:
            self.stack.setCurrentWidget(self.workspace)
            self.tabs.setCurrentWidget(view)

    def current_view_name(self) -> str:
        current = self.tabs.currentWidget()
        return next((n for n, v in self.views.items() if v is current), "")

    def _drill_down(self, filters: Filters) -> None:
        state = self.ctx.state
        merged = state.filters
        for column, values in filters.where:
            merged = merged.with_(
                where=(*[w for w in merged.where if w[0] != column], (column, values))
            )
        if filters.since is not None or filters.until is not None:
            state.set_time_range(filters.since, filters.until)
        if filters.ids is not None:
            merged = merged.with_(ids=filters.ids)
        state.set_filters(merged)
        self.show_view("requests")

    def show_problems(self) -> None:
        self.problems_dock.show()
        self.problems_dock.raise_()

    def export_current(self) -> None:
        view = self.tabs.currentWidget()
        exporter = getattr(view, "export_dialog", None)
        if exporter is None:
            QMessageBox.information(self, "Export", "This view has nothing to export.")
            return
        exporter()

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About Spendtrail",
            f"Spendtrail {__version__}\n\n"
            "Where did the money go? An offline viewer that prices LLM API call logs.\n"
            "No account, no server, no network.",
        )

    # -- persistence ------------------------------------------------------------
    def _restore_layout(self) -> None:
        settings = self.ctx.settings
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        zone = settings.value("view/time_zone")
        if isinstance(zone, str) and zone:
            from desktop.timeutil import TimestampError, resolve_zone

            with suppress(TimestampError):
                self.ctx.state.set_zone(resolve_zone(None if zone == "local" else zone))
        self.ctx.state.changed.connect(self._save_view_state)

    def _save_view_state(self, what: str) -> None:
        if what == "zone":
            self.ctx.settings.setValue("view/time_zone", self.ctx.state.zone_name)

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = self.ctx.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        for view in self.views.values():
            saver = getattr(view, "save_settings", None)
            if saver is not None:
                saver()
        settings.sync()
        self.ctx.session.shutdown()
        self.ctx.tasks.wait(10000)
        super().closeEvent(event)
