"""Importing a price file into the user's prices, with a preview first.

Our own catalog format is matched by entry id. A LiteLLM map is matched by
name: each of its models is looked up in the current catalog (exact names and
normalisers only, never a family guess). A match whose price differs becomes a
user override in which the version in force today takes the imported rates;
earlier versions are kept, so history is not rewritten. Unmatched models are
added. Nothing is written until :func:`apply_import` and ``save()``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pricing.bundled import entry_fingerprint
from pricing.catalog import ORIGIN_USER, RATE_KEYS, BasedOn, ModelEntry, PriceVersion, TimeWindow
from pricing.describe import describe_tiers, describe_variants, describe_window
from pricing.file_formats import load_price_file
from pricing.matching import Match, Matcher
from pricing.money import plain
from pricing.resolve import resolve

if TYPE_CHECKING:
    from pricing.user_catalog import UserCatalog

Status = Literal["added", "changed", "unchanged"]


@dataclass(frozen=True, slots=True)
class RateChange:
    what: str  # e.g. "input", "batch output", "long-context (> 200,000) cache_read"
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class ImportItem:
    status: Status
    name: str  # the model's name or id in the imported file
    entry: ModelEntry  # the entry as it would be stored in the user's prices
    changes: tuple[RateChange, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportPreview:
    path: Path
    format: str
    items: tuple[ImportItem, ...]
    skipped: tuple[str, ...]

    def of(self, status: Status) -> tuple[ImportItem, ...]:
        return tuple(item for item in self.items if item.status == status)

    @property
    def added(self) -> tuple[ImportItem, ...]:
        return self.of("added")

    @property
    def changed(self) -> tuple[ImportItem, ...]:
        return self.of("changed")

    @property
    def unchanged(self) -> tuple[ImportItem, ...]:
        return self.of("unchanged")

    def lines(self, limit: int = 50) -> list[str]:
        lines = [
            f"Import preview for {self.path} ({self.format} format): "
            f"{len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        ]
        for title, items in (("Changed", self.changed), ("Added", self.added)):
            if not items:
                continue
            lines.append(f"{title}:")
            for item in items[:limit]:
                lines.append(f"  {item.entry.id}  ({item.name})")
                width = max((len(c.what) for c in item.changes), default=0)
                lines.extend(
                    f"      {c.what:<{width}}  {c.old:>10} → {c.new}" for c in item.changes
                )
            if len(items) > limit:
                lines.append(f"  … and {len(items) - limit} more")
        if self.skipped:
            lines.append(f"Skipped ({len(self.skipped)}):")
            lines.extend(f"  {reason}" for reason in self.skipped[:limit])
            if len(self.skipped) > limit:
                lines.append(f"  … and {len(self.skipped) - limit} more")
        return lines


def build_preview(user: UserCatalog, path: Path) -> ImportPreview:
    """What importing ``path`` would change in ``user``'s prices (nothing is changed)."""
    loaded = load_price_file(Path(path))
    effective = user.effective()
    by_id = effective.by_id()
    matcher = Matcher(effective)
    now = datetime.now(UTC)
    items: list[ImportItem] = []
    skipped = list(loaded.skipped)
    claimed: dict[str, str] = {}
    for imported in loaded.catalog.entries:
        imported = replace(imported, origin=ORIGIN_USER)
        if loaded.format == "spendtrail":
            target = by_id.get(imported.id)
            name = imported.id
            if target is None:
                items.append(ImportItem("added", name, imported))
                continue
            new_entry = replace(imported, based_on=_based_on(user, target, imported))
            changes = _entry_changes(target, new_entry, now)
            same = _signature_of_entry(target) == _signature_of_entry(new_entry)
            items.append(ImportItem("unchanged" if same else "changed", name, new_entry, changes))
            continue
        name = imported.model  # the LiteLLM key
        found = matcher.match(name, imported.provider)
        if not isinstance(found, Match) or not found.rule.startswith(("exact", "normaliser")):
            items.append(ImportItem("added", name, imported))
            continue
        if found.entry_id in claimed:
            skipped.append(
                f"{name}: also matches {found.entry_id}, already updated from "
                f"{claimed[found.entry_id]}"
            )
            continue
        claimed[found.entry_id] = name
        target = by_id[found.entry_id]
        index = target.versions.index(target.version_at(now))
        current = target.versions[index]
        incoming = imported.versions[0]
        updated = replace(
            incoming,
            effective_from=current.effective_from,
            note=f"imported over the earlier price ({_summary(current)})",
        )
        versions = (*target.versions[:index], updated, *target.versions[index + 1 :])
        new_entry = replace(
            target,
            versions=versions,
            origin=ORIGIN_USER,
            based_on=_based_on(user, target, target),
        )
        if _signature(current) == _signature(updated):
            items.append(ImportItem("unchanged", name, new_entry))
        else:
            items.append(ImportItem("changed", name, new_entry, _changes(current, updated)))
    return ImportPreview(Path(path), loaded.format, tuple(items), tuple(skipped))


