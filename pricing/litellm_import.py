"""Read a LiteLLM price map (``model_prices_and_context_window.json``) as a catalog.

Mapping (LiteLLM prices are USD per token; ours are per 1M tokens):

=====================================================  ===================================
LiteLLM key                                            catalog
=====================================================  ===================================
``input_cost_per_token``                               ``input``
``output_cost_per_token``                              ``output``
``cache_read_input_token_cost``                        ``cache_read``
``input_cost_per_token_cache_hit`` (DeepSeek)          ``cache_read`` when the above is absent
``cache_creation_input_token_cost``                    ``cache_write_5m``
``cache_creation_input_token_cost_above_1hr``          ``cache_write_1h``
``output_cost_per_reasoning_token``                    ``reasoning``
``<key>_above_<N>k_tokens``                            long-context tier ``> N*1000``
                                                       (``>=`` for xAI, as LiteLLM does)
``<key>_batches`` / ``_flex`` / ``_priority``          batch / flex / priority variant rates
``search_context_cost_per_query`` (medium)             ``web_search_per_1k`` (×1000)
``input_cost_per_request``                             ``per_request``
``off_peak_pricing`` (DeepSeek V4)                     an ``off-peak`` time window
``alias_of``                                           a copy of the target's prices
=====================================================  ===================================

Skipped, with a reason each: ``sample_spec``, entries without token prices (image,
audio, video, per-second, per-query…), ``tiered_pricing`` range tables, Bedrock
provisioned-throughput commitments. Imported prices have no date: the map says
what a model costs, not since when, so each entry gets one version "since launch".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pricing.catalog import Catalog, ModelEntry, PriceVersion, Rates, Tier, TimeWindow, Variant
from pricing.errors import PricingValidationError
from pricing.money import MILLION, parse_decimal

_BASE_KEYS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write_5m",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "output_cost_per_reasoning_token": "reasoning",
}
_SUFFIX_VARIANT = {"batches": "batch", "flex": "flex", "priority": "priority"}
_BASE_PATTERN = "|".join(sorted(_BASE_KEYS, key=len, reverse=True))
_TIER_KEY = re.compile(rf"^({_BASE_PATTERN})_above_(\d+)(k?)_tokens(?:_(batches|flex|priority))?$")
_VARIANT_KEY = re.compile(rf"^({_BASE_PATTERN})_(batches|flex|priority)$")
_INCLUSIVE_PROVIDERS = {"xai"}
_TOKEN_MODES = {None, "chat", "completion", "responses", "embedding"}

PROVIDER_ROUTES = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "bedrock_mantle": "bedrock",
    "azure": "azure",
    "azure_ai": "azure",
    "azure_text": "azure",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "xai": "xai",
    "openrouter": "openrouter",
    "ollama": "ollama",
    "ollama_chat": "ollama",
    "fireworks_ai": "fireworks",
    "together_ai": "together",
}


def is_litellm_map(data: object) -> bool:
    """A JSON object whose values look like LiteLLM model entries."""
    if not isinstance(data, dict) or not data:
        return False
    if "sample_spec" in data:
        return True
    values = [v for v in list(data.values())[:50] if isinstance(v, dict)]
    return bool(values) and all(
        any(
            key in value
            for key in (
                "input_cost_per_token",
                "output_cost_per_token",
                "litellm_provider",
                "mode",
                "alias_of",
            )
        )
        for value in values
    )


def route_of(litellm_provider: str) -> str:
    if litellm_provider.startswith("vertex_ai"):
        return "vertex"
    return PROVIDER_ROUTES.get(litellm_provider, litellm_provider)


@dataclass(frozen=True, slots=True)
class LiteLLMImport:
    catalog: Catalog
    skipped: tuple[str, ...]
    keys: Mapping[str, str]  # entry id -> LiteLLM key


def catalog_from_litellm(data: Mapping[str, Any], *, name: str, checked: date) -> LiteLLMImport:
    """Convert a parsed LiteLLM map; one entry per token-priced key, id ``litellm:<key>``."""
    entries: list[ModelEntry] = []
    skipped: list[str] = []
    keys: dict[str, str] = {}
    for key, raw in data.items():
        if key == "sample_spec":
            continue
        if not isinstance(raw, dict):
            skipped.append(f"{key}: not an object")
            continue
        spec = raw
        if "alias_of" in spec:
            target = _resolve_alias(data, key)
            if target is None:
                skipped.append(f"{key}: alias_of points to a missing or circular entry")
                continue
            spec = {**data[target], **{k: v for k, v in spec.items() if k != "alias_of"}}
        try:
            entry = _entry(key, spec, name=name, checked=checked)
        except PricingValidationError as error:
            skipped.append(f"{key}: {error}")
            continue
        if isinstance(entry, str):
            skipped.append(f"{key}: {entry}")
            continue
        entries.append(entry)
        keys[entry.id] = key
    return LiteLLMImport(Catalog(entries=tuple(entries), name=name), tuple(skipped), keys)


def _resolve_alias(data: Mapping[str, Any], key: str) -> str | None:
    seen = {key}
    current = key
    while True:
        spec = data.get(current)
        if not isinstance(spec, dict):
            return None
        target = spec.get("alias_of")
        if target is None:
            return current
        if not isinstance(target, str) or target in seen:
            return None
        seen.add(target)
        current = target


def _per_million(value: object, what: str) -> Decimal:
    number = parse_decimal(value, what)
    if number < 0:
        raise PricingValidationError(f"{what} is negative")
    return (number * MILLION).normalize()


def _entry(key: str, spec: Mapping[str, Any], *, name: str, checked: date) -> ModelEntry | str:
    if spec.get("mode") not in _TOKEN_MODES:
        return f"mode {spec.get('mode')!r} is not priced per token"
    if "tiered_pricing" in spec:
        return "uses a tiered_pricing range table, which is not imported"
    if "commitment" in key:
        return "provisioned-throughput commitment, not priced per token"
    if spec.get("input_cost_per_token") is None and spec.get("output_cost_per_token") is None:
        return "no per-token prices"
    litellm_provider = str(spec.get("litellm_provider") or "")
    provider = route_of(litellm_provider) if litellm_provider else _provider_from_key(key)
    notes: list[str] = []
    base: dict[str, Decimal] = {}
    tiers: dict[int, dict[str, Decimal]] = {}
    variants: dict[str, dict[str, Decimal]] = {}
    variant_tiers: dict[str, dict[int, dict[str, Decimal]]] = {}
    for field_name, value in spec.items():
        if value is None:
            continue
        if field_name in _BASE_KEYS:
            base[_BASE_KEYS[field_name]] = _per_million(value, field_name)
            continue
        tier = _TIER_KEY.match(field_name)
        if tier:
            threshold = int(tier.group(2)) * (1000 if tier.group(3) else 1)
            rate = _per_million(value, field_name)
            target = _BASE_KEYS[tier.group(1)]
            if tier.group(4):
                variant = _SUFFIX_VARIANT[tier.group(4)]
                variant_tiers.setdefault(variant, {}).setdefault(threshold, {})[target] = rate
            else:
                tiers.setdefault(threshold, {})[target] = rate
            continue
        variant_key = _VARIANT_KEY.match(field_name)
        if variant_key:
            variant = _SUFFIX_VARIANT[variant_key.group(2)]
            variants.setdefault(variant, {})[_BASE_KEYS[variant_key.group(1)]] = _per_million(
                value, field_name
            )
    if "cache_read" not in base and spec.get("input_cost_per_token_cache_hit") is not None:
        base["cache_read"] = _per_million(
            spec["input_cost_per_token_cache_hit"], "input_cost_per_token_cache_hit"
        )
    if "input" not in base:
        return "no input price"
    if "output" not in base:
        if spec.get("mode") != "embedding":
            return "no output price"
        base["output"] = Decimal(0)
        notes.append("embedding model: no output price in the map, output tokens are free")
    inclusive = provider in _INCLUSIVE_PROVIDERS
    tier_list = tuple(
        Tier(threshold=t, rates=Rates(**rates), inclusive=inclusive)
        for t, rates in sorted(tiers.items())
    )
    tier_thresholds = {t.threshold for t in tier_list}
    variant_list: list[tuple[str, Variant]] = []
    for variant_name in ("batch", "flex", "priority"):
        flat = variants.get(variant_name, {})
        per_tier = {
            t: r for t, r in variant_tiers.get(variant_name, {}).items() if t in tier_thresholds
        }
        if not flat and not per_tier:
            continue
        # LiteLLM bills reasoning at the variant's output rate when the variant has one
        if "output" in flat and "reasoning" not in flat and "reasoning" in base:
            flat["reasoning"] = flat["output"]
        variant_list.append(
            (
                variant_name,
                Variant(
                    rates=Rates(**flat),
                    tier_rates=tuple((t, Rates(**r)) for t, r in sorted(per_tier.items())),
                ),
            )
        )
    entry = spec.get("provider_specific_entry")
    for variant_name in ("fast", "us"):  # fast mode; US-only inference (an uplift)
        multiplier = _entry_multiplier(entry, variant_name)
        if multiplier is not None:
            variant_list.append((variant_name, Variant(multiplier=multiplier)))
    windows = _off_peak_window(spec.get("off_peak_pricing"))
    if windows and tier_list:
        return "has both an off-peak window and long-context tiers, which we cannot combine"
    search = spec.get("search_context_cost_per_query")
    web_search = None
    if isinstance(search, dict) and search.get("search_context_size_medium") is not None:
        web_search = parse_decimal(search["search_context_size_medium"], "web search") * 1000
    per_request = spec.get("input_cost_per_request")
    # the key itself is the model name: keys that only differ by a provider prefix
    # (``gemini-3-flash-preview`` and ``vertex_ai/gemini-3-flash-preview``) stay apart,
    # and the normalisers still match a logged name without the prefix
    model = key
    version = PriceVersion(
        effective_from=None,
        rates=Rates(**base),
        tiers=tier_list,
        variants=tuple(variant_list),
        windows=windows,
        web_search_per_1k=web_search.normalize() if web_search is not None else None,
        per_request=parse_decimal(per_request, "input_cost_per_request")
        if per_request is not None
        else None,
        source=f"LiteLLM price map {name}, key '{key}'",
        checked=checked,
        note="; ".join(notes),
    )
    scope = _bedrock_scope(key) if provider == "bedrock" else None
    return ModelEntry(
        id=f"litellm:{key}",
        provider=provider or "unknown",
        model=model,
        display_name=_display_name(key, litellm_provider),
        versions=(version,),
        scope=scope,
        origin=f"file:{name}",
    )


def _entry_multiplier(entry: object, name: str) -> Decimal | None:
    """Anthropic's ``provider_specific_entry.fast`` (fast mode) and ``.us`` (US-only
    inference): multipliers on every token rate."""
    if not isinstance(entry, dict) or entry.get(name) is None:
        return None
    multiplier = parse_decimal(entry[name], f"provider_specific_entry.{name}")
    if multiplier <= 0:
        raise PricingValidationError(f"provider_specific_entry.{name} must be positive")
    return multiplier.normalize()


def _display_name(key: str, litellm_provider: str) -> str:
    head, _, tail = key.partition("/")
    if tail and (
        head == litellm_provider or route_of(head) != head or head.startswith("vertex_ai")
    ):
        return tail
    return key


def _provider_from_key(key: str) -> str:
    head, _, tail = key.partition("/")
    return route_of(head) if tail else ""


def _bedrock_scope(key: str) -> str:
    last = key.rsplit("/", 1)[-1]
    if "us-gov" in key:
        return "gov"
    if last.startswith("global."):
        return "standard"
    if re.match(r"^(us|eu|apac|jp|au|ca)\.", last):
        return "regional"
    return "standard"


def _off_peak_window(raw: object) -> tuple[TimeWindow, ...]:
    if not isinstance(raw, dict):
        return ()
    rates: dict[str, Decimal] = {}
    for field_name, target in _BASE_KEYS.items():
        if raw.get(field_name) is not None:
            rates[target] = _per_million(raw[field_name], f"off_peak_pricing.{field_name}")
    windows: list[TimeWindow] = []
    for index, window in enumerate(raw.get("windows") or []):
        if not isinstance(window, dict):
            continue
        hours = window.get("hours_utc")
        spans = [hours] if isinstance(hours, str) else list(hours or [])
        days = window.get("weekdays")
        # LiteLLM numbers weekdays ISO-style (1 = Monday); ours start at 0 = Monday
        weekdays = frozenset(int(d) - 1 for d in days) if days else None
        windows.append(
            TimeWindow(
                name=f"off-peak {index + 1}" if index else "off-peak",
                utc_times=tuple(str(s) for s in spans),
                rates=Rates(**rates),
                utc_weekdays=weekdays,
            )
        )
    return tuple(windows)
