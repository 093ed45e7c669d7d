"""The groups view: a nested pivot that agrees with the report, sorting, drill-down, export."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import orjson
import pytest
from PySide6.QtCore import QModelIndex, Qt

from desktop.analysis.pivot import build_pivot
from desktop.commands.report import build_report
from desktop.numbers import money, money_total, percent
from desktop.store.dataset import Filters
from desktop.store.pricer import PricingSpec
from desktop.timeutil import resolve_zone
from desktop.ui.groups_model import COLUMNS, GroupsModel
from desktop.ui.groups_view import GroupsView
from tests.charts_data import BERLIN, small_dataset, write_demo, write_small  # noqa: F401
from tests.ui_charts_helpers import close_context, loaded_context

ZONE = resolve_zone(BERLIN)
HEAD = {key: i for i, (key, _, _) in enumerate(COLUMNS)}


@pytest.fixture(scope="module")
def demo_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo(tmp_path_factory.mktemp("groups-demo") / "logs")


def make_view(qtbot, ctx) -> GroupsView:  # type: ignore[no-untyped-def]
    view = GroupsView(ctx)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    qtbot.waitUntil(lambda: view.pivot is not None)
    return view


@pytest.fixture
def small_view(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    ctx = loaded_context(qtbot, [write_small(tmp_path / "logs")])
    ctx.state.set_zone(ZONE)
    ctx.state.set_group_by(("tenant", "feature"))
    view = make_view(qtbot, ctx)
    yield view
    close_context(ctx)


def rows(model: GroupsModel, parent: QModelIndex = QModelIndex()) -> list[str]:  # noqa: B008
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def test_model_passes_the_model_tester(qtmodeltester, small_dataset) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    mask = small_dataset.mask(Filters())
    model = GroupsModel()
    model.set_pivot(build_pivot(small_dataset, mask, ("tenant", "feature", "model"), ZONE))
    qtmodeltester.check(model)
    model.sort(HEAD["calls"], Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)
    model.set_pivot(None)
    qtmodeltester.check(model)


def test_every_level_agrees_with_the_report(qtbot, demo_logs: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = loaded_context(qtbot, [demo_logs], PricingSpec())
    ctx.state.set_zone(ZONE)
    ctx.state.set_cost_mode("auto")
    ctx.state.set_group_by(("tenant", "model"))
    view = make_view(qtbot, ctx)
    model = view.model
    dataset = ctx.session.dataset
    top = build_report(dataset, Filters(), ZONE, "auto", ["tenant"], None)["groups"]
    assert rows(model) == [g["key"]["tenant"] for g in top]
    for r, group in enumerate(top):
        assert model.index(r, HEAD["calls"]).data() == f"{group['calls']:,}"
        assert model.index(r, HEAD["cost_usd"]).data() == money_total(group["cost_usd"])
        assert model.index(r, HEAD["share"]).data() == percent(group["share"])
        assert model.index(r, HEAD["p95_cost_usd"]).data() == money(group["p95_cost_usd"])
        unpriced = model.index(r, HEAD["unpriced_calls"]).data()
        assert unpriced == (f"{group['unpriced_calls']:,}" if group["unpriced_calls"] else "")
    leaves = build_report(dataset, Filters(), ZONE, "auto", ["tenant", "model"], None)["groups"]
    first = model.index(0, 0)
    expected = [g for g in leaves if g["key"]["tenant"] == top[0]["key"]["tenant"]]
    assert rows(model, first) == [g["key"]["model"] for g in expected]
    for r, group in enumerate(expected):
        assert model.index(r, HEAD["p50_cost_usd"], first).data() == money(group["p50_cost_usd"])
        assert model.index(r, HEAD["max_cost_usd"], first).data() == money(group["max_cost_usd"])
    close_context(ctx)


def test_sorting_by_a_header_and_expanded_rows_survive(qtbot, small_view: GroupsView) -> None:  # type: ignore[no-untyped-def]
    model, tree = small_view.model, small_view.tree
    assert rows(model) == ["acme", "globex", "(none)", "=cmd"]
    tree.expand(model.index(1, 0))
    tree.sortByColumn(HEAD["calls"], Qt.SortOrder.AscendingOrder)
    assert rows(model) == ["(none)", "=cmd", "acme", "globex"]  # ties keep the cost order
    globex = model.index(3, 0)
    assert tree.isExpanded(globex) and model.index(3, 0).data() == "globex"
    small_view.ctx.state.set_cost_mode("reported")  # recomputed: order and expansion kept
    qtbot.waitUntil(lambda: small_view.ctx.tasks.pending() == 0)
    qtbot.wait(1)
    assert small_view.tree.header().sortIndicatorSection() == HEAD["calls"]
    index = next(model.index(r, 0) for r in range(4) if model.index(r, 0).data() == "globex")
    assert tree.isExpanded(index)


def test_unpriced_groups_are_visible(qtbot, small_view: GroupsView) -> None:  # type: ignore[no-untyped-def]
    small_view.ctx.state.set_group_by(("model",))
    qtbot.waitUntil(lambda: small_view.pivot.columns == ("model",))
    model = small_view.model
    mystery = next(model.index(r, 0) for r in range(2) if model.index(r, 0).data() == "mystery")
    r = mystery.row()
    assert model.index(r, HEAD["cost_usd"]).data() == "unpriced"
    assert model.index(r, HEAD["unpriced_calls"]).data() == "1"
    assert model.index(r, HEAD["mean_cost_usd"]).data() == "—"
    assert model.index(r, HEAD["unpriced_calls"]).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert "1 unpriced call" in small_view.summary.text()
    assert small_view.summary.text().startswith(f"{model.rowCount()} groups of model · ")
    # One group is "1 group", not "1 groups".
    small_view.ctx.state.set_filters(Filters(where=(("model", ("mystery",)),)))
    qtbot.waitUntil(lambda: small_view.model.rowCount() == 1)
    assert small_view.summary.text().startswith("1 group of model · 1 call · ")


def test_double_click_drills_down_with_every_key_column(qtbot, small_view: GroupsView) -> None:  # type: ignore[no-untyped-def]
    model = small_view.model
    acme = model.index(0, 0)
    search = next(
        model.index(r, 0, acme) for r in range(2) if model.index(r, 0, acme).data() == "search"
    )
    with qtbot.waitSignal(small_view.ctx.navigator.show_requests) as blocker:
        small_view.tree.doubleClicked.emit(search)
    assert blocker.args[0] == Filters(where=(("tenant", ("acme",)), ("feature", ("search",))))


def test_a_day_level_drills_into_its_time_range(qtbot, small_view: GroupsView) -> None:  # type: ignore[no-untyped-def]
    small_view.ctx.state.set_group_by(("day", "tenant"))
    qtbot.waitUntil(lambda: small_view.pivot.columns == ("day", "tenant"))
    model = small_view.model
    day = next(
        model.index(r, 0)
        for r in range(model.rowCount())
        if model.index(r, 0).data() == "2026-03-29"
    )
    with qtbot.waitSignal(small_view.ctx.navigator.show_requests) as blocker:
        small_view.tree.doubleClicked.emit(model.index(0, 0, day))
    start = datetime(2026, 3, 29, tzinfo=ZONE).timestamp()
    assert (blocker.args[0].since, blocker.args[0].until) == (start, start + 23 * 3600)
    assert blocker.args[0].where == (("tenant", ("acme",)),)


def test_picker_adds_removes_and_reorders(qtbot, small_view: GroupsView) -> None:  # type: ignore[no-untyped-def]
    picker, state = small_view.picker, small_view.ctx.state
    assert picker.columns() == ("tenant", "feature")
    assert picker.add.findText("model") > 0 and picker.add.findText("tenant") < 0
    assert picker.add.findText("day") > 0 and picker.add.findText("provider") > 0
    picker.add.activated.emit(picker.add.findText("model"))
    assert state.group_by == ("tenant", "feature", "model")
    picker.list.setCurrentRow(2)
    picker.up.click()
    assert state.group_by == ("tenant", "model", "feature")
    picker.list.setCurrentRow(0)
    picker.remove.click()
    assert state.group_by == ("model", "feature")
    qtbot.waitUntil(lambda: small_view.pivot.columns == ("model", "feature"))
    assert small_view.model.headerData(0, Qt.Orientation.Horizontal) == "model → feature"
    state.set_group_by(("provider",))  # from the toolbar
    assert picker.columns() == ("provider",)
    assert not picker.remove.isEnabled()  # at least one column stays


def test_export_csv_and_json(qtbot, small_view: GroupsView, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "groups.csv"
    small_view.save(out)
    table = list(csv.reader(io.StringIO(out.read_text())))
    assert table[0][:3] == ["level", "tenant", "feature"]
    assert [r[1] for r in table[1:] if r[0] == "1"] == ["acme", "globex", "(none)", "'=cmd"]
    data = orjson.loads(
        (small_view.save(tmp_path / "g.json"), (tmp_path / "g.json").read_bytes())[1]
    )
    assert data["by"] == ["tenant", "feature"] and data["time_zone"] == BERLIN
    assert data["groups"][1]["unpriced_calls"] == 1
    assert data["groups"][0]["children"][0]["key"] == {"tenant": "acme", "feature": "chat"}


def test_no_match_state(qtbot, small_view: GroupsView) -> None:  # type: ignore[no-untyped-def]
    small_view.ctx.state.set_search("nothing like this")
    qtbot.waitUntil(lambda: small_view.pages.currentIndex() == 1)
    assert small_view.message.text() == "No calls match the filters."
    small_view.message_button.click()
    qtbot.waitUntil(lambda: small_view.pages.currentIndex() == 0)
