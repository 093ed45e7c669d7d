"""The shared export dialog, and the requests view's export of its filtered, sorted rows."""

from __future__ import annotations

import csv
import threading

import orjson
import pytest
from PySide6.QtCore import QSettings

from desktop.store.dataset import Filters
from desktop.store.table_export import ExportJob
from desktop.ui.context import AppContext
from desktop.ui.export_dialog import DIRECTORY_KEY, ExportDialog
from desktop.ui.requests_view import RequestsView
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
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 60 and not widget.pending_order)
    return widget


def test_exports_every_filtered_row_in_display_order_as_csv(qtbot, view, ctx, tmp_path) -> None:
    with qtbot.waitSignal(view.order_ready, timeout=10000):
        ctx.state.set_filters(Filters(where_not=(("tenant", ("initech",)),)))
    assert view.model.rowCount() == 45
    dialog = view.export_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    out = tmp_path / "requests.csv"
    with qtbot.waitSignal(dialog.finished_export, timeout=20000) as blocker:
        dialog.start(out, "csv")
    assert blocker.args == [str(out), 45]
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    header = rows[0]
    assert header[:3] == ["id", "ts", "model"]
    assert "cost" in header
    body = rows[1:]
    assert len(body) == 45
    assert [int(r[0]) for r in body] == [int(i) for i in view.model.ids]  # the shown order
    cost = header.index("cost")
    model = header.index("model")
    for row in body:
        if row[model] == "mystery-model":
            assert row[cost] == "unpriced"
    feature = header.index("feature") if "feature" in header else None
    if feature is not None:
        assert "'=SUM(A1)" in [r[feature] for r in body]
    assert ctx.settings.value(DIRECTORY_KEY) == str(tmp_path)


def test_exports_json_lines_with_labels(qtbot, view, tmp_path) -> None:
    view.set_columns(["ts", "model", "cost", "label:feature"])
    qtbot.waitUntil(lambda: not view.pending_order)
    dialog = view.export_dialog()
    qtbot.addWidget(dialog)
    out = tmp_path / "requests.jsonl"
    with qtbot.waitSignal(dialog.finished_export, timeout=20000):
        dialog.start(out, "jsonl")
    lines = [orjson.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 60
    assert set(lines[0]) == {"id", "ts", "model", "cost", "feature"}
    assert "=SUM(A1)" in [x["feature"] for x in lines]  # JSON keeps values as they are
    assert any(x["cost"] is None for x in lines)  # unpriced: null, never 0


def test_cancel_stops_and_leaves_no_file(qtbot, tmp_path) -> None:
    gate = threading.Event()

    def chunks(fmt):  # type: ignore[no-untyped-def]
        yield [[1, "a"]]
        gate.wait(10)
        yield [[2, "b"]]

    job = ExportJob("things", ["n", "s"], chunks, 2, "things")
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    dialog = ExportDialog(job, settings)
    qtbot.addWidget(dialog)
    out = tmp_path / "things.csv"
    dialog.start(out, "csv")
    qtbot.waitUntil(lambda: dialog.progress.value() == 1, timeout=10000)
    dialog.cancel_button.click()
    gate.set()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=10000)
    assert "cancelled" in dialog.status.text()
    assert not out.exists()
    assert not (tmp_path / "things.csv.part").exists()


def test_a_failing_job_is_reported(qtbot, tmp_path) -> None:
    def chunks(fmt):  # type: ignore[no-untyped-def]
        raise OSError("disk full")
        yield []

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    dialog = ExportDialog(ExportJob("x", ["a"], chunks, 1), settings)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed_export, timeout=10000):
        dialog.start(tmp_path / "x.csv", "csv")
    assert "disk full" in dialog.status.text()
    assert dialog.export_button.isEnabled()
