"""The price catalog: model entries with dated price versions, in Decimal per 1M tokens.

Shape (bundled catalog and user file alike)::

    ModelEntry  id, provider (billing route), model id, display name, exact aliases,
                match rules, optional Bedrock profile scope, versions
    PriceVersion  effective_from (UTC; None = since launch), rates, long-context
                  tiers, service-tier variants, time-of-day windows, extras,
                  source / checked date / note

Rates are "$ per 1M tokens". A rate that is not given (``None``) is *not* zero:
it follows the fallback chain in :mod:`pricing.resolve` and the cost is flagged
as assumed; ``Decimal(0)`` means free.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from pricing.errors import PricingValidationError

RATE_KEYS: tuple[str, ...] = (
    "input",
    "output",
    "cache_read",
    "cache_write_5m",
    "cache_write_1h",
    "reasoning",
)
VARIANT_NAMES: tuple[str, ...] = ("batch", "flex", "priority", "fast", "us")
# Where a call is served (Anthropic's inference_geo): an uplift on the price of the
# call's own tier (US-only batch costs the batch price times it), so a multiplier.
GEO_VARIANTS = frozenset({"us"})
RULE_KINDS: tuple[str, ...] = ("exact", "prefix", "glob", "regex")
# Bedrock inference-profile scopes: "standard" = global profile or in-region on-demand
# (list price), "regional" = geographic cross-region profile (us./eu./apac./jp./au.),
# "gov" = GovCloud (us-gov.)
SCOPES: tuple[str, ...] = ("standard", "regional", "gov")
ORIGIN_BUNDLED = "bundled"
ORIGIN_USER = "user"

RuleKind = Literal["exact", "prefix", "glob", "regex"]


@dataclass(frozen=True, slots=True)
class Rates:
    """Per-1M-token rates; ``None`` = not given (falls back), ``Decimal(0)`` = free."""

    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write_5m: Decimal | None = None
    cache_write_1h: Decimal | None = None
    reasoning: Decimal | None = None

    def get(self, key: str) -> Decimal | None:
        if key not in RATE_KEYS:
            raise PricingValidationError(f"unknown rate {key!r}; rates are: {', '.join(RATE_KEYS)}")
        value: Decimal | None = getattr(self, key)
        return value

    def given(self) -> Iterator[tuple[str, Decimal]]:
        """The rates that are set, in the fixed key order."""
        for key in RATE_KEYS:
            value = getattr(self, key)
            if value is not None:
                yield key, value

    def with_rate(self, key: str, value: Decimal | None) -> Rates:
        self.get(key)  # validates the key
        return replace(self, **{key: value})

    def overlay(self, other: Rates) -> Rates:
        """These rates with every rate ``other`` sets replacing ours."""
        return replace(self, **dict(other.given()))

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


@dataclass(frozen=True, slots=True)
class Tier:
    """Long-context tier: past the threshold the *whole request* uses these rates.

    The threshold applies to the request's total prompt (input + cache read +
    both cache writes); ``inclusive`` means ``>=`` (xAI), otherwise ``>``.
    Rates the tier does not set stay at the version's rates.
    """

    threshold: int
    rates: Rates
    inclusive: bool = False

    @property
    def op(self) -> str:
        return ">=" if self.inclusive else ">"

    @property
    def first_token_count(self) -> int:
        """The smallest prompt size that falls into this tier."""
        return self.threshold if self.inclusive else self.threshold + 1


@dataclass(frozen=True, slots=True)
class Variant:
    """A service-tier price (batch, flex, priority): a multiplier or explicit rates.

    Explicit rates overlay the standard rates; ``tier_rates`` (keyed by the tier
    threshold) overlay the standard long-context rates. A multiplier scales every
    token rate, long-context ones included.
    """

    multiplier: Decimal | None = None
    rates: Rates = field(default_factory=Rates)
    tier_rates: tuple[tuple[int, Rates], ...] = ()

    def rates_for_tier(self, threshold: int) -> Rates | None:
        for key, rates in self.tier_rates:
            if key == threshold:
                return rates
        return None


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Rates that apply at certain times of day (UTC), e.g. DeepSeek's peak hours.

    ``utc_times`` are ``HH:MM-HH:MM`` spans (end exclusive; ``16:30-00:30`` crosses
    midnight) and ``utc_weekdays`` (Monday = 0; None = every day) select the calls;
    the window's rates overlay the version's rates for them.
    """

    name: str
    utc_times: tuple[str, ...]
    rates: Rates
    utc_weekdays: frozenset[int] | None = None

    @property
    def utc_minutes(self) -> tuple[tuple[int, int], ...]:
        """Half-open minute-of-day ranges, split at midnight."""
        return parse_minutes(list(self.utc_times), f"window {self.name!r}")

    @property
    def whole_hours(self) -> frozenset[int] | None:
        """The hours covered when every span starts and ends on the hour, else None."""
        ranges = self.utc_minutes
        if any(lo % 60 or hi % 60 for lo, hi in ranges):
            return None
        return frozenset(h for lo, hi in ranges for h in range(lo // 60, hi // 60))


@dataclass(frozen=True, slots=True)
class PriceVersion:
    """The prices of one entry from ``effective_from`` until the next version."""

    effective_from: datetime | None
    rates: Rates
    tiers: tuple[Tier, ...] = ()
    variants: tuple[tuple[str, Variant], ...] = ()
    windows: tuple[TimeWindow, ...] = ()
    web_search_per_1k: Decimal | None = None
    per_request: Decimal | None = None
    source: str = ""
    checked: date | None = None
    note: str = ""

    def variant(self, name: str) -> Variant | None:
        for key, variant in self.variants:
            if key == name:
                return variant
        return None

    @property
    def label(self) -> str:
        """``2025-06-10`` or ``since launch`` (the earliest version without a date)."""
        return format_instant(self.effective_from) if self.effective_from else "since launch"


@dataclass(frozen=True, slots=True)
class MatchRule:
    """An explicit way a logged model name selects this entry (case-insensitive).

    ``exact``: equal; ``prefix``: starts with; ``glob``: shell pattern (``*``, ``?``);
    ``regex``: Python regular expression matching the *whole* name.
    """

    kind: RuleKind
    pattern: str

    def matches(self, name: str) -> bool:
        text = name.lower()
        pattern = self.pattern.lower()
        if self.kind == "exact":
            return text == pattern
        if self.kind == "prefix":
            return text.startswith(pattern)
        if self.kind == "glob":
            return _glob_regex(self.pattern).fullmatch(text) is not None
        return re.fullmatch(self.pattern, name, flags=re.IGNORECASE) is not None

    def describe(self) -> str:
        return f"{self.kind} '{self.pattern}'"


def _glob_regex(pattern: str) -> re.Pattern[str]:
    import fnmatch

    return re.compile(fnmatch.translate(pattern.lower()))


@dataclass(frozen=True, slots=True)
class BasedOn:
    """Which bundled entry a user override was copied from (to spot later changes)."""

    fingerprint: str
    latest_effective_from: str
    catalog_checked: str = ""


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """One priced model on one billing route."""

    id: str
    provider: str
    model: str
    display_name: str
    versions: tuple[PriceVersion, ...]
    aliases: tuple[str, ...] = ()
    match: tuple[MatchRule, ...] = ()
    scope: str | None = None
    note: str = ""
    origin: str = ORIGIN_BUNDLED
    based_on: BasedOn | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The model id followed by the aliases: every exact name of this entry."""
        return (self.model, *(a for a in self.aliases if a != self.model))

    def version_at(self, when: datetime) -> PriceVersion:
        """The version in force at ``when``; the earliest one also covers all earlier times."""
        current = self.versions[0]
        for version in self.versions[1:]:
            assert version.effective_from is not None
            if version.effective_from <= when:
                current = version
        return current

    def find_version(self, effective_from: datetime | None) -> int:
        for index, version in enumerate(self.versions):
            if version.effective_from == effective_from:
                return index
        label = format_instant(effective_from) if effective_from else "since launch"
        raise PricingValidationError(f"model {self.id!r} has no price version {label}")


@dataclass(frozen=True, slots=True)
class Catalog:
    """An ordered set of entries; ids are unique."""

    entries: tuple[ModelEntry, ...]
    name: str = ""
    checked: date | None = None

    def get(self, entry_id: str) -> ModelEntry | None:
        return self.by_id().get(entry_id)

    def by_id(self) -> Mapping[str, ModelEntry]:
        return {entry.id: entry for entry in self.entries}

    def __len__(self) -> int:
        return len(self.entries)


# -- dates -----------------------------------------------------------------------

_INSTANT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]00:?00)?)?$"
)


def parse_instant(text: str, what: str) -> datetime:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]Z`` (UTC) as an aware datetime."""
    match = _INSTANT.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise PricingValidationError(
            f"{what}: {text!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MMZ (UTC)"
        )
    year, month, day, hour, minute, second, _zone = match.groups()
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=UTC,
        )
    except ValueError as error:
        raise PricingValidationError(f"{what}: {text!r} is not a valid date ({error})") from None


def parse_day(text: str, what: str) -> date:
    instant = parse_instant(text, what)
    if (instant.hour, instant.minute, instant.second) != (0, 0, 0):
        raise PricingValidationError(f"{what}: {text!r} must be a plain date (YYYY-MM-DD)")
    return instant.date()


def format_instant(when: datetime) -> str:
    when = when.astimezone(UTC)
    if (when.hour, when.minute, when.second) == (0, 0, 0):
        return when.strftime("%Y-%m-%d")
    if when.second == 0:
        return when.strftime("%Y-%m-%dT%H:%MZ")
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_minutes(spans: list[str], what: str) -> tuple[tuple[int, int], ...]:
    """``["16:30-00:30"]`` → ``((990, 1440), (0, 30))``; ``00:00-00:00`` is the whole day."""
    ranges: list[tuple[int, int]] = []
    for span in spans:
        match = re.fullmatch(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})", str(span).strip())
        if match is None:
            raise PricingValidationError(f"{what}: {span!r} is not a time range like 01:00-04:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise PricingValidationError(f"{what}: {span!r} is not a valid time range")
        lo, hi = h1 * 60 + m1, h2 * 60 + m2
        if hi > lo:
            ranges.append((lo, hi))
        else:  # crosses midnight (or covers the whole day when lo == hi)
            ranges.append((lo, 1440))
            if hi > 0:
                ranges.append((0, hi))
    return tuple(ranges)


# -- validation -----------------------------------------------------------------


def validate_entry(entry: ModelEntry) -> None:
    """Raise :class:`PricingValidationError` with a clear message if ``entry`` is unusable."""
    where = f"model {entry.id!r}"
    if not entry.id.strip():
        raise PricingValidationError("a model needs a non-empty id")
    if not entry.provider.strip():
        raise PricingValidationError(f"{where}: provider is empty")
    if not entry.model.strip():
        raise PricingValidationError(f"{where}: model id is empty")
    if entry.scope is not None and entry.scope not in SCOPES:
        raise PricingValidationError(
            f"{where}: scope {entry.scope!r} is not one of {', '.join(SCOPES)}"
        )
    for rule in entry.match:
        if rule.kind not in RULE_KINDS:
            raise PricingValidationError(
                f"{where}: match rule kind {rule.kind!r} is not one of {', '.join(RULE_KINDS)}"
            )
        if not rule.pattern:
            raise PricingValidationError(f"{where}: a match rule has an empty pattern")
        if rule.kind == "regex":
            try:
                re.compile(rule.pattern)
            except re.error as error:
                raise PricingValidationError(
                    f"{where}: regex {rule.pattern!r} is invalid ({error})"
                ) from None
    if not entry.versions:
        raise PricingValidationError(f"{where}: needs at least one price version")
    previous: datetime | None = None
    for index, version in enumerate(entry.versions):
        label = version.label
        if version.effective_from is None and index > 0:
            raise PricingValidationError(
                f"{where}: only the earliest version may have no effective_from date"
            )
        if version.effective_from is not None and previous is not None:
            if version.effective_from == previous:
                raise PricingValidationError(
                    f"{where}: two versions take effect on {label}; dates must be unique"
                )
            if version.effective_from < previous:
                raise PricingValidationError(f"{where}: versions must be in date order")
        previous = version.effective_from or previous
        _validate_version(version, f"{where}, version {label}")


def _validate_version(version: PriceVersion, where: str) -> None:
    if version.rates.input is None:
        raise PricingValidationError(f"{where}: the input rate is required")
    if version.rates.output is None:
        raise PricingValidationError(f"{where}: the output rate is required")
    _check_rates(version.rates, where)
    for extra, value in (
        ("web_search_per_1k", version.web_search_per_1k),
        ("per_request", version.per_request),
    ):
        if value is not None and value < 0:
            raise PricingValidationError(f"{where}: {extra} must not be negative")
    thresholds: set[int] = set()
    for tier in version.tiers:
        if tier.threshold <= 0:
            raise PricingValidationError(
                f"{where}: long-context threshold must be a positive token count"
            )
        if tier.threshold in thresholds:
            raise PricingValidationError(f"{where}: two tiers share threshold {tier.threshold}")
        thresholds.add(tier.threshold)
        if tier.rates.is_empty():
            raise PricingValidationError(
                f"{where}: the tier above {tier.threshold:,} tokens sets no rates"
            )
        _check_rates(tier.rates, f"{where}, tier {tier.op} {tier.threshold:,}")
    if list(version.tiers) != sorted(version.tiers, key=lambda t: t.threshold):
        raise PricingValidationError(f"{where}: tiers must be in ascending threshold order")
    seen: set[str] = set()
    for name, variant in version.variants:
        if name not in VARIANT_NAMES:
            raise PricingValidationError(
                f"{where}: variant {name!r} is not one of {', '.join(VARIANT_NAMES)}"
            )
        if name in seen:
            raise PricingValidationError(f"{where}: variant {name!r} appears twice")
        seen.add(name)
        vwhere = f"{where}, {name}"
        if name in GEO_VARIANTS and variant.multiplier is None:
            raise PricingValidationError(
                f"{vwhere}: US-only inference is an uplift on the price of the call's tier: "
                "give a multiplier"
            )
        if variant.multiplier is not None:
            if variant.multiplier <= 0:
                raise PricingValidationError(f"{vwhere}: the multiplier must be positive")
            if not variant.rates.is_empty() or variant.tier_rates:
                raise PricingValidationError(
                    f"{vwhere}: give either a multiplier or explicit rates, not both"
                )
        elif variant.rates.is_empty() and not variant.tier_rates:
            raise PricingValidationError(f"{vwhere}: needs a multiplier or explicit rates")
        _check_rates(variant.rates, vwhere)
        for threshold, rates in variant.tier_rates:
            if threshold not in thresholds:
                raise PricingValidationError(
                    f"{vwhere}: rates for a tier at {threshold:,} tokens, but the version "
                    "has no such tier"
                )
            _check_rates(rates, f"{vwhere}, tier {threshold:,}")
    if version.windows and version.tiers:
        raise PricingValidationError(
            f"{where}: a version cannot have both time-of-day windows and long-context tiers"
        )
    names: set[str] = set()
    for window in version.windows:
        wwhere = f"{where}, window {window.name!r}"
        if not window.name:
            raise PricingValidationError(f"{where}: a time window needs a name")
        if window.name in names:
            raise PricingValidationError(f"{wwhere}: the name is used twice")
        names.add(window.name)
        if not window.utc_times:
            raise PricingValidationError(f"{wwhere}: needs at least one time range")
        parse_minutes(list(window.utc_times), wwhere)
        if window.utc_weekdays is not None and (
            not window.utc_weekdays or not window.utc_weekdays <= set(range(7))
        ):
            raise PricingValidationError(f"{wwhere}: weekdays are 0 (Monday) to 6 (Sunday)")
        if window.rates.is_empty():
            raise PricingValidationError(f"{wwhere}: sets no rates")
        _check_rates(window.rates, wwhere)


def _check_rates(rates: Rates, where: str) -> None:
    for key, value in rates.given():
        if value < 0:
            raise PricingValidationError(
                f"{where}: the {key} rate must not be negative (got {value})"
            )


def validate_catalog(entries: tuple[ModelEntry, ...]) -> None:
    """Validate every entry and the uniqueness of ids."""
    seen: set[str] = set()
    for entry in entries:
        validate_entry(entry)
        if entry.id in seen:
            raise PricingValidationError(f"model id {entry.id!r} is used twice")
        seen.add(entry.id)
