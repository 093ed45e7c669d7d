"""Cost over time: stacked bars per time bucket, hover values, drag to select a range.

One ``BarGraphItem`` per series (pyqtgraph draws each in a single call). The
x axis is time in the chosen zone, the y axis money. The mouse:

- drag across the chart: select a time range (emitted as ``range_selected``,
  widened to whole buckets by the owner);
- wheel, or Shift/middle-drag: zoom and pan the time axis (``view_changed``
  fires, debounced, so the owner can re-bucket);
- hover: the bucket's exact values in a card beside the mouse;
- double-click a bar: that bucket's period (``bucket_activated``).
"""

from __future__ import annotations

from datetime import UTC, tzinfo

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QLabel, QVBoxLayout, QWidget

from desktop.analysis.cost_series import CostSeries
from desktop.ui.chart_axes import MoneyAxisItem, ZonedDateAxisItem
from desktop.ui.chart_hover_card import ChartHoverCard
from desktop.ui.theme import ChartColors, series_colors, style_plot

VIEW_DEBOUNCE_MS = 60
BAR_GAP = 0.08  # share of a bucket left empty on each side of its bar
MIN_VIEW_SECONDS = 2 * 3600


class TimeSelectViewBox(pg.ViewBox):
    """A view box where a left drag selects a time range instead of panning."""

    drag_selected = Signal(float, float)
    double_clicked = Signal(float)

    def __init__(self) -> None:
        super().__init__(enableMenu=False)
        self.setMouseEnabled(x=True, y=False)
        self.region = pg.LinearRegionItem(movable=False)
        self.region.setZValue(50)
        self.region.hide()
        self.addItem(self.region, ignoreBounds=True)

    def set_region_colors(self, colors: ChartColors) -> None:
        self.region.setBrush(pg.mkBrush(colors.selection_fill))
        for line in self.region.lines:
            line.setPen(pg.mkPen(colors.highlight, width=1))

    def mouseDragEvent(self, ev, axis=None) -> None:  # type: ignore[no-untyped-def]
        modifiers = ev.modifiers()
        if (
            ev.button() != Qt.MouseButton.LeftButton
            or axis is not None
            or modifiers & Qt.KeyboardModifier.ShiftModifier
        ):
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        x0 = self.mapSceneToView(ev.buttonDownScenePos()).x()
        x1 = self.mapSceneToView(ev.scenePos()).x()
        self.region.setRegion((min(x0, x1), max(x0, x1)))
        self.region.show()
        if ev.isFinish():
            self.region.hide()
            if abs(x1 - x0) > 0:
                self.drag_selected.emit(min(x0, x1), max(x0, x1))

    def mouseClickEvent(self, ev) -> None:  # type: ignore[no-untyped-def]
        if ev.button() == Qt.MouseButton.LeftButton and ev.double():
            ev.accept()
            self.double_clicked.emit(self.mapSceneToView(ev.scenePos()).x())
            return
        super().mouseClickEvent(ev)


