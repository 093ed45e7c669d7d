"""Human-readable listings of a catalog: the CLI table and docs/pricing-catalog.md.

Regenerate the docs page with::

    python -m pricing.listing > docs/pricing-catalog.md
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from pricing.catalog import RATE_KEYS, Catalog, ModelEntry
from pricing.describe import (
    describe_extras,
    describe_tiers,
    describe_variants,
    rate,
)

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
  `default`, `auto`, `on_demand` → standard; `batch`; `flex`; `priority`;
  `fast`: Anthropic's fast mode (a Claude call whose usage says `speed:
  "fast"` is read into this tier), priced by the model's `fast` variant; a
  model without one but with a priority price uses that (OpenAI reports its
  priority processing as `fast`). A variant is a multiplier on every token rate or
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

{format_section}
## Legend

In / Out / Read / 5m / 1h: input, output, cache read, 5-minute and 1-hour
cache write rates. Long context: threshold and tier rates (in / out, others
in brackets). Variants: batch / flex / priority / fast as a multiplier or explicit
rates. Extras: reasoning rate, web-search price, per-request price and time
windows.
"""


FORMAT_SECTION = """\
## File format

The bundled catalog, your `pricing.json` and `spendtrail pricing export` share
one JSON format. Prices are strings (or numbers) in USD per 1M tokens; rate
keys are `input`, `output`, `cache_read`, `cache_write_5m`, `cache_write_1h`
and `reasoning`; leave a key out for *blank*. Versions are sorted by
`effective_from` (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MMZ`, UTC; `null` only for the
earliest). Match rule kinds: `exact`, `prefix`, `glob`, `regex` (whole name,
case-insensitive). Bedrock entries may set `"scope"`: `standard` (global and
in-region ids), `regional` (geographic profiles) or `gov` (GovCloud). Unknown
keys are errors.

```json
{
  "format": "spendtrail-pricing",
  "format_version": 1,
  "models": [
    {
      "id": "me/house-model",
      "provider": "openai",
      "model": "house-model",
      "display_name": "House model",
      "aliases": ["house-model-2026-01-01"],
      "match": [{"kind": "prefix", "pattern": "house-model-"}],
      "versions": [
        {
          "effective_from": null,
          "rates": {"input": "1.00", "output": "4.00", "cache_read": "0.10"},
          "source": "our contract", "checked": "2026-11-26"
        },
        {
          "effective_from": "2026-12-01",
          "rates": {"input": "0.80", "output": "3.20", "cache_read": "0"},
          "long_context": {
            "threshold": 200000, "op": ">", "rates": {"input": "1.60", "output": "4.80"}
          },
          "variants": {
            "batch": {"multiplier": "0.5"},
            "priority": {"rates": {"input": "2", "output": "8"}}
          },
          "web_search_per_1k": "10",
          "source": "our contract", "checked": "2026-11-26", "note": "renegotiated"
        }
      ]
    }
  ]
}
```

Time-of-day prices go in a version's `windows`, e.g. DeepSeek's peak hours:
`"windows": [{"name": "peak", "utc_weekdays": [0, 1, 2, 3, 4],
"utc_times": ["01:00-04:00", "06:00-10:00"], "rates": {"input": "0.30"}}]`
(weekdays 0 = Monday; times are UTC, end exclusive, `16:30-00:30` crosses
midnight). A version cannot have both windows and a long-context tier. `based_on` (written
by Spendtrail in overrides) records the bundled price an override was copied
from.
"""


def markdown_listing(catalog: Catalog) -> str:
    versions = sum(len(e.versions) for e in catalog.entries)
    checked = catalog.checked.isoformat() if catalog.checked else "—"
    intro = INTRO.format(
        count=len(catalog.entries),
        versions=versions,
        checked=checked,
        format_section=FORMAT_SECTION,
    )
    parts = [intro.rstrip()]
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
