"""The start page: open a file or folder, recent sources, logs found on this machine."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.numbers import size as human_size
from desktop.ui.context import AppContext

ICON = Path(__file__).resolve().parent.parent / "resources" / "spendtrail.svg"
RECENT_KEY = "recent/sources"
MAX_RECENT = 12

FORMATS_TEXT = (
    "Spendtrail JSONL, Claude Code, Codex and Gemini CLI sessions, the llm CLI's logs.db, "
    "LiteLLM, OpenTelemetry and Langfuse exports, raw OpenAI / Anthropic / Gemini / "
    "Bedrock / OpenRouter / Ollama responses and streams, any SQLite table or CSV file "
    "with token columns; .gz and .zst read as they are."
)


class StartPage(QWidget):
    open_paths = Signal(list)  # list[Path]
    open_file_requested = Signal()
    open_folder_requested = Signal()
    open_demo_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("startPage")
        page = QHBoxLayout(self)
        page.setContentsMargins(32, 28, 32, 20)
        page.addStretch(1)
        column = QWidget()
        column.setMaximumWidth(1120)
        column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        page.addWidget(column, 12)
        page.addStretch(1)
        outer = QVBoxLayout(column)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(12)

        heading = QHBoxLayout()
        heading.setSpacing(14)
        icon = QLabel()
        if ICON.exists():
            icon.setPixmap(QIcon(str(ICON)).pixmap(56, 56))
        heading.addWidget(icon)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        title = QLabel("Spendtrail")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        title.setFont(font)
        tagline = QLabel(
            "Where did the money go? Open the LLM call logs you already have: every call is "
            "priced offline, against prices you can edit. No account, no server, no network."
        )
        tagline.setWordWrap(True)
        titles.addWidget(title)
        titles.addWidget(tagline)
        heading.addLayout(titles, 1)
        outer.addLayout(heading)

        self.drop_zone = QFrame()
        self.drop_zone.setObjectName("dropZone")
        self.drop_zone.setProperty("active", False)
        self.drop_zone.setStyleSheet(
            "QFrame#dropZone { border: 2px dashed palette(mid); border-radius: 12px; }"
            "QFrame#dropZone[active=true] { border-color: palette(highlight);"
            " background: palette(alternate-base); }"
        )
        zone = QVBoxLayout(self.drop_zone)
        zone.setContentsMargins(24, 20, 24, 20)
        zone.setSpacing(12)
        drop = QLabel("Drop log files or folders here — or choose them:")
        drop.setAlignment(Qt.AlignmentFlag.AlignCenter)
        zone.addWidget(drop)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        style = self.style()
        for text, signal, tip, pixmap in (
            (
                "Open file…",
                self.open_file_requested,
                "JSONL, JSON, .gz, .zst or SQLite files (Ctrl+O)",
                QStyle.StandardPixmap.SP_FileIcon,
            ),
            (
                "Open folder…",
                self.open_folder_requested,
                "Every log in a folder and its subfolders (Ctrl+Shift+O)",
                QStyle.StandardPixmap.SP_DirOpenIcon,
            ),
            (
                "Open demo data",
                self.open_demo_requested,
                "50,000 realistic calls from a made-up company, to look around",
                QStyle.StandardPixmap.SP_MediaPlay,
            ),
        ):
            button = QPushButton(style.standardIcon(pixmap), text)
            button.setToolTip(tip)
            button.setMinimumHeight(38)
            button.setMinimumWidth(150)
            button.clicked.connect(signal)
            buttons.addWidget(button)
        buttons.addStretch(1)
        zone.addLayout(buttons)
        outer.addWidget(self.drop_zone)

        lists = QHBoxLayout()
        lists.setSpacing(24)
        self.recent = self._list("recentSources")
        self.found = self._list("discoveredSources")
        lists.addWidget(self._section("Recent", self.recent, "Nothing opened yet."), 1)
        lists.addWidget(
            self._section("Found on this machine", self.found, "Looking for known log folders…"),
            1,
        )
        outer.addLayout(lists, 1)

        formats = QLabel("Opens: " + FORMATS_TEXT)
        formats.setWordWrap(True)
        formats.setEnabled(False)
        outer.addWidget(formats)
        self.refresh_recent()

    def _list(self, name: str) -> QListWidget:
        widget = QListWidget()
        widget.setObjectName(name)
        widget.setIconSize(QSize(24, 24))
        widget.setSpacing(2)
        widget.setWordWrap(False)
        widget.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        widget.setStyleSheet("QListWidget::item { padding: 6px 4px; }")
        widget.itemActivated.connect(self._activate)
        widget.setToolTip("Double-click or press Enter to open")
        return widget

    def _section(self, title: str, widget: QListWidget, empty: str) -> QWidget:
        box = QFrame()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(title)
        font = label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        label.setFont(font)
        layout.addWidget(label)
        layout.addWidget(widget, 1)
        widget.setProperty("emptyText", empty)
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        return box

    def set_drop_active(self, active: bool) -> None:
        """Highlight the drop zone while files are dragged over the window."""
        self.drop_zone.setProperty("active", active)
        self.drop_zone.style().unpolish(self.drop_zone)
        self.drop_zone.style().polish(self.drop_zone)

    # -- recent sources -----------------------------------------------------------------
    def recent_sources(self) -> list[list[str]]:
        value = self.ctx.settings.value(RECENT_KEY, [])
        items = value if isinstance(value, list) else [value] if value else []
        out = []
        for item in items:
            paths = [p for p in str(item).split("\n") if p]
            if paths:
                out.append(paths)
        return out

    def remember(self, paths: list[Path]) -> None:
        entry = "\n".join(str(p) for p in paths)
        items = ["\n".join(r) for r in self.recent_sources() if "\n".join(r) != entry]
        self.ctx.settings.setValue(RECENT_KEY, [entry, *items][:MAX_RECENT])
        self.refresh_recent()

    def clear_recent(self) -> None:
        self.ctx.settings.setValue(RECENT_KEY, [])
        self.refresh_recent()

    def refresh_recent(self) -> None:
        self.recent.clear()
        style = self.style()
        for paths in self.recent_sources():
            first = Path(paths[0])
            name = first.name or str(first)
            more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
            where = str(first.parent)
            item = QListWidgetItem(f"{name}{more}\n{where}")
            item.setData(Qt.ItemDataRole.UserRole, paths)
            item.setToolTip("\n".join(paths))
            pixmap = (
                QStyle.StandardPixmap.SP_DirIcon
                if first.is_dir()
                else QStyle.StandardPixmap.SP_FileIcon
            )
            item.setIcon(style.standardIcon(pixmap))
            if not all(Path(p).exists() for p in paths):
                item.setText(f"{name}{more}  (missing)\n{where}")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.recent.addItem(item)
        if not self.recent.count():
            self._placeholder(self.recent)

    # -- discovery ------------------------------------------------------------------------
    def discover(self) -> None:
        from desktop.logs.discovery import discover

        self.ctx.tasks.submit("start.discover", discover, self._show_found, self._discovery_failed)

    def _show_found(self, locations: list) -> None:
        self.found.clear()
        style = self.style()
        for loc in locations:
            estimate = f" · about {loc.estimated_calls:,} calls" if loc.estimated_calls else ""
            files = f"{loc.files:,} files · " if loc.files > 1 else ""
            item = QListWidgetItem(
                f"{loc.title} — {files}{human_size(loc.size_bytes)}{estimate}\n{loc.path}"
            )
            item.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DirIcon))
            item.setToolTip(str(loc.path))
            if loc.readable:
                item.setData(Qt.ItemDataRole.UserRole, [str(loc.path)])
            else:  # listed, so the user knows it was found, but not offered to open
                item.setText(item.text().replace(" — ", " (not read yet) — ", 1))
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setToolTip(f"{loc.path}\nSpendtrail does not read this tool's logs yet.")
            self.found.addItem(item)
        if not self.found.count():
            self.found.setProperty(
                "emptyText",
                "No Claude Code, Codex, Gemini CLI or llm CLI logs in the usual places.",
            )
            self._placeholder(self.found)

    def _discovery_failed(self, message: str) -> None:
        self.found.clear()
        self.found.setProperty("emptyText", f"Could not look for logs: {message.splitlines()[0]}")
        self._placeholder(self.found)

    @staticmethod
    def _placeholder(widget: QListWidget) -> None:
        item = QListWidgetItem(str(widget.property("emptyText") or ""))
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        widget.addItem(item)

    def _activate(self, item: QListWidgetItem) -> None:
        paths = item.data(Qt.ItemDataRole.UserRole)
        if paths:
            self.open_paths.emit([Path(p) for p in paths])
