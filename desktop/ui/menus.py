"""Menus and shortcuts a desktop user expects."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu

if TYPE_CHECKING:
    from desktop.ui.main_window import MainWindow


def build_menus(window: MainWindow) -> dict[str, QAction]:
    actions: dict[str, QAction] = {}
    bar = window.menuBar()

    def add(
        menu, name: str, text: str, slot, shortcut: QKeySequence | str | list | None = None
    ) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, window)
        action.setObjectName(f"action_{name}")
        if isinstance(shortcut, list):
            action.setShortcuts([QKeySequence(k) for k in shortcut])
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        actions[name] = action
        return action

    file_menu = bar.addMenu("&File")
    add(file_menu, "open_file", "&Open File…", window.choose_files, QKeySequence.StandardKey.Open)
    add(file_menu, "open_folder", "Open &Folder…", window.choose_folder, "Ctrl+Shift+O")
    recent = file_menu.addMenu("Open &Recent")
    recent.setObjectName("recentMenu")
    recent.aboutToShow.connect(lambda: fill_recent_menu(window, recent))
    add(file_menu, "open_demo", "Open &Demo Data", window.open_demo)
    file_menu.addSeparator()
    add(file_menu, "reload", "&Reload", window.reload, ["F5", "Ctrl+R"])
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
    add(help_menu, "about_qt", "About &Qt", lambda: QApplication.aboutQt())
    fill_recent_menu(window, recent)
    return actions


def fill_recent_menu(window: MainWindow, menu: QMenu) -> None:
    """File ▸ Open Recent: the sources opened lately, newest first."""
    menu.clear()
    sources = window.start_page.recent_sources()
    for i, paths in enumerate(sources, start=1):
        first = Path(paths[0])
        more = f" (+{len(paths) - 1} more)" if len(paths) > 1 else ""
        text = f"&{i} {first.name or first}{more}" if i < 10 else f"{first.name or first}{more}"
        action = menu.addAction(text)
        action.setToolTip("\n".join(paths))
        action.setStatusTip(paths[0] + more)
        action.setEnabled(all(Path(p).exists() for p in paths))
        action.triggered.connect(
            lambda _checked=False, p=paths: window.open_paths([Path(x) for x in p])
        )
    if sources:
        menu.addSeparator()
        menu.addAction("Clear Recent", window.start_page.clear_recent)
    else:
        menu.addAction("No recent sources").setEnabled(False)


def _focus_search(window: MainWindow) -> None:
    window.stack.setCurrentWidget(window.workspace)
    window.controls.search.setFocus()
    window.controls.search.selectAll()


def _views(window: MainWindow) -> list[tuple[str, str, str]]:
    from desktop.ui.main_window import VIEWS

    return [v for v in VIEWS if v[0] in window.views]
