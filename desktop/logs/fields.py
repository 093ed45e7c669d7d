"""Field lookup shared by the readers: timestamps, ids, status, labels."""

from __future__ import annotations

from typing import Any

from desktop.record import BadRecord, Labels
from desktop.timeutil import TimestampError, parse_timestamp

TIMESTAMP_KEYS = (
    "ts",
    "timestamp",
    "time",
    "created_at",
    "createdAt",
    "created",
    "start_time",
    "startTime",
    "request_time",
    "datetime",
    "datetime_utc",
    "date",
    "@timestamp",
)

# Long free text is never a label: it is shown in the detail pane instead.
LABEL_TEXT_LIMIT = 200
TEXT_KEYS = frozenset(
    {
        "prompt",
        "response",
        "messages",
        "input",
        "output",
        "content",
        "text",
        "completion",
        "choices",
        "system",
        "instructions",
        "candidates",
        "raw",
        "request",
        "body",
    }
)
MAX_DEPTH = 4


def timestamp(obj: dict[str, Any], keys: tuple[str, ...] = TIMESTAMP_KEYS) -> tuple[str, float]:
    """The first timestamp field found, as (key, UTC epoch seconds)."""
    for key in keys:
        value = obj.get(key)
        if value is None:
            continue
        try:
            return key, parse_timestamp(value)
        except TimestampError as exc:
            raise BadRecord(f"{key}: {exc}") from None
    raise BadRecord("no timestamp (looked for " + ", ".join(keys[:6]) + " …)")


def first(obj: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for key in keys:
        value = obj.get(key)
        if value is not None:
            return key, value
    return None, None


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return None


def number_or_none(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRecord(f"{name} is not a number ({value!r:.40})")
    if value != value or value in (float("inf"), float("-inf")):
        raise BadRecord(f"{name} is {value!r}")
    return float(value)


OK_STATUSES = frozenset({"ok", "success", "succeeded", "completed", "complete", "done", "stop"})


def status_of(status: Any, error: Any) -> tuple[str, str | None]:
    """Normalised status ('ok', 'error', or the log's own word) and error text."""
    error_text = None
    if error not in (None, "", False, {}, []):
        if isinstance(error, dict):
            error_text = str(error.get("message") or error.get("type") or error)
        else:
            error_text = str(error)
    if isinstance(status, bool):
        status = "ok" if status else "error"
    if isinstance(status, int):
        text = "ok" if 200 <= status < 300 else f"http {status}"
    elif isinstance(status, str) and status.strip():
        low = status.strip().lower()
        text = "ok" if low in OK_STATUSES else low
    else:
        text = "error" if error_text else "ok"
    if text == "ok" and error_text:
        text = "error"
    return text, error_text


def flatten_labels(
    obj: dict[str, Any],
    skip: frozenset[str] | set[str],
    prefix: str = "",
    into: Labels | None = None,
) -> Labels:
    """Scalar fields of ``obj`` (nested objects joined with dots) as labels.

    Lists of short scalars (tags) become one comma-separated value; long text,
    other lists and the keys in ``skip`` are left out.
    """
    labels: Labels = {} if into is None else into
    _flatten(obj, skip, prefix, labels, 0)
    return labels


def _flatten(obj: dict[str, Any], skip: Any, prefix: str, labels: Labels, depth: int) -> None:
    for key, value in obj.items():
        if not prefix and key in skip:
            continue
        name = prefix + key
        if value is None:
            continue
        if isinstance(value, str):
            if len(value) <= LABEL_TEXT_LIMIT and key not in TEXT_KEYS:
                labels[name] = value
        elif isinstance(value, bool | int | float):
            if value == value:  # not NaN
                labels[name] = value
        elif isinstance(value, dict):
            if depth < MAX_DEPTH and key not in TEXT_KEYS:
                _flatten(value, skip, name + ".", labels, depth + 1)
        elif isinstance(value, list) and value and key not in TEXT_KEYS and _scalars(value):
            joined = ", ".join(str(v) for v in value)
            if len(joined) <= LABEL_TEXT_LIMIT:
                labels[name] = joined


def _scalars(values: list[Any]) -> bool:
    return all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values)
