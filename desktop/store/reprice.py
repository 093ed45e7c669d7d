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
    """The combinations whose rate cells differ from the ones the store used."""
    conn = dataset.read()
    stored = dict(conn.execute("SELECT combo, digest FROM priced_combos"))
    plan = RepricePlan(engine.fingerprint)
    for provider, model, tier, n in conn.execute(
        "SELECT provider, model, service_tier, COUNT(*) FROM calls "
        "GROUP BY provider, model, service_tier"
    ):
        combo = (provider, model, tier)
        cells = tuple(engine.cells(model, provider, tier))
        digest = cells_digest(cells)
        if stored.get(combo_key(combo)) != digest:
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
    touched = []
    for (p, m, t), cells, _digest in plan.changes:
        rows = np.flatnonzero(_matches(provider, p) & _matches(model, m) & _matches(tier, t))
        if len(rows):
            price_rows(cells, rows, ts, tokens, cost, flags, price_id)
            touched.append(rows)
    codes = price.codes.copy()
    values = list(price.values)
    index = {v: i for i, v in enumerate(values)}
    for rows in touched:
        for row, value in zip(rows.tolist(), price_id[rows].tolist(), strict=True):
            if value is None:
                codes[row] = -1
                continue
            code = index.get(value)
            if code is None:
                code = index[value] = len(values)
                values.append(value)
            codes[row] = code
    frame.set_num("cost_usd", cost)
    frame.set_num("cost_flags", flags)
    frame.set_text("price_id", TextColumn(codes, values))


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
