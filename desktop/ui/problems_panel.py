"""The problems panel: every skipped line and unreadable file, with where and why."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from desktop.ui.context import AppContext
from desktop.ui.problems_model import ProblemsModel


class ProblemsPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.summary = QLabel("No problems.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.model = ProblemsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 360)
        self.table.setColumnWidth(1, 70)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        ctx.session.loaded.connect(lambda _result: self.refresh())
        ctx.session.loading_started.connect(lambda _req: self.model.set_rows([]))

    def refresh(self) -> None:
        session = self.ctx.session
        dataset, result = session.dataset, session.result
        if dataset is None:
            return

        def read() -> tuple[list, int]:
            conn = dataset.read()
            rows = conn.execute(
                "SELECT s.path, p.line, p.reason FROM problems p JOIN sources s "
                "ON s.id = p.source_id ORDER BY s.path, p.line LIMIT 5000"
            ).fetchall()
            total = conn.execute("SELECT TOTAL(problems) FROM sources").fetchone()[0]
            return rows, int(total)

        def show(answer: tuple[list, int]) -> None:
            rows, total = answer
            errors = [
                (str(p), None, f"not read: {why}") for p, why in (result.errors if result else [])
            ]
            self.model.set_rows(errors + rows)
            parts = []
            if total:
                parts.append(f"{total:,} lines skipped")
            if errors:
                parts.append(f"{len(errors)} files could not be read")
            skipped = len(result.skipped) if result else 0
            if skipped:
                parts.append(f"{skipped} non-log files in the folders ignored")
            shown = "" if total <= len(rows) else f" (first {len(rows):,} listed)"
            self.summary.setText(("; ".join(parts) + shown) if parts else "No problems.")

        self.ctx.tasks.submit("problems.read", read, show)
