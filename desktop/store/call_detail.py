"""Everything the detail pane says about one call, computed without Qt."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from desktop.numbers import duration_ms, money, tokens
from desktop.record import TOKEN_FIELDS
from desktop.store.dataset import Dataset
from desktop.timeutil import zone_name

FIELD_TITLES: tuple[tuple[str, str], ...] = (
    ("ts", "Time"),
    ("provider", "Provider"),
    ("model", "Model"),
    ("service_tier", "Service tier"),
    ("input_tokens", "Input tokens"),
    ("cache_read_tokens", "Cache read tokens"),
    ("cache_write_5m_tokens", "Cache write 5m tokens"),
    ("cache_write_1h_tokens", "Cache write 1h tokens"),
    ("output_tokens", "Output tokens"),
    ("reasoning_tokens", "Reasoning tokens"),
    ("web_search_requests", "Web searches"),
    ("cost_usd", "Computed cost"),
    ("reported_cost_usd", "Reported cost"),
    ("latency_ms", "Latency"),
    ("status", "Status"),
    ("error", "Error"),
    ("request_id", "Request id"),
    ("message_id", "Message id"),
    ("conversation_id", "Conversation id"),
    ("trace_id", "Trace id"),
    ("parent_id", "Parent id"),
    ("price_id", "Price id"),
    ("dedup_key", "Dedup key"),
)


@dataclass(slots=True)
class CallDetail:
    call_id: int
    row: dict[str, Any]
    summary: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # canonical fields
    labels: list[tuple[str, str]] = field(default_factory=list)
    cost_lines: list[str] = field(default_factory=list)  # the whole explanation
    buckets: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # name, units, rate, cost
    cost_notes: list[str] = field(default_factory=list)  # the explanation less the buckets
    comparison: str = ""  # reported vs computed, when the log states a cost
    source: str = ""
    format: str = ""
    location: str = ""  # "line 12 (byte 3,456)" / "rowid 7"
    computed: float | None = None
    reported: float | None = None


def call_detail(dataset: Dataset, call_id: int, engine: Any, zone: tzinfo) -> CallDetail | None:
    row = dataset.row(call_id)
    if row is None:
        return None
    _prefer_frame_prices(dataset, call_id, row)
    computed = _number(row.get("cost_usd"))
    reported = _number(row.get("reported_cost_usd"))
    sources = dataset.sources
    path, fmt = sources.get(row.get("source_id", -1), ("", ""))
    detail = CallDetail(call_id, row, "", computed=computed, reported=reported)
    detail.source, detail.format = path, fmt
    detail.location = _location(row, fmt)
    detail.fields = [(title, field_text(key, row.get(key), zone)) for key, title in FIELD_TITLES]
    detail.fields.append(("Format", fmt or ""))
    detail.fields.append(("Source", path or ""))
    detail.fields.append(("Position", detail.location))
    detail.fields.append(("Call id", str(call_id)))
    labels = dataset.frame.label_columns
    detail.labels = [
        (key, _text(row.get(col))) for key, col in labels.items() if row.get(col) is not None
    ]
    explanation = explain(row, engine)
    if isinstance(explanation, str):
        detail.cost_lines = detail.cost_notes = [explanation]
    else:
        detail.cost_lines = explanation.lines()
        detail.buckets = bucket_rows(explanation)
        detail.cost_notes = _notes(detail.cost_lines)
    detail.comparison = comparison(computed, reported)
    when = datetime.fromtimestamp(float(row["ts"]), zone).strftime("%Y-%m-%d %H:%M:%S")
    cost = money(computed, unpriced="unpriced")
    detail.summary = f"{row.get('model') or '(no model)'} · {when} · {cost}"
    return detail


def _prefer_frame_prices(dataset: Dataset, call_id: int, row: dict[str, Any]) -> None:
    """Re-pricing reaches the column cache before the store: show the newest price."""
    import numpy as np

    frame = dataset.frame
    ids = frame.ids
    pos = int(np.searchsorted(ids, call_id))
    if pos >= len(ids) or int(ids[pos]) != call_id:
        return
    cost = float(frame.num("cost_usd")[pos])
    row["cost_usd"] = None if math.isnan(cost) else cost
    row["cost_flags"] = int(frame.num("cost_flags")[pos])
    row["price_id"] = frame.text("price_id").value_of(int(frame.text("price_id").codes[pos]))


def explain(row: dict[str, Any], engine: Any) -> Any:
    """The pricing engine's explanation of the call's cost (or why there is none, as text)."""
    if engine is None:
        return "No prices loaded."
    from pricing.explain import Usage

    counts = {name: int(row.get(name) or 0) for name in (*TOKEN_FIELDS, "web_search_requests")}
    try:
        return engine.explain(
            row.get("model"),
            row.get("provider"),
            float(row["ts"]),
            row.get("service_tier"),
            Usage(**counts),
        )
    except Exception as exc:  # an explanation is a courtesy; never fail the pane
        return f"Could not explain the cost: {type(exc).__name__}: {exc}"


def cost_lines(row: dict[str, Any], engine: Any) -> list[str]:
    """The explanation line by line (as ``spendtrail pricing explain`` prints it)."""
    explanation = explain(row, engine)
    return [explanation] if isinstance(explanation, str) else explanation.lines()


def bucket_rows(explanation: Any) -> list[tuple[str, str, str, str]]:
    """The bill bucket by bucket: name, tokens, rate, cost; then the total."""
    from pricing.money import per_million, plain, usd

    if explanation.total is None:
        return []
    rows = []
    for bucket in explanation.buckets:
        if bucket.unit == "1M tokens":
            rate = f"{per_million(bucket.rate)} / 1M"
        else:
            rate = f"${plain(bucket.rate)} / {bucket.unit}"
        name = bucket.name.replace("_", " ")
        if bucket.assumed:
            name += " *"
        rows.append((name, f"{bucket.units:,}", rate, usd(bucket.cost)))
    rows.append(("total", "", "", usd(explanation.total)))
    return rows


def _notes(lines: list[str]) -> list[str]:
    """The explanation's lines without its bucket table (shown as a table)."""
    out, in_buckets = [], False
    for line in lines:
        if line == "Buckets:":
            in_buckets = True
            continue
        if in_buckets and line.startswith("  "):
            if "(" in line and "assumed" in line:
                out.append("* " + line[line.index("(") + 1 : line.rindex(")")])
            continue
        in_buckets = False
        out.append(line)
    return out


