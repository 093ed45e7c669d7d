"""Which logged models the catalog prices, by which rule, and which it does not.

The price editor asks two questions of the open data: "which model names in
my logs does this catalog entry price (and why)?" and "which models have no
price at all?". Both are answered per distinct (provider, model) of the
calls, so they stay fast at a million calls.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pricing.catalog import RATE_KEYS, Rates
from pricing.providers import family_provider, normalise_provider

if TYPE_CHECKING:
    from desktop.store.dataset import Dataset
    from pricing import PricingEngine

PROMPT_AND_OUTPUT = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
)


@dataclass(frozen=True, slots=True)
class LoggedModel:
    """One (provider, model) pair as the logs name it, with its calls."""

    provider: str | None
    model: str | None
    calls: int
    tokens: int  # input + cache read + cache writes + output
    unpriced_calls: int
    unpriced_tokens: int
    cost_usd: float  # computed cost of its priced calls


@dataclass(frozen=True, slots=True)
class PriceGuess:
    """Rates of the nearest known model: a starting point, not a price."""

    entry_id: str
    display_name: str
    rates: Rates

    def as_text(self) -> dict[str, str]:
        """Rates as the strings an editor field shows ("" = not set)."""
        return rates_text(self.rates)


@dataclass(frozen=True, slots=True)
class UnpricedModel:
    logged: LoggedModel
    reason: str
    suggestions: tuple[str, ...]
    guess: PriceGuess | None


@dataclass(frozen=True, slots=True)
class Usage:
    """A logged model that a catalog entry prices, and the rule that chose the entry."""

    logged: LoggedModel
    rule: str
    notes: tuple[str, ...] = ()


def logged_models(dataset: Dataset) -> list[LoggedModel]:
    """Every (provider, model) of the open data, the most called first."""
    frame = dataset.frame
    provider = frame.text("provider")
    model = frame.text("model")
    n_models = len(model.values) + 1
    key = (provider.codes.astype(np.int64) + 1) * n_models + (model.codes.astype(np.int64) + 1)
    space = (len(provider.values) + 1) * n_models
    if space <= max(4 * len(key), 1 << 20):
        keys = np.flatnonzero(np.bincount(key, minlength=space))
        lut = np.zeros(space, dtype=np.int64)
        lut[keys] = np.arange(len(keys))
        inverse = lut[key]
    else:
        keys, inverse = np.unique(key, return_inverse=True)
    m = len(keys)
    cost = frame.num("cost_usd")
    unpriced = np.isnan(cost) & (frame.num("cost_flags") & 1 > 0)
    tokens = np.zeros(len(key), dtype=np.float64)
    for name in PROMPT_AND_OUTPUT:
        tokens += frame.num(name)
    calls = np.bincount(inverse, minlength=m)
    token_sum = np.bincount(inverse, weights=tokens, minlength=m)
    unpriced_calls = np.bincount(inverse[unpriced], minlength=m)
    unpriced_tokens = np.bincount(inverse[unpriced], weights=tokens[unpriced], minlength=m)
    priced = ~np.isnan(cost)
    cost_sum = np.bincount(inverse[priced], weights=cost[priced], minlength=m)
    out = []
    for i, k in enumerate(keys.tolist()):
        p, mo = divmod(k, n_models)
        out.append(
            LoggedModel(
                provider=None if p == 0 else str(provider.values[p - 1]),
                model=None if mo == 0 else str(model.values[mo - 1]),
                calls=int(calls[i]),
                tokens=int(token_sum[i]),
                unpriced_calls=int(unpriced_calls[i]),
                unpriced_tokens=int(unpriced_tokens[i]),
                cost_usd=float(cost_sum[i]),
            )
        )
    out.sort(key=lambda lm: (-lm.calls, lm.model or "", lm.provider or ""))
    return out


def unpriced_models(logged: list[LoggedModel], engine: PricingEngine) -> list[UnpricedModel]:
    """The logged models with unpriced calls, most calls first, with a guess at a price."""
    out = []
    for item in logged:
        if not item.unpriced_calls:
            continue
        why = engine.why_unpriced(item.model, item.provider)
        reason = why.reason if why is not None else "no price applies to these calls"
        suggestions = why.suggestions if why is not None else ()
        out.append(
            UnpricedModel(item, reason, suggestions, nearest_price(engine, item, suggestions))
        )
    out.sort(key=lambda u: (-u.logged.unpriced_calls, u.logged.model or ""))
    return out


def nearest_price(
    engine: PricingEngine, item: LoggedModel, suggestions: tuple[str, ...]
) -> PriceGuess | None:
    """The latest rates of the most similar suggested catalog model (same provider preferred).

    The engine suggests family names first (``gpt-4`` for ``gpt-4.2-mini``), then
    look-alikes; the closest spelling of them all is the better guess (``gpt-4.1-mini``).
    """
    wanted = normalise_provider(item.provider)
    logged = (item.model or "").lower()
    ranked = sorted(
        suggestions,
        key=lambda name: -difflib.SequenceMatcher(None, logged, name.lower()).ratio(),
    )
    for name in ranked:
        entries = [e for e in engine.catalog.entries if e.model == name]
        if not entries:
            continue
        entries.sort(key=lambda e: (e.provider != wanted, e.scope is not None))
        entry = entries[0]
        version = entry.version_at(engine.now)
        return PriceGuess(entry.id, entry.display_name, version.rates)
    return None


def entry_usage(logged: list[LoggedModel], engine: PricingEngine) -> dict[str, list[Usage]]:
    """Per catalog entry id: the logged models it prices and the matching rule."""
    out: dict[str, list[Usage]] = {}
    for item in logged:
        found = engine.match(item.model, item.provider)
        if found is None:
            continue
        out.setdefault(found.entry_id, []).append(Usage(item, found.rule, found.notes))
    return out


def new_entry_target(
    model: str, provider: str | None, taken: set[str] | frozenset[str] = frozenset()
) -> tuple[str, str]:
    """(entry id, provider) for a new price of a logged model that will price its calls.

    The provider is the one the log names (normalised), else the family the model
    name suggests, else "custom" (calls without a provider search every entry).
    """
    route = normalise_provider(provider) or family_provider(model.strip().lower()) or "custom"
    slug = re.sub(r"[^A-Za-z0-9._:@+-]+", "-", model.strip()).strip("-") or "model"
    base = f"{route}/{slug}"
    entry_id, n = base, 2
    while entry_id in taken:
        entry_id, n = f"{base}-{n}", n + 1
    return entry_id, route


def rates_text(rates: Rates) -> dict[str, str]:
    """Rates as editor text: the plain number, or "" when not set (0 stays "0")."""
    out = {}
    for key in RATE_KEYS:
        value = rates.get(key)
        out[key] = "" if value is None else format(value.normalize(), "f")
    return out
