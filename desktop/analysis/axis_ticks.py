"""Chart axis ticks: calendar ticks in the chosen time zone, money labels.

A time axis labelled in the system zone (or in UTC with a fixed offset) puts
day ticks an hour off after a daylight-saving change. These ticks are local
calendar instants of the chosen zone, computed from its rules, so "Mar 30"
sits on the local midnight also on a 23-hour day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from desktop.numbers import CURRENCY, compact
from desktop.timeutil import bucket_edges

# (unit, count, approximate seconds), finest first.
TIME_STEPS: tuple[tuple[str, int, float], ...] = (
    ("hour", 1, 3600),
    ("hour", 2, 2 * 3600),
    ("hour", 3, 3 * 3600),
    ("hour", 6, 6 * 3600),
    ("hour", 12, 12 * 3600),
    ("day", 1, 86400),
    ("day", 2, 2 * 86400),
    ("week", 1, 7 * 86400),
    ("week", 2, 14 * 86400),
    ("month", 1, 30.44 * 86400),
    ("month", 2, 61 * 86400),
    ("month", 3, 91.3 * 86400),
    ("month", 6, 182.6 * 86400),
    ("year", 1, 365.25 * 86400),
    ("year", 2, 2 * 365.25 * 86400),
    ("year", 5, 5 * 365.25 * 86400),
    ("year", 10, 10 * 365.25 * 86400),
)
MAX_TICKS = 400


@dataclass(frozen=True, slots=True)
class TimeTicks:
    unit: str
    count: int
    spacing: float  # approximate seconds between ticks
    values: list[float]
    labels: list[str]


def time_ticks(start: float, end: float, zone: tzinfo, min_spacing: float) -> TimeTicks:
    """Ticks on local calendar boundaries, at least ``min_spacing`` seconds apart."""
    if end < start:
        start, end = end, start
    unit, count, spacing = next(
        (s for s in TIME_STEPS if s[2] >= min_spacing and (end - start) / s[2] <= MAX_TICKS),
        TIME_STEPS[-1],
    )
    if (end - start) / spacing > MAX_TICKS:  # a span of millennia: no ticks at all
        return TimeTicks(unit, count, spacing, [], [])
    values = _boundaries(start, end, unit, count, zone)
    labels = [_label(v, unit, i == 0, zone) for i, v in enumerate(values)]
    return TimeTicks(unit, count, spacing, values, labels)


def _boundaries(start: float, end: float, unit: str, count: int, zone: tzinfo) -> list[float]:
    out: list[float] = []
    if unit == "hour":
        for edge in bucket_edges(start, end, "hour", zone):
            local = datetime.fromtimestamp(float(edge), zone)
            if start <= edge <= end and local.hour % count == 0:
                out.append(float(edge))
        return out
    first = datetime.fromtimestamp(start, zone).date()
    day = _align(first, unit, count)
    while True:
        t = datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()
        if t > end:
            return out
        if t >= start:
            out.append(t)
        day = _step(day, unit, count)


def _align(day: date, unit: str, count: int) -> date:
    if unit == "day":
        # Every other day from a fixed origin, so ticks do not jump while panning.
        return day - timedelta(days=day.toordinal() % count)
    if unit == "week":
        monday = day - timedelta(days=day.weekday())
        return monday - timedelta(weeks=(monday.toordinal() // 7) % count)
    if unit == "month":
        month0 = (day.year * 12 + day.month - 1) // count * count
        return date(month0 // 12, month0 % 12 + 1, 1)
    return date(day.year // count * count, 1, 1)


def _step(day: date, unit: str, count: int) -> date:
    if unit == "day":
        return day + timedelta(days=count)
    if unit == "week":
        return day + timedelta(weeks=count)
    if unit == "month":
        month0 = day.year * 12 + day.month - 1 + count
        return date(month0 // 12, month0 % 12 + 1, 1)
    return date(day.year + count, 1, 1)


def _label(value: float, unit: str, first: bool, zone: tzinfo) -> str:
    """Short labels; the first tick and each new day/year carry the larger unit."""
    local = datetime.fromtimestamp(value, zone)
    if unit == "hour":
        if local.hour == 0 and local.minute == 0:
            return f"{local:%a} {local.day} {local:%b}"
        return f"{local.day} {local:%b %H:%M}" if first else f"{local:%H:%M}"
    if unit in ("day", "week"):
        if first or (local.month == 1 and local.day <= 7):
            return f"{local.day} {local:%b %Y}"
        return f"{local.day} {local:%b}"
    if unit == "month":
        return f"{local:%b %Y}" if first or local.month == 1 else f"{local:%b}"
    return f"{local.year}"


def money_ticks(values: Sequence[float], spacing: float) -> list[str]:
    """Axis labels in dollars with as many decimals as the tick spacing needs."""
    if spacing <= 0 or not math.isfinite(spacing):
        spacing = 1.0
    top = max((abs(v) for v in values), default=0.0)
    if top >= 10_000:
        return [_sign(v) + CURRENCY + compact(abs(v)) for v in values]
    decimals = 0 if spacing >= 1 else max(2, math.ceil(-math.log10(spacing) - 1e-9))
    # Enough digits for every tick to be exact ($2.50, not $2); cents rather than dimes.
    while decimals < 8 and any(abs(v - round(v, decimals)) > spacing * 1e-6 for v in values):
        decimals += 1
    if decimals == 1:
        decimals = 2
    return [f"{_sign(v)}{CURRENCY}{abs(v):,.{decimals}f}" for v in values]


def _sign(value: float) -> str:
    return "-" if value < 0 and abs(value) > 1e-12 else ""
