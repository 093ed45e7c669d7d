"""The overview: where the money went, for the current filters.

Headline totals (cost with its unpriced calls, calls, tokens per bucket,
period, reported cost), cost over time stacked by the current grouping,
cost by group as bars (click to drill down) and the most expensive
conversations (double-click to open one). Every number is computed on a
worker from the same functions as ``spendtrail report``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.analysis.cost_series import (
    TOP_SERIES,
    CostSeries,
    choose_unit,
    compute_range,
    cost_series,
    needs_recompute,
    snap_to_edges,
)
from desktop.analysis.keys import KEY_SEPARATOR, key_filters, key_text
from desktop.analysis.overview import OverviewSummary, group_bars, overview_summary
from desktop.analysis.selection import SelectionCache
from desktop.numbers import money_total, percent
from desktop.store.dataset import TIME_DIMENSIONS, Filters
from desktop.ui.chart_legend import ChartLegend
from desktop.ui.context import AppContext
from desktop.ui.cost_chart import CostChart
from desktop.ui.group_bar_chart import BarRow, GroupBarChart
from desktop.ui.theme import chart_colors, series_color
from desktop.ui.top_conversations import TopConversations
from desktop.ui.totals_cards import TotalsCards

BUCKET_CHOICES = (
    ("Auto", None),
    ("Hour", "hour"),
    ("Day", "day"),
    ("Week", "week"),
    ("Month", "month"),
)
RUNNING_INTERVAL_MS = 500
CHART_HINT = "Drag to select a time range · scroll to zoom · Shift+drag to pan · double-click a bar"


def stack_columns(group_by: tuple[str, ...]) -> tuple[str, ...]:
    """The grouping the chart stacks by: time columns make no sense as stacks."""
    return tuple(c for c in group_by if c not in TIME_DIMENSIONS)


@dataclass(frozen=True)
class ChartRequest:
    """What the chart shows: the selection, bucket size and time range to compute."""

    filters: Filters
    zone: tzinfo
    mode: str
    stack_by: tuple[str, ...]
    unit: str | None
    start: float | None
    end: float | None
    auto: bool


class OverviewView(QWidget):
    exported = Signal(str)  # a file was written by an export

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.selection = SelectionCache()
        self.summary: OverviewSummary | None = None
        self.series: CostSeries | None = None
        self.full_series: CostSeries | None = None
        self.series_request: ChartRequest | None = None
        self._dirty = True
        self._build()

        state = ctx.state
        state.changed.connect(self._state_changed)
        session = ctx.session
        session.loading_started.connect(self._loading_started)
        session.committed.connect(self._running_timer.start)
        session.loaded.connect(lambda _r: self._data_changed())
        session.data_changed.connect(self._data_changed)
        session.closed.connect(self._closed)
        session.load_failed.connect(self._load_failed)
        self._restore_settings()
        self._show_state()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.pages = QStackedWidget()
        self.message_page = QWidget()
        message_layout = QVBoxLayout(self.message_page)
        message_layout.addStretch(2)
        self.message_title = _label("", scale=1.5, bold=True, center=True)
        self.message_title.setObjectName("overviewMessage")
        self.message_detail = _label("", center=True)
        self.message_detail.setWordWrap(True)
        self.message_button = QPushButton("Clear filters")
        self.message_button.setObjectName("overviewClearFilters")
        self.message_button.clicked.connect(self.ctx.state.clear_filters)
        message_layout.addWidget(self.message_title)
        message_layout.addWidget(self.message_detail)
        message_layout.addWidget(self.message_button, 0, Qt.AlignmentFlag.AlignHCenter)
        message_layout.addStretch(3)
        self.pages.addWidget(self.message_page)

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(8, 8, 8, 8)
        content_layout.setSpacing(8)
        self.cards = TotalsCards()
        self.cards.unpriced_clicked.connect(lambda: self.ctx.navigator.show_view.emit("pricing"))
        content_layout.addWidget(self.cards)
        self.body = QStackedWidget()
        self.loading_label = _label("Loading…", scale=1.3, center=True)
        self.loading_label.setObjectName("overviewLoading")
        self.body.addWidget(self.loading_label)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("overviewSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self._build_chart_panel())
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.setObjectName("overviewBottomSplitter")
        bottom.setChildrenCollapsible(False)
        bottom.addWidget(self._build_bars_panel())
        bottom.addWidget(self._build_conversations_panel())
        bottom.setSizes([500, 600])
        bottom.setMinimumHeight(230)
        self.bottom_splitter = bottom
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([420, 330])
        self.body.addWidget(self.splitter)
        content_layout.addWidget(self.body, 1)
        self.pages.addWidget(content)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

        self._running_timer = QTimer(self)
        self._running_timer.setSingleShot(True)
        self._running_timer.setInterval(RUNNING_INTERVAL_MS)
        self._running_timer.timeout.connect(self._read_running_totals)
        self._style_muted()

    def _build_chart_panel(self) -> QWidget:
        panel = _panel()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 6, 8, 6)
        header = QHBoxLayout()
        header.addWidget(_label("Cost over time", bold=True))
        self.stacked_label = _label("")
        header.addWidget(self.stacked_label)
        header.addStretch(1)
        self.range_label = _label("")
        self.range_label.setObjectName("selectedRange")
        header.addWidget(self.range_label)
        self.reset_range = QPushButton("Show all time")
        self.reset_range.setObjectName("resetTimeRange")
        self.reset_range.setToolTip("Forget the selected time range (every view follows)")
        self.reset_range.clicked.connect(lambda: self.ctx.state.set_time_range(None, None))
        header.addWidget(self.reset_range)
        header.addSpacing(12)
        header.addWidget(_label("Bars"))
        self.bucket_combo = QComboBox()
        self.bucket_combo.setObjectName("bucketSize")
        for title, unit in BUCKET_CHOICES:
            self.bucket_combo.addItem(title, unit)
        self.bucket_combo.setToolTip("Time per bar: chosen from the visible range, or fixed")
        # "Auto (month)" is written in later: room for it from the start.
        self.bucket_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.bucket_combo.setMinimumContentsLength(len("Auto (month)"))
        self.bucket_combo.activated.connect(
            lambda i: self.ctx.state.set_bucket(self.bucket_combo.itemData(i))
        )
        header.addWidget(self.bucket_combo)
        layout.addLayout(header)

        row = QHBoxLayout()
        row.setSpacing(4)
        self.chart = CostChart()
        self.chart.setObjectName("costChart")
        self.chart.setMinimumHeight(180)
        self.chart.range_selected.connect(self._range_dragged)
        self.chart.bucket_activated.connect(self.ctx.state.set_time_range)
        self.chart.view_changed.connect(self._view_changed)
        row.addWidget(self.chart, 1)
        self.legend = ChartLegend()
        row.addWidget(self.legend)
        self.chart_area = QWidget()
        self.chart_area.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.chart_area, 1)
        self.hint = _label(CHART_HINT)
        layout.addWidget(self.hint)
        return panel

    def _build_bars_panel(self) -> QWidget:
        panel = _panel()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 6, 8, 6)
        header = QHBoxLayout()
        self.bars_title = _label("Cost by group", bold=True)
        self.bars_title.setObjectName("barsTitle")
        header.addWidget(self.bars_title)
        self.bars_note = _label("")
        header.addWidget(self.bars_note)
        header.addStretch(1)
        layout.addLayout(header)
        self.bars = GroupBarChart()
        self.bars.activated.connect(self._bar_activated)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.bars)
        layout.addWidget(scroll, 1)
        return panel

    def _build_conversations_panel(self) -> QWidget:
        panel = _panel()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(8, 6, 8, 6)
        header = QHBoxLayout()
        header.addWidget(_label("Most expensive conversations", bold=True))
        self.conversations_note = _label("double-click to open")
        header.addWidget(self.conversations_note)
        header.addStretch(1)
        layout.addLayout(header)
        self.conversations = TopConversations()
        self.conversations.conversation_activated.connect(
            lambda value: self.ctx.navigator.open_conversation.emit("conversation_id", value)
        )
        layout.addWidget(self.conversations, 1)
        return panel

    def _style_muted(self) -> None:
        muted = f"color: {chart_colors(self.palette()).muted.name()};"
        for label in (
            self.stacked_label,
            self.hint,
            self.bars_note,
            self.conversations_note,
            self.message_detail,
        ):
            label.setStyleSheet(muted)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._style_muted()
            if self.summary is not None:
                self._show_bars(self.summary)
        super().changeEvent(event)

    # -- what to show ----------------------------------------------------------------------
    def _show_message(self, title: str, detail: str = "", clear_button: bool = False) -> None:
        self.message_title.setText(title)
        self.message_detail.setText(detail)
        self.message_button.setVisible(clear_button)
        self.pages.setCurrentWidget(self.message_page)

    def _show_state(self) -> None:
        session = self.ctx.session
        if session.dataset is not None:
            self.refresh()
        elif session.loading:
            self._loading_started(session.request)
        else:
            self._show_message(
                "Nothing open",
                "Open a log file or folder (File ▸ Open), drop one on the window, "
                "or try the demo data (File ▸ Open Demo Data).",
            )

    def _loading_started(self, _request: Any) -> None:
        self.selection.clear()
        self.summary = None
        self.chart.clear()
        self.cards.set_running({})
        self.body.setCurrentWidget(self.loading_label)
        self.pages.setCurrentIndex(1)

    def _read_running_totals(self) -> None:
        session = self.ctx.session
        if not session.loading:
            return

        def show(running: dict) -> None:
            if session.loading and running:
                self.cards.set_running(running)

        self.ctx.tasks.submit("overview.running", session.running_totals, show)

    def _load_failed(self, message: str) -> None:
        self._show_message("Could not open the logs", message.splitlines()[0] if message else "")

    def _closed(self) -> None:
        self.selection.clear()
        self.summary = None
        self.series = self.full_series = None
        self.chart.clear()
        self._show_state()

    def _data_changed(self) -> None:
        self.selection.clear()
        self.refresh()

    def _state_changed(self, what: str) -> None:
        if what == "bucket":
            self._sync_bucket_combo()
            self.refresh(summary=False)
        elif what == "grouping" and self.summary is not None:
            self.refresh(summary=False, groups=True)  # totals and conversations stay
        else:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    # -- computing ---------------------------------------------------------------------------
    def refresh(self, summary: bool = True, groups: bool = False) -> None:
        """Recompute for the current state (later, when shown, if hidden now)."""
        dataset = self.ctx.session.dataset
        if dataset is None:
            return
        if not self.isVisible():
            self._dirty = True
            return
        self._dirty = False
        state = self.ctx.state
        filters = state.effective_filters()
        zone, mode, by = state.zone, state.cost_mode, state.group_by
        self._sync_range_label()
        self._sync_bucket_combo()
        if summary:
            selection = self.selection

            def compute_summary() -> OverviewSummary:
                mask = selection.mask(dataset, filters, zone)
                return overview_summary(dataset, mask, zone, mode, by)

            self.ctx.tasks.submit(
                "overview.summary", compute_summary, self._show_summary, self._failed
            )
        elif groups and self.summary is not None:
            selection, previous = self.selection, self.summary

            def compute_groups() -> OverviewSummary:
                mask = selection.mask(dataset, filters, zone)
                return replace(previous, groups=group_bars(dataset, mask, zone, mode, by))

            self.ctx.tasks.submit(
                "overview.summary", compute_groups, self._show_summary, self._failed
            )
        self._request_series(fit=True)

    def _request_series(self, fit: bool, view: tuple[float, float] | None = None) -> None:
        dataset = self.ctx.session.dataset
        if dataset is None:
            return
        state = self.ctx.state
        filters = state.effective_filters()
        zone, mode = state.zone, state.cost_mode
        stack = stack_columns(state.group_by)
        unit = state.bucket
        start = filters.since
        end = filters.until - 1e-6 if filters.until is not None else None
        full = self.full_series
        if view is not None and full is not None and not full.empty:
            unit = choose_unit(view[1] - view[0], state.bucket)
            lo = full.data_start if start is None else start
            hi = full.data_end if end is None else end
            start, end = compute_range(view[0], view[1], lo, hi, unit)
        request = ChartRequest(filters, zone, mode, stack, unit, start, end, state.bucket is None)
        self.chart.set_zone(zone)
        self.ctx.tasks.submit(
            "overview.chart",
            lambda: self._compute_series(dataset, request),
            lambda series: self._show_series(series, fit, request),
            self._failed,
        )

    def _compute_series(
        self, dataset: Any, request: ChartRequest, sums: bool = False
    ) -> CostSeries:
        """On a worker: the chart's buckets for one request."""
        r = request
        mask = self.selection.mask(dataset, r.filters, r.zone)
        series = cost_series(
            dataset, mask, r.zone, r.mode, r.stack_by, r.unit, r.start, r.end, sums=sums
        )
        series.auto = r.auto
        return series

    def _failed(self, message: str) -> None:
        self._show_message("Could not compute the overview", message.splitlines()[0])

    def _show_summary(self, summary: OverviewSummary) -> None:
        self.summary = summary
        totals = summary.totals
        state = self.ctx.state
        if totals.calls == 0:
            dataset = self.ctx.session.dataset
            if dataset is not None and len(dataset.frame) == 0:
                self._show_message(
                    "No billed calls in these logs",
                    "Nothing in the opened files looked like an API call with token usage. "
                    "The Problems panel (View ▸ Problems) lists skipped lines.",
                )
            else:
                self._show_message(
                    "No calls match the filters",
                    "Change the search, the filters or the time range, or clear them.",
                    clear_button=True,
                )
            return
        self.pages.setCurrentIndex(1)
        self.body.setCurrentWidget(self.splitter)
        self.cards.set_totals(totals, state.zone, state.cost_mode)
        self._show_bars(summary)
        self.conversations.set_rows(summary.conversations, state.zone, summary.has_conversation_ids)

    def _show_bars(self, summary: OverviewSummary) -> None:
        colors = chart_colors(self.palette())
        stacked = stack_columns(summary.by) == summary.by
        rows = []
        for i, group in enumerate(summary.bars):
            priced = group.calls - group.unpriced_calls
            color = series_color(i if stacked else 0)
            if stacked and i >= TOP_SERIES:
                color = colors.other
            rows.append(
                BarRow(
                    label=key_text(group.key),
                    cost=group.cost_usd,
                    amount=money_total(group.cost_usd) if priced else "unpriced",
                    share=percent(group.share),
                    unpriced=group.unpriced_calls,
                    color=color,
                )
            )
        other = summary.other
        if other is not None:
            rows.append(
                BarRow(
                    label=f"{other.groups:,} other groups",
                    cost=other.cost_usd,
                    amount=money_total(other.cost_usd),
                    share=percent(other.share),
                    unpriced=other.unpriced_calls,
                    color=colors.other,
                    muted=True,
                )
            )
        self.bars.set_rows(rows)
        self.bars_title.setText("Cost by " + KEY_SEPARATOR.join(summary.by))
        shown = len(summary.bars)
        note = f"top {shown} of {summary.group_count:,} groups" if other else ""
        self.bars_note.setText((note + " · " if note else "") + "click a bar for its requests")

    def _show_series(self, series: CostSeries, fit: bool, request: ChartRequest) -> None:
        self.series = series
        self.series_request = request
        if fit:
            self.full_series = series
            self._show_legend(series)
        self.chart.set_series(series, fit)
        self._sync_bucket_combo()
        stack = series.stack_by
        self.stacked_label.setText(
            f"by {KEY_SEPARATOR.join(stack)}, per {series.unit}" if stack else f"per {series.unit}"
        )

    def _show_legend(self, series: CostSeries) -> None:
        if not series.stack_by:
            self.legend.set_entries([])
            return
        colors = self.chart.legend_colors() or []
        if len(colors) != len(series.series):
            from desktop.ui.theme import series_colors

            has_other = bool(series.series) and series.series[-1].key is None
            colors = series_colors(len(series.series), has_other, self.palette())
        self.legend.set_entries(
            [
                (s.name, money_total(float(s.values.sum())), color)
                for s, color in zip(series.series, colors, strict=True)
            ]
        )

    # -- interaction -----------------------------------------------------------------------
    def _range_dragged(self, x0: float, x1: float) -> None:
        series = self.series
        if series is None or series.empty:
            return
        lo, hi = snap_to_edges(x0, x1, series.unit, self.ctx.state.zone, (series.start, series.end))
        if hi > lo:
            self.ctx.state.set_time_range(lo, hi)

    def _view_changed(self, x0: float, x1: float) -> None:
        if needs_recompute(self.series, x0, x1, self.ctx.state.bucket):
            self._request_series(fit=False, view=(x0, x1))

    def _bar_activated(self, index: int) -> None:
        summary = self.summary
        if summary is None:
            return
        if index >= len(summary.bars):  # "other groups": the full pivot has them all
            self.ctx.navigator.show_view.emit("groups")
            return
        group = summary.bars[index]
        self.ctx.drill_down(key_filters(summary.by, group.key, summary.ranges))

    def _sync_bucket_combo(self) -> None:
        chosen = self.ctx.state.bucket
        self.bucket_combo.setCurrentIndex(max(self.bucket_combo.findData(chosen), 0))
        unit = self.series.unit if self.series is not None and chosen is None else None
        self.bucket_combo.setItemText(0, f"Auto ({unit})" if unit else "Auto")

    def _sync_range_label(self) -> None:
        selected = self.ctx.state.time_range
        self.reset_range.setVisible(selected is not None)
        if selected is None:
            self.range_label.setText("")
            return
        zone = self.ctx.state.zone
        a = datetime.fromtimestamp(selected[0], zone)
        b = datetime.fromtimestamp(selected[1], zone)
        self.range_label.setText(f"Selected: {a.day} {a:%b %Y %H:%M} – {b.day} {b:%b %Y %H:%M}")

    # -- export and settings ------------------------------------------------------------------
    def export_dialog(self) -> None:
        if self.series is None or self.series.empty:
            QMessageBox.information(self, "Export", "There is no chart to export yet.")
            return
        path, chosen = QFileDialog.getSaveFileName(
            self,
            "Export the cost chart",
            str(Path.home() / "spendtrail-cost-over-time.png"),
            "PNG image (*.png);;CSV data of the chart (*.csv)",
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() not in (".png", ".csv"):
            target = target.with_suffix(".csv" if "csv" in chosen.lower() else ".png")
        if target.suffix.lower() == ".csv":
            self.export_chart_csv(target)
            return
        if not self.save_chart_png(target):
            QMessageBox.warning(self, "Export", f"Could not write {target}.")

    def save_chart_png(self, path: Path) -> bool:
        """The chart and its legend as shown, as a PNG image."""
        self.chart.hover_card.hide()
        return self.chart_area.grab().save(str(path), "PNG")

    def export_chart_csv(self, path: Path) -> None:
        """The shown chart's buckets (with token sums) as CSV; computed on a worker."""
        dataset, request = self.ctx.session.dataset, self.series_request
        if dataset is None or request is None or self.series is None:
            return
        shown = self.series
        exact = replace(request, unit=shown.unit, start=shown.start, end=shown.end - 1e-6)

        def write(series: CostSeries) -> None:
            try:
                Path(path).write_text(series.csv_text(), encoding="utf-8")
            except OSError as exc:
                QMessageBox.warning(self, "Export", f"Could not write {path}: {exc}")
                return
            self.exported.emit(str(path))

        self.ctx.tasks.submit(
            "overview.export",
            lambda: self._compute_series(dataset, exact, sums=True),
            write,
            lambda message: QMessageBox.warning(self, "Export", message.splitlines()[0]),
        )

    def save_settings(self) -> None:
        settings = self.ctx.settings
        settings.setValue("overview/splitter", self.splitter.saveState())
        settings.setValue("overview/bottom_splitter", self.bottom_splitter.saveState())

    def _restore_settings(self) -> None:
        settings = self.ctx.settings
        for key, splitter in (
            ("overview/splitter", self.splitter),
            ("overview/bottom_splitter", self.bottom_splitter),
        ):
            value = settings.value(key)
            if isinstance(value, QByteArray):
                splitter.restoreState(value)


def _panel() -> QFrame:
    panel = QFrame()
    panel.setFrameShape(QFrame.Shape.StyledPanel)
    return panel


def _label(text: str, scale: float = 1.0, bold: bool = False, center: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if scale != 1.0 or bold:
        font = label.font()
        if scale != 1.0:
            font.setPointSizeF(font.pointSizeF() * scale)
        font.setBold(bold)
        label.setFont(font)
    if center:
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label
