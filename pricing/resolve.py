"""From a catalog entry to the rates a call pays: fallbacks, tiers, variants, windows.

Resolution order for one combination (version, long-context tier, variant, window):

1. the version's rates, overlaid by the time window's rates (if the call is in it),
   then by each long-context tier the prompt passes (ascending thresholds), then by
   the variant's explicit rates (below the threshold) or its rates for the tiers
   passed (above it);
2. missing rates follow the fallback chain (documented in docs/pricing-catalog.md):
   ``cache_read`` → input, ``cache_write_5m`` → input, ``cache_write_1h`` → the 5m
   write rate, each flagged as assumed; ``reasoning`` → output (reasoning tokens
   are output tokens, so this is the normal rule and is not flagged);
3. a variant multiplier scales every token rate. Per-request and web-search
   prices are not changed by variants.

Each combination becomes one :class:`RateCell` (floats, for bulk pricing) and one
:class:`CellDetail` (Decimals and words, for explanations), built side by side so
the explanation and the bulk path can never disagree about which price applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pricing.catalog import (
    GEO_VARIANTS,
    ORIGIN_USER,
    RATE_KEYS,
    ModelEntry,
    PriceVersion,
    Rates,
    TimeWindow,
    Variant,
    format_instant,
)
from pricing.cells import CostFlag, RateCell
from pricing.money import plain

VARIANT_FLAGS = {
    "batch": CostFlag.VARIANT_BATCH,
    "flex": CostFlag.VARIANT_FLEX,
    "priority": CostFlag.VARIANT_PRIORITY,
    "fast": CostFlag.VARIANT_FAST,
}
ASSUMED_FLAGS = {
    "cache_read": CostFlag.ASSUMED_CACHE_READ,
    "cache_write_5m": CostFlag.ASSUMED_CACHE_WRITE_5M,
    "cache_write_1h": CostFlag.ASSUMED_CACHE_WRITE_1H,
}
FALLBACKS = {
    "cache_read": "input",
    "cache_write_5m": "input",
    "cache_write_1h": "cache_write_5m",
    "reasoning": "output",
}


@dataclass(frozen=True, slots=True)
class EffectiveRates:
    """All six token rates (Decimal per 1M tokens) plus extras, after every rule."""

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    reasoning: Decimal
    per_request: Decimal
    per_web_search: Decimal
    assumed: tuple[str, ...]  # rate keys filled in by a fallback (reasoning excluded)

    def rate(self, key: str) -> Decimal:
        value: Decimal = getattr(self, key)
        return value


@dataclass(frozen=True, slots=True)
class CellDetail:
    """Everything an explanation needs to say about one rate cell."""

    entry: ModelEntry
    version: PriceVersion
    version_end: datetime | None
    tier_index: int | None  # index into version.tiers of the highest tier passed, None = base
    variant: str | None  # the variant whose price is used, None = standard
    requested_variant: str  # what the call asked for (normalised), "standard" if nothing
    service_tier: str | None  # the raw value from the log
    variant_note: str
    window: TimeWindow | None
    rates: EffectiveRates
    flags: int
    price_id: str


def resolve(
    version: PriceVersion,
    tier_index: int | None,
    variant_name: str | None,
    window: TimeWindow | None,
    geo: Variant | None = None,
) -> tuple[EffectiveRates, bool]:
    """Effective rates and whether a variant lacked its own long-context price.

    ``geo`` (US-only inference) is an uplift on top of whatever the tier costs.
    """
    explicit = version.rates
    if window is not None:
        explicit = explicit.overlay(window.rates)
    passed = version.tiers[: tier_index + 1] if tier_index is not None else ()
    for tier in passed:
        explicit = explicit.overlay(tier.rates)
    variant = version.variant(variant_name) if variant_name else None
    variant_tier_missing = False
    if variant is not None and variant.multiplier is None:
        if not passed:
            explicit = explicit.overlay(variant.rates)
        # past a threshold the variant's own long-context rates apply; where it has
        # none, the standard long-context rate stands (flagged as assumed)
        for tier in passed:
            tier_rates = variant.rates_for_tier(tier.threshold)
            if tier_rates is None:
                variant_tier_missing = True
            else:
                explicit = explicit.overlay(tier_rates)
    values, assumed = _fill_fallbacks(explicit)
    multiplier = variant.multiplier if variant is not None and variant.multiplier else None
    if multiplier is not None:
        values = {key: value * multiplier for key, value in values.items()}
    if geo is not None and geo.multiplier is not None:
        values = {key: value * geo.multiplier for key, value in values.items()}
    per_search = (version.web_search_per_1k or Decimal(0)) / 1000
    return (
        EffectiveRates(
            **values,
            per_request=version.per_request or Decimal(0),
            per_web_search=per_search,
            assumed=assumed,
        ),
        variant_tier_missing,
    )


def _fill_fallbacks(explicit: Rates) -> tuple[dict[str, Decimal], tuple[str, ...]]:
    values: dict[str, Decimal] = {}
    assumed: list[str] = []
    for key in RATE_KEYS:  # fallback targets always come earlier in RATE_KEYS
        value = explicit.get(key)
        if value is None:
            value = values[FALLBACKS[key]]
            if key != "reasoning":
                assumed.append(key)
        values[key] = value
    return values, tuple(assumed)


# -- service tiers -------------------------------------------------------------------

STANDARD_TIERS = frozenset({"", "standard", "default", "auto", "on_demand", "on-demand"})
GEO_SEPARATOR = "+"  # "batch+us": the batch tier, served in the US only
TIER_ALIASES = {
    "batch": "batch",
    "batches": "batch",
    "flex": "flex",
    "priority": "priority",
    # Anthropic's fast mode (usage.speed "fast", read into this tier), priced by the
    # model's "fast" variant. OpenAI logs also report "fast" for its priority
    # processing, which LiteLLM prices with the priority keys: a model without a
    # fast price falls back to its priority price (see _variant_choice).
    "fast": "fast",
}


def split_geo(service_tier: str | None) -> tuple[str | None, str | None]:
    """``"batch+us"`` -> ``("batch", "us")``: the tier, and where the call was served
    (None: anywhere). See :func:`desktop.record.tier_with_geo`."""
    if service_tier and GEO_SEPARATOR in service_tier:
        base, _, geo = service_tier.rpartition(GEO_SEPARATOR)
        geo = geo.strip().lower()
        if geo in GEO_VARIANTS:
            return base or None, geo
    return service_tier, None


def normalise_service_tier(service_tier: str | None) -> tuple[str, bool]:
    """``(variant, unknown)``: ``"standard"``, ``"batch"``, ``"flex"``, ``"priority"``
    or ``"fast"``.

    ``unknown`` is True for a value we cannot price (e.g. OpenAI's ``"scale"``);
    such calls are priced as standard with :attr:`CostFlag.ASSUMED_VARIANT`.
    """
    text = (service_tier or "").strip().lower()
    if text in STANDARD_TIERS:
        return "standard", False
    if text in TIER_ALIASES:
        return TIER_ALIASES[text], False
    return "standard", True


# -- cells ---------------------------------------------------------------------------


def build_cells(
    entry: ModelEntry,
    service_tier: str | None,
    *,
    today: datetime | None = None,
) -> tuple[tuple[RateCell, CellDetail], ...]:
    """All cells of ``entry`` for calls with this service tier, in selection order.

    In history mode (``today`` None) every version gets cells bounded by its time
    range, the earliest one open-ended backwards. With ``today`` only the version
    in force then is used, without time bounds, flagged :attr:`CostFlag.TODAY_PRICES`.
    """
    base_tier, geo = split_geo(service_tier)
    requested, unknown_tier = normalise_service_tier(base_tier)
    pairs: list[tuple[RateCell, CellDetail]] = []
    # (version, start, end): when the version applies; None = open
    spans: list[tuple[PriceVersion, float | None, datetime | None]] = []
    if today is not None:
        spans.append((entry.version_at(today), None, None))
    else:
        for index, version in enumerate(entry.versions):
            start = version.effective_from.timestamp() if index and version.effective_from else None
            following = entry.versions[index + 1] if index + 1 < len(entry.versions) else None
            until = following.effective_from if following else None
            spans.append((version, start, until))
    for version, start, end_at in spans:
        end = end_at.timestamp() if end_at is not None else None
        variant_name, variant_note, flags = _variant_choice(
            version, requested, unknown_tier, base_tier
        )
        geo_variant = version.variant(geo) if geo else None
        if geo_variant is not None:
            flags |= CostFlag.GEO_US
            variant_note += _describe_geo(geo_variant)
        elif geo is not None:
            variant_note += "; served in the US only, which costs no more for this model"
        if entry.origin == ORIGIN_USER:
            flags |= CostFlag.USER_PRICE
        if today is not None:
            flags |= CostFlag.TODAY_PRICES
        # prompt-size bounds of the base rates and of each tier, ascending
        bounds: list[int | None] = [0, *(t.first_token_count for t in version.tiers), None]
        windows: list[TimeWindow | None] = [*version.windows, None]  # the default comes last
        for window in windows:
            for tier_index in range(-1, len(version.tiers)):
                rates, variant_tier_missing = resolve(
                    version,
                    tier_index if tier_index >= 0 else None,
                    variant_name,
                    window,
                    geo_variant,
                )
                cell_flags = flags
                note = variant_note
                if variant_tier_missing:
                    cell_flags |= CostFlag.ASSUMED_VARIANT
                    note += "; this variant has no long-context price, so the standard one is used"
                if tier_index >= 0:
                    cell_flags |= CostFlag.LONG_CONTEXT
                if window is not None:
                    cell_flags |= CostFlag.TIME_WINDOW
                for key in rates.assumed:
                    cell_flags |= ASSUMED_FLAGS[key]
                price_id = _price_id(
                    entry,
                    version,
                    tier_index,
                    variant_name,
                    window,
                    assumed_variant=bool(flags & CostFlag.ASSUMED_VARIANT),
                    geo=geo if geo_variant is not None else None,
                )
                lo = bounds[tier_index + 1]
                hi = bounds[tier_index + 2]
                cell = RateCell(
                    price_id=price_id,
                    input=float(rates.input),
                    output=float(rates.output),
                    cache_read=float(rates.cache_read),
                    cache_write_5m=float(rates.cache_write_5m),
                    cache_write_1h=float(rates.cache_write_1h),
                    reasoning=float(rates.reasoning),
                    per_request=float(rates.per_request),
                    per_web_search=float(rates.per_web_search),
                    start=start,
                    end=end,
                    prompt_min=lo or 0,
                    prompt_max=hi,
                    utc_weekdays=window.utc_weekdays if window else None,
                    utc_hours=window.whole_hours if window else None,
                    utc_minutes=(
                        window.utc_minutes if window and window.whole_hours is None else None
                    ),
                    flags=int(cell_flags),
                )
                detail = CellDetail(
                    entry=entry,
                    version=version,
                    version_end=end_at,
                    tier_index=tier_index if tier_index >= 0 else None,
                    variant=variant_name,
                    requested_variant=requested,
                    service_tier=service_tier,
                    variant_note=note,
                    window=window,
                    rates=rates,
                    flags=int(cell_flags),
                    price_id=price_id,
                )
                pairs.append((cell, detail))
    return tuple(pairs)


def _variant_choice(
    version: PriceVersion, requested: str, unknown_tier: bool, service_tier: str | None
) -> tuple[str | None, str, CostFlag]:
    if unknown_tier:
        return (
            None,
            f"standard (service tier {service_tier!r} has no price of its own)",
            CostFlag.ASSUMED_VARIANT,
        )
    if requested == "standard":
        return None, "standard", CostFlag.NONE
    variant = version.variant(requested)
    if variant is None and requested == "fast":
        # OpenAI's "fast" service tier is its priority processing
        priority = version.variant("priority")
        if priority is not None:
            note = _describe_variant("priority", priority) + ', the price of the "fast" tier'
            return "priority", note, VARIANT_FLAGS["priority"]
    if variant is None:
        return (
            None,
            f"standard ({requested} has no price for this model in this version)",
            CostFlag.ASSUMED_VARIANT,
        )
    return requested, _describe_variant(requested, variant), VARIANT_FLAGS[requested]


def _describe_geo(variant: Variant) -> str:
    return f"; US-only inference (×{plain(variant.multiplier or 1)} on every token rate)"


def _describe_variant(name: str, variant: Variant) -> str:
    if variant.multiplier is not None:
        return f"{name} (×{plain(variant.multiplier)} on every token rate)"
    return f"{name} (explicit rates)"


def _price_id(
    entry: ModelEntry,
    version: PriceVersion,
    tier_index: int,
    variant_name: str | None,
    window: TimeWindow | None,
    *,
    assumed_variant: bool,
    geo: str | None = None,
) -> str:
    when = format_instant(version.effective_from) if version.effective_from else "launch"
    parts = [("user:" if entry.origin == ORIGIN_USER else "") + f"{entry.id}@{when}"]
    if tier_index >= 0:
        tier = version.tiers[tier_index]
        parts.append(f"lc{tier.op}{tier.threshold}")
    if variant_name:
        parts.append(variant_name)
    elif assumed_variant:
        parts.append("standard-assumed")
    if geo is not None:
        parts.append(f"geo={geo}")
    if window is not None:
        parts.append(f"window={window.name}")
    return ":".join(parts)
