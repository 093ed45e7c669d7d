"""The pricing engine: the one object the rest of Spendtrail prices calls with."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pricing.bundled import bundled_catalog
from pricing.catalog import Catalog, ModelEntry
from pricing.catalog_json import entry_to_dict
from pricing.cells import CostFlag, RateCell
from pricing.explain import CostExplanation, Usage, explain_cell
from pricing.file_formats import load_price_file
from pricing.matching import Match, Matcher, NoMatch
from pricing.resolve import CellDetail, build_cells
from pricing.user_layer import default_user_file, layer, read_user_file

Mode = Literal["history", "today"]


class PricingEngine:
    """Prices calls from one effective catalog (bundled prices with the user's on top).

    Immutable: a different mode or catalog is a different engine. ``cells`` and
    ``match`` results are cached per argument tuple.
    """

    def __init__(
        self,
        catalog: Catalog,
        *,
        mode: Mode = "history",
        now: datetime | None = None,
        problems: Iterable[str] = (),
        override_notes: dict[str, str] | None = None,
    ) -> None:
        if mode not in ("history", "today"):
            raise ValueError(f"mode must be 'history' or 'today', not {mode!r}")
        self._catalog = catalog
        self._mode: Mode = mode
        self._now = (now or datetime.now(UTC)).astimezone(UTC)
        self._problems = list(problems)
        self._override_notes = dict(override_notes or {})
        self._matcher = Matcher(catalog)
        self._match_cache: dict[tuple[str | None, str | None], Match | NoMatch] = {}
        # per (model, provider, service tier): the cells and their details, index-aligned
        self._cell_cache: dict[
            tuple[str | None, str | None, str | None],
            tuple[tuple[RateCell, ...], tuple[CellDetail, ...]],
        ] = {}
        self._fingerprint: str | None = None

    # -- construction ---------------------------------------------------------------
    @classmethod
    def load(
        cls,
        user_file: Path | None = None,
        include_bundled: bool = True,
        now: datetime | None = None,
    ) -> PricingEngine:
        """Bundled prices plus the user's file (default location if not given).

        A missing user file is normal; an unreadable or corrupt one is reported in
        :attr:`problems` and ignored, and the bundled prices still work.
        """
        path = user_file if user_file is not None else default_user_file()
        user, problems = read_user_file(path)
        bundled = bundled_catalog() if include_bundled else Catalog(entries=())
        catalog, notes = layer(bundled, user)
        return cls(catalog, now=now, problems=problems, override_notes=notes)

    @classmethod
    def from_file(cls, path: Path, now: datetime | None = None) -> PricingEngine:
        """Prices from this file alone (our catalog JSON or a LiteLLM price map).

        Raises :class:`~pricing.errors.PricingFileError` if the file cannot be used.
        """
        loaded = load_price_file(Path(path))
        return cls(loaded.catalog, now=now, problems=loaded.skipped)

    def with_mode(self, mode: Mode) -> PricingEngine:
        """The same prices in ``"history"`` (price at call time) or ``"today"`` mode."""
        if mode == self._mode:
            return self
        return PricingEngine(
            self._catalog,
            mode=mode,
            now=self._now,
            problems=self._problems,
            override_notes=self._override_notes,
        )

    # -- properties -----------------------------------------------------------------
    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def now(self) -> datetime:
        return self._now

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    @property
    def problems(self) -> list[str]:
        return list(self._problems)

    @property
    def fingerprint(self) -> str:
        """Hash of everything that can change a price: the effective catalog and mode.

        Names, rules, dates, rates, tiers, variants, windows and the origin of each
        entry count; sources, notes and display names do not. In "today" mode it
        also covers which version is in force at ``now``, so a new day that brings
        a new version changes it, and another day does not.
        """
        if self._fingerprint is None:
            digest = hashlib.sha256()
            for entry in self._catalog.entries:
                digest.update(_price_relevant(entry).encode())
            digest.update(self._mode.encode())
            if self._mode == "today":
                for entry in self._catalog.entries:
                    digest.update(f"{entry.id}@{entry.version_at(self._now).label}".encode())
            self._fingerprint = digest.hexdigest()[:32]
        return self._fingerprint

    # -- pricing --------------------------------------------------------------------
    def match(self, model: str | None, provider: str | None) -> Match | None:
        """The entry that prices this model on this provider, or None (unpriced)."""
        found = self._lookup(model, provider)
        return found if isinstance(found, Match) else None

    def why_unpriced(self, model: str | None, provider: str | None) -> NoMatch | None:
        found = self._lookup(model, provider)
        return found if isinstance(found, NoMatch) else None

    def cells(
        self, model: str | None, provider: str | None, service_tier: str | None
    ) -> tuple[RateCell, ...]:
        """The rate cells for these calls, first applicable wins; () = unpriced."""
        return self._cells(model, provider, service_tier)[0]

    def explain(
        self,
        model: str | None,
        provider: str | None,
        ts: float,
        service_tier: str | None,
        usage: Usage,
    ) -> CostExplanation:
        """The cost of one call in Decimal, with the reasons for every part of it."""
        found = self._lookup(model, provider)
        if isinstance(found, NoMatch):
            return CostExplanation(
                model=model,
                provider=provider,
                service_tier=service_tier,
                ts=ts,
                usage=usage,
                total=None,
                flags=int(CostFlag.UNPRICED),
                unpriced_reason=found.reason,
                suggestions=found.suggestions,
            )
        prompt = usage.prompt_total
        cells, details = self._cells(model, provider, service_tier)
        for cell, detail in zip(cells, details, strict=True):
            if cell.applies(ts, prompt):
                return explain_cell(model, provider, service_tier, ts, usage, found, detail)
        return CostExplanation(  # unreachable with a valid catalog: every call has a cell
            model=model,
            provider=provider,
            service_tier=service_tier,
            ts=ts,
            usage=usage,
            total=None,
            match=found,
            flags=int(CostFlag.UNPRICED),
            unpriced_reason=f"no price of {found.entry_id} applies to this call",
        )

    def entry(self, entry_id: str) -> ModelEntry | None:
        return self._catalog.get(entry_id)

    def override_note(self, entry_id: str) -> str:
        """For a user override: whether the bundled price moved underneath it."""
        return self._override_notes.get(entry_id, "")

    # -- internals ------------------------------------------------------------------
    def _lookup(self, model: str | None, provider: str | None) -> Match | NoMatch:
        key = (model, provider)
        found = self._match_cache.get(key)
        if found is None:
            found = self._matcher.match(model, provider)
            note = self._override_notes.get(found.entry_id) if isinstance(found, Match) else None
            if isinstance(found, Match) and note:
                found = replace(found, notes=(*found.notes, note))
            self._match_cache[key] = found
        return found

    def _cells(
        self, model: str | None, provider: str | None, service_tier: str | None
    ) -> tuple[tuple[RateCell, ...], tuple[CellDetail, ...]]:
        key = (model, provider, service_tier)
        cached = self._cell_cache.get(key)
        if cached is None:
            found = self._lookup(model, provider)
            pairs: tuple[tuple[RateCell, CellDetail], ...] = ()
            if isinstance(found, Match):
                entry = self._catalog.get(found.entry_id)
                assert entry is not None
                today = self._now if self._mode == "today" else None
                pairs = build_cells(entry, service_tier, today=today)
            cached = (tuple(c for c, _ in pairs), tuple(d for _, d in pairs))
            self._cell_cache[key] = cached
        return cached


def _price_relevant(entry: ModelEntry) -> str:
    """The parts of an entry that decide which price a call gets, as stable JSON."""
    data = entry_to_dict(entry)
    for key in ("display_name", "note", "based_on"):
        data.pop(key, None)
    for version in data["versions"]:
        for key in ("source", "checked", "note"):
            version.pop(key, None)
    data["origin"] = entry.origin
    return json.dumps(data, sort_keys=True, ensure_ascii=False)