def comparison(computed: float | None, reported: float | None) -> str:
    if reported is None:
        return ""
    text = f"Reported by the log: {money(reported)}"
    if computed is None:
        return text + "; Spendtrail has no price for this model (unpriced)."
    diff = reported - computed
    text += f"; computed: {money(computed)}; difference: {_signed_money(diff)}"
    if computed:
        text += f" ({diff / computed * 100:+.1f}%)"
    return text


def _signed_money(value: float) -> str:
    if value == 0:
        return money(0.0)
    return ("+" if value > 0 else "") + money(value)


def field_text(key: str, value: Any, zone: tzinfo) -> str:
    if value is None:
        return "unpriced" if key == "cost_usd" else ""
    if key == "ts":
        local = datetime.fromtimestamp(float(value), zone)
        utc = datetime.fromtimestamp(float(value), UTC)
        text = f"{local.isoformat(timespec='milliseconds')} ({zone_name(zone)})"
        if local.utcoffset():
            text += f" = {utc.strftime('%Y-%m-%d %H:%M:%S')} UTC"
        return text
    if key.endswith("_tokens") or key == "web_search_requests":
        return tokens(value)
    if key in ("cost_usd", "reported_cost_usd"):
        return money(_number(value), unpriced="unpriced")
    if key == "latency_ms":
        return duration_ms(_number(value))
    return _text(value)


def _location(row: dict[str, Any], fmt: str) -> str:
    line, offset = row.get("line"), row.get("offset")
    if fmt in ("llm-logs", "sqlite"):
        return f"rowid {line:,}" if line is not None else ""
    parts = []
    if line is not None:
        parts.append(f"line {line:,}")
    if offset is not None:
        parts.append(f"byte {offset:,}")
    return ", ".join(parts)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
