"""The status bar: loading progress with Cancel, running totals, unpriced and problem counts."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from desktop.numbers import money_total
from desktop.store.ingest import IngestResult, Progress
from desktop.ui.context import AppContext


class StatusPanel(QWidget):
    """Fills a QStatusBar; emits ``show_problems`` when the problems link is clicked."""

    show_problems = Signal()

    def __init__(self, ctx: AppContext, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.ctx = ctx
        self.bar = bar
        self.totals: Any = None  # Totals of everything loaded, once read
        self.message = QLabel("Open a log file or folder to begin.")
        self.message.setObjectName("statusMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # file names come from the user
        self.progress = QProgressBar()
        self.progress.setObjectName("loadProgress")
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(180)
        self.progress.setTextVisible(False)
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName("cancelLoad")
        self.cancel.clicked.connect(ctx.session.stop_loading)
        self.cancel.clicked.connect(self._cancelling)
        self.unpriced = QLabel("")
        self.unpriced.setObjectName("unpricedBadge")
        self.unpriced.setTextFormat(Qt.TextFormat.PlainText)
        self.problems = QLabel("")
        self.problems.setObjectName("problemsLink")
        self.problems.setTextFormat(Qt.TextFormat.RichText)  # our own fixed text, a link
        self.problems.linkActivated.connect(lambda _l: self.show_problems.emit())
        bar.addWidget(self.message, 1)
        bar.addPermanentWidget(self.unpriced)
        bar.addPermanentWidget(self.problems)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel)
        self._set_loading(False)
        self._totals_timer = QTimer(self)
        self._totals_timer.setSingleShot(True)
        self._totals_timer.setInterval(700)
        self._totals_timer.timeout.connect(self._read_running_totals)
        s = ctx.session
        s.loading_started.connect(self._started)
        s.progress.connect(self._progress)
        s.committed.connect(self._totals_timer.start)
        s.loaded.connect(self._loaded)
        s.load_failed.connect(self._failed)
        s.closed.connect(self._closed)

    def _set_loading(self, loading: bool) -> None:
        self.progress.setVisible(loading)
        self.cancel.setVisible(loading)

    def _started(self, request: Any) -> None:
        self.totals = None
        self._set_loading(True)
        self.cancel.setEnabled(True)
        self.progress.setValue(0)
        self.unpriced.setText("")
        self.problems.setText("")
        names = ", ".join(p.name or str(p) for p in request.paths[:3])
        self.message.setText(f"Reading {names}…")

    def _progress(self, p: Progress) -> None:
        if p.phase == "detecting":
            self.progress.setValue(int(1000 * p.files_done / max(p.files_total, 1)))
            self.message.setText(
                f"Looking at {p.files_done:,}/{p.files_total:,} files to tell their formats…"
            )
            return
        if p.bytes_total:
            self.progress.setValue(int(1000 * p.bytes_done / p.bytes_total))
        eta = f", about {p.eta:.0f} s left" if p.eta is not None and p.eta >= 1 else ""
        self.message.setText(
            f"Reading {p.files_done}/{p.files_total} files: {p.calls:,} calls "
            f"({p.rate:,.0f} calls/s){eta}"
        )

    def _read_running_totals(self) -> None:
        session = self.ctx.session
        if not session.loading:
            return

        def show(totals: dict) -> None:
            if session.loading and totals:
                self.unpriced.setText(
                    f"So far: {totals['calls']:,} calls, {money_total(totals['cost_usd'])}"
                )

        self.ctx.tasks.submit("status.running", session.running_totals, show)

    def _loaded(self, result: IngestResult) -> None:
        self._set_loading(False)
        dataset = self.ctx.session.dataset
        if dataset is None:
            return

        mode = self.ctx.state.cost_mode

        def read() -> tuple[Any, int]:
            # The same totals as `spendtrail report` (all calls, the chosen cost mode).
            totals = dataset.totals(np.ones(len(dataset.frame), dtype=bool), mode)
            problems = dataset.read().execute("SELECT TOTAL(problems) FROM sources").fetchone()[0]
            return totals, int(problems)

        def show(answer: tuple[Any, int]) -> None:
            totals, problems = answer
            self.totals = totals
            calls, unpriced = totals.calls, totals.unpriced_calls
            done = "Cancelled: showing what was read" if result.cancelled else "Ready"
            read = f"read {result.records_read:,} new records in {result.seconds:.1f} s"
            copies = result.records_read - result.calls_added
            if copies > 0:  # streaming snapshots, resumed sessions…: one call, many lines
                read += f", {copies:,} of them copies of another call"
            if not result.records_read:
                read = "unchanged since last time, shown from the store"
            files = f"{result.files:,} file{'s' if result.files != 1 else ''}"
            self.message.setText(
                f"{done}: {calls:,} calls, {money_total(totals.cost_usd)} from {files} ({read})."
            )
            self.unpriced.setText(f"⚠ {unpriced:,} unpriced calls" if unpriced else "")
            self.unpriced.setToolTip(
                "Calls whose model has no price: never counted as $0. "
                "Add a price in the Pricing view."
                if unpriced
                else ""
            )
            errors = len(result.errors)
            if problems or errors:
                text = f"{problems:,} skipped lines" if problems else ""
                if errors:
                    text += (", " if text else "") + f"{errors} unreadable files"
                self.problems.setText(f'<a href="problems">{text}</a>')
            else:
                self.problems.setText("")

        self.ctx.tasks.submit("status.loaded", read, show)

    def _failed(self, message: str) -> None:
        self._set_loading(False)
        self.message.setText(f"Could not open: {message.splitlines()[0]}")

    def _cancelling(self) -> None:
        self.cancel.setEnabled(False)
        self.message.setText("Stopping after the current part…")

    def _closed(self) -> None:
        self._set_loading(False)
        self.message.setText("Open a log file or folder to begin.")
        self.unpriced.setText("")
        self.problems.setText("")
