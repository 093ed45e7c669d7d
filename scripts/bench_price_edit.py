"""How long after one price edit do the views show the new totals? (the desktop app, offscreen)

    python scripts/bench_price_edit.py DIR [--calls 1000000]

Writes the demo data into DIR (unless it is there), opens it in the main window,
then edits one rate in the pricing editor (input of the busiest model) and
measures, from the edit:

- saved: the user's price file written (UI thread);
- applied: the column cache re-priced (``session.data_changed``);
- views: every view's answer to ``data_changed`` delivered (task runner idle),
  plus the overview's own questions (totals, groups, daily buckets) answered;
- stored: the working store rewritten in the background (``session.repriced``);

and the longest stall of the UI thread meanwhile (a 10 ms heartbeat timer).
Runs with a throwaway config dir; the user's own prices are never touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SPENDTRAIL_CONFIG_DIR", tempfile.mkdtemp(prefix="spendtrail-bench-"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    from desktop.demo import write_demo_data
    from desktop.store.pricer import PricingSpec
    from desktop.store.session import OpenRequest
    from desktop.ui.app import make_app
    from desktop.ui.catalog_model import COLUMN_KEYS
    from desktop.ui.main_window import MainWindow

    if not any(args.directory.glob("*.jsonl")):
        print(f"writing {args.calls:,} demo calls to {args.directory}…", file=sys.stderr)
        write_demo_data(args.directory, calls=args.calls)
    make_app()
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    ctx = window.ctx
    editor = window.views["pricing"]

    def wait(predicate, timeout: float = 600.0) -> None:
        # An event loop polled by a timer: PySide6 6.12's processEvents() drops a reference
        # to None on every call, which crashes the interpreter in a long polling loop.
        if predicate():
            return
        loop = QEventLoop()
        deadline = time.monotonic() + timeout
        poll = QTimer()
        poll.setInterval(2)

        def check() -> None:
            if predicate() or time.monotonic() > deadline:
                loop.quit()

        poll.timeout.connect(check)
        poll.start()
        loop.exec()
        poll.stop()
        if not predicate():
            raise TimeoutError

    started = time.perf_counter()
    window.open_request(OpenRequest((args.directory,), PricingSpec()))
    wait(lambda: ctx.session.dataset is not None and not ctx.session.loading)
    wait(lambda: ctx.tasks.pending() == 0 and editor.data_checked)
    print(
        f"opened {len(ctx.session.dataset.frame):,} calls in {time.perf_counter() - started:.1f} s"
    )

    # what the overview asks after data_changed, timed separately on this thread too
    from desktop.timeutil import auto_bucket

    def overview_questions() -> float:
        t = time.perf_counter()
        dataset, state = ctx.session.dataset, ctx.state
        mask = dataset.mask(state.effective_filters(), state.zone)
        dataset.totals(mask, state.cost_mode)
        dataset.groups(mask, state.group_by, state.zone, state.cost_mode)
        totals = dataset.totals(mask)
        span = (totals.last_ts or 0) - (totals.first_ts or 0)
        dataset.buckets(mask, auto_bucket(span), state.zone, state.cost_mode, stack_by=("model",))
        return time.perf_counter() - t

    busiest = max(editor._usage.items(), key=lambda kv: sum(u.logged.calls for u in kv[1]))[0]
    row = editor.catalog_model.row_of(busiest)
    original = editor.catalog_model.row_at(row).entry.versions[-1].rates.input
    print(f"editing the input rate of {busiest} ({original} per 1M)")

    stall = {"max": 0.0}
    beat = QElapsedTimer()
    heartbeat = QTimer()
    heartbeat.setInterval(10)

    def tick() -> None:
        stall["max"] = max(stall["max"], beat.restart() / 1000 - 0.010)

    heartbeat.timeout.connect(tick)
    marks: dict[str, float] = {}
    answer: dict[str, float] = {}
    ctx.session.data_changed.connect(lambda: marks.setdefault("applied", time.perf_counter()))
    ctx.session.repriced.connect(lambda _p: marks.setdefault("stored", time.perf_counter()))

    for round_ in range(args.rounds):
        marks.clear()
        stall["max"] = 0.0
        beat.start()
        heartbeat.start()
        value = str(original * (2 if round_ % 2 == 0 else 1))
        t0 = time.perf_counter()
        source = editor.catalog_model.index(
            editor.catalog_model.row_of(busiest), COLUMN_KEYS.index("input")
        )
        # never keep a QModelIndex across model changes: map it afresh each round
        editor.proxy.setData(editor.proxy.mapFromSource(source), value)
        marks["saved"] = time.perf_counter()
        wait(lambda: "applied" in marks)
        wait(lambda: ctx.tasks.pending() == 0)
        marks["views"] = time.perf_counter()
        answer.clear()
        ctx.tasks.submit("bench.overview", overview_questions, lambda s: answer.setdefault("s", s))
        wait(lambda: "s" in answer)
        overview = answer["s"]
        wait(lambda: "stored" in marks)
        heartbeat.stop()
        print(
            f"round {round_ + 1}: saved {1000 * (marks['saved'] - t0):.0f} ms, "
            f"applied {1000 * (marks['applied'] - t0):.0f} ms, "
            f"views answered {1000 * (marks['views'] - t0):.0f} ms "
            f"(+ overview's totals/groups/buckets {1000 * overview:.0f} ms), "
            f"store rewritten {1000 * (marks['stored'] - t0):.0f} ms; "
            f"longest UI stall {1000 * stall['max']:.0f} ms"
        )
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