def apply_import(user: UserCatalog, preview: ImportPreview, *, include_changed: bool = True) -> int:
    """Put the previewed additions (and changes) into ``user``; returns how many entries."""
    count = 0
    for item in preview.items:
        if item.status == "added" or (item.status == "changed" and include_changed):
            user.put(item.entry)
            count += 1
    return count


def _based_on(user: UserCatalog, target: ModelEntry, new: ModelEntry) -> BasedOn | None:
    base = user.bundled.get(target.id)
    if base is None:
        return new.based_on
    if target.origin == ORIGIN_USER and target.based_on is not None:
        return target.based_on
    return BasedOn(
        fingerprint=entry_fingerprint(base),
        latest_effective_from=base.versions[-1].label,
        catalog_checked=user.bundled.checked.isoformat() if user.bundled.checked else "",
    )


# -- comparing prices by what they charge, not how they are written ---------------

_Signature = tuple[object, ...]


def _signature(version: PriceVersion) -> _Signature:
    """Every effective rate of a version: per variant, tier and half hour of the week.

    Time windows are compared by what they charge when, so two ways of writing
    the same schedule (peak rates as the base with off-peak windows, or the
    other way round) compare equal.
    """
    parts: list[object] = [tuple((t.threshold, t.inclusive) for t in version.tiers)]
    slots = _week_slots(version) if version.windows else (None,)
    for variant in (None, "batch", "flex", "priority"):
        if variant is not None and version.variant(variant) is None:
            parts.append(None)
            continue
        for tier in (None, *range(len(version.tiers))):
            for window in slots:
                rates, _ = resolve(version, tier, variant, window)
                parts.append(
                    (
                        tuple(rates.rate(k) for k in RATE_KEYS),
                        rates.per_request,
                        rates.per_web_search,
                    )
                )
    return tuple(parts)


def _week_slots(version: PriceVersion) -> tuple[TimeWindow | None, ...]:
    """The window in force in each half hour of the week (Monday 00:00 first)."""
    slots: list[TimeWindow | None] = []
    for slot in range(7 * 48):
        weekday, minute = divmod(slot, 48)
        minute *= 30
        slots.append(
            next(
                (
                    w
                    for w in version.windows
                    if (w.utc_weekdays is None or weekday in w.utc_weekdays)
                    and any(lo <= minute < hi for lo, hi in w.utc_minutes)
                ),
                None,
            )
        )
    return tuple(slots)


def _signature_of_entry(entry: ModelEntry) -> _Signature:
    return (
        entry.provider,
        entry.names,
        tuple((r.kind, r.pattern) for r in entry.match),
        entry.scope,
        tuple((v.effective_from, _signature(v)) for v in entry.versions),
    )


def _entry_changes(old: ModelEntry, new: ModelEntry, now: datetime) -> tuple[RateChange, ...]:
    changes: list[RateChange] = []
    old_dates = [v.label for v in old.versions]
    new_dates = [v.label for v in new.versions]
    if old_dates != new_dates:
        changes.append(RateChange("versions", ", ".join(old_dates), ", ".join(new_dates)))
    changes.extend(_changes(old.version_at(now), new.version_at(now)))
    return tuple(changes)


def _changes(old: PriceVersion, new: PriceVersion) -> tuple[RateChange, ...]:
    """What a person would see change: the rates as written (— = blank), tiers, variants."""
    changes: list[RateChange] = [
        RateChange(key, _money(old.rates.get(key)), _money(new.rates.get(key)))
        for key in RATE_KEYS
        if old.rates.get(key) != new.rates.get(key)
    ]
    pairs = (
        ("long-context tier", describe_tiers(old), describe_tiers(new)),
        ("variants", describe_variants(old), describe_variants(new)),
        ("windows", _windows(old), _windows(new)),
        ("web search per 1k", _money(old.web_search_per_1k), _money(new.web_search_per_1k)),
        ("per request", _money(old.per_request), _money(new.per_request)),
    )
    changes.extend(
        RateChange(what, before, after) for what, before, after in pairs if before != after
    )
    return tuple(changes)


def _windows(version: PriceVersion) -> str:
    return "; ".join(describe_window(w) for w in version.windows) or "—"


def _money(value: Decimal | None) -> str:
    return "—" if value is None else plain(value)


def _summary(version: PriceVersion) -> str:
    rates = ", ".join(f"{key} {plain(value)}" for key, value in version.rates.given())
    return f"{rates}; source: {version.source or 'not given'}"
