"""Running totals of a load: what the store holds, plus each batch as it is stored.

The app shows them while it reads (they travel with the load's progress), so it
never queries a store that is being written.
"""

from __future__ import annotations

import numpy as np

from desktop.store.batch import Batch
from desktop.store.store import Store

TOTAL_KEYS = ("calls", "cost_usd", "unpriced_calls", "prompt_tokens", "output_tokens")

_TOTALS_SQL = (
    "SELECT COUNT(*), TOTAL(cost_usd), TOTAL(cost_usd IS NULL AND cost_flags & 1),"
    " TOTAL(input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens),"
    " TOTAL(output_tokens) FROM calls"
)


def stored_totals(store: Store) -> dict[str, float]:
    """Count, cost, unpriced count, prompt and output tokens of every call stored."""
    row = store.conn.execute(_TOTALS_SQL).fetchone()
    return dict(zip(TOTAL_KEYS, row, strict=True))


def plus(totals: dict[str, float], batch: Batch) -> dict[str, float]:
    """``totals`` with the calls of ``batch`` added (a new dict: progress is a snapshot)."""
    if not batch.n:
        return totals
    num = batch.num
    cost = num["cost_usd"]
    unpriced = np.isnan(cost) & (num["cost_flags"] & 1).astype(bool)
    prompt = (
        num["input_tokens"]
        + num["cache_read_tokens"]
        + num["cache_write_5m_tokens"]
        + num["cache_write_1h_tokens"]
    )
    return {
        "calls": totals["calls"] + batch.n,
        "cost_usd": totals["cost_usd"] + float(np.nansum(cost)),
        "unpriced_calls": totals["unpriced_calls"] + int(np.count_nonzero(unpriced)),
        "prompt_tokens": totals["prompt_tokens"] + int(prompt.sum()),
        "output_tokens": totals["output_tokens"] + int(num["output_tokens"].sum()),
    }
