"""Context growth at a glance: stacked tokens per turn, the running cost on a second axis.

Bars stack the prompt of each turn (uncached input, cache read, cache write)
and its output; the line is the cumulative cost (right axis). Triangles mark
turns where the cache went cold, an outline the most expensive turn, a
vertical line the selected one. Side-chain turns are drawn paler. Colours
come from the application palette, so the chart sits well in light and dark.
"""

from __future__ import annotations

import math
import os

import numpy as np

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from desktop.analysis.conversations import ConversationTurns
from desktop.numbers import compact, money, percent, tokens

# Colours that read on light and dark backgrounds (Okabe–Ito, colour-blind safe).
SERIES = (
    ("input", "uncached input", QColor(213, 94, 0)),
    ("cache_read", "cache read", QColor(86, 180, 233)),
    ("cache_write", "cache write", QColor(0, 158, 115)),
    ("output", "output", QColor(204, 121, 167)),
)
COLD = QColor(205, 45, 35)
TOP = QColor(230, 159, 0)
SIDE_ALPHA = 105


class _TokenAxis(pg.AxisItem):
    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [compact(v) if v else "0" for v in values]


class _MoneyAxis(pg.AxisItem):
    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [_money_tick(v, spacing) for v in values]


class _TurnAxis(pg.AxisItem):
    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{round(v)}" if abs(v - round(v)) < 1e-6 else "" for v in values]


def _money_tick(value: float, spacing: float) -> str:
    if spacing >= 1:
        return f"${value:,.0f}"
    digits = min(6, max(2, 1 - math.floor(math.log10(spacing)))) if spacing > 0 else 2
    return f"${value:,.{digits}f}"


