"""A call's usage and the self-explaining cost of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from pricing.catalog import format_instant
from pricing.cells import describe_flags, flags_for_call
from pricing.matching import Match
from pricing.money import MILLION, per_million, plain, usd
from pricing.resolve import CellDetail


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one call in disjoint buckets.

    ``input_tokens`` is uncached input only; cache reads and the two cache-write
    TTLs are separate buckets. ``output_tokens`` includes reasoning;
    ``reasoning_tokens`` is the part of it spent on reasoning.
    """

    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    web_search_requests: int = 0

    @property
    def prompt_total(self) -> int:
        """What long-context thresholds compare with: input plus all cache tokens."""
        return (
            self.input_tokens
            + self.cache_read_tokens
            + self.cache_write_5m_tokens
            + self.cache_write_1h_tokens
        )


@dataclass(frozen=True, slots=True)
class BucketCost:
    """One line of the bill: tokens (or searches) × rate."""

    name: str
    units: int
    rate: Decimal  # per 1M tokens, or per search for web searches, or per request
    cost: Decimal
    unit: str  # "1M tokens", "search", "request"
    assumed: str = ""  # how a missing rate was filled in


@dataclass(frozen=True, slots=True)
class CostExplanation:
    """The cost of one call with everything that decided it."""

    model: str | None
    provider: str | None
    service_tier: str | None
    ts: float
    usage: Usage
    total: Decimal | None  # None = unpriced (never $0 by default)
    buckets: tuple[BucketCost, ...] = ()
    match: Match | None = None
    price_id: str | None = None
    effective_from: str | None = None  # "2025-06-10" or "since launch"
    effective_until: str | None = None
    source: str = ""
    checked: str = ""
    origin: str = ""
    version_note: str = ""
    tier: str = ""
    variant: str = ""
    window: str = ""
    flags: int = 0
    unpriced_reason: str = ""
    suggestions: tuple[str, ...] = ()

    @property
    def flag_labels(self) -> list[str]:
        return describe_flags(self.flags)

    @property
    def priced(self) -> bool:
        return self.total is not None

    def lines(self) -> list[str]:
        when = datetime.fromtimestamp(self.ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        head = f"{self.model or '(no model)'}"
        if self.provider:
            head += f" via {self.provider}"
        if self.service_tier:
            head += f", service tier '{self.service_tier}'"
        head += f", at {when}"
        lines = [head]
        if self.total is None:
            lines.append("Cost: unpriced")
            lines.append(f"  why: {self.unpriced_reason}")
            if self.suggestions:
                lines.append("  nearest catalog models: " + ", ".join(self.suggestions))
            lines.append("  (not counted as $0; add a price for this model to include it)")
            return lines
        assert self.match is not None
        lines.append(f"Cost: {usd(self.total)}")
        lines.append(
            f"Model: {self.match.display_name} [{self.match.entry_id}, {self.match.origin} price]"
        )
        lines.append(f"  matched by {self.match.rule}")
        lines.extend(f"  note: {note}" for note in self.match.notes)
        until = f" until {self.effective_until}" if self.effective_until else ""
        lines.append(f"Price version: {self.effective_from}{until} ({self.origin})")
        lines.append(f"  source: {self.source or 'not given'}; checked {self.checked or 'never'}")
        if self.version_note:
            lines.append(f"  note: {self.version_note}")
        lines.append(f"Tier: {self.tier}")
        lines.append(f"Variant: {self.variant}")
        if self.window:
            lines.append(f"Time window: {self.window}")
        lines.append(f"Price id: {self.price_id}")
        lines.append("Buckets:")
        width = max((len(b.name) for b in self.buckets), default=0)
        for bucket in self.buckets:
            rate = (
                f"{per_million(bucket.rate)}/1M"
                if bucket.unit == "1M tokens"
                else f"${plain(bucket.rate)}/{bucket.unit}"
            )
            cost = usd(bucket.cost)
            text = f"  {bucket.name:<{width}}  {bucket.units:>12,}  × {rate:>14}  = {cost:>12}"
            if bucket.assumed:
                text += f"  ({bucket.assumed})"
            lines.append(text)
        lines.append(f"  {'total':<{width}}  {'':>12}    {'':>14}  = {usd(self.total):>12}")
        labels = self.flag_labels
        lines.append("Flags: " + (", ".join(labels) if labels else "none"))
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())


