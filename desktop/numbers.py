"""How numbers are written for people: money with its currency, tokens with separators."""

from __future__ import annotations

import math

CURRENCY = "$"


def money(value: float | None, *, unpriced: str = "—") -> str:
    """USD with sensible precision: cents for real sums, more digits for tiny per-call costs."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return unpriced
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v == 0:
        return f"{CURRENCY}0.00"
    if v >= 1:
        return f"{sign}{CURRENCY}{v:,.2f}"
    if v >= 0.01:
        return f"{sign}{CURRENCY}{v:.4f}"
    # Two significant digits, so a $0.000042 call does not read as $0.00.
    digits = min(8, max(4, 1 - math.floor(math.log10(v))))
    return f"{sign}{CURRENCY}{v:.{digits}f}"


def money_total(value: float | None) -> str:
    """A total: to the cent, except below a cent, which must not read as $0.00."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if 0 < abs(value) < 0.01:
        return money(value)
    return f"{'-' if value < 0 else ''}{CURRENCY}{abs(value):,.2f}"


def tokens(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{int(value):,}"


def compact(value: float) -> str:
    """1.2k, 3.4M: for chart axes and tight places."""
    v = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if v >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def duration_ms(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if value < 1000:
        return f"{value:,.0f} ms"
    return f"{value / 1000:,.2f} s"


def size(num_bytes: int) -> str:
    """A byte count for people: ``512 B``, ``12.3 kB``, ``1.2 GB`` (powers of 1000, as
    disks and downloads are sized)."""
    if num_bytes < 1000:
        return f"{num_bytes} B"
    value = float(num_bytes)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 999.95 or unit == "TB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")