class CostChart(QWidget):
    range_selected = Signal(float, float)  # dragged, in view coordinates (UTC seconds)
    view_changed = Signal(float, float)  # the visible time range after zoom/pan settles
    bucket_activated = Signal(float, float)  # a bar was double-clicked: its bucket

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zone: tzinfo = UTC
        self.series: CostSeries | None = None
        self.colors: list[QColor] = []
        self._bars: list[pg.BarGraphItem] = []
        self._hovered: int | None = None
        self._programmatic = False
        self._fitting = False

        self.view_box = TimeSelectViewBox()
        self.time_axis = ZonedDateAxisItem(self.zone)
        self.money_axis = MoneyAxisItem()
        self.plot = pg.PlotWidget(
            viewBox=self.view_box, axisItems={"bottom": self.time_axis, "left": self.money_axis}
        )
        self.plot.setObjectName("costChartPlot")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.getPlotItem().getAxis("left").setWidth(64)
        self.plot.setMouseTracking(True)
        self.view_box.enableAutoRange(x=False, y=False)
        self.view_box.setDefaultPadding(0.0)

        self.highlight = QGraphicsRectItem()
        self.highlight.setZValue(-10)
        self.highlight.hide()
        self.view_box.addItem(self.highlight, ignoreBounds=True)

        self.hover_card = ChartHoverCard(self.plot)
        self.empty_label = QLabel("No calls in this range.", self.plot)
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

        self._view_timer = QTimer(self)
        self._view_timer.setSingleShot(True)
        self._view_timer.setInterval(VIEW_DEBOUNCE_MS)
        self._view_timer.timeout.connect(self._emit_view)
        self.view_box.sigXRangeChanged.connect(self._view_moved)
        self.view_box.drag_selected.connect(self.range_selected)
        self.view_box.double_clicked.connect(self._double_clicked)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot.installEventFilter(self)
        self.apply_theme()

    # -- data -----------------------------------------------------------------------
    def set_zone(self, zone: tzinfo) -> None:
        self.zone = zone
        self.time_axis.set_zone(zone)

    def set_series(self, series: CostSeries, fit: bool) -> None:
        """Show ``series``; ``fit`` moves the view to its whole range (else the view stays)."""
        self.series = series
        has_other = bool(series.series) and series.series[-1].key is None
        self.colors = series_colors(len(series.series), has_other, self.palette())
        for item in self._bars:
            self.view_box.removeItem(item)
        self._bars = []
        self._hide_hover()
        self.empty_label.setVisible(series.empty)
        self._place_empty_label()
        if series.empty:
            return
        x0 = series.edges[:-1]
        widths = np.diff(series.edges)
        gap = widths * BAR_GAP
        for (bottom, height), color in zip(series.stacks(), self.colors, strict=True):
            bars = pg.BarGraphItem(
                x0=x0 + gap,
                width=widths - 2 * gap,
                y0=bottom,
                height=height,
                brush=pg.mkBrush(color),
                pen=pg.mkPen(None),
            )
            self.view_box.addItem(bars)
            self._bars.append(bars)
        data_lo = min(series.start, series.data_start or series.start)
        data_hi = max(series.end, series.data_end or series.end)
        if fit:
            self._programmatic = True
            span = max(data_hi - data_lo, MIN_VIEW_SECONDS)
            self.view_box.setLimits(
                xMin=data_lo - span * 0.02, xMax=data_hi + span * 0.02, minXRange=MIN_VIEW_SECONDS
            )
            self.view_box.setXRange(series.start, series.end, padding=0.01)
            self._programmatic = False
        self._fit_y()

    def clear(self) -> None:
        for item in self._bars:
            self.view_box.removeItem(item)
        self._bars = []
        self.series = None
        self._hide_hover()

    def visible_range(self) -> tuple[float, float]:
        (x0, x1), _ = self.view_box.viewRange()
        return float(x0), float(x1)

    def legend_colors(self) -> list[QColor]:
        return list(self.colors)

    # -- look ----------------------------------------------------------------------------
    def apply_theme(self) -> None:
        self.theme = style_plot(self.plot, self.palette())
        self.view_box.set_region_colors(self.theme)
        self.highlight.setBrush(pg.mkBrush(_with_alpha(self.theme.highlight, 40)))
        self.highlight.setPen(QPen(Qt.PenStyle.NoPen))
        self.empty_label.setStyleSheet(f"color: {self.theme.muted.name()};")
        if self.series is not None:
            self.set_series(self.series, fit=False)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_theme()
        super().changeEvent(event)

    def eventFilter(self, watched, event) -> bool:  # type: ignore[no-untyped-def]
        if watched is self.plot:
            if event.type() == QEvent.Type.Leave:
                self._hide_hover()
            elif event.type() == QEvent.Type.Resize:
                self._place_empty_label()
        return super().eventFilter(watched, event)

    def _place_empty_label(self) -> None:
        self.empty_label.adjustSize()
        self.empty_label.move(
            (self.plot.width() - self.empty_label.width()) // 2,
            (self.plot.height() - self.empty_label.height()) // 2,
        )

    def _fit_y(self) -> None:
        # Setting the y range moves the view again; without this guard a view that
        # keeps adjusting (e.g. a very short time span) recurses without end.
        if self.series is None or self._fitting:
            return
        self._fitting = True
        try:
            x0, x1 = self.visible_range()
            top = self.series.visible_max(x0, x1)
            wanted = (0.0, top * 1.08 if top > 0 else 1.0)
            (_, _), (y0, y1) = self.view_box.viewRange()
            if abs(y0 - wanted[0]) > 1e-12 or abs(y1 - wanted[1]) > 1e-9 * max(1.0, wanted[1]):
                self.view_box.setYRange(*wanted, padding=0)
        finally:
            self._fitting = False

    # -- interaction ----------------------------------------------------------------------
    def _view_moved(self, *_args: object) -> None:
        self._fit_y()
        if not self._programmatic:
            self._view_timer.start()

    def _emit_view(self) -> None:
        self.view_changed.emit(*self.visible_range())

    def _double_clicked(self, x: float) -> None:
        series = self.series
        index = series.bucket_at(x) if series is not None else None
        if series is not None and index is not None:
            self.bucket_activated.emit(float(series.edges[index]), float(series.edges[index + 1]))

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        series = self.series
        if (
            series is None
            or series.empty
            or not self.view_box.sceneBoundingRect().contains(scene_pos)
        ):
            self._hide_hover()
            return
        x = self.view_box.mapSceneToView(scene_pos).x()
        index = series.bucket_at(x)
        if index is None:
            self._hide_hover()
            return
        if index != self._hovered:
            self._hovered = index
            (_, _), (y0, y1) = self.view_box.viewRange()
            start, end = float(series.edges[index]), float(series.edges[index + 1])
            self.highlight.setRect(QRectF(start, y0, end - start, y1 - y0))
            self.highlight.show()
            self.hover_card.show_facts(series.hover(index), self.colors, self.theme.warning)
        self.hover_card.place_near(self.plot.mapFromScene(scene_pos))

    def _hide_hover(self) -> None:
        self._hovered = None
        self.highlight.hide()
        self.hover_card.hide()


def _with_alpha(color: QColor, alpha: int) -> QColor:
    out = QColor(color)
    out.setAlpha(alpha)
    return out