class TurnsChart(QWidget):
    turn_clicked = Signal(int)  # index of the turn under the mouse

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("turnsChart")
        self._turns: ConversationTurns | None = None
        self._stack_top = np.zeros(0)
        palette = QApplication.palette()
        self._text = palette.color(QPalette.ColorRole.WindowText)
        self._line = palette.color(QPalette.ColorRole.Text)
        self._highlight = palette.color(QPalette.ColorRole.Highlight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        axes = {
            "left": _TokenAxis("left"),
            "bottom": _TurnAxis("bottom"),
            "right": _MoneyAxis("right"),
        }
        self.plot = pg.PlotWidget(axisItems=axes, background=palette.color(QPalette.ColorRole.Base))
        self.plot.setObjectName("turnsPlot")
        layout.addWidget(self.plot, 1)
        self.hover = QLabel(" ")
        self.hover.setObjectName("turnsChartHover")
        self.hover.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.hover)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showAxis("right")
        for name in ("left", "bottom", "right"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(self._text))
            axis.setTextPen(pg.mkPen(self._text))
        item.getAxis("left").setLabel("tokens per turn", color=self._text.name())
        item.getAxis("bottom").setLabel("turn", color=self._text.name())
        item.getAxis("right").setLabel("cumulative cost", color=self._text.name())
        item.showGrid(x=False, y=True, alpha=0.15)
        self.view = item.getViewBox()
        self.view.setMouseEnabled(x=True, y=False)
        self.cost_view = pg.ViewBox()
        self.cost_view.setMouseEnabled(x=False, y=False)
        item.scene().addItem(self.cost_view)
        item.getAxis("right").linkToView(self.cost_view)
        self.cost_view.setXLink(self.view)
        self.view.sigResized.connect(self._sync_views)
        self.legend = pg.LegendItem(offset=(60, 2), labelTextColor=self._text, colCount=7)
        self.legend.setParentItem(item)
        self.legend.setBrush(pg.mkBrush(palette.color(QPalette.ColorRole.Base)))
        self._items: list[pg.GraphicsObject] = []
        self.selection = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(self._highlight, width=2)
        )
        self.selection.setZValue(20)
        self.selection.hide()
        self.view.addItem(self.selection)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.plot.scene().sigMouseMoved.connect(self._hovered)

    def _sync_views(self) -> None:
        self.cost_view.setGeometry(self.view.sceneBoundingRect())
        self.cost_view.linkedViewChanged(self.view, self.cost_view.XAxis)

    # -- contents ---------------------------------------------------------------------
    def clear(self) -> None:
        for item in self._items:
            if item in self.cost_view.addedItems:
                self.cost_view.removeItem(item)
            else:
                self.view.removeItem(item)
        self._items = []
        self.legend.clear()
        self.selection.hide()
        self._turns = None
        self._stack_top = np.zeros(0)

    def set_turns(self, turns: ConversationTurns | None) -> None:
        self.clear()
        self._turns = turns
        self.hover.setText(self._hint())
        if turns is None or len(turns) == 0:
            return
        n = len(turns)
        x = np.arange(1, n + 1, dtype=np.float64)
        side = np.array([b is not None for b in turns.branch])
        values = {
            "input": turns.input_tokens.astype(np.float64),
            "cache_read": turns.cache_read_tokens.astype(np.float64),
            "cache_write": turns.cache_write_tokens.astype(np.float64),
            "output": turns.output_tokens.astype(np.float64),
        }
        width = 0.8 if n < 400 else 1.0
        base = np.zeros(n)
        for key, title, colour in SERIES:
            height = values[key]
            for subset, alpha in ((~side, 255), (side, SIDE_ALPHA)):
                if not subset.any():
                    continue
                fill = QColor(colour)
                fill.setAlpha(alpha)
                bars = pg.BarGraphItem(
                    x=x[subset],
                    height=height[subset],
                    y0=base[subset],
                    width=width,
                    brush=pg.mkBrush(fill),
                    pen=pg.mkPen(None),
                )
                self._add(bars)
                if alpha == 255 or not (~side).any():
                    self.legend.addItem(bars, title)
            base = base + height
        self._stack_top = base
        top = turns.most_expensive
        if top >= 0:
            outline = pg.BarGraphItem(
                x=[x[top]],
                height=[max(base[top], 1.0)],
                y0=[0],
                width=width + 0.25,
                brush=pg.mkBrush(None),
                pen=pg.mkPen(TOP, width=2.5),
            )
            outline.setZValue(5)
            self._add(outline)
            self.legend.addItem(outline, "most expensive turn")
        if turns.cold.any():
            cold = np.flatnonzero(turns.cold)
            marks = pg.ScatterPlotItem(
                x=x[cold],
                y=base[cold],
                symbol="t1",
                size=11,
                brush=pg.mkBrush(COLD),
                pen=pg.mkPen(COLD),
            )
            marks.setZValue(6)
            self._add(marks)
            self.legend.addItem(marks, "cache went cold")
        cumulative = turns.cumulative_cost
        line = pg.PlotDataItem(
            x,
            cumulative,
            pen=pg.mkPen(self._line, width=2),
            symbol="o" if n <= 80 else None,
            symbolSize=4,
            symbolBrush=pg.mkBrush(self._line),
            symbolPen=pg.mkPen(self._line),
        )
        self._add(line, cost=True)
        self.legend.addItem(line, "cumulative cost (right axis)")
        self.view.setXRange(0.4, n + 0.6, padding=0)
        # headroom above the tallest bar and the line for the legend
        self.view.setYRange(0, max(float(base.max()), 1.0) * 1.22, padding=0)
        self.cost_view.setYRange(0, max(float(cumulative.max()), 1e-9) * 1.22, padding=0)
        self._sync_views()

    def _add(self, item: pg.GraphicsObject, cost: bool = False) -> None:
        (self.cost_view if cost else self.view).addItem(item)
        self._items.append(item)

    def select(self, index: int) -> None:
        if self._turns is None or not 0 <= index < len(self._turns):
            self.selection.hide()
            return
        self.selection.setValue(index + 1)
        self.selection.show()

    # -- mouse --------------------------------------------------------------------------
    def _turn_at(self, scene_pos: QPointF) -> int:
        if self._turns is None or not self.view.sceneBoundingRect().contains(scene_pos):
            return -1
        x = self.view.mapSceneToView(scene_pos).x()
        index = round(x) - 1
        return index if 0 <= index < len(self._turns) else -1

    def _clicked(self, event: object) -> None:
        index = self._turn_at(event.scenePos())  # type: ignore[attr-defined]
        if index >= 0:
            self.turn_clicked.emit(index)

    def _hovered(self, scene_pos: QPointF) -> None:
        index = self._turn_at(scene_pos)
        self.hover.setText(self.describe(index) if index >= 0 else self._hint())

    def _hint(self) -> str:
        if self._turns is None or len(self._turns) == 0:
            return " "
        return "Point at a turn for its figures; click it to select it."

    def describe(self, index: int) -> str:
        """One line about a turn (shown under the chart while the mouse is over it)."""
        t = self._turns
        assert t is not None
        cost = float(t.cost[index])
        hit = float(t.hit_rate[index])
        head = f"Turn {index + 1}"
        if t.branch[index] is not None:
            head += f" (side chain: {t.branch[index]})"
        parts = [
            f"input {tokens(int(t.input_tokens[index]))}",
            f"cache read {tokens(int(t.cache_read_tokens[index]))}",
            f"cache write {tokens(int(t.cache_write_tokens[index]))}",
            f"output {tokens(int(t.output_tokens[index]))}",
            "hit " + ("—" if math.isnan(hit) else percent(hit)),
            "cost " + ("unpriced" if math.isnan(cost) else money(cost)),
            f"cumulative {money(float(t.cumulative_cost[index]))}",
        ]
        text = f"{head}: " + " · ".join(parts)
        if t.cold[index]:
            text += f" · {t.cold_reason[index]}"
        return text

    def legend_titles(self) -> list[str]:
        return [label.text for _sample, label in self.legend.items]
