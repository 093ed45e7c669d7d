"""`spendtrail report`: totals, groups and time buckets of a set of logs."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

import numpy as np
import orjson

from desktop import __version__
from desktop.commands.common import (
    ProgressLine,
    UsageError,
    add_filter_options,
    add_source_options,
    check_cost_mode,
    filters_of,
    open_request,
    report_ingest_problems,
    require_readable,
    zone_of,
)
from desktop.commands.table import render_table
from desktop.numbers import money, money_total, percent, tokens
from desktop.record import TOKEN_FIELDS
from desktop.store.dataset import COST_MODES, Dataset, Filters, QueryError
from desktop.store.session import describe_sources, open_dataset
from desktop.timeutil import BUCKETS, iso_utc, zone_name

BUCKET_LABELS = {
    "input_tokens": "input",
    "cache_read_tokens": "cache read",
    "cache_write_5m_tokens": "cache write 5m",
    "cache_write_1h_tokens": "cache write 1h",
    "output_tokens": "output",
    "reasoning_tokens": "reasoning",
}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="totals, groups and cost over time of a set of logs",
        description="Read logs (files or folders), price every call, show where the money went.",
    )
    add_source_options(parser)
    add_filter_options(parser)
    parser.add_argument("--by", metavar="COL[,COL...]", help="group by these columns (any label)")
    parser.add_argument("--bucket", choices=BUCKETS, help="also total per time bucket")
    parser.add_argument(
        "--cost-mode",
        default="computed",
        choices=COST_MODES,
        help="computed: our prices (default); reported: the cost the log states; "
        "auto: reported where present, else computed",
    )
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
    parser.add_argument("--limit", type=int, default=50, help="groups shown in the table (50)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    request = open_request(args)
    zone = zone_of(args)
    filters = filters_of(args, zone)
    mode = check_cost_mode(args.cost_mode)
    by = [c.strip() for c in (args.by or "").split(",") if c.strip()]
    line = ProgressLine(enabled=not args.quiet)
    dataset, result = open_dataset(request, progress=line)
    line.done()
    report_ingest_problems(result)
    require_readable(result, dataset.store.count_calls(), args.paths)
    try:
        report = build_report(dataset, filters, zone, mode, by, args.bucket, args.prices)
    except QueryError as exc:
        raise UsageError(str(exc)) from exc
    report["skipped_files"] = [{"path": str(p), "reason": r} for p, r in result.skipped]
    report["errors"] = [{"path": str(p), "reason": r} for p, r in result.errors]
    out = sys.stdout
    if args.format == "json":
        out.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif args.format == "csv":
        out.write(render_csv(report, by))
    else:
        out.write(render_text(report, by, args.limit))
    return 0


def build_report(
    dataset: Dataset,
    filters: Filters,
    zone: tzinfo,
    mode: str,
    by: Sequence[str],
    bucket: str | None,
    prices: str = "history",
) -> dict[str, Any]:
    """The report as one JSON-ready object (the JSON output is exactly this)."""
    mask = dataset.mask(filters, zone)
    totals = dataset.totals(mask, mode)
    report: dict[str, Any] = {
        "spendtrail": __version__,
        "time_zone": zone_name(zone),
        "cost_mode": mode,
        "prices": prices,
        "filters": _filters_json(filters),
        "sources": describe_sources(dataset.store, per_source=dataset.calls_per_source()),
        "totals": totals.as_dict(),
        "by": list(by),
        "groups": [],
    }
    if by:
        report["groups"] = [g.as_dict(by) for g in dataset.groups(mask, by, zone, mode)]
    if bucket:
        start = filters.since
        end = filters.until - 1e-6 if filters.until is not None else None
        report["buckets"] = dataset.buckets(mask, bucket, zone, mode, start, end).rows()
    report["unpriced_models"] = unpriced_models(dataset, mask)
    report["differences"] = largest_differences(dataset, mask)
    return report


def _filters_json(filters: Filters) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if filters.since is not None:
        out["since"] = iso_utc(filters.since)
    if filters.until is not None:
        out["until"] = iso_utc(filters.until)
    if filters.where:
        out["where"] = {k: list(v) for k, v in filters.where}
    if filters.where_not:
        out["where_not"] = {k: list(v) for k, v in filters.where_not}
    if filters.search:
        out["search"] = filters.search
    return out


def unpriced_models(dataset: Dataset, mask: np.ndarray) -> list[dict[str, Any]]:
    """Models without a price in the selection: counted, never silently $0."""
    cost = dataset.frame.num("cost_usd")
    sel = mask & np.isnan(cost)
    if not sel.any():
        return []
    model = dataset.frame.text("model")
    provider = dataset.frame.text("provider")
    pairs: dict[tuple[Any, Any], list[int]] = {}
    m_codes, p_codes = model.codes[sel], provider.codes[sel]
    prompt = dataset.frame.prompt_total()[sel]
    out_tok = dataset.frame.num("output_tokens")[sel]
    combined = m_codes.astype(np.int64) * (len(provider.values) + 1) + (p_codes + 1)
    uniq, inverse = np.unique(combined, return_inverse=True)
    calls = np.bincount(inverse)
    prompt_sum = np.bincount(inverse, weights=prompt)
    out_sum = np.bincount(inverse, weights=out_tok)
    for i, key in enumerate(uniq):
        m, p = divmod(int(key), len(provider.values) + 1)
        pairs[(model.value_of(m) if m >= 0 else None, provider.value_of(p - 1))] = [
            int(calls[i]),
            int(prompt_sum[i]),
            int(out_sum[i]),
        ]
    rows = [
        {"model": m, "provider": p, "calls": c, "prompt_tokens": pt, "output_tokens": ot}
        for (m, p), (c, pt, ot) in pairs.items()
    ]
    rows.sort(key=lambda r: -r["calls"])
    return rows


def largest_differences(dataset: Dataset, mask: np.ndarray, top: int = 10) -> list[dict]:
    """Calls whose reported cost differs most from our computed cost."""
    frame = dataset.frame
    computed = frame.num("cost_usd")
    reported = frame.num("reported_cost_usd")
    both = mask & ~np.isnan(computed) & ~np.isnan(reported)
    if not both.any():
        return []
    idx = np.flatnonzero(both)
    diff = reported[idx] - computed[idx]
    order = np.argsort(-np.abs(diff), kind="stable")[:top]
    ids = [int(frame.ids[idx[i]]) for i in order]
    rows = {r["id"]: r for r in dataset.rows(ids)}
    out = []
    for i, call_id in zip(order, ids, strict=True):
        row = rows.get(call_id, {})
        source = dataset.source_path(row.get("source_id", -1))
        out.append(
            {
                "ts": iso_utc(row.get("ts")),
                "model": row.get("model"),
                "request_id": row.get("request_id"),
                "computed_cost_usd": round(float(computed[idx[i]]), 10),
                "reported_cost_usd": round(float(reported[idx[i]]), 10),
                "difference_usd": round(float(diff[i]), 10),
                "source": str(source) if source else None,
                "line": row.get("line"),
            }
        )
    return out


# -- rendering -----------------------------------------------------------------------


def render_text(report: dict[str, Any], by: Sequence[str], limit: int) -> str:
    out = io.StringIO()
    totals = report["totals"]
    out.write(f"Sources ({len(report['sources'])})\n")
    rows = [
        [s["path"], s["format"], tokens(s["calls"]), tokens(s["skipped"])]
        for s in report["sources"]
    ]
    out.write(render_table(["path", "format", "calls", "skipped lines"], rows, "llrr"))
    for entry in report.get("errors", []):
        out.write(f"  not read: {entry['path']}: {entry['reason']}\n")
    shown = 0
    for source in report["sources"]:
        for problem in source["problems"]:
            if shown == 0:
                out.write("  Skipped lines (first ones; --format json lists more):\n")
            if shown < 10:
                out.write(f"    {source['path']}:{problem['line']}: {problem['reason']}\n")
            shown += 1
    if report.get("skipped_files"):
        out.write(f"  {len(report['skipped_files'])} other files in the folders were not logs\n")
    out.write("\nTotals")
    period = ""
    if totals["first_call"]:
        period = f" ({totals['first_call'][:10]} to {totals['last_call'][:10]}, "
        period += f"times in {report['time_zone']})"
    out.write(period + "\n")
    cost_line = money_total(totals["cost_usd"])
    if totals["unpriced_calls"]:
        cost_line += f"   + {totals['unpriced_calls']:,} UNPRICED calls (no price known)"
    lines = [
        ("calls", tokens(totals["calls"])),
        *((BUCKET_LABELS[k], tokens(totals[k]) + " tokens") for k in TOKEN_FIELDS),
        (f"cost ({report['cost_mode']})", cost_line),
    ]
    if totals["reported_calls"]:
        lines.append(
            (
                "reported cost",
                f"{money_total(totals['reported_cost_usd'])} on {totals['reported_calls']:,} calls"
                f" (computed {money_total(totals['computed_cost_usd'])})",
            )
        )
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        out.write(f"  {key.ljust(width)}  {value}\n")
    if report["groups"]:
        out.write(f"\nBy {', '.join(by)}\n")
        headers = [*by, "calls", "input", "cache read", "cache write", "output", "cost", "share"]
        headers += ["mean", "p50", "p95", "max"]
        rows = []
        for g in report["groups"][:limit]:
            key = [("(none)" if g["key"][c] is None else str(g["key"][c])) for c in by]
            cost = money_total(g["cost_usd"])
            if g["unpriced_calls"]:
                cost += f" +{g['unpriced_calls']:,} unpriced"
            rows.append(
                [
                    *key,
                    tokens(g["calls"]),
                    tokens(g["input_tokens"]),
                    tokens(g["cache_read_tokens"]),
                    tokens(g["cache_write_5m_tokens"] + g["cache_write_1h_tokens"]),
                    tokens(g["output_tokens"]),
                    cost,
                    percent(g["share"]),
                    money(g["mean_cost_usd"]),
                    money(g["p50_cost_usd"]),
                    money(g["p95_cost_usd"]),
                    money(g["max_cost_usd"]),
                ]
            )
        align = "l" * len(by) + "r" * (len(headers) - len(by))
        out.write(render_table(headers, rows, align))
        hidden = len(report["groups"]) - limit
        if hidden > 0:
            out.write(f"  … {hidden:,} more groups (use --limit or --format json)\n")
    if "buckets" in report:
        out.write("\nOver time\n")
        rows = [
            [
                b["label"],
                tokens(b["calls"]),
                money_total(b["cost_usd"]),
                tokens(b["unpriced_calls"]) if b["unpriced_calls"] else "",
            ]
            for b in report["buckets"]
        ]
        out.write(render_table(["bucket", "calls", "cost", "unpriced"], rows, "lrrr"))
    if report["unpriced_models"]:
        out.write(
            "\nUnpriced models (add a price: spendtrail pricing, or the app's pricing editor)\n"
        )
        rows = [
            [r["model"] or "(no model)", r["provider"] or "", tokens(r["calls"])]
            for r in report["unpriced_models"]
        ]
        out.write(render_table(["model", "provider", "calls"], rows, "llr"))
    if report["differences"]:
        out.write("\nLargest differences between reported and computed cost\n")
        rows = [
            [
                d["ts"] or "",
                d["model"] or "",
                money(d["reported_cost_usd"]),
                money(d["computed_cost_usd"]),
                money(d["difference_usd"]),
            ]
            for d in report["differences"]
        ]
        out.write(
            render_table(["time", "model", "reported", "computed", "difference"], rows, "llrrr")
        )
    return out.getvalue()


def render_csv(report: dict[str, Any], by: Sequence[str]) -> str:
    """Groups, or buckets, or the totals: one table a spreadsheet can open."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    metrics = ["calls", *TOKEN_FIELDS, "cost_usd", "unpriced_calls"]
    if "buckets" in report:
        writer.writerow(["bucket_start", "bucket", *metrics])
        for b in report["buckets"]:
            writer.writerow([b["start"], b["label"], *(b[m] for m in metrics)])
    elif report["groups"]:
        stats = ["share", "mean_cost_usd", "p50_cost_usd", "p95_cost_usd", "max_cost_usd"]
        writer.writerow([*by, *metrics, *stats])
        for g in report["groups"]:
            key = [safe_cell(g["key"][c]) for c in by]
            writer.writerow([*key, *(g[m] for m in metrics), *(g[s] for s in stats)])
    else:
        writer.writerow(metrics)
        writer.writerow([report["totals"][m] for m in metrics])
    return out.getvalue()


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
