"""Pricing rows at ingest and re-pricing stored calls when prices change.

The pricing engine resolves a (provider, model, service tier) triple into rate
cells; all bulk pricing goes through those cells, so the cost computed at
ingest, the cost re-priced in SQL and the cost recomputed in the column cache
are the same numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from pricing.cells import CostFlag, RateCell, flags_for_call, select_cell

if TYPE_CHECKING:
    from desktop.store.store import Store
    from pricing import PricingEngine

Combo = tuple[str | None, str | None, str | None]  # provider, model, service tier


@dataclass(frozen=True, slots=True)
class PricingSpec:
    """How to build the pricing engine: picklable, so parser processes can too."""

    file: str | None = None  # price with this file alone (--pricing FILE)
    user_file: str | None = None  # None: the default user catalog
    mode: str = "history"  # "history" (price in force at call time) or "today"
    now: float | None = None  # "today" as epoch seconds (tests pin it)

    def load(self) -> PricingEngine:
        from datetime import UTC, datetime

        from pricing import PricingEngine

        now = datetime.fromtimestamp(self.now, UTC) if self.now is not None else None
        if self.file:
            engine = PricingEngine.from_file(Path(self.file))
        elif self.user_file:
            engine = PricingEngine.load(user_file=Path(self.user_file), now=now)
        else:
            engine = PricingEngine.load(now=now)
        return engine.with_mode("today") if self.mode == "today" else engine


UNPRICED = int(CostFlag.UNPRICED)


class Pricer:
    """Prices single calls with cached rate cells (the ingest path)."""

    def __init__(self, engine: PricingEngine) -> None:
        self.engine = engine
        self._cells: dict[Combo, tuple[RateCell, ...]] = {}

    def cells(self, provider: str | None, model: str | None, tier: str | None) -> tuple:
        key = (provider, model, tier)
        cells = self._cells.get(key)
        if cells is None:
            cells = self._cells[key] = tuple(self.engine.cells(model, provider, tier))
        return cells

    def price(self, r: Any) -> tuple[float | None, str | None, int]:
        """(cost in USD or None, price id, flags) for a CallRecord."""
        cells = self._cells.get((r[1], r[2], r[3]))
        if cells is None:
            cells = self.cells(r[1], r[2], r[3])
        prompt = r[4] + r[5] + r[6] + r[7]
        if not cells:
            return (0.0, None, 0) if prompt + r[8] + r[10] == 0 else (None, None, UNPRICED)
        cell = cells[0] if len(cells) == 1 and cells[0].applies(r[0], prompt) else None
        if cell is None:
            cell = select_cell(cells, r[0], prompt)
            if cell is None:
                return (0.0, None, 0) if prompt + r[8] + r[10] == 0 else (None, None, UNPRICED)
        cost = cell.cost(r[4], r[5], r[6], r[7], r[8], r[9], r[10])
        return cost, cell.price_id, flags_for_call(cell.flags, r[5], r[6], r[7])


def combo_key(combo: Combo | tuple[Any, ...]) -> str:
    return orjson.dumps(list(combo)).decode()


def cells_digest(cells: tuple[RateCell, ...]) -> str:
    return hashlib.sha1(repr(cells).encode()).hexdigest()


def reprice_store(
    store: Store,
    engine: PricingEngine,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[Combo]:
    """Re-price the stored calls whose prices changed; returns the changed combos.

    Each (provider, model, service tier) combination remembers a digest of the
    rate cells it was priced with, so only combinations whose cells differ are
    rewritten, in one UPDATE each.
    """
    conn = store.conn
    stored = dict(conn.execute("SELECT combo, digest FROM priced_combos"))
    # Every combination ever stored is listed there (written with its rows), so the
    # calls table need not be scanned.
    combos = [tuple(orjson.loads(key)) for key in stored]
    changed: list[Combo] = []
    plans: list[tuple[Combo, tuple[RateCell, ...], str]] = []
    for combo in combos:
        cells = tuple(engine.cells(combo[1], combo[0], combo[2]))
        digest = cells_digest(cells)
        if force or stored.get(combo_key(combo)) != digest:
            plans.append((combo, cells, digest))
    if not plans:
        return changed
    store.ensure_indexes()  # each UPDATE finds its calls through the model index
    for done, (combo, cells, digest) in enumerate(plans):
        sql, params = update_sql(combo, cells)
        conn.execute(sql, params)
        conn.execute(
            "INSERT OR REPLACE INTO priced_combos (combo, digest) VALUES (?, ?)",
            (combo_key(combo), digest),
        )
        changed.append(combo)
        if progress:
            progress(done + 1, len(plans))
    return changed


def record_combos(store: Store, engine: PricingEngine, combos: Iterable[Combo]) -> None:
    """Remember the cells the given combinations were priced with (at ingest).

    Called with each batch's combinations in the transaction that stores its rows,
    so the table always lists every combination the store holds.
    """
    for combo in combos:
        digest = cells_digest(tuple(engine.cells(combo[1], combo[0], combo[2])))
        store.conn.execute(
            "INSERT OR IGNORE INTO priced_combos (combo, digest) VALUES (?, ?)",
            (combo_key(combo), digest),
        )


_IDLE = (
    "(input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens"
    " + output_tokens + web_search_requests) = 0"
)
# An assumed cache rate only matters for calls that use that bucket (flags_for_call).
_CR, _W5, _W1 = (
    int(CostFlag.ASSUMED_CACHE_READ),
    int(CostFlag.ASSUMED_CACHE_WRITE_5M),
    int(CostFlag.ASSUMED_CACHE_WRITE_1H),
)
_CALL_FLAGS = (
    f"(? & ~(CASE WHEN cache_read_tokens = 0 THEN {_CR} ELSE 0 END)"
    f" & ~(CASE WHEN cache_write_5m_tokens = 0 THEN {_W5} ELSE 0 END)"
    f" & ~(CASE WHEN cache_write_1h_tokens = 0 THEN {_W1} ELSE 0 END))"
)


def update_sql(combo: Combo, cells: tuple[RateCell, ...]) -> tuple[str, tuple[Any, ...]]:
    """One UPDATE that prices every call of a combination: first matching cell wins.

    Calls no cell covers are unpriced, except calls with no usage at all, which cost 0.
    """
    where = "provider IS ? AND model IS ? AND service_tier IS ?"
    if not cells:
        return (
            "UPDATE calls SET "
            f"cost_usd = CASE WHEN {_IDLE} THEN 0.0 ELSE NULL END, price_id = NULL, "
            f"cost_flags = CASE WHEN {_IDLE} THEN 0 ELSE ? END WHERE {where}",
            (UNPRICED, *combo),
        )
    cost_cases, price_cases, flag_cases = [], [], []
    cost_params: list[Any] = []
    price_params: list[Any] = []
    flag_params: list[Any] = []
    for cell in cells:
        cond, cond_params = cell.sql_condition()
        expr, expr_params = cell.sql_cost()
        cost_cases.append(f"WHEN {cond} THEN {expr}")
        cost_params += [*cond_params, *expr_params]
        price_cases.append(f"WHEN {cond} THEN ?")
        price_params += [*cond_params, cell.price_id]
        flag_cases.append(f"WHEN {cond} THEN {_CALL_FLAGS}")
        flag_params += [*cond_params, cell.flags]
    sql = (
        "UPDATE calls SET "
        f"cost_usd = CASE {' '.join(cost_cases)} WHEN {_IDLE} THEN 0.0 ELSE NULL END, "
        f"price_id = CASE {' '.join(price_cases)} ELSE NULL END, "
        f"cost_flags = CASE {' '.join(flag_cases)} WHEN {_IDLE} THEN 0 ELSE ? END "
        f"WHERE {where}"
    )
    return sql, (*cost_params, *price_params, *flag_params, UNPRICED, *combo)
