"""Re-pricing open data after a price edit: in memory first, then in the store.

A price edit changes the rate cells of a few (provider, model, service tier)
combinations. :func:`plan_reprice` finds them; :func:`reprice_frame` recomputes
their calls in the column cache (milliseconds, so every view shows the new
totals at once); :func:`persist_reprice` then rewrites those calls in SQLite in
the background. Both use the same cells and formula, so they agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from desktop.store.batch import INT_FIELDS, price_rows
from desktop.store.frame import TextColumn
from desktop.store.pricer import Combo, cells_digest, combo_key, update_sql
from pricing.cells import RateCell

if TYPE_CHECKING:
    from desktop.store.dataset import Dataset
    from pricing import PricingEngine


@dataclass(slots=True)
class RepricePlan:
    fingerprint: str
    changes: list[tuple[Combo, tuple[RateCell, ...], str]] = field(default_factory=list)
    calls: int = 0  # calls whose combination changed

    @property
    def combos(self) -> list[Combo]:
        return [c for c, _, _ in self.changes]


def plan_reprice(dataset: Dataset, engine: PricingEngine) -> RepricePlan:
    """The combinations whose rate cells differ from the ones the column cache holds.

    The combinations and their call counts come from the column cache (numpy, a
    few milliseconds at a million calls, where a SQL GROUP BY takes seconds). They
    are compared with the cells the cache was last priced with, not the store's:
    the store may still be behind (its rewrite runs in the background), and a
    quick second edit, or an undo, must be planned against what the views show.
    """
    known = _frame_digests(dataset)
    plan = RepricePlan(engine.fingerprint)
    for combo, n in _combo_counts(dataset):
        provider, model, tier = combo
        cells = tuple(engine.cells(model, provider, tier))
        digest = cells_digest(cells)
        if known.get(combo_key(combo)) != digest:
            plan.changes.append((combo, cells, digest))
            plan.calls += n
    return plan


def reprice_frame(dataset: Dataset, plan: RepricePlan) -> None:
    """Recompute the cost columns of the changed combinations in memory."""
    if not plan.changes:
        return
    frame = dataset.frame
    provider = frame.text("provider")
    model = frame.text("model")
    tier = frame.text("service_tier")
    ts = frame.num("ts")
    tokens = [frame.num(name) for name in INT_FIELDS[:7]]
    cost = frame.num("cost_usd").copy()
    flags = frame.num("cost_flags").copy()
    price = frame.text("price_id")
    price_id = np.full(len(ts), None, dtype=object)  # filled for the re-priced rows only
    codes = price.codes.copy()
    values = list(price.values)
    index = {v: i for i, v in enumerate(values)}
    for (p, m, t), cells, _digest in plan.changes:
        rows = np.flatnonzero(_matches(provider, p) & _matches(model, m) & _matches(tier, t))
        if not len(rows):
            continue
        price_rows(cells, rows, ts, tokens, cost, flags, price_id)
        chosen = price_id[rows]
        new_codes = np.full(len(rows), -1, dtype=codes.dtype)
        for value in dict.fromkeys(cell.price_id for cell in cells):
            hit = chosen == value
            if hit.any():
                code = index.get(value)
                if code is None:
                    code = index[value] = len(values)
                    values.append(value)
                new_codes[hit] = code
        codes[rows] = new_codes
    # In memory only: the cache files follow once the store holds these prices too
    # (persist_reprice), so a crash in between never pairs new costs with an old store.
    frame.set_num("cost_usd", cost, save=False)
    frame.set_num("cost_flags", flags, save=False)
    frame.set_text("price_id", TextColumn(codes, values), save=False)
    digests = _frame_digests(dataset)
    digests.update((combo_key(combo), digest) for combo, _cells, digest in plan.changes)


def warm_up(dataset: Dataset) -> None:
    """Load the columns re-pricing reads, so the first price edit does not wait for them."""
    frame = dataset.frame
    for name in ("provider", "model", "service_tier", "price_id"):
        frame.text(name)
    for name in ("ts", "cost_usd", "cost_flags", *INT_FIELDS[:7]):
        frame.num(name)
    _frame_digests(dataset)


def _frame_digests(dataset: Dataset) -> dict[str, str]:
    """Per combination, the digest of the cells the column cache is priced with."""
    digests = dataset.frame_digests
    if digests is None:
        conn = dataset.read()
        digests = dict(conn.execute("SELECT combo, digest FROM priced_combos"))
        dataset.frame_digests = digests
    return digests


def _combo_counts(dataset: Dataset) -> list[tuple[Combo, int]]:
    """Every (provider, model, service tier) of the calls, with its number of calls."""
    frame = dataset.frame
    columns = [frame.text(name) for name in ("provider", "model", "service_tier")]
    sizes = [len(col.values) + 1 for col in columns]  # code 0 = null
    key = np.zeros(len(frame), dtype=np.int64)
    for col, size in zip(columns, sizes, strict=True):
        key = key * size + (col.codes.astype(np.int64) + 1)
    space = sizes[0] * sizes[1] * sizes[2]
    if space <= max(4 * len(key), 1 << 20):
        counts = np.bincount(key, minlength=space)
        keys = np.flatnonzero(counts)
        counts = counts[keys]
    else:
        keys, counts = np.unique(key, return_counts=True)
    out = []
    for k, n in zip(keys.tolist(), counts.tolist(), strict=True):
        k, t = divmod(k, sizes[2])
        p, m = divmod(k, sizes[1])
        combo = tuple(
            None if code == 0 else col.values[code - 1]
            for col, code in zip(columns, (p, m, t), strict=True)
        )
        out.append((combo, n))
    return out  # type: ignore[return-value]


def persist_reprice(dataset: Dataset, plan: RepricePlan) -> None:
    """Rewrite the changed combinations in the store (one UPDATE each)."""
    from desktop.store.store import Store

    if not plan.changes:
        return
    store = Store(dataset.path)
    try:
        store.begin()
        for combo, cells, digest in plan.changes:
            sql, params = update_sql(combo, cells)
            store.conn.execute(sql, params)
            store.conn.execute(
                "INSERT OR REPLACE INTO priced_combos (combo, digest) VALUES (?, ?)",
                (combo_key(combo), digest),
            )
        store.set_meta("pricing_fingerprint", plan.fingerprint)
        store.bump("pricing")
        store.commit()
        generations = (store.generation("rows"), store.generation("pricing"))
    except BaseException:
        store.rollback()
        raise
    finally:
        store.close()
    # The cached columns already hold these numbers: keep them, under the new generation.
    dataset.frame.adopt_generations(*generations)


def _matches(col: TextColumn, value: object) -> np.ndarray:
    if value is None:
        return col.codes < 0
    for i, v in enumerate(col.values):
        if v == value:
            return col.codes == i
    return np.zeros(len(col.codes), dtype=bool)
