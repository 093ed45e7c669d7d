"""Chart colours that follow the system palette, and pyqtgraph set up to match.

pyqtgraph draws black plots with grey axes by default, which looks foreign
next to native widgets. Every chart takes its colours from here instead:
the background is the palette's base colour, axes and labels its text colour,
and the series use one qualitative palette that reads on light and dark
backgrounds alike. Charts call :func:`style_plot` again when the palette
changes (a ``QEvent.Type.PaletteChange``), so switching the system theme
repaints them correctly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

# Tableau 10 without its grey (kept for "Other"): distinct hues, mid lightness,
# readable on white and on near-black.
SERIES_HEX = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
)


@dataclass(frozen=True)
class ChartColors:
    background: QColor
    text: QColor
    muted: QColor  # secondary text, axis lines
    grid: QColor
    highlight: QColor  # hover and selection
    selection_fill: QColor
    warning: QColor  # unpriced calls
    other: QColor  # the "Other" series
    dark: bool


def current_palette() -> QPalette:
    app = QApplication.instance()
    return app.palette() if isinstance(app, QApplication) else QPalette()


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or current_palette()
    return palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5


def blend(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved towards ``b`` by ``amount`` (0..1)."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * amount,
        a.greenF() + (b.greenF() - a.greenF()) * amount,
        a.blueF() + (b.blueF() - a.blueF()) * amount,
    )


def chart_colors(palette: QPalette | None = None) -> ChartColors:
    palette = palette or current_palette()
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    highlight = QColor(palette.color(QPalette.ColorRole.Highlight))
    fill = QColor(highlight)
    fill.setAlpha(55)
    dark = base.lightnessF() < 0.5
    return ChartColors(
        background=base,
        text=text,
        muted=blend(text, base, 0.45),
        grid=blend(text, base, 0.86),
        highlight=highlight,
        selection_fill=fill,
        warning=QColor("#ffb454") if dark else QColor("#b25b00"),
        other=blend(text, base, 0.6),
        dark=dark,
    )


def series_color(index: int) -> QColor:
    return QColor(SERIES_HEX[index % len(SERIES_HEX)])


def series_colors(
    names_count: int, has_other: bool, palette: QPalette | None = None
) -> list[QColor]:
    """Colours for stacked series in order; the last one is "Other" when ``has_other``."""
    colors = [series_color(i) for i in range(names_count)]
    if has_other and colors:
        colors[-1] = chart_colors(palette).other
    return colors


def style_plot(plot: pg.PlotWidget, palette: QPalette | None = None) -> ChartColors:
    """Background, axes, labels and grid of a plot in the palette's colours."""
    colors = chart_colors(palette)
    plot.setBackground(colors.background)
    item = plot.getPlotItem()
    font = QFont(QApplication.font())
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(colors.muted))
        axis.setTextPen(pg.mkPen(colors.text))
        axis.setTickFont(font)
    item.showGrid(x=False, y=True, alpha=1.0)
    # The grid is drawn with the left axis' pen: a faint line reads as a grid,
    # and modern charts need no solid y axis line.
    grid_pen = pg.mkPen(colors.grid)
    item.getAxis("left").setPen(grid_pen)
    item.getAxis("left").setTextPen(pg.mkPen(colors.text))
    return colors
