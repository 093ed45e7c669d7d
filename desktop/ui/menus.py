"""Menus and shortcuts a desktop user expects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow


def build_menus(window: MainWindow) -> dict[str, QAction]:
    actions: dict[str, QAction] = {}
    bar = window.menuBar()

    def add(
        menu, name: str, text: str, slot, shortcut: QKeySequence | str | None = None
    ) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, window)
        action.setObjectName(f"action_{name}")
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        actions[name] = action
        return action

    file_menu = bar.addMenu("&File")
    add(file_menu, "open_file", "&Open File…", window.choose_files, QKeySequence.StandardKey.Open)
    add(file_menu, "open_folder", "Open &Folder…", window.choose_folder, "Ctrl+Shift+O")
    add(file_menu, "open_demo", "Open &Demo Data", window.open_demo)
    file_menu.addSeparator()
    add(file_menu, "reload", "&Reload", window.reload, QKeySequence.StandardKey.Refresh)
    add(file_menu, "export", "&Export…", window.export_current, "Ctrl+E")
    file_menu.addSeparator()
    add(file_menu, "close", "&Close Logs", window.close_sources, "Ctrl+W")
    add(file_menu, "quit", "&Quit", window.close, QKeySequence.StandardKey.Quit)

    edit_menu = bar.addMenu("&Edit")
    add(edit_menu, "find", "&Find…", lambda: _focus_search(window), QKeySequence.StandardKey.Find)
    add(
        edit_menu, "clear_filters", "&Clear Filters", window.ctx.state.clear_filters, "Ctrl+Shift+X"
    )

    view_menu = bar.addMenu("&View")
    for i, (name, title, _spec) in enumerate(_views(window), start=1):
        add(view_menu, f"view_{name}", title, lambda n=name: window.show_view(n), f"Ctrl+{i}")
    view_menu.addSeparator()
    add(view_menu, "problems", "&Problems", window.show_problems, "Ctrl+Shift+P")

    help_menu = bar.addMenu("&Help")
    add(help_menu, "about", "&About Spendtrail", window.about)
    return actions


def _focus_search(window: MainWindow) -> None:
    window.stack.setCurrentWidget(window.workspace)
    window.controls.search.setFocus()
    window.controls.search.selectAll()


def _views(window: MainWindow) -> list[tuple[str, str, str]]:
    from desktop.ui.main_window import VIEWS

    return [v for v in VIEWS if v[0] in window.views]
