"""Time the overview and groups answers at scale: regroup, re-chart, zoom, pivot, paint.

    python scripts/bench_charts.py LOGS_DIR [--zone Europe/Berlin] [--repeat 3]

LOGS_DIR is opened like the app opens it (the working store is reused when it
is up to date); e.g. ``spendtrail demo-data /tmp/m1 --calls 1000000`` first.
Each step runs ``--repeat`` times on warm column caches and the fastest run is
printed (this machine may be shared). "paint" steps render the widget
offscreen once its data is set, as a screen would.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")


def best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    fastest, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        fastest = min(fastest, time.perf_counter() - started)
    return fastest * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", type=Path)
    parser.add_argument("--zone", default="Europe/Berlin")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from desktop.analysis.cost_series import compute_range, cost_series
    from desktop.analysis.overview import group_bars, overview_summary
    from desktop.analysis.pivot import build_pivot
    from desktop.store.dataset import Filters
    from desktop.store.pricer import PricingSpec
    from desktop.store.session import OpenRequest, open_dataset
    from desktop.timeutil import resolve_zone
    from desktop.ui.cost_chart import CostChart
    from desktop.ui.groups_model import GroupsModel

    app = QApplication.instance() or QApplication([])
    started = time.perf_counter()
    dataset, _ = open_dataset(OpenRequest((args.logs,), PricingSpec()))
    print(f"open: {time.perf_counter() - started:.1f} s, {len(dataset.frame):,} calls")
    zone = resolve_zone(args.zone)
    mask = dataset.mask(Filters(), zone)
    overview_summary(dataset, mask, zone, "computed", ["provider", "model"])  # warm the columns
    rows: list[tuple[str, float]] = []

    def step(name: str, fn: Callable[[], object]) -> object:
        ms, result = best(fn, args.repeat)
        rows.append((name, ms))
        print(f"{name:<52} {ms:8.1f} ms", flush=True)
        return result

    step("mask: no filter", lambda: dataset.mask(Filters(), zone))
    step(
        "mask: tenant = globex",
        lambda: dataset.mask(Filters(where=(("tenant", ("globex",)),)), zone),
    )
    for by in (("provider", "model"), ("tenant",), ("tenant", "feature", "model")):
        step(
            f"overview summary by {','.join(by)}",
            lambda by=by: overview_summary(dataset, mask, zone, "computed", by),
        )
    for by in (("provider", "model"), ("tenant",), ("tenant", "feature", "model")):
        step(
            f"regroup: bars by {','.join(by)}",
            lambda by=by: group_bars(dataset, mask, zone, "computed", by),
        )
    for by in (("provider", "model"), ("tenant",)):
        step(
            f"chart, auto (day), stacked by {','.join(by)}",
            lambda by=by: cost_series(dataset, mask, zone, "computed", by),
        )
    step(
        "chart with token sums (CSV export)",
        lambda: cost_series(dataset, mask, zone, "computed", ("provider", "model"), sums=True),
    )
    full = cost_series(dataset, mask, zone, "computed", ("provider", "model"))
    view = (full.start + 40 * 86400, full.start + 42 * 86400)
    lo, hi = compute_range(*view, full.data_start, full.data_end, "hour")
    step(
        "chart zoomed to 2 days (hour buckets + margins)",
        lambda: cost_series(dataset, mask, zone, "computed", ("provider", "model"), "hour", lo, hi),
    )
    step(
        "chart, week buckets",
        lambda: cost_series(dataset, mask, zone, "computed", ("provider", "model"), "week"),
    )
    for by in (("tenant",), ("provider", "model"), ("tenant", "feature", "model"), ("user",)):
        step(
            f"pivot {' > '.join(by)} (stats per level)",
            lambda by=by: build_pivot(dataset, mask, by, zone),
        )

    chart = CostChart()
    chart.resize(1100, 420)
    chart.show()
    app.processEvents()

    def paint_chart() -> None:
        chart.set_series(full, fit=True)
        chart.grab()

    step("paint: cost chart (92 day bars x 9 series)", paint_chart)
    pivot = build_pivot(dataset, mask, ("tenant", "feature", "model"), zone)
    from PySide6.QtWidgets import QTreeView

    tree = QTreeView()
    model = GroupsModel()
    tree.setModel(model)
    tree.resize(1100, 600)
    tree.show()

    def paint_tree() -> None:
        model.set_pivot(pivot)
        tree.expandAll()
        tree.grab()

    step("paint: pivot tree, all expanded", paint_tree)
    end_to_end(app, dataset, zone, args.repeat)
    return 0


def end_to_end(app, dataset, zone, repeat: int) -> None:  # type: ignore[no-untyped-def]
    """In the real overview: from a changed grouping or zoom to the repainted view."""
    from desktop.ui.context import AppContext
    from desktop.ui.overview_view import OverviewView

    ctx = AppContext.create()
    ctx.state.set_zone(zone)
    ctx.session.dataset = dataset  # as after a load (the bench skips the loader thread)
    view = OverviewView(ctx)
    view.resize(1400, 820)
    view.show()

    def wait_idle() -> None:
        # Not a busy loop: PySide6 6.12 on CPython 3.11 drops a reference to None
        # on each processEvents() call, and a few thousand calls abort Python.
        while True:
            app.processEvents()
            if ctx.tasks.pending() == 0:
                app.processEvents()
                if ctx.tasks.pending() == 0:
                    return
            time.sleep(0.002)

    view.refresh()
    wait_idle()
    groupings = [("tenant",), ("provider", "model"), ("tenant", "feature"), ("model",)]
    times = []
    for i in range(repeat * len(groupings)):
        started = time.perf_counter()
        ctx.state.set_group_by(groupings[i % len(groupings)])
        wait_idle()
        view.grab()
        times.append((time.perf_counter() - started) * 1000)
    median = sorted(times)[len(times) // 2]
    print(f"{'end to end: regroup, answer and repaint (median)':<52} {median:8.1f} ms")
    full = view.full_series
    times = []
    for i in range(repeat * 2):
        start = full.start + (10 + 20 * i) * 86400
        started = time.perf_counter()
        view.chart.view_box.setXRange(start, start + 2 * 86400, padding=0)
        view.chart._view_timer.stop()
        view.chart._emit_view()  # what the debounce timer does 60 ms later
        wait_idle()
        view.grab()
        times.append((time.perf_counter() - started) * 1000)
    median = sorted(times)[len(times) // 2]
    print(f"{'end to end: zoom to 2 days, re-bucket, repaint (median)':<52} {median:8.1f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
