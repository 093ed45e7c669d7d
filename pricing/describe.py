"""Short human-readable descriptions of prices (tiers, variants, windows, extras)."""

from __future__ import annotations

from decimal import Decimal

from pricing.catalog import PriceVersion, TimeWindow, Variant
from pricing.money import per_million, plain

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def rate(value: Decimal | None) -> str:
    return "—" if value is None else per_million(value)


def describe_tiers(version: PriceVersion) -> str:
    parts: list[str] = []
    for tier in version.tiers:
        given = dict(tier.rates.given())
        head = f"{tier.op} {tier.threshold:,}: "
        main = " / ".join(rate(given.pop(key, None)) for key in ("input", "output"))
        rest = ", ".join(f"{_short(key)} {per_million(value)}" for key, value in given.items())
        parts.append(head + main + (f" ({rest})" if rest else ""))
    return "; ".join(parts) or "—"


VARIANT_LABELS = {"us": "US-only"}


def describe_variant(name: str, variant: Variant) -> str:
    if variant.multiplier is not None:
        return f"{VARIANT_LABELS.get(name, name)} ×{plain(variant.multiplier)}"
    rates = ", ".join(f"{_short(k)} {per_million(v)}" for k, v in variant.rates.given())
    text = f"{name}: {rates}"
    for threshold, tier_rates in variant.tier_rates:
        tier_text = ", ".join(f"{_short(k)} {per_million(v)}" for k, v in tier_rates.given())
        text += f" (> {threshold:,}: {tier_text})"
    return text


def describe_variants(version: PriceVersion) -> str:
    return "; ".join(describe_variant(n, v) for n, v in version.variants) or "—"


def describe_window(window: TimeWindow) -> str:
    days = "every day"
    if window.utc_weekdays is not None:
        ordered = sorted(window.utc_weekdays)
        if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
            days = f"{DAY_NAMES[ordered[0]]}–{DAY_NAMES[ordered[-1]]}"
        else:
            days = ",".join(DAY_NAMES[d] for d in ordered)
    rates = ", ".join(f"{_short(k)} {per_million(v)}" for k, v in window.rates.given())
    return f"{window.name} ({days} {', '.join(window.utc_times)} UTC): {rates}"


def describe_extras(version: PriceVersion) -> str:
    parts: list[str] = []
    if version.windows:
        parts.extend(describe_window(w) for w in version.windows)
    if version.rates.reasoning is not None:
        parts.append(f"reasoning {per_million(version.rates.reasoning)}")
    if version.web_search_per_1k is not None:
        parts.append(f"web search ${plain(version.web_search_per_1k)}/1k")
    if version.per_request is not None:
        parts.append(f"${plain(version.per_request)}/request")
    return "; ".join(parts) or "—"


def _short(key: str) -> str:
    return {
        "input": "in",
        "output": "out",
        "cache_read": "read",
        "cache_write_5m": "5m",
        "cache_write_1h": "1h",
        "reasoning": "reasoning",
    }[key]
