"""Human-readable listings of a catalog: the CLI table and docs/pricing-catalog.md.

Regenerate the docs page with::

    python -m pricing.listing > docs/pricing-catalog.md
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from pricing.catalog import RATE_KEYS, Catalog, ModelEntry, PriceVersion, TimeWindow, Variant
from pricing.money import per_million, plain

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PROVIDER_TITLES = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "bedrock": "Anthropic on AWS Bedrock",
    "vertex": "Anthropic on Google Vertex AI",
    "google": "Google Gemini",
    "deepseek": "DeepSeek",
    "mistral": "Mistral",
    "xai": "xAI",
}


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


def describe_variant(name: str, variant: Variant) -> str:
    if variant.multiplier is not None:
        return f"{name} ×{plain(variant.multiplier)}"
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


# -- the CLI table ---------------------------------------------------------------------


def text_listing(
    catalog: Catalog,
    *,
    provider: str | None = None,
    history: bool = False,
    now: datetime | None = None,
) -> list[str]:
    """Aligned rows, prices per 1M tokens; the version in force now unless ``history``."""
    now = now or datetime.now(UTC)
    header = (
        "ID",
        "FROM",
        "INPUT",
        "OUTPUT",
        "CACHE READ",
        "WRITE 5M",
        "WRITE 1H",
        "LONG CONTEXT",
        "VARIANTS",
        "ORIGIN",
    )
    rows: list[tuple[str, ...]] = []
    for entry in _entries(catalog, provider):
        versions = entry.versions if history else (entry.version_at(now),)
        for version in versions:
            rows.append(
                (
                    entry.id,
                    version.label,
                    *(rate(version.rates.get(k)) for k in RATE_KEYS[:5]),
                    describe_tiers(version),
                    describe_variants(version),
                    entry.origin,
                )
            )
    if not rows:
        return ["no models" + (f" for provider '{provider}'" if provider else "")]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    right = {2, 3, 4, 5, 6}

    def line(row: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    lines = [line(header), *(line(row) for row in rows)]
    lines.append("")
    lines.append(
        f"{len(rows)} price rows; USD per 1M tokens; — = not set (cache read and 5m write "
        "fall back to the input rate, 1h write to the 5m rate)"
    )
    return lines


def _entries(catalog: Catalog, provider: str | None) -> Iterable[ModelEntry]:
    wanted = provider.lower() if provider else None
    return (e for e in catalog.entries if wanted is None or e.provider == wanted)


# -- the docs page ----------------------------------------------------------------------

INTRO = """\
# Spendtrail pricing catalog

Generated from `pricing/data/catalog.json` by `python -m pricing.listing`;
do not edit by hand (a test fails when this page is stale).

{count} models, {versions} dated price versions, catalog checked {checked}.
All prices are USD per 1M tokens unless marked otherwise.

## How a price is applied

* **Price versions.** Each model has dated versions. A call is priced with the
  version in force at its time; the earliest version (shown as *since launch*)
  also covers every earlier call, so a model you add a price for is priced for
  all of its calls. In *today* mode every call uses the version in force now.
* **Missing rates are not free.** A blank (—) rate follows a fallback and the
  cost is flagged as assumed: cache read → input rate; 5-minute cache write →
  input rate; 1-hour cache write → the 5-minute write rate. An explicit `0` is
  free. Reasoning tokens are output tokens: without a reasoning rate they cost
  the output rate (not flagged).
* **Long context.** When the request's total prompt (input + cache read + both
  cache writes) passes the threshold (`>`, or `>=` for xAI), the *whole
  request* is priced at the tier's rates; rates the tier does not list keep
  the version's rate.
* **Service tiers.** Logged `service_tier` values: none, `standard`,
  `default`, `auto`, `on_demand` → standard; `batch`; `flex`; `priority` and
  `fast` (OpenAI's name for priority processing; Anthropic's fast mode is a
  separate field) → priority. A variant is a multiplier on every token rate or
  explicit rates (which overlay the standard ones). Other values (e.g.
  `scale`), and variants a model has no price for, are priced as standard and
  flagged. Web-search and per-request prices are not changed by variants.
* **Time windows.** DeepSeek prices by time of day (UTC); window rates replace
  the version's rates for calls inside the window.
* **Unpriced.** A model no rule matches is *unpriced*: it is counted and shown,
  never priced at $0.

## How a logged model name is matched

