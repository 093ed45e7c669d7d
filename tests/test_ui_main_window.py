"""End to end: the real main window over demo data, driven as a person would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence

from desktop.commands.report import build_report
from desktop.demo import write_demo_data
from desktop.store.dataset import Filters
from desktop.store.pricer import PricingSpec
from desktop.ui.export_dialog import ExportDialog
from desktop.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo_data(folder, calls=3000)
    return folder


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    yield win
    win.close()


def open_and_wait(qtbot, win: MainWindow, paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(win.ctx.session.loaded, timeout=120000):
        win.open_paths(paths, PricingSpec())


def requests_view(win: MainWindow):  # type: ignore[no-untyped-def]
    return win.views["requests"]


def test_open_sort_filter_select_drill_down_export(qtbot, window, demo_folder, tmp_path) -> None:
    win = window
    assert win.stack.currentWidget() is win.start_page
    open_and_wait(qtbot, win, [demo_folder])
    assert win.stack.currentWidget() is win.workspace
    ctx = win.ctx
    dataset = ctx.session.dataset
    report = build_report(dataset, Filters(), ctx.state.zone, ctx.state.cost_mode, [], None)
    expected = report["totals"]

    # The status bar's totals are the report's totals.
    qtbot.waitUntil(lambda: win.status.totals is not None, timeout=30000)
    got = win.status.totals.as_dict()
    for key in ("calls", "cost_usd", "unpriced_calls", "input_tokens", "output_tokens"):
        assert got[key] == expected[key], key
    assert expected["calls"] == 3000

    # The requests view shows every call, with the same totals.
    view = requests_view(win)
    win.show_view("requests")
    assert win.current_view_name() == "requests"
    qtbot.waitUntil(lambda: view.model.rowCount() == 3000 and not view.pending_order)
    assert f"{expected['calls']:,} calls" in view.summary.text()

    # Sort by cost, descending: the first row is the most expensive call.
    with qtbot.waitSignal(view.order_ready, timeout=20000):
        view.table.sortByColumn(view.model.keys().index("cost"), Qt.SortOrder.DescendingOrder)
    cost = dataset.cost(ctx.state.cost_mode)
    assert view.model.call_id(0) == int(dataset.frame.ids[np.nanargmax(cost)])

    # Filter by the quick search (the shared state), then drill down from elsewhere.
    with qtbot.waitSignal(view.order_ready, timeout=20000):
        win.controls.search.setText("claude")
    mask = dataset.mask(ctx.state.effective_filters(), ctx.state.zone)
    assert view.model.rowCount() == int(mask.sum()) > 0
    win.show_view("overview")
    with qtbot.waitSignal(view.order_ready, timeout=20000):
        ctx.drill_down(Filters(where=(("provider", ("anthropic",)),)))
    assert win.current_view_name() == "requests"
    mask = dataset.mask(ctx.state.effective_filters(), ctx.state.zone)
    assert ctx.state.filters.where == (("provider", ("anthropic",)),)
    assert view.model.rowCount() == int(mask.sum()) > 0

    # Select a call from another view: the detail pane shows it.
    target = view.model.call_id(5)
    with qtbot.waitSignal(view.detail.loaded, timeout=20000):
        ctx.navigator.select_call.emit(target)
    assert view.current_call_id() == target

    # Ctrl+E exports the filtered, sorted table.
    win.actions_by_name["export"].trigger()
    qtbot.waitUntil(lambda: win.findChild(ExportDialog) is not None)
    dialog = win.findChild(ExportDialog)
    out = tmp_path / "requests.csv"
    with qtbot.waitSignal(dialog.finished_export, timeout=60000) as blocker:
        dialog.start(out, "csv")
    assert blocker.args[1] == view.model.rowCount()
    assert len(out.read_text(encoding="utf-8").splitlines()) == view.model.rowCount() + 1
    dialog.close()


def test_menus_and_shortcuts(window) -> None:
    actions = window.actions_by_name
    assert actions["open_file"].shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert actions["find"].shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    assert actions["export"].shortcut() == QKeySequence("Ctrl+E")
    assert QKeySequence("F5") in actions["reload"].shortcuts()
    assert actions["close"].shortcut() == QKeySequence("Ctrl+W")
    for i, name in enumerate(["overview", "requests", "groups", "conversations", "pricing"], 1):
        assert actions[f"view_{name}"].shortcut() == QKeySequence(f"Ctrl+{i}")
    menu = window.findChild(type(window.menuBar().actions()[0].menu()), "recentMenu")
    assert menu is not None


def test_recent_sources_are_remembered(qtbot, window, demo_folder) -> None:
    open_and_wait(qtbot, window, [demo_folder])
    assert window.start_page.recent_sources()[0] == [str(demo_folder)]
    window.close_sources()
    assert window.stack.currentWidget() is window.start_page
    item = window.start_page.recent.item(0)
    assert str(demo_folder) in item.toolTip()


def test_a_second_open_cancels_the_first(qtbot, window, demo_folder, tmp_path) -> None:
    big = tmp_path / "big"
    big.mkdir()
    write_demo_data(big, calls=20000)
    session = window.ctx.session
    window.open_paths([big], PricingSpec())
    first = session._loader
    with qtbot.waitSignal(session.loaded, timeout=120000):
        window.open_paths([demo_folder], PricingSpec())
    assert session.request.paths == (demo_folder,)
    assert session.dataset.store.count_calls() == 3000
    assert first is not None
    assert first.cancel_event.is_set()
    qtbot.waitUntil(lambda: first not in session._retired, timeout=60000)


def test_closing_while_loading_cancels_cleanly(qtbot, tmp_path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    write_demo_data(folder, calls=20000)
    win = MainWindow()
    win.show()
    win.open_paths([folder], PricingSpec())
    assert win.ctx.session.loading
    loader = win.ctx.session._loader
    win.close()
    assert loader is not None
    assert loader.cancel_event.is_set()
    assert loader.isFinished()
    assert not win.ctx.session.loading
    win.deleteLater()


def test_screenshot_mode_writes_a_real_picture(demo_folder, tmp_path) -> None:
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop",
            str(demo_folder),
            "--screenshot",
            str(out),
            "--view",
            "requests",
            "--size",
            "1000x700",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    # The toolbars' and views' minimum sizes may round a small request up a little.
    assert 1000 <= image.width() <= 1100
    assert 700 <= image.height() <= 760
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 30  # text, table, detail pane: not a blank window


def test_status_bar_says_how_many_lines_were_copies(qtbot, window, tmp_path) -> None:
    import shutil

    folder = tmp_path / "projects"
    shutil.copytree(ROOT / "tests" / "fixtures" / "claude_code" / "projects", folder)
    open_and_wait(qtbot, window, [folder])
    qtbot.waitUntil(lambda: window.status.totals is not None, timeout=30000)
    store = window.ctx.session.dataset.store
    calls = store.count_calls()
    records = store.conn.execute("SELECT SUM(calls) FROM sources").fetchone()[0]
    assert records > calls  # streaming copies of one response are merged
    text = window.status.message.text()
    assert text.startswith(f"Ready: {calls:,} calls, $")
    assert f"(read {records:,} new records in " in text
    assert f", {records - calls:,} of them copies of another call)." in text
    # Opened again, nothing changed: nothing read.
    window.status.totals = None
    open_and_wait(qtbot, window, [folder])
    qtbot.waitUntil(lambda: window.status.totals is not None, timeout=30000)
    assert "(unchanged since last time, shown from the store)." in window.status.message.text()


def test_status_bar_shows_how_far_detection_is(window) -> None:
    from desktop.store.ingest import Progress

    window.status._progress(Progress(0, 0, 0, 1.0, 5000, 14368, phase="detecting"))
    assert window.status.message.text() == "Looking at 5,000/14,368 files to tell their formats…"
    assert window.status.progress.value() == 1000 * 5000 // 14368
    window.status._progress(Progress(50, 100, 1200, 2.0, 3, 14368))
    assert window.status.message.text().startswith("Reading 3/14368 files: 1,200 calls")
    assert window.status.progress.value() == 500


def test_start_page_lists_found_logs_it_cannot_read_without_offering_them(
    qtbot, window, tmp_path
) -> None:
    from desktop.logs.discovery import Location

    page = window.start_page
    codex = Location("codex", "Codex CLI sessions", tmp_path / "sessions", 2048, 3, 12)
    kimi = Location("kimi-cli", "Kimi CLI sessions", tmp_path / "kimi", 100, 1, None, False)
    page._show_found([codex, kimi])
    first, second = page.found.item(0), page.found.item(1)
    assert first.text().startswith("Codex CLI sessions — 3 files · 2.0 kB · about 12 calls")
    assert first.flags() & Qt.ItemFlag.ItemIsEnabled
    assert second.text().startswith("Kimi CLI sessions (not read yet) — 100 B")
    assert not second.flags() & Qt.ItemFlag.ItemIsEnabled
    with qtbot.assertNotEmitted(page.open_paths):
        page._activate(second)
    with qtbot.waitSignal(page.open_paths) as opened:
        page._activate(first)
    assert opened.args == [[tmp_path / "sessions"]]


def test_the_open_dialog_offers_every_ending_a_folder_is_searched_for() -> None:
    from desktop.logs.expand import LOG_SUFFIXES
    from desktop.ui.main_window import LOG_FILTER

    offered = LOG_FILTER.split("(", 1)[1].split(")", 1)[0].split()
    for suffix in LOG_SUFFIXES:  # ".jsonl.gz" is offered as "*.gz"
        assert any(suffix.endswith(pattern[1:]) for pattern in offered), suffix
    assert {"*.jsonl", "*.csv", "*.sse", "*.db"} <= set(offered)
