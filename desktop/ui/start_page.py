"""The start page: open a file or folder, recent sources, logs found on this machine."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.numbers import size as human_size
from desktop.ui.context import AppContext

RECENT_KEY = "recent/sources"
MAX_RECENT = 12

FORMATS_TEXT = (
    "Spendtrail JSONL, Claude Code and Codex transcripts, the llm CLI's logs.db, "
    "LiteLLM, OpenTelemetry and Langfuse exports, raw OpenAI / Anthropic / Gemini / "
    "Bedrock / OpenRouter / Ollama responses, any SQLite table with token columns; "
    ".gz and .zst read as they are."
)


class StartPage(QWidget):
    open_paths = Signal(list)  # list[Path]
    open_file_requested = Signal()
    open_folder_requested = Signal()
    open_demo_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 36, 48, 36)
        outer.setSpacing(14)

        title = QLabel("Spendtrail")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        title.setFont(font)
        tagline = QLabel(
            "Where did the money go? Open the LLM call logs you already have; every call is "
            "priced offline, against prices you can edit."
        )
        tagline.setWordWrap(True)
        outer.addWidget(title)
        outer.addWidget(tagline)

        buttons = QHBoxLayout()
        for text, signal, tip in (
            ("Open file…", self.open_file_requested, "Ctrl+O"),
            ("Open folder…", self.open_folder_requested, "Ctrl+Shift+O"),
            ("Open demo data", self.open_demo_requested, "50,000 realistic calls"),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.setMinimumHeight(34)
            button.clicked.connect(signal)
            buttons.addWidget(button)
        buttons.addStretch(1)
        outer.addLayout(buttons)

        drop = QLabel("…or drop log files and folders anywhere on this window.")
        drop.setEnabled(False)
        outer.addWidget(drop)

        lists = QHBoxLayout()
        lists.setSpacing(24)
        self.recent = QListWidget()
        self.recent.setObjectName("recentSources")
        self.recent.itemActivated.connect(self._activate)
        self.found = QListWidget()
        self.found.setObjectName("discoveredSources")
        self.found.itemActivated.connect(self._activate)
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

    def _section(self, title: str, widget: QListWidget, empty: str) -> QWidget:
        box = QFrame()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(title)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        layout.addWidget(label)
        layout.addWidget(widget, 1)
        widget.setProperty("emptyText", empty)
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        return box

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

    def refresh_recent(self) -> None:
        self.recent.clear()
        for paths in self.recent_sources():
            label = paths[0] if len(paths) == 1 else f"{paths[0]} (+{len(paths) - 1} more)"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, paths)
            item.setToolTip("\n".join(paths))
            if not all(Path(p).exists() for p in paths):
                item.setText(label + "  (missing)")
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
        for loc in locations:
            estimate = f", about {loc.estimated_calls:,} calls" if loc.estimated_calls else ""
            item = QListWidgetItem(
                f"{loc.title}: {loc.path}\n{human_size(loc.size_bytes)}{estimate}"
            )
            item.setData(Qt.ItemDataRole.UserRole, [str(loc.path)])
            item.setToolTip(str(loc.path))
            self.found.addItem(item)
        if not self.found.count():
            self.found.setProperty(
                "emptyText", "No Claude Code, Codex or llm CLI logs in the usual places."
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
