"""How prices read in the editor: a blank rate is not a free one.

A rate that is not set follows a fallback (cache reads and 5-minute cache
writes are billed at the input rate, 1-hour writes at the 5-minute rate,
reasoning at the output rate); it is shown as "— (uses input)". A rate of 0 is
free and says so. Everything else is dollars per million tokens.
"""

from __future__ import annotations

from decimal import Decimal

from pricing.catalog import RATE_KEYS, PriceVersion
from pricing.describe import describe_tiers, describe_variants, describe_window
from pricing.money import per_million, plain

RATE_TITLES = {
    "input": "Input",
    "output": "Output",
    "cache_read": "Cache read",
    "cache_write_5m": "Cache write 5m",
    "cache_write_1h": "Cache write 1h",
    "reasoning": "Reasoning",
}
FALLBACK = {
    "input": "required",
    "output": "required",
    "cache_read": "uses input",
    "cache_write_5m": "uses input",
    "cache_write_1h": "uses 5m",
    "reasoning": "uses output",
}
FALLBACK_RATE = {
    "cache_read": "input",
    "cache_write_5m": "input",
    "cache_write_1h": "5-minute cache-write",
    "reasoning": "output",
}
assert tuple(RATE_TITLES) == RATE_KEYS


def rate_text(key: str, value: Decimal | None) -> str:
    """``$2.50``, ``free ($0)`` or ``— (uses input)``."""
    if value is None:
        return f"— ({FALLBACK[key]})"
    if value == 0:
        return "free ($0)"
    return per_million(value)


def rate_tooltip(key: str, value: Decimal | None) -> str:
    title = RATE_TITLES[key].lower()
    if value is None:
        if key in ("input", "output"):
            return f"No {title} rate: this price is incomplete."
        return (
            f"Not set: {title} tokens are billed at the {FALLBACK_RATE[key]} rate. "
            "Type 0 to make them free."
        )
    if value == 0:
        return f"Free: {title} tokens cost nothing. Clear the cell to use the fallback instead."
    return f"{per_million(value)} per 1M {title} tokens (${plain(value / 1_000_000)} per token)"


def edit_text(value: Decimal | None) -> str:
    """The text an editor starts with: the plain number, or empty when not set."""
    return "" if value is None else plain(value)


def long_context_text(version: PriceVersion) -> str:
    return "—" if not version.tiers else describe_tiers(version)


def service_tiers_text(version: PriceVersion) -> str:
    return "—" if not version.variants else describe_variants(version)


def extras_text(version: PriceVersion) -> str:
    parts = [describe_window(w) for w in version.windows]
    if version.web_search_per_1k is not None:
        parts.append(f"web search ${plain(version.web_search_per_1k)} per 1k")
    if version.per_request is not None:
        parts.append(f"${plain(version.per_request)} per request")
    return "; ".join(parts) or "—"