ASSUMED_TEXT = {
    "cache_read": "no cache-read rate: input rate assumed",
    "cache_write_5m": "no 5m cache-write rate: input rate assumed",
    "cache_write_1h": "no 1h cache-write rate: 5m write rate assumed",
}


def explain_cell(
    model: str | None,
    provider: str | None,
    service_tier: str | None,
    ts: float,
    usage: Usage,
    match: Match,
    detail: CellDetail,
) -> CostExplanation:
    """The Decimal cost of ``usage`` at ``detail``'s rates, with its reasons."""
    rates = detail.rates
    plain_output = usage.output_tokens - usage.reasoning_tokens
    token_buckets = (
        ("input", usage.input_tokens, rates.input, "input"),
        ("cache read", usage.cache_read_tokens, rates.cache_read, "cache_read"),
        ("cache write 5m", usage.cache_write_5m_tokens, rates.cache_write_5m, "cache_write_5m"),
        ("cache write 1h", usage.cache_write_1h_tokens, rates.cache_write_1h, "cache_write_1h"),
        ("output", plain_output, rates.output, "output"),
        ("reasoning", usage.reasoning_tokens, rates.reasoning, "reasoning"),
    )
    buckets: list[BucketCost] = []
    for name, units, rate, key in token_buckets:
        if not units:
            continue
        assumed = ASSUMED_TEXT[key] if key in rates.assumed else ""
        buckets.append(BucketCost(name, units, rate, units * rate / MILLION, "1M tokens", assumed))
    if usage.web_search_requests:
        buckets.append(
            BucketCost(
                "web searches",
                usage.web_search_requests,
                rates.per_web_search,
                usage.web_search_requests * rates.per_web_search,
                "search",
            )
        )
    if rates.per_request:
        buckets.append(BucketCost("request", 1, rates.per_request, rates.per_request, "request"))
    total = sum((b.cost for b in buckets), Decimal(0))
    version = detail.version
    return CostExplanation(
        model=model,
        provider=provider,
        service_tier=service_tier,
        ts=ts,
        usage=usage,
        total=total,
        buckets=tuple(buckets),
        match=match,
        price_id=detail.price_id,
        effective_from=version.label,
        effective_until=format_instant(detail.version_end) if detail.version_end else None,
        source=version.source,
        checked=version.checked.isoformat() if version.checked else "",
        origin=detail.entry.origin,
        version_note=version.note,
        tier=_describe_tier(detail, usage.prompt_total),
        variant=detail.variant_note,
        window=_describe_window(detail),
        flags=flags_for_call(
            detail.flags,
            usage.cache_read_tokens,
            usage.cache_write_5m_tokens,
            usage.cache_write_1h_tokens,
        ),
    )


def _describe_tier(detail: CellDetail, prompt: int) -> str:
    tiers = detail.version.tiers
    if not tiers:
        return "no long-context tier"
    if detail.tier_index is None:
        first = tiers[0]
        other = "<" if first.inclusive else "≤"
        return f"prompt {prompt:,} {other} {first.threshold:,} → base rates"
    tier = tiers[detail.tier_index]
    return (
        f"prompt {prompt:,} {tier.op} {tier.threshold:,} → long-context rates for the whole request"
    )


def _describe_window(detail: CellDetail) -> str:
    windows = detail.version.windows
    if not windows:
        return ""
    window = detail.window
    if window is None:
        return f"outside {', '.join(w.name for w in windows)}: the version's own rates"
    days = "every day"
    if window.utc_weekdays is not None:
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        days = ",".join(names[d] for d in sorted(window.utc_weekdays))
    return f"{window.name} ({', '.join(window.utc_times)} UTC, {days})"
