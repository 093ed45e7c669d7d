"""The conversation view: the list by cost, one conversation turn by turn, navigation."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import orjson
import pytest
from PySide6.QtGui import Qt

from desktop.commands.export import export_records
from desktop.demo import write_demo_data
from desktop.numbers import money
from desktop.store.dataset import Filters
from desktop.store.pricer import PricingSpec
from desktop.store.session import OpenRequest
from desktop.ui.context import AppContext
from desktop.ui.conversations_view import ConversationsView, export_turns
from desktop.ui.turns_model import COLUMN_KEYS as TURN_COLUMNS
from tests.helpers import call, write_jsonl


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo_data(folder, calls=5000)
    return folder


def _view(qtbot, paths: tuple[Path, ...]) -> tuple[AppContext, ConversationsView]:
    ctx = AppContext.create()
    view = ConversationsView(ctx)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    with qtbot.waitSignal(view.conversation_opened, timeout=120_000):
        ctx.session.open(OpenRequest(paths, PricingSpec()))
    return ctx, view


@pytest.fixture
def demo(qtbot, demo_dir: Path):
    ctx, view = _view(qtbot, (demo_dir,))
    yield ctx, view
    ctx.session.shutdown()
    ctx.tasks.wait()


def _exported(ctx: AppContext, column: str, value: object) -> list[dict]:
    dataset = ctx.session.dataset
    filters = Filters(where=((column, (str(value),)),))
    return list(export_records(dataset, filters, ctx.state.zone))


def test_the_most_expensive_conversation_matches_spendtrail_export(demo) -> None:
    ctx, view = demo
    # the most expensive conversation, by the exported records
    totals: dict[str, float] = defaultdict(float)
    for record in export_records(ctx.session.dataset, Filters(), ctx.state.zone):
        if record["conversation_id"] is not None and record["cost_usd"] is not None:
            totals[record["conversation_id"]] += record["cost_usd"]
    top = max(totals, key=totals.__getitem__)
    assert view.model.key_at(0) == top
    turns = view.detail.turns
    assert turns is not None and turns.value == top

    exported = _exported(ctx, "conversation_id", top)
    assert len(turns) == len(exported)
    running = 0.0
    model = view.detail.model
    for i, record in enumerate(exported):
        assert turns.ids[i] is not None
        assert record["model"] == turns.model[i]
        for name in (
            "input_tokens",
            "cache_read_tokens",
            "cache_write_5m_tokens",
            "cache_write_1h_tokens",
            "output_tokens",
            "reasoning_tokens",
        ):
            assert record[name] == int(getattr(turns, name)[i]), name
        assert record["cost_usd"] == turns.cost[i]  # the very same number
        running += record["cost_usd"] or 0.0
        assert turns.cumulative_cost[i] == pytest.approx(running, rel=1e-12)
        assert record["latency_ms"] == (
            None if turns.latency_ms[i] != turns.latency_ms[i] else turns.latency_ms[i]
        )
        # and the table says so
        assert model.index(i, TURN_COLUMNS.index("cost")).data() == money(record["cost_usd"])
        assert model.index(i, TURN_COLUMNS.index("input")).data() == f"{record['input_tokens']:,}"
    assert turns.total_cost == pytest.approx(totals[top], rel=1e-12)
    assert view.model.index(0, 6).data() == f"${totals[top]:,.2f}"


def test_what_drove_the_most_expensive_turn(demo) -> None:
    _ctx, view = demo
    turns = view.detail.turns
    top = turns.most_expensive
    assert view.detail.selected_turn() == top
    text = view.detail.driver.text()
    assert text.startswith(f"Most expensive turn: #{top + 1} ({money(float(turns.cost[top]))}).")
    assert "% of this turn's cost is " in text
    assert view.detail.chart.legend_titles()[:4] == [
        "uncached input",
        "cache read",
        "cache write",
        "output",
    ]


def test_the_selected_turn_shows_its_text(demo, demo_dir: Path, qtbot) -> None:
    ctx, view = demo
    turns = view.detail.turns
    with qtbot.waitSignal(view.detail.text_shown, timeout=30_000):
        view.detail.select_turn(1)
    row = ctx.session.dataset.rows([int(turns.ids[1])], ["request_id"])[0]
    raw = next(
        orjson.loads(line)
        for path in sorted(demo_dir.glob("*.jsonl"))
        for line in path.read_bytes().splitlines()
        if row["request_id"].encode() in line
    )
    assert view.detail.prompt.toPlainText() == raw["prompt"]
    assert view.detail.response.toPlainText() == (raw["response"] or "")


def test_open_conversation_from_another_view(demo, qtbot) -> None:
    ctx, view = demo
    other = view.model.key_at(3)
    with (
        qtbot.waitSignal(ctx.navigator.show_view, timeout=5_000) as shown,
        qtbot.waitSignal(view.conversation_opened, timeout=30_000),
    ):
        ctx.navigator.open_conversation.emit("conversation_id", other)
    assert shown.args == ["conversations"]
    assert view.detail.turns.value == other
    assert view.table.selectionModel().currentIndex().row() == 3


def test_the_column_that_defines_a_conversation_is_remembered(demo, demo_dir, qtbot) -> None:
    ctx, view = demo
    trace = (
        view.detail.turns
        and ctx.session.dataset.rows([int(view.detail.turns.ids[0])], ["trace_id"])[0]["trace_id"]
    )
    with qtbot.waitSignal(view.conversation_opened, timeout=30_000):
        ctx.navigator.open_conversation.emit("trace_id", trace)
    assert view.column == "trace_id"
    assert view.column_box.currentText() == "trace_id"
    assert view.detail.turns.value == trace
    # a new window over the same sources starts with that choice
    again = ConversationsView(ctx)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.list_ready, timeout=60_000):
        again._data_loaded()
    assert again.column == "trace_id"


def test_side_chain_turns_are_marked(demo, qtbot) -> None:
    ctx, view = demo
    dataset = ctx.session.dataset
    side = dataset.mask(Filters(where=(("sidechain", ("1",)),)))
    conversation = dataset.frame.text("conversation_id")
    codes = conversation.codes[side]
    value = conversation.values[int(codes[codes >= 0][0])]
    with qtbot.waitSignal(view.conversation_opened, timeout=30_000):
        view.open_conversation("conversation_id", value)
    turns = view.detail.turns
    assert "researcher" in turns.branch
    i = turns.branch.index("researcher")
    text = view.detail.model.index(i, TURN_COLUMNS.index("model")).data()
    assert text.startswith("↳ researcher: ")
    assert "side chains" in view.detail.facts.text()


def test_filters_change_the_list_not_the_opened_conversation(demo, qtbot) -> None:
    ctx, view = demo
    opened = view.detail.turns
    model = opened.model[0]
    with qtbot.waitSignal(view.conversation_opened, timeout=30_000):
        ctx.state.set_where("model", (model,))
    assert len(view.detail.turns) == len(opened)
    assert view.detail.turns.in_filters == sum(1 for m in opened.model if m == model)


def test_export_the_turns(demo, tmp_path: Path) -> None:
    _ctx, view = demo
    target = tmp_path / "turns.csv"
    export_turns(view.detail.turns, target)
    lines = target.read_text().splitlines()
    assert len(lines) == len(view.detail.turns) + 1
    assert lines[0].startswith("turn,ts,model,side_chain,input_tokens")


def test_models_pass_the_model_tester(demo, qtmodeltester) -> None:
    _ctx, view = demo
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.detail.model)


def test_text_from_logs_stays_plain(qtbot, tmp_path: Path) -> None:
    evil = "<b>bold</b><img src=x>"
    log = write_jsonl(
        tmp_path / "calls.jsonl",
        [
            call(
                f"2026-07-01T00:0{i}:00Z",
                evil,
                conversation_id=evil,
                status="error" if i else "ok",
                error=evil if i else None,
                labels={"agent": evil if i else None, "sidechain": bool(i)},
            )
            for i in range(3)
        ],
    )
    ctx, view = _view(qtbot, (log,))
    try:
        for model in (view.model, view.detail.model):
            for row in range(model.rowCount()):
                for column in range(model.columnCount()):
                    index = model.index(row, column)
                    # item views draw DisplayRole as plain text; tooltips must not look rich
                    assert isinstance(index.data(), str)
                    tip = index.data(Qt.ItemDataRole.ToolTipRole)
                    assert not (isinstance(tip, str) and Qt.mightBeRichText(tip)), tip
        assert view.detail.title.textFormat() == Qt.TextFormat.PlainText
        assert evil in view.detail.title.text()
    finally:
        ctx.session.shutdown()
        ctx.tasks.wait()


def test_open_conversation_from_the_requests_view(qtbot, tmp_path: Path) -> None:
    from desktop.ui.main_window import MainWindow
    from tests.ui_helpers import close_context, open_data, write_sample

    window = MainWindow()
    qtbot.addWidget(window)
    log = write_sample(tmp_path)
    conversations = window.views["conversations"]
    with qtbot.waitSignal(conversations.conversation_opened, timeout=60_000):
        open_data(qtbot, window.ctx, [log])
    requests = window.views["requests"]
    qtbot.waitUntil(lambda: requests.model.rowCount() > 0, timeout=30_000)
    wanted = window.ctx.session.dataset.rows([requests.model.call_id(0)], ["conversation_id"])[0][
        "conversation_id"
    ]
    with qtbot.waitSignal(conversations.conversation_opened, timeout=30_000):
        requests.open_conversation(0)
    assert window.current_view_name() == "conversations"
    assert conversations.detail.turns.value == wanted
    assert (
        conversations.model.key_at(conversations.table.selectionModel().currentIndex().row())
        == wanted
    )
    close_context(window.ctx)
