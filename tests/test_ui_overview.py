"""The overview view: totals, chart and bars agree with the report; drill-down, range, states."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from desktop.commands.report import build_report
from desktop.numbers import money_total
from desktop.store.dataset import Filters
from desktop.store.pricer import PricingSpec
from desktop.timeutil import resolve_zone
from desktop.ui.context import AppContext
from desktop.ui.overview_view import OverviewView
from tests.charts_data import BERLIN, BERLIN_DAYS, write_demo, write_small
from tests.ui_charts_helpers import close_context, loaded_context

ZONE = resolve_zone(BERLIN)


@pytest.fixture(scope="module")
def demo_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(tmp_path_factory.mktemp("overview-demo") / "logs")


def make_view(qtbot, ctx: AppContext) -> OverviewView:  # type: ignore[no-untyped-def]
    view = OverviewView(ctx)
    qtbot.addWidget(view)
    view.resize(1300, 850)
    view.show()
    qtbot.waitUntil(lambda: view.summary is not None and view.full_series is not None)
    return view


def settle(qtbot, view: OverviewView) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: view.ctx.tasks.pending() == 0)
    qtbot.wait(1)  # deliver the queued answers


@pytest.fixture
def small_view(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    ctx = loaded_context(qtbot, [write_small(tmp_path / "logs")])
    ctx.state.set_zone(ZONE)
    ctx.state.set_group_by(("tenant",))
    view = make_view(qtbot, ctx)
    yield view
    close_context(ctx)


def test_totals_and_buckets_agree_with_the_report(qtbot, demo_logs: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = loaded_context(qtbot, [demo_logs], PricingSpec())
    ctx.state.set_zone(ZONE)
    ctx.state.set_filters(Filters(where=(("tenant", ("globex", "initech")),)))
    view = make_view(qtbot, ctx)
    ctx.state.set_bucket("day")
    settle(qtbot, view)
    dataset = ctx.session.dataset
    report = build_report(
        dataset, ctx.state.filters, ZONE, "computed", ["provider", "model"], "day"
    )
    totals = report["totals"]
    assert view.summary.totals.as_dict() == totals
    assert view.cards.cost.text() == money_total(totals["cost_usd"])
    assert view.cards.unpriced.text() == f"+ {totals['unpriced_calls']:,} unpriced calls"
    assert not view.cards.unpriced.isHidden()
    assert view.cards.calls.text() == f"{totals['calls']:,}"
    assert view.cards.token_values["cache_read_tokens"].text() == f"{totals['cache_read_tokens']:,}"
    series = view.full_series
    assert series.labels == [b["label"] for b in report["buckets"]]
    assert [int(c) for c in series.calls] == [b["calls"] for b in report["buckets"]]
    assert [round(float(c), 10) for c in series.cost] == [b["cost_usd"] for b in report["buckets"]]
    assert [int(u) for u in series.unpriced] == [b["unpriced_calls"] for b in report["buckets"]]
    bars = [g.as_dict(["provider", "model"])["cost_usd"] for g in view.summary.bars]
    assert bars == [g["cost_usd"] for g in report["groups"][: len(bars)]]
    close_context(ctx)


def test_day_buckets_in_the_chosen_zone(qtbot, small_view: OverviewView) -> None:  # type: ignore[no-untyped-def]
    series = small_view.full_series
    assert series.unit == "day" and series.auto
    got = {
        label: (round(float(series.cost[i]), 6), int(series.calls[i]), int(series.unpriced[i]))
        for i, label in enumerate(series.labels)
    }
    assert got == BERLIN_DAYS
    assert small_view.bucket_combo.itemText(0) == "Auto (day)"
    combo = small_view.bucket_combo  # shown whole when the text grows after the first show
    combo.setItemText(0, "Auto (month)")
    wide = combo.fontMetrics().horizontalAdvance("Auto (month)")
    qtbot.waitUntil(lambda: combo.width() > wide, timeout=2000)
    assert [name for name, _ in small_view.legend.entries] == ["acme", "globex", "(none)", "=cmd"]


def test_a_long_reported_note_wraps_instead_of_widening_the_window(small_view) -> None:  # type: ignore[no-untyped-def]
    note = small_view.cards.reported_note
    note.setText("on 3,963 of 50,000 calls · computed $465.72 for all")
    assert note.minimumSizeHint().width() < note.fontMetrics().horizontalAdvance(note.text())


def test_unpriced_calls_are_a_visible_badge(small_view: OverviewView) -> None:
    cards = small_view.cards
    assert cards.cost.text() == "$3.20"
    assert cards.unpriced.text() == "+ 1 unpriced call"
    assert cards.priced_note.text() == "for 7 priced calls"


def test_bucket_override_and_zoom_rebucket(qtbot, small_view: OverviewView) -> None:  # type: ignore[no-untyped-def]
    state = small_view.ctx.state
    state.set_bucket("week")
    qtbot.waitUntil(lambda: small_view.series is not None and small_view.series.unit == "week")
    assert small_view.bucket_combo.currentText() == "Week"
    state.set_bucket(None)
    qtbot.waitUntil(lambda: small_view.series.unit == "day")
    start = datetime(2026, 3, 30, tzinfo=ZONE).timestamp()
    small_view.chart.view_box.setXRange(start, start + 86400, padding=0)
    qtbot.waitUntil(lambda: small_view.series.unit == "hour", timeout=3000)
    hours = small_view.series
    assert hours.start <= start and hours.end >= start + 86400
    assert small_view.full_series.unit == "day"  # the legend's totals stay for the selection


def test_drag_selects_whole_buckets_and_every_view_follows(qtbot, small_view: OverviewView) -> None:  # type: ignore[no-untyped-def]
    state = small_view.ctx.state
    day29 = datetime(2026, 3, 29, tzinfo=ZONE).timestamp()
    day31 = datetime(2026, 3, 31, tzinfo=ZONE).timestamp()
    with qtbot.waitSignal(state.changed):
        small_view.chart.view_box.drag_selected.emit(day29 + 3600, day29 + 86400)
    assert state.time_range == (day29, day31)
    qtbot.waitUntil(lambda: small_view.summary.totals.calls == 4)
    assert small_view.cards.cost.text() == "$2.20"
    assert not small_view.reset_range.isHidden()
    assert small_view.range_label.text().startswith("Selected: 29 Mar 2026 00:00")
    small_view.reset_range.click()
    assert state.time_range is None
    qtbot.waitUntil(lambda: small_view.summary.totals.calls == 8)


def test_double_click_on_a_bar_selects_its_bucket(qtbot, small_view: OverviewView) -> None:  # type: ignore[no-untyped-def]
    day30 = datetime(2026, 3, 30, tzinfo=ZONE).timestamp()
    small_view.chart.view_box.double_clicked.emit(day30 + 7200)
    assert small_view.ctx.state.time_range == (day30, day30 + 86400)


def test_clicking_a_bar_drills_down(qtbot, small_view: OverviewView) -> None:  # type: ignore[no-untyped-def]
    nav = small_view.ctx.navigator
    assert [r.label for r in small_view.bars.rows] == ["acme", "globex", "(none)", "=cmd"]
    with qtbot.waitSignal(nav.show_requests) as blocker:
        rect_y = 8 + small_view.bars.row_height() * 1.5
        qtbot.mouseClick(small_view.bars, Qt.MouseButton.LeftButton, pos=QPoint(40, int(rect_y)))
    assert blocker.args[0] == Filters(where=(("tenant", ("globex",)),))
    with qtbot.waitSignal(nav.show_requests) as blocker:
        small_view.bars.activated.emit(2)
    assert blocker.args[0] == Filters(where=(("tenant", ("",)),))  # calls without a tenant


def test_unpriced_group_bar(qtbot, small_view: OverviewView) -> None:  # type: ignore[no-untyped-def]
    small_view.ctx.state.set_group_by(("model",))
    qtbot.waitUntil(lambda: small_view.summary.by == ("model",))
    rows = {r.label: r for r in small_view.bars.rows}
    assert rows["mystery"].amount == "unpriced" and rows["mystery"].unpriced == 1
    assert rows["gpt-4.1-mini"].amount == "$3.20"
    assert small_view.bars_title.text() == "Cost by model"


def test_time_grouping_drills_into_a_time_range(qtbot, small_view: OverviewView) -> None:  # type: ignore[no-untyped-def]
    small_view.ctx.state.set_group_by(("day",))
    qtbot.waitUntil(lambda: small_view.summary.by == ("day",))
    labels = [r.label for r in small_view.bars.rows]
    index = labels.index("2026-03-29")
    with qtbot.waitSignal(small_view.ctx.navigator.show_requests) as blocker:
        small_view.bars.activated.emit(index)
    day29 = datetime(2026, 3, 29, tzinfo=ZONE).timestamp()
    assert (blocker.args[0].since, blocker.args[0].until) == (day29, day29 + 23 * 3600)
    assert small_view.stacked_label.text() == "per day"  # a time grouping is not stacked


def test_top_conversations_open_on_double_click(qtbot, small_view: OverviewView) -> None:  # type: ignore[no-untyped-def]
    table = small_view.conversations.table
    model = table.model()
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["c3", "c1", "c4", "c2"]
    assert model.index(0, 3).data() == "$1.30" and model.index(0, 1).data() == "2"
    with qtbot.waitSignal(small_view.ctx.navigator.open_conversation) as blocker:
        table.doubleClicked.emit(model.index(1, 0))
    assert blocker.args == ["conversation_id", "c1"]


def test_no_match_and_nothing_open_states(qtbot, small_view: OverviewView) -> None:  # type: ignore[no-untyped-def]
    state = small_view.ctx.state
    state.set_search("no such call anywhere")
    qtbot.waitUntil(lambda: small_view.pages.currentWidget() is small_view.message_page)
    assert small_view.message_title.text() == "No calls match the filters"
    small_view.message_button.click()
    qtbot.waitUntil(lambda: small_view.pages.currentWidget() is not small_view.message_page)
    small_view.ctx.session.close()
    assert small_view.message_title.text() == "Nothing open"


def test_exports_png_and_csv(qtbot, small_view: OverviewView, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    png = tmp_path / "chart.png"
    assert small_view.save_chart_png(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "chart.csv"
    with qtbot.waitSignal(small_view.exported):
        small_view.export_chart_csv(out)
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["bucket"] for r in rows] == list(BERLIN_DAYS)
    assert float(rows[2]["cost_usd"]) == pytest.approx(1.2)
    assert float(rows[2]["cost_usd: globex"]) == pytest.approx(1.2)


def test_hover_card_shows_exact_values(qtbot, small_view: OverviewView) -> None:  # type: ignore[no-untyped-def]
    chart = small_view.chart
    day30 = datetime(2026, 3, 30, 12, tzinfo=ZONE).timestamp()
    chart._mouse_moved(chart.view_box.mapViewToScene(QPointF(day30, 0.5)))
    card = chart.hover_card
    assert card.isVisible()
    texts = [w.text() for w in card.findChildren(type(small_view.range_label)) if w.text()]
    assert "2026-03-30 (day)" in texts and "globex" in texts and "$1.20" in texts
    assert any("1 unpriced call" in t for t in texts)


def test_running_totals_while_loading(small_view: OverviewView) -> None:
    cards = small_view.cards
    cards.set_running(
        {
            "calls": 1200,
            "cost_usd": 3.5,
            "unpriced_calls": 2,
            "prompt_tokens": 9000,
            "output_tokens": 40,
        }
    )
    assert cards.cost_card.title.text() == "Total cost so far" and cards.cost.text() == "$3.50"
    assert cards.unpriced.text() == "+ 2 unpriced calls" and cards.calls.text() == "1,200"
    assert cards.token_titles["input_tokens"].text() == "Prompt (all input)"
    assert cards.token_values["input_tokens"].text() == "9,000"
    assert cards.token_values["cache_read_tokens"].text() == "…"
    small_view.refresh()  # the loaded numbers replace the running ones
