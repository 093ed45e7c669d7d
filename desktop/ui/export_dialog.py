"""The export dialog, shared by every view: file, format, progress, Cancel.

A view builds an :class:`~desktop.store.table_export.ExportJob` (column names
and a generator of row chunks) and calls :func:`export_table`; the rows are
written on a worker thread, so exporting a million calls never freezes the
window. CSV cells are neutralised against spreadsheet formula injection.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.store.table_export import FORMATS, ExportCancelled, ExportJob, write_export

DIRECTORY_KEY = "export/directory"
FORMAT_KEY = "export/format"


class ExportWorker(QThread):
    progressed = Signal(int)  # rows written so far
    done = Signal(int)  # rows written
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, job: ExportJob, path: Path, fmt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job, self.path, self.fmt = job, path, fmt
        self.cancel_event = threading.Event()

    def run(self) -> None:
        try:
            rows = write_export(
                self.job, self.path, self.fmt, self.progressed.emit, self.cancel_event
            )
        except ExportCancelled:
            self.cancelled.emit()
            return
        except Exception as exc:  # shown in the dialog
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self.done.emit(rows)

    def cancel(self) -> None:
        self.cancel_event.set()


class ExportDialog(QDialog):
    """Pick a file and a format, then write the job's rows with progress."""

    finished_export = Signal(str, int)  # path, rows (also emitted in tests)
    failed_export = Signal(str)

    def __init__(self, job: ExportJob, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.settings = settings
        self.worker: ExportWorker | None = None
        self.setWindowTitle(f"Export {job.title}")
        self.setMinimumWidth(560)

        layout = QVBoxLayout(self)
        summary = QLabel(
            f"{job.total:,} rows × {len(job.headers)} columns: every row of the current "
            "filters and order, not only the visible ones."
        )
        summary.setTextFormat(Qt.TextFormat.PlainText)
        summary.setWordWrap(True)
        layout.addWidget(summary)

        form = QFormLayout()
        self.format_buttons: dict[str, QRadioButton] = {}
        formats = QVBoxLayout()
        chosen = str(settings.value(FORMAT_KEY, "csv"))
        for fmt, (title, _suffix) in FORMATS.items():
            button = QRadioButton(title)
            button.setObjectName(f"format_{fmt}")
            button.setChecked(fmt == chosen)
            button.toggled.connect(self._format_changed)
            self.format_buttons[fmt] = button
            formats.addWidget(button)
        if not any(b.isChecked() for b in self.format_buttons.values()):
            self.format_buttons["csv"].setChecked(True)
        form.addRow("Format", formats)
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("exportPath")
        directory = Path(str(settings.value(DIRECTORY_KEY, str(Path.home()))))
        self.path_edit.setText(str(directory / (job.suggested_name + self._suffix())))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("File", row)
        layout.addLayout(form)

        note = QLabel(
            "CSV: text starting with = + - @ is prefixed with ' so spreadsheets do not run it."
        )
        note.setEnabled(False)
        note.setWordWrap(True)
        layout.addWidget(note)

        self.progress = QProgressBar()
        self.progress.setRange(0, max(job.total, 1))
        self.progress.setValue(0)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setObjectName("exportStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self._export_clicked)
        self.cancel_button.clicked.connect(self._cancel_clicked)
        layout.addWidget(self.buttons)

    # -- choices ----------------------------------------------------------------------------
    def fmt(self) -> str:
        return next(f for f, b in self.format_buttons.items() if b.isChecked())

    def _suffix(self) -> str:
        checked = [f for f, b in getattr(self, "format_buttons", {}).items() if b.isChecked()]
        return FORMATS[checked[0] if checked else "csv"][1]

    def _format_changed(self, checked: bool) -> None:
        if not checked or not hasattr(self, "path_edit"):
            return
        path = Path(self.path_edit.text())
        if path.suffix in {s for _t, s in FORMATS.values()}:
            self.path_edit.setText(str(path.with_suffix(self._suffix())))

    def _browse(self) -> None:
        fmt = self.fmt()
        title, suffix = FORMATS[fmt]
        name, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.path_edit.text(), f"{title} (*{suffix});;All files (*)"
        )
        if name:
            self.path_edit.setText(name)

    # -- running ----------------------------------------------------------------------------
    def _export_clicked(self) -> None:
        text = self.path_edit.text().strip()
        if not text:
            self.status.setText("Choose a file to write.")
            return
        self.start(Path(text).expanduser(), self.fmt())

    def start(self, path: Path, fmt: str) -> None:
        """Write the export (the Export button; tests call this directly)."""
        if self.worker is not None:
            return
        if not path.parent.is_dir():
            self.status.setText(f"No such folder: {path.parent}")
            return
        self.settings.setValue(DIRECTORY_KEY, str(path.parent))
        self.settings.setValue(FORMAT_KEY, fmt)
        self.path = path
        self.export_button.setEnabled(False)
        self.progress.setVisible(True)
        self.status.setText(f"Writing {path.name}…")
        worker = ExportWorker(self.job, path, fmt, self)
        worker.progressed.connect(self.progress.setValue)
        worker.done.connect(self._done)
        worker.failed.connect(self._failed)
        worker.cancelled.connect(self._cancelled)
        worker.finished.connect(self._worker_finished)
        self.worker = worker
        worker.start()

    def _done(self, rows: int) -> None:
        self.progress.setValue(self.progress.maximum())
        self.status.setText(f"Wrote {rows:,} rows to {self.path}")
        self.cancel_button.setText("Close")
        self.finished_export.emit(str(self.path), rows)

    def _failed(self, message: str) -> None:
        self.status.setText(f"Could not export: {message}")
        self.export_button.setEnabled(True)
        self.failed_export.emit(message)

    def _cancelled(self) -> None:
        self.status.setText("Export cancelled; nothing was written.")
        self.export_button.setEnabled(True)
        self.progress.setVisible(False)

    def _worker_finished(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.deleteLater()

    def _cancel_clicked(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            return
        self.reject()

    def reject(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(10000)
        super().reject()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(10000)
        super().closeEvent(event)


def export_table(job: ExportJob, settings: QSettings, parent: QWidget | None = None) -> None:
    """Show the export dialog for ``job`` (modal, the work runs on a worker)."""
    dialog = ExportDialog(job, settings, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
