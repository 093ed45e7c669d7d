"""Chart pieces: zoned time axis, money axis, palette-following theme, bars, legend, hover."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from desktop.analysis.top_conversations import ConversationCost
from desktop.timeutil import resolve_zone
from desktop.ui.chart_axes import MoneyAxisItem, ZonedDateAxisItem
from desktop.ui.chart_legend import ChartLegend
from desktop.ui.cost_chart import CostChart
from desktop.ui.group_bar_chart import BarRow, GroupBarChart
from desktop.ui.theme import chart_colors, is_dark, series_colors
from desktop.ui.top_conversations_model import TopConversationsModel

BERLIN = resolve_zone("Europe/Berlin")


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.Base, "#17181a"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Highlight, "#3d7bd9"),
    ):
        palette.setColor(role, QColor(color))
    return palette


def test_time_axis_labels_local_days_in_the_chosen_zone(qapp) -> None:  # type: ignore[no-untyped-def]
    axis = ZonedDateAxisItem(BERLIN)
    start = datetime(2026, 3, 27, tzinfo=BERLIN).timestamp()
    levels = axis.tickValues(start, start + 6 * 86400, 800)
    spacing, values = levels[0]
    assert values[0] == start and values[3] - values[2] == 23 * 3600
    labels = axis.tickStrings(values, 1.0, spacing)
    assert labels[:3] == ["27 Mar 2026", "28 Mar", "29 Mar"]
    axis.set_zone(resolve_zone("UTC"))
    _, utc_values = axis.tickValues(start, start + 6 * 86400, 800)[0]
    assert utc_values[0] == datetime(2026, 3, 27, tzinfo=resolve_zone("UTC")).timestamp()


def test_money_axis_writes_dollars(qapp) -> None:  # type: ignore[no-untyped-def]
    axis = MoneyAxisItem()
    assert axis.tickStrings([0, 2.5, 5], 1.0, 2.5) == ["$0.00", "$2.50", "$5.00"]
    assert axis.tickStrings([0, 100, 200], 1.0, 100) == ["$0", "$100", "$200"]


def test_theme_follows_light_and_dark_palettes(qapp) -> None:  # type: ignore[no-untyped-def]
    light = chart_colors(QPalette(QColor("#efefef")))
    assert not light.dark
    dark = chart_colors(dark_palette())
    assert dark.dark and is_dark(dark_palette())
    assert dark.background == QColor("#17181a") and dark.text == QColor("#e8eaed")
    assert dark.warning != light.warning
    colors = series_colors(4, True, dark_palette())
    assert colors[-1] == dark.other and len(set(c.name() for c in colors)) == 4


def test_chart_repaints_in_a_new_palette(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = CostChart()
    qtbot.addWidget(chart)
    app = QApplication.instance()
    before = app.palette()
    try:
        app.setPalette(dark_palette())
        qtbot.waitUntil(lambda: chart.plot.backgroundBrush().color() == QColor("#17181a"))
        axis = chart.plot.getPlotItem().getAxis("bottom")
        assert axis.textPen().color() == QColor("#e8eaed")
    finally:
        app.setPalette(before)


def test_group_bars_click_and_keys(qtbot) -> None:  # type: ignore[no-untyped-def]
    bars = GroupBarChart()
    qtbot.addWidget(bars)
    bars.resize(500, 200)
    bars.set_rows(
        [
            BarRow("anthropic · <b>model</b>", 10.0, "$10.00", "66.7%", 0, QColor("#4e79a7")),
            BarRow("acme · mystery", 0.0, "unpriced", "0.0%", 12, QColor("#f28e2b")),
            BarRow("3 other groups", 5.0, "$5.00", "33.3%", 0, QColor("gray"), muted=True),
        ]
    )
    bars.show()
    qtbot.waitExposed(bars)
    y = 8 + int(bars.row_height() * 1.5)
    with qtbot.waitSignal(bars.activated) as blocker:
        qtbot.mouseClick(bars, Qt.MouseButton.LeftButton, pos=QPoint(100, y))
    assert blocker.args == [1]
    with qtbot.waitSignal(bars.activated) as blocker:
        qtbot.keyClick(bars, Qt.Key.Key_Down)
        qtbot.keyClick(bars, Qt.Key.Key_Return)
    assert blocker.args == [2]
    assert bars.row_at(2) is None and bars.sizeHint().height() >= 3 * bars.row_height()
    bars.grab()  # paints without error, unpriced notes included


def test_legend_is_plain_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    legend = ChartLegend()
    qtbot.addWidget(legend)
    legend.set_entries(
        [("<b>evil</b> model", "$1.00", QColor("red")), ("Other", "$2.00", QColor("gray"))]
    )
    labels = [w for w in legend.findChildren(QLabel) if w.text()]
    assert all(w.textFormat() == Qt.TextFormat.PlainText for w in labels)
    assert "<b>evil</b> model" in [w.text() for w in labels]


def test_top_conversations_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = TopConversationsModel()
    ts = datetime(2026, 3, 29, 9, tzinfo=BERLIN).timestamp()
    model.set_rows(
        [
            ConversationCost("c1", 3, ("gpt-5", "gpt-5-mini"), 1.5, 0, ts, ts + 60),
            ConversationCost("c2", 2, ("mystery",), 0.0, 2, ts, ts),
            ConversationCost("c3", 4, ("gpt-5",), 0.25, 1, ts, ts),
        ],
        BERLIN,
    )
    qtmodeltester.check(model)
    assert model.index(0, 2).data() == "gpt-5 +1"  # as the conversations view says it
    tip = model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "Models, by cost (the most first)\ngpt-5\ngpt-5-mini"
    assert model.index(1, 2).data() == "mystery"
    assert model.index(1, 2).data(Qt.ItemDataRole.ToolTipRole) is None
    assert model.index(0, 4).data() == "2026-03-29 09:00"
    assert model.index(1, 3).data() == "unpriced (2)"
    assert model.index(2, 3).data() == "$0.25 + 1 unpriced"
    assert model.index(0, 0).data(Qt.ItemDataRole.UserRole) == "c1"


def test_chart_empty_and_bars(qtbot) -> None:  # type: ignore[no-untyped-def]
    from desktop.analysis.cost_series import CostSeries, Series

    chart = CostChart()
    qtbot.addWidget(chart)
    chart.resize(600, 300)
    chart.show()
    edges = np.array([0.0, 86400.0, 2 * 86400.0]) + 1.77e9
    series = CostSeries(
        unit="day",
        auto=True,
        edges=edges,
        labels=["a", "b"],
        calls=np.array([2, 0]),
        cost=np.array([3.0, 0.0]),
        unpriced=np.array([0, 0]),
        sums={},
        series=[
            Series("x", ("x",), np.array([1.0, 0.0])),
            Series("Other", None, np.array([2.0, 0.0])),
        ],
        stack_by=("model",),
        data_start=edges[0],
        data_end=edges[1],
    )
    chart.set_series(series, fit=True)
    assert len(chart._bars) == 2 and chart.empty_label.isHidden()
    (_, _), (y0, y1) = chart.view_box.viewRange()
    assert y0 == 0 and 3.0 < y1 < 3.5  # the tallest stack, a little headroom
    assert chart.legend_colors()[-1] == chart_colors(chart.palette()).other
