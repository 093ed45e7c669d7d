"""The requests table: lazy model, sorting, filters, selection, copy, columns."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.store.dataset import Filters
from desktop.store.table_query import Sort, TableQuery
from desktop.timeutil import resolve_zone
from desktop.ui.context import AppContext
from desktop.ui.requests_model import CALL_ID_ROLE, PLACEHOLDER, RequestsModel
from desktop.ui.requests_view import COLUMNS_KEY, RequestsView
from tests.ui_helpers import close_context, open_data, write_sample


@pytest.fixture
def ctx(qtbot, tmp_path):
    context = AppContext.create()
    open_data(qtbot, context, [write_sample(tmp_path)])
    yield context
    close_context(context)


@pytest.fixture
def view(qtbot, ctx):
    widget = RequestsView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 60 and not widget.pending_order)
    return widget


def refreshed(qtbot, view):  # type: ignore[no-untyped-def]
    return qtbot.waitSignal(view.order_ready, timeout=10000)


def all_loaded(view: RequestsView) -> bool:
    """Ask for every row (as scrolling through them would) and say whether all are in."""
    last = view.model.rowCount() - 1
    view.model.prefetch(0, last)
    return view.model.is_loaded(0, last)


def column_texts(view: RequestsView, key: str) -> list[str]:
    col = view.model.keys().index(key)
    return [view.model.data(view.model.index(r, col)) for r in range(view.model.rowCount())]


def test_model_passes_the_model_tester(qtbot, qtmodeltester, view) -> None:
    qtbot.waitUntil(lambda: all_loaded(view), timeout=10000)
    qtmodeltester.check(view.model)


def test_rows_not_fetched_show_a_placeholder_then_fill_in(qtbot, qtmodeltester, ctx) -> None:
    dataset = ctx.session.dataset
    model = RequestsModel(ctx.tasks)
    model.set_columns(["ts", "model", "cost"])
    positions = TableQuery(dataset).positions(Filters(), resolve_zone("UTC"), sort=Sort())
    model.set_rows(dataset, positions)
    assert model.rowCount() == 60  # known at once
    index = model.index(30, 1)
    assert model.data(index) == PLACEHOLDER
    assert model.data(index, Qt.ItemDataRole.FontRole).italic()
    assert model.data(index, CALL_ID_ROLE) == int(dataset.frame.ids[positions[30]])
    with qtbot.waitSignal(model.rows_fetched, timeout=10000):
        pass
    assert model.data(index) != PLACEHOLDER
    assert (
        model.data(index, Qt.ItemDataRole.FontRole) is None
        or not model.data(index, Qt.ItemDataRole.FontRole).italic()
        or model.data(index) == "unpriced"
    )
    # A new order forgets the cells: an answer for the old one is never shown.
    model.data(model.index(5, 0))
    generation = model.generation
    model.set_rows(dataset, positions[::-1].copy())
    assert model.generation == generation + 1
    assert model.cached(5) is None
    qtmodeltester.check(model)


def test_unpriced_cost_is_never_zero(qtbot, view) -> None:
    qtbot.waitUntil(lambda: all_loaded(view), timeout=10000)
    models = column_texts(view, "model")
    costs = column_texts(view, "cost")
    for model, cost in zip(models, costs, strict=True):
        if model == "mystery-model":
            assert cost == "unpriced"
        else:
            assert cost.startswith("$")
            assert cost != "$0.00"


def test_sorting_by_a_header_click(qtbot, view) -> None:
    col = view.model.keys().index("input_tokens")
    with refreshed(qtbot, view):
        view.table.sortByColumn(col, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: all_loaded(view), timeout=10000)
    values = [int(t.replace(",", "")) for t in column_texts(view, "input_tokens")]
    assert values == sorted(values)
    assert view.sort == Sort("input_tokens", False)
    with refreshed(qtbot, view):
        view.table.sortByColumn(view.model.keys().index("model"), Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: all_loaded(view), timeout=10000)
    models = column_texts(view, "model")
    assert models == sorted(models, key=str.casefold, reverse=True)
    assert ctx_sort(view) == "model:desc"


def ctx_sort(view: RequestsView) -> str:
    return str(view.ctx.settings.value("requests/sort"))


def test_filters_from_the_shared_state_and_totals_agree(qtbot, view, ctx) -> None:
    with refreshed(qtbot, view):
        ctx.state.set_where("tenant", ("acme",))
    dataset = ctx.session.dataset
    mask = dataset.mask(ctx.state.effective_filters(), ctx.state.zone)
    assert view.model.rowCount() == int(mask.sum()) == 15
    assert "15 of 60 calls" in view.summary.text()
    totals = dataset.totals(mask, "computed")
    from desktop.numbers import money_total

    assert money_total(totals.cost_usd) in view.summary.text()
    assert f"{totals.unpriced_calls:,} unpriced" in view.summary.text()
    with refreshed(qtbot, view):
        ctx.state.set_search("req-00")
    assert view.model.rowCount() == 3  # req-000, req-004, req-008 among acme


def test_filter_and_exclude_a_cell_value(qtbot, view, ctx) -> None:
    qtbot.waitUntil(lambda: all_loaded(view), timeout=10000)
    row = 0
    model_name = view.model.data(view.model.index(row, view.model.keys().index("model")))
    with refreshed(qtbot, view):
        view.filter_by_cell(row, "model", exclude=True)
    assert ctx.state.filters.where_not == (("model", (model_name,)),)
    assert view.model.rowCount() == 40
    with refreshed(qtbot, view):
        view.filter_by_cell(0, "label:tenant")
    assert ctx.state.filters.where[0][0] == "tenant"


def test_select_call_reveals_a_call_hidden_by_filters(qtbot, view, ctx) -> None:
    dataset = ctx.session.dataset
    target = int(dataset.frame.ids[-1])
    with refreshed(qtbot, view):
        ctx.state.set_search("req-001")
    assert view.model.row_of(target) is None
    with refreshed(qtbot, view):
        ctx.navigator.select_call.emit(target)
    assert ctx.state.filters == Filters()
    assert view.current_call_id() == target
    row = view.table.currentIndex().row()
    assert view.model.call_id(row) == target


def test_selection_survives_repricing(qtbot, view, ctx) -> None:
    target = view.model.call_id(10)
    view._select_row(10)
    assert view.current_call_id() == target
    from desktop.store.pricer import PricingSpec

    engine = PricingSpec().load()  # the bundled prices: other than the test catalog
    with refreshed(qtbot, view):
        ctx.session.apply_pricing(engine, ctx.tasks)
    assert view.current_call_id() == target
    assert view.model.call_id(view.table.currentIndex().row()) == target
    ctx.session.wait_for_writes()


def test_copy_rows_as_text_and_json(qtbot, view) -> None:
    qtbot.waitUntil(lambda: all_loaded(view), timeout=10000)
    view.table.selectRow(1)
    view.table.selectionModel().select(
        view.model.index(2, 0),
        view.table.selectionModel().SelectionFlag.Select
        | view.table.selectionModel().SelectionFlag.Rows,
    )
    with qtbot.waitSignal(view.copied, timeout=10000) as blocker:
        view._copy_action.trigger()
    lines = blocker.args[0].split("\n")
    assert len(lines) == 3
    assert lines[0].split("\t")[1] == "Model"
    first = [view.model.data(view.model.index(1, c)) for c in range(view.model.columnCount())]
    assert lines[1].split("\t") == first
    assert QApplication.clipboard().text() == blocker.args[0]
    with qtbot.waitSignal(view.copied, timeout=10000) as blocker:
        view.copy_rows_json()
    data = orjson.loads(blocker.args[0])
    assert [d["id"] for d in data] == [view.model.call_id(1), view.model.call_id(2)]
    assert "tenant" in data[0]


def test_column_choice_is_remembered(qtbot, view, ctx) -> None:
    with refreshed(qtbot, view):
        view.set_columns(["ts", "model", "label:feature", "cost"])
    assert orjson.loads(ctx.settings.value(COLUMNS_KEY)) == ["ts", "model", "label:feature", "cost"]
    qtbot.waitUntil(lambda: all_loaded(view), timeout=10000)
    assert "=SUM(A1)" in column_texts(view, "label:feature")  # shown as text, as is
    other = RequestsView(ctx)
    qtbot.addWidget(other)
    qtbot.waitUntil(lambda: other.model.rowCount() == 60)
    assert other.model.keys() == ["ts", "model", "label:feature", "cost"]


def test_enter_and_double_click_open_the_detail(qtbot, view) -> None:
    view.set_detail_visible(False)
    view._select_row(3)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert view.detail.isVisible()
    with qtbot.waitSignal(view.detail.loaded, timeout=10000) as blocker:
        pass
    assert blocker.args[0] == view.model.call_id(3)


def test_selected_rows_from_ranges_are_fast_and_ordered(view) -> None:
    view.table.selectAll()
    rows = view.selected_rows()
    assert np.array_equal(rows, np.arange(60))


def test_log_text_never_becomes_rich_text_in_tooltips(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt as _Qt
    from PySide6.QtGui import Qt as GuiQt

    from desktop.ui.problems_model import ProblemsModel

    model = ProblemsModel()
    model.set_rows([("/logs/<b>x</b>.jsonl", 3, "model is '<img src=x>' here")])
    for column in (0, 2):
        tip = model.data(model.index(0, column), _Qt.ItemDataRole.ToolTipRole)
        assert not GuiQt.mightBeRichText(tip.splitlines()[0])
        assert "<b>" in tip or "<img" in tip  # still there, as plain text


def test_problems_model_passes_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt as _Qt

    from desktop.ui.problems_model import ProblemsModel

    model = ProblemsModel()
    qtmodeltester.check(model)  # empty
    model.set_rows([("/logs/a.jsonl", 12345, "not JSON"), ("/logs/b.jsonl", None, "unreadable")])
    qtmodeltester.check(model)
    assert model.index(0, 1).data() == "12,345"
    assert model.index(1, 1).data() == ""
    assert model.headerData(1, _Qt.Orientation.Horizontal) == "Line"
    right = model.headerData(1, _Qt.Orientation.Horizontal, _Qt.ItemDataRole.TextAlignmentRole)
    assert right == model.index(0, 1).data(_Qt.ItemDataRole.TextAlignmentRole)
    assert model.headerData(0, _Qt.Orientation.Vertical) is None
