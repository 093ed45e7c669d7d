"""Our catalog file format (bundled catalog, user file, export) to and from JSON.

Example::

    {
      "format": "spendtrail-pricing",
      "format_version": 1,
      "models": [
        {
          "id": "openai/o3",
          "provider": "openai",
          "model": "o3",
          "display_name": "o3",
          "aliases": ["o3-2025-04-16"],
          "versions": [
            {"effective_from": "2025-04-16", "rates": {"input": "10", "output": "40",
             "cache_read": "2.5"}, "source": "...", "checked": "2026-11-26"},
            {"effective_from": "2025-06-10", "rates": {"input": "2", "output": "8",
             "cache_read": "0.5"}, "variants": {"batch": {"multiplier": "0.5"}},
             "long_context": {"threshold": 200000, "op": ">", "rates": {...}},
             "source": "...", "checked": "2026-11-26", "note": "..."}
          ]
        }
      ]
    }

Prices are strings (or JSON numbers) in USD per 1M tokens; they are read as
``Decimal`` so ``0.1`` stays exactly 0.1. Unknown keys are errors, so a typo such
as ``"cach_read"`` is reported instead of silently ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pricing.catalog import (
    RATE_KEYS,
    BasedOn,
    Catalog,
    MatchRule,
    ModelEntry,
    PriceVersion,
    Rates,
    Tier,
    TimeWindow,
    Variant,
    format_instant,
    parse_day,
    parse_instant,
    validate_entry,
)
from pricing.errors import PricingFileError, PricingValidationError
from pricing.money import parse_decimal, plain

FORMAT_NAME = "spendtrail-pricing"
FORMAT_VERSION = 1

_ENTRY_KEYS = {
    "id",
    "provider",
    "model",
    "display_name",
    "aliases",
    "match",
    "scope",
    "note",
    "based_on",
    "versions",
}
_VERSION_KEYS = {
    "effective_from",
    "rates",
    "long_context",
    "variants",
    "windows",
    "web_search_per_1k",
    "per_request",
    "source",
    "checked",
    "note",
}


def load_json_text(text: str, name: str) -> Any:
    """Parse JSON, turning syntax errors into a message with the line number."""
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise PricingFileError(f"{name}: line {error.lineno}: invalid JSON ({error.msg})") from None


def is_catalog_document(data: object) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT_NAME


def catalog_from_document(
    data: object, *, origin: str, name: str, strict: bool = True
) -> tuple[Catalog, list[str]]:
    """Build a catalog from a parsed document.

    With ``strict`` the first bad entry raises :class:`PricingValidationError`;
    otherwise bad entries are skipped and described in the returned problem list.
    """
    if not is_catalog_document(data):
        raise PricingFileError(
            f'{name}: not a Spendtrail price catalog (no "format": "{FORMAT_NAME}")'
        )
    assert isinstance(data, dict)
    version = data.get("format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise PricingFileError(
            f"{name}: format_version {version!r} is not supported (this Spendtrail reads "
            f"version {FORMAT_VERSION})"
        )
    models = data.get("models")
    if not isinstance(models, list):
        raise PricingFileError(f'{name}: "models" must be a list')
    problems: list[str] = []
    entries: list[ModelEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(models):
        label = raw.get("id") if isinstance(raw, dict) else None
        try:
            entry = entry_from_dict(raw, origin=origin)
            if entry.id in seen:
                raise PricingValidationError(f"model id {entry.id!r} is used twice")
            seen.add(entry.id)
            entries.append(entry)
        except PricingValidationError as error:
            text = str(error)
            if label and text.startswith(f"model {label!r}"):
                message = f"{name}: {text}"  # the message already names the model
            else:
                message = f"{name}: model #{index + 1}"
                message += f" ({label!r})" if label else ""
                message += f": {text}"
            if strict:
                raise PricingValidationError(message) from None
            problems.append(message + " (entry ignored)")
    checked = data.get("checked")
    catalog = Catalog(
        entries=tuple(entries),
        name=str(data.get("name", "")),
        checked=parse_day(checked, "checked") if checked else None,
    )
    return catalog, problems


def entry_from_dict(raw: object, *, origin: str) -> ModelEntry:
    data = _object(raw, "model")
    _no_unknown_keys(data, _ENTRY_KEYS, "model")
    entry_id = _text(data, "id", required=True)
    versions_raw = data.get("versions")
    if not isinstance(versions_raw, list) or not versions_raw:
        raise PricingValidationError(f'model {entry_id!r}: "versions" must be a non-empty list')
    versions = tuple(
        sorted(
            (
                _version(v, f"model {entry_id!r}, version #{i + 1}")
                for i, v in enumerate(versions_raw)
            ),
            key=_version_order,
        )
    )
    based_on_raw = data.get("based_on")
    based_on = None
    if based_on_raw is not None:
        based = _object(based_on_raw, "based_on")
        based_on = BasedOn(
            fingerprint=_text(based, "fingerprint", required=True),
            latest_effective_from=_text(based, "latest_effective_from"),
            catalog_checked=_text(based, "catalog_checked"),
        )
    model = _text(data, "model", required=True)
    entry = ModelEntry(
        id=entry_id,
        provider=_text(data, "provider", required=True).lower(),
        model=model,
        display_name=_text(data, "display_name") or model,
        versions=versions,
        aliases=tuple(_strings(data.get("aliases", []), "aliases")),
        match=tuple(_rule(r) for r in _list(data.get("match", []), "match")),
        scope=_text(data, "scope") or None,
        note=_text(data, "note"),
        origin=origin,
        based_on=based_on,
    )
    validate_entry(entry)
    return entry


def _version_order(version: PriceVersion) -> tuple[int, str]:
    if version.effective_from is None:
        return (0, "")
    return (1, version.effective_from.isoformat())


def _version(raw: object, where: str) -> PriceVersion:
    data = _object(raw, where)
    _no_unknown_keys(data, _VERSION_KEYS, where)
    effective = data.get("effective_from")
    effective_from = parse_instant(effective, f"{where}: effective_from") if effective else None
    if effective_from is not None:
        where = f"{where.rsplit(', version', 1)[0]}, version {format_instant(effective_from)}"
    long_context = data.get("long_context")
    tier_list: list[object]
    if long_context is None:
        tier_list = []
    elif isinstance(long_context, list):
        tier_list = long_context
    else:
        tier_list = [long_context]
    tiers = tuple(sorted((_tier(t, where) for t in tier_list), key=lambda t: t.threshold))
    variants_raw = _object(data.get("variants", {}), f"{where}: variants")
    variants = tuple(
        (str(name), _variant(value, f"{where}, variant {name!r}"))
        for name, value in variants_raw.items()
    )
    windows = tuple(_window(w, where) for w in _list(data.get("windows", []), f"{where}: windows"))
    checked = data.get("checked")
    return PriceVersion(
        effective_from=effective_from,
        rates=rates_from_dict(data.get("rates"), where),
        tiers=tiers,
        variants=variants,
        windows=windows,
        web_search_per_1k=_optional_decimal(data, "web_search_per_1k", where),
        per_request=_optional_decimal(data, "per_request", where),
        source=_text(data, "source"),
        checked=parse_day(checked, f"{where}: checked") if checked else None,
        note=_text(data, "note"),
    )


def rates_from_dict(raw: object, where: str) -> Rates:
    data = _object(raw if raw is not None else {}, f"{where}: rates")
    unknown = set(data) - set(RATE_KEYS)
    if unknown:
        raise PricingValidationError(
            f"{where}: unknown rate {sorted(unknown)[0]!r}; rates are: {', '.join(RATE_KEYS)}"
        )
    values: dict[str, Decimal | None] = {}
    for key in RATE_KEYS:
        if key in data and data[key] is not None:
            values[key] = parse_decimal(data[key], f"{where}: {key}")
    return Rates(**values)


def _tier(raw: object, where: str) -> Tier:
    data = _object(raw, f"{where}: long_context")
    _no_unknown_keys(data, {"threshold", "op", "rates"}, f"{where}: long_context")
    threshold = data.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise PricingValidationError(f"{where}: long_context threshold must be a whole token count")
    op = data.get("op", ">")
    if op not in (">", ">="):
        raise PricingValidationError(f'{where}: long_context op must be ">" or ">=", got {op!r}')
    return Tier(
        threshold=threshold,
        rates=rates_from_dict(data.get("rates"), f"{where}, tier {op} {threshold:,}"),
        inclusive=op == ">=",
    )


def _variant(raw: object, where: str) -> Variant:
    data = _object(raw, where)
    _no_unknown_keys(data, {"multiplier", "rates", "tier_rates"}, where)
    tier_rates_raw = _object(data.get("tier_rates", {}), f"{where}: tier_rates")
    tier_rates: list[tuple[int, Rates]] = []
    for key, value in tier_rates_raw.items():
        try:
            threshold = int(key)
        except ValueError:
            raise PricingValidationError(
                f"{where}: tier_rates keys are tier thresholds in tokens, got {key!r}"
            ) from None
        tier_rates.append((threshold, rates_from_dict(value, f"{where}, tier {threshold:,}")))
    return Variant(
        multiplier=_optional_decimal(data, "multiplier", where),
        rates=rates_from_dict(data.get("rates"), where),
        tier_rates=tuple(sorted(tier_rates)),
    )


def _window(raw: object, where: str) -> TimeWindow:
    data = _object(raw, f"{where}: window")
    _no_unknown_keys(data, {"name", "utc_weekdays", "utc_times", "rates"}, f"{where}: window")
    name = _text(data, "name", required=True)
    weekdays_raw = data.get("utc_weekdays")
    weekdays = None
    if weekdays_raw is not None:
        days = _list(weekdays_raw, f"{where}, window {name!r}: utc_weekdays")
        if not all(isinstance(d, int) and not isinstance(d, bool) for d in days):
            raise PricingValidationError(
                f"{where}, window {name!r}: utc_weekdays are numbers 0 (Monday) to 6 (Sunday)"
            )
        weekdays = frozenset(int(d) for d in days)
    return TimeWindow(
        name=name,
        utc_times=tuple(
            _strings(data.get("utc_times", []), f"{where}, window {name!r}: utc_times")
        ),
        rates=rates_from_dict(data.get("rates"), f"{where}, window {name!r}"),
        utc_weekdays=weekdays,
    )


def _rule(raw: object) -> MatchRule:
    data = _object(raw, "match rule")
    _no_unknown_keys(data, {"kind", "pattern"}, "match rule")
    kind = _text(data, "kind", required=True)
    return MatchRule(kind=kind, pattern=_text(data, "pattern", required=True))  # type: ignore[arg-type]


# -- small readers ------------------------------------------------------------------


def _object(raw: object, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise PricingValidationError(f"{what}: expected an object, got {type(raw).__name__}")
    return raw


def _list(raw: object, what: str) -> list[Any]:
    if not isinstance(raw, list):
        raise PricingValidationError(f"{what}: expected a list, got {type(raw).__name__}")
    return raw


def _strings(raw: object, what: str) -> list[str]:
    items = _list(raw, what)
    if not all(isinstance(item, str) for item in items):
        raise PricingValidationError(f"{what}: expected a list of strings")
    return [str(item) for item in items]


def _text(data: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise PricingValidationError(f"missing {key!r}")
        return ""
    if not isinstance(value, str):
        raise PricingValidationError(f"{key!r} must be a string, got {value!r}")
    if required and not value.strip():
        raise PricingValidationError(f"{key!r} must not be empty")
    return value


def _optional_decimal(data: Mapping[str, Any], key: str, where: str) -> Decimal | None:
    value = data.get(key)
    return None if value is None else parse_decimal(value, f"{where}: {key}")


def _no_unknown_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise PricingValidationError(
            f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(allowed))})"
        )


# -- writing -------------------------------------------------------------------------


def catalog_to_document(
    catalog: Catalog, entries: Iterable[ModelEntry] | None = None
) -> dict[str, Any]:
    document: dict[str, Any] = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION}
    if catalog.name:
        document["name"] = catalog.name
    if catalog.checked:
        document["checked"] = catalog.checked.isoformat()
    document["models"] = [
        entry_to_dict(e) for e in (catalog.entries if entries is None else entries)
    ]
    return document


def entry_to_dict(entry: ModelEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": entry.id,
        "provider": entry.provider,
        "model": entry.model,
        "display_name": entry.display_name,
    }
    if entry.aliases:
        data["aliases"] = list(entry.aliases)
    if entry.match:
        data["match"] = [{"kind": r.kind, "pattern": r.pattern} for r in entry.match]
    if entry.scope:
        data["scope"] = entry.scope
    if entry.note:
        data["note"] = entry.note
    if entry.based_on:
        based = {
            "fingerprint": entry.based_on.fingerprint,
            "latest_effective_from": entry.based_on.latest_effective_from,
        }
        if entry.based_on.catalog_checked:
            based["catalog_checked"] = entry.based_on.catalog_checked
        data["based_on"] = based
    data["versions"] = [version_to_dict(v) for v in entry.versions]
    return data


def version_to_dict(version: PriceVersion) -> dict[str, Any]:
    data: dict[str, Any] = {
        "effective_from": format_instant(version.effective_from)
        if version.effective_from
        else None,
        "rates": rates_to_dict(version.rates),
    }
    tiers = [
        {"threshold": t.threshold, "op": t.op, "rates": rates_to_dict(t.rates)}
        for t in version.tiers
    ]
    if len(tiers) == 1:
        data["long_context"] = tiers[0]
    elif tiers:
        data["long_context"] = tiers
    if version.variants:
        data["variants"] = {name: _variant_to_dict(v) for name, v in version.variants}
    if version.windows:
        data["windows"] = [_window_to_dict(w) for w in version.windows]
    if version.web_search_per_1k is not None:
        data["web_search_per_1k"] = plain(version.web_search_per_1k)
    if version.per_request is not None:
        data["per_request"] = plain(version.per_request)
    data["source"] = version.source
    data["checked"] = version.checked.isoformat() if version.checked else None
    if version.note:
        data["note"] = version.note
    return data


def rates_to_dict(rates: Rates) -> dict[str, str]:
    return {key: plain(value) for key, value in rates.given()}


def _variant_to_dict(variant: Variant) -> dict[str, Any]:
    if variant.multiplier is not None:
        return {"multiplier": plain(variant.multiplier)}
    data: dict[str, Any] = {"rates": rates_to_dict(variant.rates)}
    if variant.tier_rates:
        data["tier_rates"] = {str(t): rates_to_dict(r) for t, r in variant.tier_rates}
    return data


def _window_to_dict(window: TimeWindow) -> dict[str, Any]:
    data: dict[str, Any] = {"name": window.name}
    if window.utc_weekdays is not None:
        data["utc_weekdays"] = sorted(window.utc_weekdays)
    data["utc_times"] = list(window.utc_times)
    data["rates"] = rates_to_dict(window.rates)
    return data


def dumps(document: object, width: int = 100) -> str:
    """JSON with two-space indents, keeping small objects and lists on one line."""
    return _dump(document, 0, width) + "\n"


def _dump(value: object, indent: int, width: int) -> str:
    flat = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if not isinstance(value, dict | list) or indent + len(flat) <= width:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = [
            f"{pad}{json.dumps(key, ensure_ascii=False)}: {_dump(item, indent + 2, width)}"
            for key, item in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{_dump(item, indent + 2, width)}" for item in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
