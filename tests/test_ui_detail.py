"""The detail pane: fields, cost explanation, raw record on demand, text; plain text only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop.ui.context import AppContext
from desktop.ui.detail_pane import TABS, DetailPane
from tests.ui_helpers import close_context, open_data, write_sample


@pytest.fixture
def ctx(qtbot, tmp_path):
    context = AppContext.create()
    open_data(qtbot, context, [write_sample(tmp_path)])
    yield context
    close_context(context)


@pytest.fixture
def pane(qtbot, ctx):
    widget = DetailPane(ctx)
    qtbot.addWidget(widget)
    widget.resize(500, 700)
    widget.show()
    return widget


def call_id_of(ctx, request_id: str) -> int:
    dataset = ctx.session.dataset
    return next(
        r["id"] for r in dataset.rows(dataset.frame.ids.tolist()) if r["request_id"] == request_id
    )


def field_values(pane: DetailPane) -> dict[str, str]:
    table = pane.fields
    return {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}


def test_shows_fields_labels_and_the_cost_explained(qtbot, pane, ctx) -> None:
    assert pane.stack.currentWidget() is pane.empty
    with qtbot.waitSignal(pane.loaded, timeout=10000):
        pane.show_call(call_id_of(ctx, "req-001"))
    values = field_values(pane)
    assert values["Model"] == "claude-sonnet-4-5-20250929"
    assert values["Input tokens"] == "137"
    assert values["Cache read tokens"] == "1,000"
    assert values["tenant"] == "globex"
    assert values["Source"].endswith("calls.jsonl")
    assert values["Position"] == "line 2, byte " + values["Position"].split("byte ")[1]
    cost = pane.cost.toPlainText()
    assert "Claude Sonnet 4.5 (test)" in cost
    buckets = {
        pane.buckets.item(r, 0).text(): [pane.buckets.item(r, c).text() for c in range(1, 4)]
        for r in range(pane.buckets.rowCount())
    }
    assert buckets["cache read"][:2] == ["1,000", "$0.30 / 1M"]
    assert buckets["cache read"][2] == "$0.000300"
    assert buckets["input"][0] == "137"
    assert "total" in buckets
    assert pane.title.text().startswith("claude-sonnet-4-5-20250929 · 2026-05-02")


def test_unpriced_call_says_so(qtbot, pane, ctx) -> None:
    with qtbot.waitSignal(pane.loaded, timeout=10000):
        pane.show_call(call_id_of(ctx, "req-002"))
    assert "unpriced" in pane.title.text()
    assert field_values(pane)["Computed cost"] == "unpriced"
    assert "not counted as $0" in pane.cost.toPlainText()


def test_raw_record_and_text_are_read_on_demand(qtbot, pane, ctx) -> None:
    pane.tabs.setCurrentIndex(TABS.index("fields"))
    with qtbot.waitSignal(pane.loaded, timeout=10000):
        pane.show_call(call_id_of(ctx, "req-003"))
    assert pane.raw_text.toPlainText() == ""  # not read until looked at
    with qtbot.waitSignal(pane.raw_loaded, timeout=10000):
        pane.tabs.setCurrentIndex(TABS.index("raw"))
    raw = pane.raw_text.toPlainText()
    assert '"request_id": "req-003"' in raw
    assert raw.startswith("{\n  ")
    assert "line 4" in pane.raw_note.text()
    assert pane.prompt[1].toPlainText() == "prompt number 3"
    assert pane.response[1].toPlainText() == "response number 3"
    assert ctx.settings.value("requests/detail_tab") == "raw"


def test_log_text_is_never_rich_text(qtbot, pane, ctx) -> None:
    with qtbot.waitSignal(pane.loaded, timeout=10000):
        pane.show_call(call_id_of(ctx, "req-003"))  # tenant "<b>html</b>"
    assert field_values(pane)["tenant"] == "<b>html</b>"
    for label in pane.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_vanished_source_is_explained(qtbot, pane, ctx, tmp_path) -> None:
    (tmp_path / "calls.jsonl").unlink()
    pane.tabs.setCurrentIndex(TABS.index("raw"))
    with qtbot.waitSignal(pane.raw_loaded, timeout=10000):
        pane.show_call(call_id_of(ctx, "req-000"))
    assert "no longer there" in pane.raw_note.text()
    assert "no longer there" in pane.prompt[1].toPlainText()


def test_open_conversation_button(qtbot, pane, ctx) -> None:
    with qtbot.waitSignal(pane.loaded, timeout=10000):
        pane.show_call(call_id_of(ctx, "req-006"))
    assert pane.conversation_button.isEnabled()
    with qtbot.waitSignal(pane.open_conversation) as blocker:
        pane.conversation_button.click()
    assert blocker.args == ["conv-1"]


def test_claude_code_text_is_gathered_around_the_call(qtbot, tmp_path) -> None:
    from tests.helpers import write_jsonl
    from tests.test_conversations import _transcript

    folder = tmp_path / "projects" / "-home-dev-shop"
    folder.mkdir(parents=True)
    write_jsonl(folder / "s-1.jsonl", _transcript())
    context = AppContext.create()
    open_data(qtbot, context, [tmp_path / "projects"])
    try:
        pane = DetailPane(context)
        qtbot.addWidget(pane)
        pane.show()
        dataset = context.session.dataset
        rows = dataset.rows(dataset.frame.ids.tolist())
        call_id = next(r["id"] for r in rows if r["message_id"] == "msg_1")
        pane.tabs.setCurrentIndex(TABS.index("text"))
        with qtbot.waitSignal(pane.raw_loaded, timeout=10000):
            pane.show_call(call_id)
        assert pane.prompt[1].toPlainText() == "Summarise <README>"
        assert pane.response[1].toPlainText() == (
            'Reading it.\n\n[tool call: Read] {"file_path":"README.md"}'
        )
    finally:
        close_context(context)
