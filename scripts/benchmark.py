"""Measure Spendtrail on demo data, all figures from one run.

    python scripts/benchmark.py                 # 100k and 1M calls
    python scripts/benchmark.py --sizes 100000  # quicker

For each size it writes the demo logs, then measures, each phase in a fresh
process (so memory is per phase and caches are cold where they should be). The
bare parse, the floor and the first ingest run ``--repeat`` times, taking turns,
and the fastest run of each is shown (the machine may be shared):

- bare parse: a single-core ``orjson.loads`` loop over every line of the files;
- for comparison, the floor of a row store: that loop with each line's values bound
  into a SQLite table as wide as ours with one ``executemany`` (no checks, no pricing);
- first ingest: reading, normalising, pricing and storing every call
  (parsing in worker processes), against the bare parse, until every view can answer;
- indexes: building the store's indexes, which a first load leaves for afterwards;
- reopen: opening the unchanged sources again (the store and column cache are reused);
- report: ``spendtrail report --by feature`` on the opened store;
- regroup / re-bucket: the app's interactive questions over the column cache;
- re-price: one price edit, until every view can show new totals (in memory),
  then until the store holds them too;
- peak memory (max RSS) of each phase.

It is a measurement, not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


RSS_TAIL = """
import resource as _r, json as _j
print(_j.dumps({"self_mb": _r.getrusage(_r.RUSAGE_SELF).ru_maxrss / 1024,
               "children_mb": _r.getrusage(_r.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def run_phase(code: str, env: dict[str, str]) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object, then its peak memory."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code) + RSS_TAIL],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"phase failed:\n{done.stderr}")
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-2])
    memory = json.loads(lines[-1])
    result["max_rss_mb"] = round(memory["self_mb"], 1)
    result["worker_rss_mb"] = round(memory["children_mb"], 1)  # largest parser process
    return result


def measure(size: int, work: Path, repeat: int) -> dict:
    data = work / f"demo-{size}"
    env = dict(os.environ)
    env["SPENDTRAIL_CACHE_DIR"] = str(work / f"cache-{size}")
    env["SPENDTRAIL_CONFIG_DIR"] = str(work / f"config-{size}")
    env["PYTHONPATH"] = str(ROOT)
    out: dict = {"calls": size}
    # A fresh config folder: the re-price step edits a price there, and a folder kept
    # from an earlier run (--work) would already hold that edit (nothing to re-price).
    shutil.rmtree(env["SPENDTRAIL_CONFIG_DIR"], ignore_errors=True)

    started = time.perf_counter()
    from desktop.demo import write_demo_data

    paths = write_demo_data(data, calls=size, seed=7)
    out["demo_write_s"] = round(time.perf_counter() - started, 2)
    out["file_mb"] = round(sum(p.stat().st_size for p in paths) / 1e6, 1)

    bare_code = f"""
        import json, time, orjson, gc
        from pathlib import Path
        gc.disable()
        loads = orjson.loads
        t = time.perf_counter()
        n = 0
        for path in sorted(Path({str(data)!r}).glob("*.jsonl")):
            with open(path, "rb") as fh:
                for line in fh:
                    loads(line)
                    n += 1
        print(json.dumps({{"seconds": time.perf_counter() - t, "lines": n}}))
        """
    # The floor of a row store, for comparison: the same single-core parse loop, each
    # line's stored values (every top-level scalar, every label, and the columns a
    # priced row adds) bound into a new SQLite table of the same width with one
    # executemany, in one transaction. No checks, no pricing, no column cache.
    floor_code = f"""
        import json, time, orjson, gc, sqlite3, tempfile, os, shutil
        from pathlib import Path
        gc.disable()
        loads = orjson.loads
        files = sorted(Path({str(data)!r}).glob("*.jsonl"))
        with open(files[0], "rb") as fh:
            first = loads(fh.readline())
        top = [k for k, v in first.items() if not isinstance(v, (dict, list))]
        labels = sorted(first.get("labels") or {{}})
        extra = ["line", "offset", "source_id", "cost_usd", "cost_flags", "price_id"]
        names = top + ["labels." + k for k in labels] + extra
        db = os.path.join(tempfile.mkdtemp(), "rows.sqlite")
        conn = sqlite3.connect(db, isolation_level=None)
        # the store's settings during a load
        conn.execute("PRAGMA page_size=16384")
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-65536")
        cols = ", ".join('"' + n + '"' for n in names)
        conn.execute(f"CREATE TABLE calls (id INTEGER PRIMARY KEY, {{cols}})")
        sql = f"INSERT INTO calls ({{cols}}) VALUES ({{', '.join('?' * len(names))}})"
        def rows():
            n = 0
            for path in files:
                with open(path, "rb") as fh:
                    for raw in fh:
                        obj = loads(raw)
                        get = obj.get
                        got = (obj.get("labels") or {{}}).get
                        n += 1
                        yield (*map(get, top), *map(got, labels), n, n * 700, 1, 0.001, 0,
                               "openai/gpt-4o-mini@2026-01-01")
        t = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(sql, rows())
        conn.execute("COMMIT")
        seconds = time.perf_counter() - t
        conn.close()
        shutil.rmtree(os.path.dirname(db))  # half a gigabyte at 1M calls
        print(json.dumps({{"seconds": seconds, "columns": len(names) + 1}}))
        """
    open_code = f"""
        import json, time
        from pathlib import Path
        from desktop.store.session import OpenRequest, open_dataset
        from desktop.store.dataset import Filters
        t = time.perf_counter()
        ds, result = open_dataset(OpenRequest((Path({str(data)!r}),)))
        ds.totals(ds.mask(Filters()))  # the overview's first answer: columns loaded
        total = time.perf_counter() - t
        print(json.dumps({{"seconds": total, "ingest_seconds": result.seconds,
                          "records_read": result.records_read,
                          "calls": ds.store.count_calls()}}))
    """
    # The bare parse, the floor and the first ingest take turns, round by round, and
    # the fastest run of each is kept: a shared machine that slows down for a while
    # then weighs on all three alike, not on whichever ran at that moment.
    cache = Path(env["SPENDTRAIL_CACHE_DIR"])
    runs: dict[str, list[dict]] = {"bare_parse": [], "parse_insert": [], "first_ingest": []}
    for _ in range(max(1, repeat)):
        runs["bare_parse"].append(run_phase(bare_code, env))
        runs["parse_insert"].append(run_phase(floor_code, env))
        shutil.rmtree(cache, ignore_errors=True)  # a first ingest: no store yet
        runs["first_ingest"].append(run_phase(open_code, env))
    for name, measured in runs.items():
        out[name] = min(measured, key=lambda r: r["seconds"])
    out["reopen"] = run_phase(open_code, env)
    # After a first load the store's indexes are built apart (the app does it in the
    # background once the data is shown); re-pricing the store uses them.
    out["indexes"] = run_phase(
        f"""
        import json, time
        from pathlib import Path
        from desktop.store.session import OpenRequest
        from desktop.store.store import Store
        from desktop.store.ingest import build_indexes
        store = Store(OpenRequest((Path({str(data)!r}),)).store_path())
        t = time.perf_counter()
        build_indexes(store)
        print(json.dumps({{"seconds": time.perf_counter() - t}}))
        """,
        env,
    )
    out["report"] = run_phase(
        f"""
        import json, time, io, contextlib
        from desktop.cli import main
        t = time.perf_counter()
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = main(["report", {str(data)!r}, "--by", "feature", "--format", "json", "-q"])
        report = json.loads(buf.getvalue())
        print(json.dumps({{"seconds": time.perf_counter() - t, "code": code,
                          "groups": len(report["groups"]),
                          "cost_usd": report["totals"]["cost_usd"]}}))
        """,
        env,
    )
    out["interactive"] = run_phase(
        f"""
        import json, time
        from pathlib import Path
        from desktop.store.session import OpenRequest, open_dataset
        from desktop.store.dataset import Filters
        from desktop.timeutil import resolve_zone
        ds, _ = open_dataset(OpenRequest((Path({str(data)!r}),)))
        zone = resolve_zone("Europe/Berlin")
        mask = ds.mask(Filters())
        for col in ("feature", "tenant", "model", "provider"):  # load once, as the app does
            ds.frame.text(col)
        def timed(fn, repeat=5):
            best = 1e9
            for _ in range(repeat):
                t = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t)
            return best
        res = {{
            "mask_all_s": timed(lambda: ds.mask(Filters())),
            "group_feature_s": timed(lambda: ds.groups(mask, ["feature"], zone)),
            "group_tenant_feature_model_s": timed(
                lambda: ds.groups(mask, ["tenant", "feature", "model"], zone)),
            "buckets_day_stacked_s": timed(
                lambda: ds.buckets(mask, "day", zone, stack_by=["provider", "model"])),
            "search_s": timed(lambda: ds.mask(Filters(search="claude"))),
        }}
        import numpy as np
        cost = ds.frame.num("cost_usd")
        res["sort_cost_s"] = timed(lambda: np.argsort(cost[mask], kind="stable"))
        print(json.dumps(res))
        """,
        env,
    )
    out["reprice"] = run_phase(
        f"""
        import json, time
        from pathlib import Path
        from desktop.store.session import OpenRequest, open_dataset
        from desktop.store.dataset import Filters
        from desktop.store.reprice import plan_reprice, reprice_frame, persist_reprice
        from pricing import PricingEngine
        from pricing.user_catalog import UserCatalog
        ds, _ = open_dataset(OpenRequest((Path({str(data)!r}),)))
        ds.totals(ds.mask(Filters()))
        for col in ("provider", "model", "service_tier", "price_id"):
            ds.frame.text(col)
        user = UserCatalog.load()
        user.set_rate("anthropic/claude-sonnet-4-5", "input", "3.5")
        user.save()
        t = time.perf_counter()
        engine = PricingEngine.load()
        plan = plan_reprice(ds, engine)
        reprice_frame(ds, plan)
        mask = ds.mask(Filters())
        totals = ds.totals(mask)
        views = time.perf_counter() - t
        persist_reprice(ds, plan)
        stored = time.perf_counter() - t
        print(json.dumps({{"views_s": views, "store_s": stored, "calls_repriced": plan.calls,
                          "combinations": len(plan.changes), "cost_usd": totals.cost_usd}}))
        """,
        env,
    )
    return out


def ingest_cell(r: dict) -> str:
    seconds = r["first_ingest"]["ingest_seconds"]
    ratio = seconds / r["bare_parse"]["seconds"]
    return f"{seconds:.2f} s ({ratio:.2f}× bare parse, {r['calls'] / seconds:,.0f} calls/s)"


def table(results: list[dict]) -> str:
    rows = [
        ("calls", lambda r: f"{r['calls']:,}"),
        ("log files", lambda r: f"{r['file_mb']:,} MB"),
        ("bare orjson.loads loop (1 core)", lambda r: f"{r['bare_parse']['seconds']:.2f} s"),
        (
            "first ingest (parse, price, store)",
            lambda r: ingest_cell(r),
        ),
        (
            "for comparison: the bare loop + one `executemany` of its rows",
            lambda r: (
                f"{r['parse_insert']['seconds']:.2f} s "
                f"({r['parse_insert']['seconds'] / r['bare_parse']['seconds']:.2f}× bare parse; "
                f"{r['parse_insert']['columns']} columns)"
            ),
        ),
        (
            "first open incl. overview totals",
            lambda r: f"{r['first_ingest']['seconds']:.2f} s",
        ),
        (
            "indexes, built after the first load",
            lambda r: f"{r['indexes']['seconds']:.2f} s",
        ),
        ("reopen, unchanged (incl. totals)", lambda r: f"{r['reopen']['seconds']:.2f} s"),
        ("`report --by feature` (whole command)", lambda r: f"{r['report']['seconds']:.2f} s"),
        ("regroup by feature", lambda r: f"{r['interactive']['group_feature_s'] * 1000:.0f} ms"),
        (
            "regroup tenant → feature → model",
            lambda r: f"{r['interactive']['group_tenant_feature_model_s'] * 1000:.0f} ms",
        ),
        (
            "cost per day, stacked by model",
            lambda r: f"{r['interactive']['buckets_day_stacked_s'] * 1000:.0f} ms",
        ),
        ("sort by cost", lambda r: f"{r['interactive']['sort_cost_s'] * 1000:.0f} ms"),
        ("quick search", lambda r: f"{r['interactive']['search_s'] * 1000:.0f} ms"),
        (
            "re-price after one edit: views",
            lambda r: (
                f"{r['reprice']['views_s'] * 1000:.0f} ms "
                f"({r['reprice']['calls_repriced']:,} calls)"
            ),
        ),
        ("re-price: store rewritten", lambda r: f"{r['reprice']['store_s']:.2f} s"),
        (
            "peak memory: first open (+ largest parser process)",
            lambda r: (
                f"{r['first_ingest']['max_rss_mb']:.0f} MB "
                f"(+ {r['first_ingest']['worker_rss_mb']:.0f} MB)"
            ),
        ),
        (
            "peak memory: reopen / report",
            lambda r: f"{r['reopen']['max_rss_mb']:.0f} / {r['report']['max_rss_mb']:.0f} MB",
        ),
    ]
    header = "| measure | " + " | ".join(f"{r['calls']:,} calls" for r in results) + " |"
    rule = "|---|" + "---|" * len(results)
    lines = [header, rule]
    for name, fmt in rows:
        lines.append(f"| {name} | " + " | ".join(fmt(r) for r in results) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated call counts")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of the bare parse, the floor and the first ingest; the fastest is kept",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="spendtrail-bench-") as tmp:
        work = args.work or Path(tmp)
        results = [measure(size, work, args.repeat) for size in sizes]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
