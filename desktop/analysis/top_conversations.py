"""The most expensive conversations of a selection: id, turns, models, cost.

A conversation is every call sharing a ``conversation_id``. Costs follow the
cost mode; unpriced calls are counted per conversation, never taken as $0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from desktop.store.dataset import Dataset

CONVERSATION_COLUMN = "conversation_id"


@dataclass(frozen=True, slots=True)
class ConversationCost:
    value: Any  # the conversation id as stored
    turns: int  # calls of the conversation in the selection
    models: tuple[str, ...]  # by cost, most expensive first
    cost_usd: float  # priced calls only
    unpriced_calls: int
    first_ts: float
    last_ts: float

    @property
    def priced(self) -> bool:
        return self.turns > self.unpriced_calls


def top_conversations(
    dataset: Dataset,
    mask: np.ndarray,
    mode: str = "computed",
    limit: int = 25,
    column: str = CONVERSATION_COLUMN,
) -> list[ConversationCost]:
    """The ``limit`` conversations with the highest cost (ties: more turns first)."""
    frame = dataset.frame
    conv = frame.text(column)
    rows = np.flatnonzero(mask & (conv.codes >= 0))  # selected calls with a conversation
    if not len(rows) or limit <= 0:
        return []
    codes = conv.codes[rows]
    cost = dataset.cost(mode)[rows]
    priced = ~np.isnan(cost)
    n = len(conv.values)
    turns = np.bincount(codes, minlength=n)
    cost_sum = np.bincount(codes[priced], weights=cost[priced], minlength=n)
    present = np.flatnonzero(turns)
    # Highest cost first, then more turns, then the id's code (deterministic).
    order = np.lexsort((present, -turns[present], -cost_sum[present]))[:limit]
    chosen = present[order]

    position = np.full(n, -1, dtype=np.int64)
    position[chosen] = np.arange(len(chosen))
    where = position[codes]
    inside = where >= 0
    sub_rows = rows[inside]
    sub_pos = where[inside]
    sub_cost = cost[inside]
    sub_priced = priced[inside]
    sub_ts = frame.num("ts")[sub_rows]
    model = frame.text("model")
    sub_model = model.codes[sub_rows].astype(np.int64)

    out = []
    for i, code in enumerate(chosen):
        mine = sub_pos == i
        ts = sub_ts[mine]
        models = _models_by_cost(sub_model[mine], sub_cost[mine], sub_priced[mine], model.values)
        out.append(
            ConversationCost(
                value=conv.values[code],
                turns=int(turns[code]),
                models=models,
                cost_usd=float(cost_sum[code]),
                unpriced_calls=int(turns[code] - sub_priced[mine].sum()),
                first_ts=float(ts.min()),
                last_ts=float(ts.max()),
            )
        )
    return out


def _models_by_cost(
    codes: np.ndarray, cost: np.ndarray, priced: np.ndarray, values: list[Any]
) -> tuple[str, ...]:
    shifted = codes + 1  # 0 = no model
    spend = np.bincount(shifted[priced], weights=cost[priced], minlength=len(values) + 1)
    calls = np.bincount(shifted, minlength=len(values) + 1)
    used = np.flatnonzero(calls)
    used = used[np.lexsort((used, -calls[used], -spend[used]))]
    return tuple("(no model)" if c == 0 else str(values[c - 1]) for c in used)
