"""Opening a set of sources: the one entry point for the CLI and the app."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from desktop.store.dataset import Dataset
from desktop.store.ingest import IngestResult, Progress, ingest
from desktop.store.pricer import PricingSpec
from desktop.store.store import Store, store_path_for


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """What to open and how; also the key of the working store."""

    paths: tuple[Path, ...]
    pricing: PricingSpec = field(default_factory=PricingSpec)
    force_format: str | None = None
    options: dict[str, Any] | None = None  # e.g. {"mapping": {...}} for the mapped format

    def store_key(self) -> str:
        return orjson.dumps(
            {
                "pricing_file": self.pricing.file,
                "user_file": self.pricing.user_file,
                "mode": self.pricing.mode,
                "format": self.force_format,
                "options": self.options,
            },
            option=orjson.OPT_SORT_KEYS,
        ).decode()

    def store_path(self) -> Path:
        return store_path_for(self.paths, self.store_key())


def open_dataset(
    request: OpenRequest,
    *,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    on_commit: Callable[[], None] | None = None,
    store_path: Path | None = None,
    workers: int | None = None,
    defer_indexes: bool = True,
) -> tuple[Dataset, IngestResult]:
    """Open (or create) the working store for ``request`` and bring it up to date.

    After a first load the store's indexes are left for later (``defer_indexes``):
    the answers come from the column cache; the indexes serve re-pricing and
    re-reading, which build them when they first need them, and the app builds
    them in the background.
    """
    store = Store(store_path or request.store_path())
    result = ingest(
        store,
        list(request.paths),
        request.pricing,
        force_format=request.force_format,
        options=request.options,
        progress=progress,
        cancel=cancel,
        on_commit=on_commit,
        workers=workers,
        defer_indexes=defer_indexes,
    )
    dataset = Dataset(store)
    return dataset, result


def describe_sources(
    store: Store, problems_per_source: int = 20, per_source: dict[int, int] | None = None
) -> list[dict[str, Any]]:
    """One entry per source file, as the report shows them (``per_source``: the calls
    kept per source id, if known; otherwise counted in the store)."""
    if per_source is None:
        per_source = store.calls_per_source()
    # The first problems of every source in one query: a projects folder has 14k files.
    problems: dict[int, list[dict[str, Any]]] = {}
    for source_id, line, reason in store.conn.execute(
        "SELECT source_id, line, reason FROM (SELECT source_id, line, reason, "
        "row_number() OVER (PARTITION BY source_id ORDER BY line) AS k FROM problems) "
        "WHERE k <= ? ORDER BY source_id, line",
        (problems_per_source,),
    ):
        problems.setdefault(source_id, []).append({"line": line, "reason": reason})
    out = []
    for row in store.sources():
        entry: dict[str, Any] = {
            "path": row.path,
            "format": row.format,
            "calls": per_source.get(row.id, 0),
            "skipped": row.problems,
            "problems": problems.get(row.id, []),
        }
        duplicates = row.calls - per_source.get(row.id, 0)
        if duplicates > 0:
            entry["duplicates_merged"] = duplicates
        if row.error:
            entry["error"] = row.error
        out.append(entry)
    return out


def sources_summary(paths: Sequence[Path]) -> str:
    names = [p.name or str(p) for p in paths]
    if len(names) <= 2:
        return ", ".join(names)
    return f"{names[0]}, {names[1]} and {len(names) - 2} more"
