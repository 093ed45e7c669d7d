"""The preview of an import: what it adds and changes, before anything is written."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.import_preview_model import ImportPreviewModel
from pricing.importing import ImportPreview

SHOW = (
    ("Added and changed", frozenset({"added", "changed"})),
    ("Changed", frozenset({"changed"})),
    ("Added", frozenset({"added"})),
    ("Unchanged", frozenset({"unchanged"})),
    ("Everything", frozenset({"added", "changed", "unchanged"})),
)


class ImportPreviewDialog(QDialog):
    def __init__(self, preview: ImportPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importPreviewDialog")
        self.preview = preview
        self.setWindowTitle(f"Import prices from {preview.path.name}")
        self.resize(900, 560)
        layout = QVBoxLayout(self)
        kind = "Spendtrail price file" if preview.format == "spendtrail" else "LiteLLM price map"
        added, changed = len(preview.added), len(preview.changed)
        summary = QLabel(
            f"{preview.path} ({kind}): {_count(added, 'model')} to add, {changed:,} with "
            f"different prices, {len(preview.unchanged):,} unchanged, "
            f"{len(preview.skipped):,} skipped. Nothing is changed until you import."
        )
        summary.setObjectName("summary")
        summary.setTextFormat(Qt.TextFormat.PlainText)
        summary.setWordWrap(True)
        layout.addWidget(summary)
        if preview.format == "litellm":
            note = QLabel(
                "A changed model keeps its earlier price versions: the imported rates replace "
                "the price in force today, so past calls priced by older versions keep their cost."
            )
            note.setWordWrap(True)
            layout.addWidget(note)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show"))
        self.show_box = QComboBox()
        for title, _statuses in SHOW:
            self.show_box.addItem(title)
        self.show_box.currentIndexChanged.connect(self._show_changed)
        bar.addWidget(self.show_box)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.model = ImportPreviewModel(preview, self)
        self.table = QTableView()
        self.table.setObjectName("previewTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        # rows as tall as their wrapped "what changes" text, kept up to date on resizes
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 90)
        self.table.setColumnWidth(1, 220)
        self.table.setColumnWidth(2, 220)
        layout.addWidget(self.table, 1)

        if preview.skipped:
            skipped = QPlainTextEdit()
            skipped.setReadOnly(True)
            skipped.setMaximumHeight(90)
            skipped.setPlainText("Skipped:\n" + "\n".join(preview.skipped))
            layout.addWidget(skipped)

        self.include_changed = QCheckBox(f"Also replace the {_count(changed, 'changed price')}")
        self.include_changed.setObjectName("includeChanged")
        self.include_changed.setChecked(True)
        self.include_changed.setEnabled(changed > 0)
        self.include_changed.toggled.connect(self._update_button)
        layout.addWidget(self.include_changed)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setObjectName("importButton")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update_button()

    def count(self) -> int:
        """How many models the import would write."""
        changed = len(self.preview.changed) if self.include_changed.isChecked() else 0
        return len(self.preview.added) + changed

    def _update_button(self) -> None:
        n = self.count()
        self.import_button.setText(f"Import {n:,} model{'s' if n != 1 else ''}")
        self.import_button.setEnabled(n > 0)

    def _show_changed(self, index: int) -> None:
        self.model.set_statuses(SHOW[index][1])


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' if n != 1 else ''}"
