"""Editing the user's prices (the API the GUI price editor uses; Qt-free).

A :class:`UserCatalog` is loaded from the user's file, edited in memory and
written with :meth:`UserCatalog.save` (atomic, with a ``.bak`` of the previous
file). Every edit validates the entry it produces and raises
:class:`PricingValidationError` with a message fit for a dialog; nothing is
changed when an edit fails. Editing a bundled model first copies it into the
user layer as an override that remembers which bundled price it was based on.

Rates are given per 1M tokens as ``Decimal``, strings or numbers; ``None`` or an
empty string means *blank* (the rate follows the fallback rules), which is
different from ``0`` (free).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from pricing.bundled import bundled_catalog, entry_fingerprint
from pricing.catalog import (
    ORIGIN_USER,
    RATE_KEYS,
    BasedOn,
    Catalog,
    MatchRule,
    ModelEntry,
    PriceVersion,
    Rates,
    Tier,
    Variant,
    format_instant,
    parse_instant,
    validate_entry,
)
from pricing.catalog_json import catalog_to_document, dumps
from pricing.errors import PricingValidationError
from pricing.importing import ImportPreview, apply_import, build_preview
from pricing.money import parse_decimal
from pricing.user_layer import (
    atomic_write,
    bundled_changed,
    default_user_file,
    layer,
    override_note,
    read_user_file_strict,
)

RateValue = Decimal | str | int | float | None
EXTRA_KEYS = ("web_search_per_1k", "per_request")


class UserCatalog:
    """The user's additions and overrides, editable in memory."""

    def __init__(
        self,
        path: Path,
        entries: Iterable[ModelEntry] = (),
        *,
        bundled: Catalog | None = None,
    ) -> None:
        self.path = Path(path)
        self._entries: list[ModelEntry] = [replace(e, origin=ORIGIN_USER) for e in entries]
        self._bundled = bundled if bundled is not None else bundled_catalog()

    @classmethod
    def load(cls, path: Path | None = None, *, bundled: Catalog | None = None) -> UserCatalog:
        """Read the user's file (missing = empty); raises PricingFileError if it is unusable.

        A file that cannot be read completely is never rewritten: fix or move it first.
        """
        path = path if path is not None else default_user_file()
        catalog = read_user_file_strict(path)
        return cls(path, catalog.entries if catalog else (), bundled=bundled)

    # -- reading ------------------------------------------------------------------
    @property
    def entries(self) -> tuple[ModelEntry, ...]:
        return tuple(self._entries)

    @property
    def bundled(self) -> Catalog:
        return self._bundled

    def get(self, entry_id: str) -> ModelEntry | None:
        return next((e for e in self._entries if e.id == entry_id), None)

    def catalog(self) -> Catalog:
        return Catalog(entries=tuple(self._entries), name="Spendtrail user prices")

    def effective(self) -> Catalog:
        """The catalog the engine prices with: these entries over the bundled ones."""
        return layer(self._bundled, self.catalog())[0]

    def is_override(self, entry_id: str) -> bool:
        return self.get(entry_id) is not None and self._bundled.get(entry_id) is not None

    def override_status(self, entry_id: str) -> str:
        """ "" for non-overrides, else whether the bundled price changed underneath."""
        entry, base = self.get(entry_id), self._bundled.get(entry_id)
        if entry is None or base is None:
            return ""
        return override_note(entry, base)

    def bundled_changed(self, entry_id: str) -> bool:
        """True when the bundled price moved since this override was made (for a badge)."""
        entry, base = self.get(entry_id), self._bundled.get(entry_id)
        return entry is not None and base is not None and bundled_changed(entry, base)

    def save(self) -> None:
        """Write the user's file atomically, keeping the previous one as ``.bak``."""
        atomic_write(self.path, dumps(catalog_to_document(self.catalog())))

    def preview_import(self, path: Path) -> ImportPreview:
        """What importing a price file would add and change (nothing changes yet)."""
        return build_preview(self, path)

    def apply_import(self, preview: ImportPreview, *, include_changed: bool = True) -> int:
        """Apply a preview to these prices (then call :meth:`save`); returns the count."""
        return apply_import(self, preview, include_changed=include_changed)

    # -- whole entries ------------------------------------------------------------
    def add_model(
        self,
        entry_id: str,
        *,
        provider: str,
        model: str,
        rates: Mapping[str, RateValue],
        display_name: str = "",
        aliases: Iterable[str] = (),
        effective_from: str | date | datetime | None = None,
        source: str = "entered by the user",
        note: str = "",
    ) -> ModelEntry:
        """A new model with one price version (the earliest, so it prices all its calls)."""
        self._require_new_id(entry_id)
        version = PriceVersion(
            effective_from=_instant(effective_from),
            rates=_rates(Rates(), rates),
            source=source,
            checked=date.today(),
            note=note,
        )
        entry = ModelEntry(
            id=entry_id.strip(),
            provider=provider.strip().lower(),
            model=model.strip(),
            display_name=display_name.strip() or model.strip(),
            versions=(version,),
            aliases=tuple(a.strip() for a in aliases if a.strip()),
            origin=ORIGIN_USER,
        )
        return self.put(entry)

    def duplicate(
        self,
        source_id: str,
        new_id: str,
        *,
        model: str,
        display_name: str = "",
        provider: str | None = None,
    ) -> ModelEntry:
        """A user copy of any model under a new id and model name (prices and history kept)."""
        source = self._effective_entry(source_id)
        self._require_new_id(new_id)
        entry = replace(
            source,
            id=new_id.strip(),
            model=model.strip(),
            provider=(provider or source.provider).strip().lower(),
            display_name=display_name.strip() or model.strip(),
            aliases=(),
            match=(),
            origin=ORIGIN_USER,
            based_on=None,
        )
        return self.put(entry)

    def override(self, entry_id: str) -> ModelEntry:
        """Copy a bundled model into the user layer (same id) so it can be edited."""
        existing = self.get(entry_id)
        if existing is not None:
            return existing
        base = self._bundled.get(entry_id)
        if base is None:
            raise PricingValidationError(f"there is no model with id {entry_id!r}")
        latest = base.versions[-1]
        entry = replace(
            base,
            origin=ORIGIN_USER,
            based_on=BasedOn(
                fingerprint=entry_fingerprint(base),
                latest_effective_from=latest.label,
                catalog_checked=self._bundled.checked.isoformat() if self._bundled.checked else "",
            ),
        )
        return self.put(entry)

    def delete(self, entry_id: str) -> None:
        """Remove a user model; deleting an override brings the bundled price back."""
        if self.get(entry_id) is None:
            if self._bundled.get(entry_id) is not None:
                raise PricingValidationError(
                    f"{entry_id!r} is a bundled model and cannot be deleted; "
                    "override its prices instead"
                )
            raise PricingValidationError(f"there is no user model with id {entry_id!r}")
        self._entries = [e for e in self._entries if e.id != entry_id]

    def revert(self, entry_id: str) -> None:
        """Drop the user's override so the bundled price applies again."""
        if not self.is_override(entry_id):
            raise PricingValidationError(f"{entry_id!r} is not an override of a bundled model")
        self._entries = [e for e in self._entries if e.id != entry_id]

    def set_names(
        self,
        entry_id: str,
        *,
        display_name: str | None = None,
        aliases: Iterable[str] | None = None,
        match_rules: Iterable[tuple[str, str]] | None = None,
    ) -> ModelEntry:
        """Change the display name, exact aliases or match rules (kind, pattern)."""
        entry = self._editable(entry_id)
        if display_name is not None:
            entry = replace(entry, display_name=display_name.strip() or entry.model)
        if aliases is not None:
            entry = replace(entry, aliases=tuple(a.strip() for a in aliases if a.strip()))
        if match_rules is not None:
            rules = tuple(MatchRule(kind=k, pattern=p) for k, p in match_rules)  # type: ignore[arg-type]
            entry = replace(entry, match=rules)
        return self.put(entry)

    # -- versions -----------------------------------------------------------------
    def set_rate(
        self, entry_id: str, key: str, value: RateValue, *, version: str | None = None
    ) -> ModelEntry:
        """Set one rate (or ``web_search_per_1k`` / ``per_request``) on a version.

        ``version`` is the effective date (``"2025-06-10"``), ``"launch"`` for an
        undated earliest version, or None for the latest version.
        """
        entry = self._editable(entry_id)
        index = _version_index(entry, version)
        current = entry.versions[index]
        if key in EXTRA_KEYS:
            amount = _value(value, key)
            if key == "per_request":
                updated = replace(current, per_request=amount)
            else:
                updated = replace(current, web_search_per_1k=amount)
        elif key in RATE_KEYS:
            updated = replace(current, rates=current.rates.with_rate(key, _value(value, key)))
        else:
            raise PricingValidationError(
                f"unknown rate {key!r}; rates are: {', '.join((*RATE_KEYS, *EXTRA_KEYS))}"
            )
        return self._replace_version(entry, index, updated)

    def add_version(
        self,
        entry_id: str,
        effective_from: str | date | datetime,
        rates: Mapping[str, RateValue] | None = None,
        *,
        source: str = "entered by the user",
        note: str = "",
    ) -> ModelEntry:
        """A new dated price; it copies the version it follows, with ``rates`` changed.

        Calls before ``effective_from`` keep their price. A date before the
        earliest version is refused: that version already prices all earlier calls.
        """
        entry = self._editable(entry_id)
        when = _instant(effective_from)
        if when is None:
            raise PricingValidationError("a new price version needs an effective_from date")
        if any(v.effective_from == when for v in entry.versions):
            raise PricingValidationError(
                f"model {entry_id!r} already has a price version from {format_instant(when)}"
            )
        first = entry.versions[0].effective_from
        if first is not None and when < first:
            raise PricingValidationError(
                f"{format_instant(when)} is before the earliest price version "
                f"({format_instant(first)}), which already prices every earlier call; "
                "change that version instead"
            )
        previous = entry.version_at(when)
        version = replace(
            previous,
            effective_from=when,
            rates=_rates(previous.rates, rates or {}),
            source=source,
            checked=date.today(),
            note=note,
        )
        versions = sorted(
            (*entry.versions, version),
            key=lambda v: v.effective_from.timestamp() if v.effective_from else float("-inf"),
        )
        return self.put(replace(entry, versions=tuple(versions)))

    def delete_version(self, entry_id: str, version: str) -> ModelEntry:
        entry = self._editable(entry_id)
        if len(entry.versions) == 1:
            raise PricingValidationError("a model needs at least one price version")
        index = _version_index(entry, version)
        versions = entry.versions[:index] + entry.versions[index + 1 :]
        return self.put(replace(entry, versions=versions))

    def set_long_context(
        self,
        entry_id: str,
        threshold: int | None,
        *,
        op: str = ">",
        rates: Mapping[str, RateValue] | None = None,
        version: str | None = None,
    ) -> ModelEntry:
        """Give a version one long-context tier (``threshold`` None removes its tiers)."""
        entry = self._editable(entry_id)
        index = _version_index(entry, version)
        current = entry.versions[index]
        if threshold is None:
            variants = tuple((name, replace(v, tier_rates=())) for name, v in current.variants)
            updated = replace(current, tiers=(), variants=variants)
        else:
            if op not in (">", ">="):
                raise PricingValidationError(f'the comparison must be ">" or ">=", not {op!r}')
            if isinstance(threshold, bool) or not isinstance(threshold, int):
                raise PricingValidationError("the threshold must be a whole number of tokens")
            tier = Tier(
                threshold=threshold, rates=_rates(Rates(), rates or {}), inclusive=op == ">="
            )
            variants = tuple(
                (name, replace(v, tier_rates=tuple(t for t in v.tier_rates if t[0] == threshold)))
                for name, v in current.variants
            )
            updated = replace(current, tiers=(tier,), variants=variants)
        return self._replace_version(entry, index, updated)

    def set_variant(
        self,
        entry_id: str,
        name: str,
        *,
        multiplier: RateValue = None,
        rates: Mapping[str, RateValue] | None = None,
        tier_rates: Mapping[int, Mapping[str, RateValue]] | None = None,
        version: str | None = None,
    ) -> ModelEntry:
        """Set a version's batch/flex/priority/fast price; no multiplier and no rates removes it."""
        entry = self._editable(entry_id)
        index = _version_index(entry, version)
        current = entry.versions[index]
        others = tuple((n, v) for n, v in current.variants if n != name)
        factor = _value(multiplier, f"{name} multiplier")
        if factor is None and not rates and not tier_rates:
            return self._replace_version(entry, index, replace(current, variants=others))
        variant = Variant(
            multiplier=factor,
            rates=_rates(Rates(), rates or {}),
            tier_rates=tuple(
                sorted((int(t), _rates(Rates(), r)) for t, r in (tier_rates or {}).items())
            ),
        )
        return self._replace_version(
            entry, index, replace(current, variants=(*others, (name, variant)))
        )

    # -- internals ----------------------------------------------------------------
    def _effective_entry(self, entry_id: str) -> ModelEntry:
        entry = self.get(entry_id) or self._bundled.get(entry_id)
        if entry is None:
            raise PricingValidationError(f"there is no model with id {entry_id!r}")
        return entry

    def _editable(self, entry_id: str) -> ModelEntry:
        existing = self.get(entry_id)
        return existing if existing is not None else self.override(entry_id)

    def _require_new_id(self, entry_id: str) -> None:
        if not entry_id.strip():
            raise PricingValidationError("a model needs a non-empty id")
        if self.get(entry_id) is not None:
            raise PricingValidationError(f"the id {entry_id!r} is already used by your models")
        if self._bundled.get(entry_id) is not None:
            raise PricingValidationError(
                f"the id {entry_id!r} is a bundled model; override it or pick another id"
            )

    def _replace_version(self, entry: ModelEntry, index: int, version: PriceVersion) -> ModelEntry:
        versions = (*entry.versions[:index], version, *entry.versions[index + 1 :])
        return self.put(replace(entry, versions=versions))

    def put(self, entry: ModelEntry) -> ModelEntry:
        """Add or replace a whole entry (validated; it becomes a user entry)."""
        entry = replace(entry, origin=ORIGIN_USER)
        validate_entry(entry)
        for position, existing in enumerate(self._entries):
            if existing.id == entry.id:
                self._entries[position] = entry
                return entry
        self._entries.append(entry)
        return entry


def _value(value: RateValue, what: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = parse_decimal(value, what)
    if number < 0:
        raise PricingValidationError(f"{what} must not be negative (got {value})")
    return number


def _rates(base: Rates, changes: Mapping[str, RateValue]) -> Rates:
    rates = base
    for key, value in changes.items():
        if key not in RATE_KEYS:
            raise PricingValidationError(f"unknown rate {key!r}; rates are: {', '.join(RATE_KEYS)}")
        rates = rates.with_rate(key, _value(value, key))
    return rates


def _instant(value: str | date | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        utc = value.astimezone(UTC) if value.tzinfo else value  # naive times are taken as UTC
        return parse_instant(utc.strftime("%Y-%m-%dT%H:%M:%SZ"), "effective_from")
    if isinstance(value, date):
        return parse_instant(value.isoformat(), "effective_from")
    return parse_instant(value, "effective_from")


def _version_index(entry: ModelEntry, version: str | None) -> int:
    if version is None:
        return len(entry.versions) - 1
    if version.strip().lower() in ("launch", "since launch"):
        return entry.find_version(None)
    return entry.find_version(parse_instant(version, "version"))