In order, restricted to the prices of the call's route (Bedrock and Vertex
fall back to the model maker's list price when they have no entry of their
own; Azure to OpenAI's; OpenRouter to the upstream maker's; `ollama` and
unknown providers only use entries made for them):

1. exact model id or alias;
2. the user's match rules, then built-in rules;
3. normalisers: case, `.`→`-` between version digits (`claude-opus-4.7`),
   provider prefixes (`openai/`, `bedrock/`, ARNs, region paths), Bedrock
   routing and vendor prefixes (`us.`, `eu.`, `apac.`, `global.`,
   `anthropic.`) and `-v1:0` suffixes, Vertex `@20250929`/`@default`, then
   date suffixes (`-2024-08-06`, `-20241022`). Bedrock geographic profiles
   (`us.` …) match the regional price (+10% for Claude 4.5 and later),
   `global.` and plain ids the list price;
4. the most specific catalog name the logged name extends, if the rest does
   not start with a digit or a word naming another model (`mini`, `pro`,
   `flash`, …): `gpt-4o` never prices `gpt-4o-mini`, `claude-opus-4` never
   prices `claude-opus-4-5`;
5. otherwise unpriced, with the nearest catalog names as suggestions.

## Your own prices

Your additions and overrides live in `pricing.json` in Spendtrail's config
directory: `$SPENDTRAIL_CONFIG_DIR` if set; otherwise
`$XDG_CONFIG_HOME/spendtrail` or `~/.config/spendtrail` on Linux,
`~/Library/Application Support/Spendtrail` on macOS and
`%APPDATA%\\Spendtrail` on Windows. It has the same format as the bundled
catalog; an entry with a bundled id overrides that model and records which
bundled price it was based on, so Spendtrail can tell you when the bundled
price changed underneath it. The file is written atomically and the previous
one is kept as `pricing.json.bak`.

## Legend

In / Out / Read / 5m / 1h: input, output, cache read, 5-minute and 1-hour
cache write rates. Long context: threshold and tier rates (in / out, others
in brackets). Variants: batch / flex / priority as a multiplier or explicit
rates. Extras: reasoning rate, web-search price, per-request price and time
windows.
"""


def markdown_listing(catalog: Catalog) -> str:
    versions = sum(len(e.versions) for e in catalog.entries)
    checked = catalog.checked.isoformat() if catalog.checked else "—"
    parts = [INTRO.format(count=len(catalog.entries), versions=versions, checked=checked).rstrip()]
    providers = list(dict.fromkeys(e.provider for e in catalog.entries))
    for provider in providers:
        entries = [e for e in catalog.entries if e.provider == provider]
        title = PROVIDER_TITLES.get(provider, provider)
        parts.append(f"\n## {title}\n")
        parts.append(
            "| Model | From | In | Out | Read | 5m | 1h | Long context | Variants | Extras |\n"
            "|---|---|--:|--:|--:|--:|--:|---|---|---|"
        )
        for entry in entries:
            for index, version in enumerate(entry.versions):
                name = _md_names(entry) if index == 0 else "″"
                parts.append(
                    "| "
                    + " | ".join(
                        (
                            name,
                            version.label,
                            *(rate(version.rates.get(k)) for k in RATE_KEYS[:5]),
                            describe_tiers(version),
                            describe_variants(version),
                            describe_extras(version),
                        )
                    ).replace("\n", " ")
                    + " |"
                )
        parts.append(f"\n### {title}: sources and notes\n")
        for entry in entries:
            lines = [
                f"* **{entry.display_name}** (`{entry.id}`)"
                + (f": {entry.note}" if entry.note else "")
            ]
            for version in entry.versions:
                text = f"  * {version.label}: {version.source or 'no source given'}"
                text += (
                    f"; checked {version.checked.isoformat()}"
                    if version.checked
                    else "; not checked"
                )
                if version.note:
                    text += f". {version.note}"
                lines.append(_md_escape(text))
            parts.append("\n".join(lines))
    return "\n".join(parts).rstrip() + "\n"


def _md_names(entry: ModelEntry) -> str:
    names = [f"`{entry.model}`", *(f"`{a}`" for a in entry.aliases)]
    return f"{entry.display_name}<br>{' '.join(names)}"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def main() -> int:
    from pricing.bundled import bundled_catalog

    sys.stdout.write(markdown_listing(bundled_catalog()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
