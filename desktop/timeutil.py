"""Timestamps and calendar buckets.

Everything is stored as UTC epoch seconds (float). Buckets are computed in the
user's chosen time zone from real zone rules, so a day is the local calendar
day even across daylight-saving changes (a day can be 23 or 25 hours long).
"""

from __future__ import annotations

import math
import os
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

BUCKETS = ("hour", "day", "week", "month")

_fromiso = datetime.fromisoformat


class TimestampError(ValueError):
    pass


def parse_timestamp(value: Any) -> float:
    """UTC epoch seconds from an ISO-8601 string or an epoch number.

    Naive ISO strings are taken as UTC. Numbers (or digit strings) are epoch
    seconds, milliseconds, microseconds or nanoseconds, told apart by size.
    """
    if isinstance(value, str):
        try:
            dt = _fromiso(value)
        except ValueError:
            text = value.strip()
            if _looks_numeric(text):
                return _epoch(float(text))
            raise TimestampError(f"unreadable timestamp {value[:40]!r}") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.timestamp()
    if isinstance(value, bool) or value is None:
        raise TimestampError(f"timestamp is {value!r}")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise TimestampError(f"timestamp is {value!r}")
        return _epoch(float(value))
    raise TimestampError(f"timestamp is a {type(value).__name__}")


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _epoch(number: float) -> float:
    magnitude = abs(number)
    if magnitude < 1e11:
        return number
    if magnitude < 1e14:
        return number / 1e3
    if magnitude < 1e17:
        return number / 1e6
    return number / 1e9


def iso_utc(ts: float | None) -> str | None:
    """ISO-8601 UTC with milliseconds and ``Z``."""
    if ts is None or (isinstance(ts, float) and math.isnan(ts)):
        return None
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


# -- time zones ----------------------------------------------------------------


def system_zone() -> tzinfo:
    """The system's IANA zone when it can be found, else its current fixed offset."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    localtime = Path("/etc/localtime")
    try:
        target = str(localtime.resolve())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        try:
            return ZoneInfo(target.split("zoneinfo/", 1)[1])
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        name = Path("/etc/timezone").read_text().strip()
        if name:
            return ZoneInfo(name)
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    local = datetime.now().astimezone().tzinfo
    return local if local is not None else UTC


def resolve_zone(name: str | None) -> tzinfo:
    """``None``/"local" → the system zone; "UTC"; or an IANA name."""
    if name is None or name.lower() in ("", "local", "system"):
        return system_zone()
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimestampError(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)"
        ) from exc


def zone_name(zone: tzinfo) -> str:
    if zone is UTC:
        return "UTC"
    key = getattr(zone, "key", None)
    return key or str(zone)


def parse_bound(text: str, zone: tzinfo) -> float:
    """A ``--since``/``--until`` value: ISO date or date-time; naive values are in ``zone``."""
    try:
        dt = _fromiso(text)
    except ValueError:
        raise TimestampError(
            f"unreadable date {text!r} (use 2026-07-01 or 2026-07-01T09:30)"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return dt.timestamp()


# -- buckets ---------------------------------------------------------------------


def auto_bucket(span_seconds: float) -> str:
    """Bucket size that gives a readable number of bars for a visible span."""
    days = span_seconds / 86400
    if days <= 3:
        return "hour"
    if days <= 120:
        return "day"
    if days <= 730:
        return "week"
    return "month"


def bucket_start(ts: float, unit: str, zone: tzinfo) -> datetime:
    """Local start of the bucket containing ``ts``."""
    local = datetime.fromtimestamp(ts, zone)
    if unit == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.date()
    if unit == "week":
        day = day - timedelta(days=day.weekday())
    elif unit == "month":
        day = day.replace(day=1)
    elif unit != "day":
        raise ValueError(f"unknown bucket {unit!r}")
    return _local_midnight(day, zone)


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _next_day_start(day: date, unit: str) -> date:
    if unit == "day":
        return day + timedelta(days=1)
    if unit == "week":
        return day + timedelta(days=7)
    if day.month == 12:
        return date(day.year + 1, 1, 1)
    return date(day.year, day.month + 1, 1)


def bucket_edges(start_ts: float, end_ts: float, unit: str, zone: tzinfo) -> np.ndarray:
    """Edges (UTC epoch seconds) of the buckets covering ``[start_ts, end_ts]``.

    ``edges[i]`` is the start of bucket ``i``; the last edge is the end of the
    last bucket, so there are ``len(edges) - 1`` buckets and none is skipped,
    even when it holds no calls.
    """
    if unit not in BUCKETS:
        raise ValueError(f"unknown bucket {unit!r}; use one of {', '.join(BUCKETS)}")
    if end_ts < start_ts:
        end_ts = start_ts
    first = bucket_start(start_ts, unit, zone)
    edges: list[float] = []
    if unit == "hour":
        # Step in absolute time and keep instants that are a local hour start:
        # right across DST changes, also for zones with half-hour offsets.
        t = first.timestamp()
        while True:
            edges.append(t)
            if t > end_ts:
                break
            t += 1800
            while datetime.fromtimestamp(t, zone).minute != 0:
                t += 1800
    else:
        day = first.date()
        while True:
            t = _local_midnight(day, zone).timestamp()
            edges.append(t)
            if t > end_ts:
                break
            day = _next_day_start(day, unit)
    return np.asarray(edges, dtype=np.float64)


def bucket_index(ts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bucket number of each timestamp for the given edges."""
    return np.searchsorted(edges, ts, side="right") - 1


def bucket_label(edge: float, unit: str, zone: tzinfo) -> str:
    local = datetime.fromtimestamp(edge, zone)
    if unit == "hour":
        label = local.strftime("%Y-%m-%d %H:00")
        other = local.replace(fold=1 - local.fold)
        if other.utcoffset() != local.utcoffset():  # a repeated hour when clocks go back
            label += local.strftime(" (UTC%z)")
        return label
    if unit == "day":
        return local.strftime("%Y-%m-%d")
    if unit == "week":
        iso = local.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return local.strftime("%Y-%m")
