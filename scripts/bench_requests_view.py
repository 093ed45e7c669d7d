"""Measure the requests view on a big data set: open, sort every column, scroll to the end.

    spendtrail demo-data /tmp/m1 --calls 1000000
    QT_QPA_PLATFORM=offscreen python scripts/bench_requests_view.py /tmp/m1

Prints, per column, the time from asking for the sort until the view has
painted the sorted rows (cold: the column's first sort; warm: the other
direction), the time to scroll to the end, and the longest stall of the UI
thread seen meanwhile (a 10 ms timer that should tick on time).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QApplication

from desktop.store.pricer import PricingSpec
from desktop.ui.app import make_app
from desktop.ui.main_window import MainWindow


class StallWatch:
    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.clock.start()
        self.last = 0
        self.worst = 0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.elapsed()
        self.worst = max(self.worst, now - self.last - 10)
        self.last = now

    def reset(self) -> int:
        worst, self.worst, self.last = self.worst, 0, self.clock.elapsed()
        return worst


def wait(app: QApplication, condition, timeout: float = 600) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        app.processEvents()
        time.sleep(0.001)
        if time.monotonic() > deadline:
            raise TimeoutError


def main() -> None:
    app = make_app()
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    watch = StallWatch()
    view = window.views["requests"]
    started = time.perf_counter()
    window.open_paths([Path(p) for p in sys.argv[1:]], PricingSpec())
    wait(app, lambda: window.ctx.session.dataset is not None)
    window.show_view("requests")
    wait(app, lambda: view.model.rowCount() > 0 and not view.pending_order)
    print(
        f"open to first rows: {time.perf_counter() - started:.2f} s"
        f" ({view.model.rowCount():,} rows); worst UI stall {watch.reset()} ms"
    )

    def painted() -> bool:
        first = max(view.table.rowAt(0), 0)
        last = first + view._visible_rows() - 2
        return view.model.is_loaded(first, min(last, view.model.rowCount() - 1))

    def sort(key: str, descending: bool) -> float:
        t0 = time.perf_counter()
        with_sort = view.model.keys().index(key)
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        before = view.model.generation
        view.table.sortByColumn(with_sort, order)
        wait(app, lambda: view.model.generation != before and not view.pending_order)
        wait(app, painted)
        view.table.viewport().repaint()
        return (time.perf_counter() - t0) * 1000

    print(f"{'column':<22}{'cold ms':>10}{'warm ms':>10}{'stall ms':>10}")
    for key in list(view.model.keys()):
        if view.sort.key == key:  # start from another order
            before = view.model.generation
            view.sort_by("id")
            wait(app, lambda b=before: view.model.generation != b and not view.pending_order)
        watch.reset()
        cold = sort(key, False)
        warm = sort(key, True)
        print(f"{key:<22}{cold:>10.0f}{warm:>10.0f}{watch.reset():>10}")

    bar = view.table.verticalScrollBar()
    t0 = time.perf_counter()
    bar.setValue(bar.maximum())
    wait(app, painted)
    view.table.viewport().repaint()
    print(
        f"scroll to the end: {(time.perf_counter() - t0) * 1000:.0f} ms; "
        f"worst UI stall {watch.reset()} ms"
    )
    t0 = time.perf_counter()
    for step in range(20):
        bar.setValue(bar.maximum() * step // 20)
        app.processEvents()
    wait(app, painted)
    print(
        f"20 jumps through the table: {(time.perf_counter() - t0) * 1000:.0f} ms; "
        f"worst UI stall {watch.reset()} ms"
    )
    before = view.model.generation
    t0 = time.perf_counter()
    window.ctx.state.set_search("hooli")
    wait(app, lambda: view.model.generation != before and not view.pending_order)
    wait(app, painted)
    print(
        f"quick search 'hooli': {(time.perf_counter() - t0) * 1000:.0f} ms "
        f"({view.model.rowCount():,} rows); worst UI stall {watch.reset()} ms"
    )
    window.close()


if __name__ == "__main__":
    main()
