"""Conversations: the list sorted by cost, and the per-turn breakdown of one of them.

A *conversation* is every call that shares one value of a column the user
chooses: ``conversation_id``, a session label, ``trace_id`` or any other label.
Everything here is numpy over the dataset's column cache, so the list of a
million calls is computed in tens of milliseconds, and the figures are the
same ones ``spendtrail report`` and ``spendtrail export`` give for those calls.

**Side chains.** A call is part of a side chain (a sub-agent working inside the
conversation) when a label says so: a true ``sidechain`` / ``is_sidechain``
flag, or an agent label (``agent_id``, ``agent``, ``agent_name``, ``subagent``)
whose value differs from the agent of the conversation's first call. Its
*branch* is the agent's name ("side chain" when only the flag is set); calls of
the main conversation have no branch. A call whose ``parent_id`` is the
``request_id`` or ``message_id`` of another call of the conversation points to
that call as its parent.

**Cache-cold turns.** Each branch has its own prompt cache (a sub-agent sends a
different prompt). Let *p* be the previous turn of the same branch that sent a
prompt (prompt total = input + cache read + both cache writes > 0; failed calls
that sent nothing are passed over). A turn is *cache-cold* when all of these hold:

1. the branch's cache was in use before: an earlier turn of the branch read from
   or wrote to the cache (a branch that never caches is not "cold", it is uncached);
2. *p* sent a context worth caching: its prompt total is at least
   :data:`MIN_CACHED_CONTEXT` tokens;
3. the turn carries that context on: its prompt total is at least
   :data:`COLD_SHARE` of *p*'s (a shorter prompt means the context was reset or
   compacted, which is not a cache miss);
4. less than :data:`COLD_SHARE` of *p*'s prompt total was read back from the cache:
   the context already sent was re-written to the cache or re-sent as uncached input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from desktop.store.dataset import Dataset
    from pricing import CostExplanation, PricingEngine

MIN_CACHED_CONTEXT = 1024  # tokens: no provider caches a shorter prompt
COLD_SHARE = 0.5
TTL_HINT_SECONDS = 5 * 60  # the default prompt-cache lifetime (Anthropic 5m, OpenAI ~5-10m)

SIDE_CHAIN_FLAGS = ("sidechain", "is_sidechain", "issidechain", "side_chain")
AGENT_LABELS = ("agent_id", "agent", "agent_name", "subagent", "sub_agent")
SESSION_LABELS = (
    "session",
    "session_id",
    "sessionid",
    "thread",
    "thread_id",
    "conversation",
    "chat_id",
)
TRUE_TEXT = frozenset({"1", "true", "yes", "y", "t"})

TURN_TEXT_COLUMNS = (
    "model",
    "provider",
    "service_tier",
    "request_id",
    "message_id",
    "parent_id",
    "status",
    "error",
)
PROMPT_FIELDS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
)
TOKEN_SUM_FIELDS = (*PROMPT_FIELDS, "output_tokens")


# -- which column defines a conversation --------------------------------------------------


def conversation_columns(dataset: Dataset) -> list[str]:
    """Columns a conversation can be defined by: the usual ids first, then every label."""
    labels = dataset.label_keys()
    sessions = [k for k in labels if k.lower() in SESSION_LABELS]
    preferred = ["conversation_id", *sessions, "trace_id"]
    return list(dict.fromkeys([*preferred, *labels]))


def default_column(dataset: Dataset) -> str:
    """The first of conversation_id, a session label, trace_id that has values."""
    for column in conversation_columns(dataset):
        usual = column in ("conversation_id", "trace_id") or column.lower() in SESSION_LABELS
        if usual and dataset.frame.text(column).values:
            return column
    return "conversation_id"


# -- the list ---------------------------------------------------------------------------------


@dataclass(slots=True)
class ConversationList:
    """One row per conversation, most expensive first (arrays are index-aligned)."""

    column: str
    codes: np.ndarray  # per row: the conversation's code in ``values``
    values: list[Any]  # the column's distinct values
    first_ts: np.ndarray
    last_ts: np.ndarray
    turns: np.ndarray
    tokens: np.ndarray  # input + cache read + cache writes + output
    cost: np.ndarray  # sum of the priced turns
    unpriced: np.ndarray  # turns without a cost
    top_turn_cost: np.ndarray  # the most expensive turn (NaN when no turn is priced)
    top_turn_id: np.ndarray  # its call id (-1 when none)
    model_count: np.ndarray
    without_key: int = 0  # calls the filters keep that have no value in ``column``
    model_names: list[Any] = field(default_factory=list)
    # the (conversation, model) pairs, grouped by conversation: rows index ``_pair_start``
    # through ``_pair_group``, the conversation's position before sorting
    _pair_group: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    _pair_start: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    _pair_model: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    _pair_calls: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.codes)

    def key(self, row: int) -> Any:
        """The conversation's value in ``column``."""
        return self.values[int(self.codes[row])]

    @property
    def keys(self) -> list[Any]:
        return [self.values[c] for c in self.codes.tolist()]

    @property
    def calls(self) -> int:
        return int(self.turns.sum())

    def models(self, row: int) -> list[str]:
        """The models a conversation used, the most used first ("(none)" for no model)."""
        group = int(self._pair_group[row])
        lo, hi = int(self._pair_start[group]), int(self._pair_start[group + 1])
        codes = self._pair_model[lo:hi]
        calls = self._pair_calls[lo:hi]
        order = np.lexsort((codes, -calls))
        return [
            "(none)" if codes[i] < 0 else str(self.model_names[codes[i]]) for i in order.tolist()
        ]

    def sort_order(self, key: str, descending: bool) -> np.ndarray:
        """Row order for a sort key (stable: ties keep the cost order)."""
        if key == "key":
            values = value_rank(self.values)[self.codes]
        else:
            values = {
                "first": self.first_ts,
                "last": self.last_ts,
                "turns": self.turns,
                "models": self.model_count,
                "tokens": self.tokens,
                "cost": self.cost,
                "top": np.nan_to_num(self.top_turn_cost, nan=-1.0),
                "unpriced": self.unpriced,
            }[key]
        return np.argsort(-values if descending else values, kind="stable")

    def find(self, value: Any) -> int:
        """The row of a conversation value, or -1."""
        wanted = _codes_of(self.values, value)
        rows = np.flatnonzero(np.isin(self.codes, wanted)) if wanted else ()
        return int(rows[0]) if len(rows) else -1


def conversation_list(
    dataset: Dataset,
    mask: np.ndarray,
    column: str,
    zone: tzinfo,
    mode: str = "computed",
) -> ConversationList:
    """Every conversation among the calls ``mask`` keeps, sorted by cost (then turns)."""
    column = dataset.resolve(column)
    codes, values = _codes_and_values(dataset, column, zone)
    frame = dataset.frame
    keep = mask & (codes >= 0)
    without = int(np.count_nonzero(mask & (codes < 0)))
    rows = np.flatnonzero(keep)
    conv = codes[rows]
    per_code = np.bincount(conv, minlength=len(values))
    present = np.flatnonzero(per_code)
    m = len(present)
    lut = np.full(len(values), -1, dtype=np.int64)
    lut[present] = np.arange(m)
    g = lut[conv]  # dense conversation index per call

    turns = per_code[present].astype(np.int64)
    tokens = np.zeros(m, dtype=np.float64)
    for name in TOKEN_SUM_FIELDS:
        tokens += np.bincount(g, weights=frame.num(name)[rows], minlength=m)
    cost = dataset.cost(mode)[rows]
    priced = ~np.isnan(cost)
    cost_sum = np.bincount(g[priced], weights=cost[priced], minlength=m)
    unpriced = turns - np.bincount(g[priced], minlength=m)
    ts = frame.num("ts")[rows]
    first = np.full(m, np.inf)
    last = np.full(m, -np.inf)
    np.minimum.at(first, g, ts)
    np.maximum.at(last, g, ts)
    top = np.full(m, -np.inf)
    np.maximum.at(top, g[priced], cost[priced])
    top[np.isinf(top)] = np.nan
    ids = frame.ids[rows]
    is_top = np.zeros(len(rows), dtype=bool)
    is_top[priced] = cost[priced] == top[g[priced]]
    none = np.iinfo(np.int64).max
    top_id = np.full(m, none, dtype=np.int64)
    np.minimum.at(top_id, g[is_top], ids[is_top])
    top_id[top_id == none] = -1

    model_col = frame.text("model")
    n_models = len(model_col.values) + 1  # code 0 = no model
    pair = g * n_models + (model_col.codes[rows].astype(np.int64) + 1)
    space = m * n_models
    if space <= max(4 * len(pair), 1 << 20):
        pair_calls = np.bincount(pair, minlength=space)
        pair_ids = np.flatnonzero(pair_calls)
        pair_calls = pair_calls[pair_ids]
    else:
        pair_ids, pair_calls = np.unique(pair, return_counts=True)
    pair_conv = pair_ids // n_models  # ascending: pairs are grouped by conversation
    model_count = np.bincount(pair_conv, minlength=m)

    order = np.lexsort((-turns, -cost_sum))  # cost, then turns, both descending
    value_rank(values)  # sorting by the conversation's name later is then instant
    return ConversationList(
        column=column,
        codes=present[order],
        values=values,
        first_ts=first[order],
        last_ts=last[order],
        turns=turns[order],
        tokens=tokens[order].astype(np.int64),
        cost=cost_sum[order],
        unpriced=unpriced[order],
        top_turn_cost=top[order],
        top_turn_id=top_id[order],
        model_count=model_count[order],
        without_key=without,
        model_names=list(model_col.values),
        _pair_group=order,
        _pair_start=np.concatenate(([0], np.cumsum(model_count))),
        _pair_model=pair_ids % n_models - 1,
        _pair_calls=pair_calls,
    )


_RANKS: dict[int, tuple[list[Any], np.ndarray]] = {}


def value_rank(values: list[Any]) -> np.ndarray:
    """Each distinct value's position in text order (cached for the column's value list)."""
    cached = _RANKS.get(id(values))
    if cached is not None and cached[0] is values:
        return cached[1]
    text = np.array([str(v) for v in values]) if values else np.zeros(0, dtype="<U1")
    order = np.argsort(text, kind="stable")
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(len(values))
    if len(_RANKS) >= 4:
        _RANKS.clear()
    _RANKS[id(values)] = (values, rank)
    return rank


# -- one conversation ---------------------------------------------------------------------


@dataclass(slots=True)
class ConversationTurns:
    """The calls of one conversation in time order (arrays are index-aligned)."""

    column: str
    value: Any
    ids: np.ndarray
    ts: np.ndarray
    model: list[Any]
    provider: list[Any]
    service_tier: list[Any]
    input_tokens: np.ndarray
    cache_read_tokens: np.ndarray
    cache_write_5m_tokens: np.ndarray
    cache_write_1h_tokens: np.ndarray
    output_tokens: np.ndarray
    reasoning_tokens: np.ndarray
    web_search_requests: np.ndarray
    cost: np.ndarray  # in the chosen cost mode; NaN = no cost (unpriced)
    latency_ms: np.ndarray  # NaN = not logged
    status: list[Any]
    error: list[Any]
    branch: list[str | None]  # None = the main conversation, else the side chain's agent
    parent: np.ndarray  # index of the parent turn, -1 if none
    cold: np.ndarray  # bool: the cache went cold at this turn
    cold_reason: list[str]
    in_filters: int = 0  # how many of the turns the current filters keep

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def cache_write_tokens(self) -> np.ndarray:
        return self.cache_write_5m_tokens + self.cache_write_1h_tokens

    @property
    def prompt_total(self) -> np.ndarray:
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens

    @property
    def hit_rate(self) -> np.ndarray:
        """Cache read / prompt total per turn; NaN where the turn sent no prompt."""
        prompt = self.prompt_total.astype(np.float64)
        out = np.full(len(prompt), np.nan)
        sent = prompt > 0
        out[sent] = self.cache_read_tokens[sent] / prompt[sent]
        return out

    @property
    def cumulative_cost(self) -> np.ndarray:
        """Running total of the priced turns (an unpriced turn adds nothing)."""
        return np.cumsum(np.nan_to_num(self.cost, nan=0.0))

    @property
    def total_cost(self) -> float:
        return float(np.nansum(self.cost))

    @property
    def unpriced_turns(self) -> int:
        return int(np.count_nonzero(np.isnan(self.cost)))

    @property
    def most_expensive(self) -> int:
        """Index of the most expensive turn (the earliest on a tie), -1 if none is priced."""
        if len(self.cost) == 0 or np.all(np.isnan(self.cost)):
            return -1
        return int(np.nanargmax(self.cost))

    @property
    def overall_hit_rate(self) -> float | None:
        prompt = int(self.prompt_total.sum())
        return int(self.cache_read_tokens.sum()) / prompt if prompt else None

    def models(self) -> list[str]:
        counts: dict[str, int] = {}
        for name in self.model:
            key = "(none)" if name is None else str(name)
            counts[key] = counts.get(key, 0) + 1
        return sorted(counts, key=lambda k: -counts[k])


def conversation_turns(
    dataset: Dataset,
    column: str,
    value: Any,
    zone: tzinfo,
    mode: str = "computed",
    mask: np.ndarray | None = None,
) -> ConversationTurns:
    """All calls whose ``column`` equals ``value``, in time order, with their analysis.

    ``mask`` (the current filters) only counts how many turns it keeps; the
    conversation itself is always shown whole.
    """
    column = dataset.resolve(column)
    codes, values = _codes_and_values(dataset, column, zone)
    wanted = _codes_of(values, value)
    frame = dataset.frame
    rows = np.flatnonzero(np.isin(codes, wanted)) if wanted else np.zeros(0, np.int64)
    ids = frame.ids[rows]
    ts = frame.num("ts")[rows]
    order = np.lexsort((ids, ts))
    rows, ids, ts = rows[order], ids[order], ts[order]

    def ints(name: str) -> np.ndarray:
        return frame.num(name)[rows].astype(np.int64)

    # Text columns with many distinct values (ids, errors, labels) are read for these
    # calls only, from the store, rather than loading whole columns into the cache.
    labels = {k.lower(): k for k in dataset.label_keys()}
    flag_keys = [labels[k] for k in SIDE_CHAIN_FLAGS if k in labels]
    agent_keys = [labels[k] for k in AGENT_LABELS if k in labels]
    sql = {key: frame.label_columns[key] for key in (*flag_keys, *agent_keys)}
    stored = dataset.rows(ids.tolist(), [*TURN_TEXT_COLUMNS, *sql.values()])

    def text_of(name: str) -> list[Any]:
        stored_as = sql.get(name, name)
        return [row.get(stored_as) for row in stored]

    flags = [text_of(k) for k in flag_keys]
    agents = [text_of(k) for k in agent_keys]
    branch = side_chains(len(rows), flags, agents)
    request_ids = text_of("request_id")
    message_ids = text_of("message_id")
    parents = parent_turns(text_of("parent_id"), request_ids, message_ids)
    models = text_of("model")
    cache_read = ints("cache_read_tokens")
    writes = ints("cache_write_5m_tokens") + ints("cache_write_1h_tokens")
    inputs = ints("input_tokens")
    cold, reasons = cold_turns(inputs, cache_read, writes, ts, branch, models)
    latency = frame.num("latency_ms")[rows].astype(np.float64)
    return ConversationTurns(
        column=column,
        value=value,
        ids=ids,
        ts=ts,
        model=models,
        provider=text_of("provider"),
        service_tier=text_of("service_tier"),
        input_tokens=inputs,
        cache_read_tokens=cache_read,
        cache_write_5m_tokens=ints("cache_write_5m_tokens"),
        cache_write_1h_tokens=ints("cache_write_1h_tokens"),
        output_tokens=ints("output_tokens"),
        reasoning_tokens=ints("reasoning_tokens"),
        web_search_requests=ints("web_search_requests"),
        cost=dataset.cost(mode)[rows].astype(np.float64),
        latency_ms=latency,
        status=text_of("status"),
        error=text_of("error"),
        branch=branch,
        parent=parents,
        cold=cold,
        cold_reason=reasons,
        in_filters=int(np.count_nonzero(mask[rows])) if mask is not None else len(rows),
    )


def _codes_and_values(dataset: Dataset, column: str, zone: tzinfo) -> tuple[np.ndarray, list[Any]]:
    """Codes per call and the distinct values; the frame's own (cached) list for columns."""
    from desktop.store.dataset import SOURCE_DIMENSIONS, TIME_DIMENSIONS

    if column in TIME_DIMENSIONS or column in SOURCE_DIMENSIONS:
        return dataset.dimension(column, zone)
    col = dataset.frame.text(column)
    return col.codes, col.values


def _codes_of(values: list[Any], value: Any) -> list[int]:
    """Codes of ``value`` among a column's distinct values (compared as text if need be)."""
    try:
        return [values.index(value)]
    except ValueError:
        text = str(value)
        return [i for i, v in enumerate(values) if str(v) == text]


def _truthy(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool | int | float):
        return bool(value)
    return str(value).strip().lower() in TRUE_TEXT


def side_chains(
    n: int, flags: Sequence[Sequence[Any]], agents: Sequence[Sequence[Any]]
) -> list[str | None]:
    """The branch of each turn: None for the main conversation, else the side chain's name.

    ``flags`` are side-chain flag columns, ``agents`` agent-name columns (both per turn).
    """
    out: list[str | None] = []
    main_agent: Any = None
    for i in range(n):
        agent = next((col[i] for col in agents if col[i] not in (None, "")), None)
        if i == 0:
            main_agent = agent
        flagged = any(_truthy(col[i]) for col in flags)
        if flagged or (agent is not None and agent != main_agent):
            out.append(str(agent) if agent is not None else "side chain")
        else:
            out.append(None)
    return out


def parent_turns(
    parent_ids: Sequence[Any], request_ids: Sequence[Any], message_ids: Sequence[Any]
) -> np.ndarray:
    """Index of the turn each ``parent_id`` names (by request or message id), -1 if none."""
    where: dict[str, int] = {}
    for i, (req, msg) in enumerate(zip(request_ids, message_ids, strict=True)):
        for key in (req, msg):
            if key not in (None, ""):
                where.setdefault(str(key), i)
    out = np.full(len(parent_ids), -1, dtype=np.int64)
    for i, parent in enumerate(parent_ids):
        if parent not in (None, ""):
            j = where.get(str(parent), -1)
            if j != i:
                out[i] = j
    return out


def cold_turns(
    input_tokens: np.ndarray,
    cache_read: np.ndarray,
    cache_write: np.ndarray,
    ts: np.ndarray,
    branch: Sequence[str | None],
    models: Sequence[Any] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Which turns found the cache cold, and why (see the module docstring for the rule).

    Arrays are per turn in time order; ``cache_write`` is both TTLs together.
    """
    n = len(input_tokens)
    cold = np.zeros(n, dtype=bool)
    reasons = [""] * n
    previous: dict[str | None, int] = {}  # branch -> last turn that sent a prompt
    warm: dict[str | None, bool] = {}  # branch -> the cache has been used
    for i in range(n):
        prompt = int(input_tokens[i]) + int(cache_read[i]) + int(cache_write[i])
        if prompt == 0:
            continue
        key = branch[i]
        p = previous.get(key)
        if p is not None and warm.get(key, False):
            before = int(input_tokens[p]) + int(cache_read[p]) + int(cache_write[p])
            if (
                before >= MIN_CACHED_CONTEXT
                and prompt >= COLD_SHARE * before
                and int(cache_read[i]) < COLD_SHARE * before
            ):
                cold[i] = True
                reasons[i] = _cold_reason(i, p, input_tokens, cache_write, ts, models)
        if int(cache_read[i]) + int(cache_write[i]) > 0:
            warm[key] = True
        previous[key] = i
    return cold, reasons


def _cold_reason(
    i: int,
    p: int,
    input_tokens: np.ndarray,
    cache_write: np.ndarray,
    ts: np.ndarray,
    models: Sequence[Any] | None,
) -> str:
    written, fresh = int(cache_write[i]), int(input_tokens[i])
    if written >= fresh:
        text = f"cache cold: {written:,} tokens written to the cache again"
    else:
        text = f"cache cold: {fresh:,} input tokens sent uncached"
    notes = []
    gap = float(ts[i] - ts[p])
    if gap >= TTL_HINT_SECONDS:
        notes.append(f"{_duration(gap)} after the previous turn; cache entries expire")
    if models is not None and models[i] != models[p]:
        notes.append(f"model changed from {models[p]}")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


# -- what drove a turn's cost ----------------------------------------------------------------

BUCKET_WORDS = {
    "input": "uncached input tokens",
    "cache read": "cache-read tokens",
    "cache write 5m": "tokens written to the 5-minute cache",
    "cache write 1h": "tokens written to the 1-hour cache",
    "output": "output tokens",
    "reasoning": "reasoning tokens",
    "web searches": "web searches",
}


def explain_turn(engine: PricingEngine, turns: ConversationTurns, i: int) -> CostExplanation:
    """The engine's bucket-by-bucket explanation of one turn's computed cost."""
    from pricing import Usage

    usage = Usage(
        input_tokens=int(turns.input_tokens[i]),
        cache_read_tokens=int(turns.cache_read_tokens[i]),
        cache_write_5m_tokens=int(turns.cache_write_5m_tokens[i]),
        cache_write_1h_tokens=int(turns.cache_write_1h_tokens[i]),
        output_tokens=int(turns.output_tokens[i]),
        reasoning_tokens=int(turns.reasoning_tokens[i]),
        web_search_requests=int(turns.web_search_requests[i]),
    )
    model = turns.model[i]
    provider = turns.provider[i]
    tier = turns.service_tier[i]
    return engine.explain(
        None if model is None else str(model),
        None if provider is None else str(provider),
        float(turns.ts[i]),
        None if tier is None else str(tier),
        usage,
    )


def cost_driver(explanation: CostExplanation) -> str:
    """What made a call cost what it did, e.g. "92% of this turn's cost is 180,000 …"."""
    total = explanation.total
    if total is None:
        return f"unpriced: {explanation.unpriced_reason}"
    if total == 0:
        return "this turn cost nothing"
    parts = sorted(explanation.buckets, key=lambda b: b.cost, reverse=True)
    shown = []
    for bucket in parts[:2]:
        share = _share(bucket.cost, total)
        if shown and share < 10:
            break
        if bucket.unit == "request":
            what = "the per-request fee"
        else:
            what = f"{bucket.units:,} {BUCKET_WORDS.get(bucket.name, bucket.name)}"
        shown.append((share, what))
        if share >= 80:
            break
    text = f"{shown[0][0]}% of this turn's cost is {shown[0][1]}"
    if len(shown) > 1:
        text += f"; {shown[1][0]}% is {shown[1][1]}"
    if "long-context rates" in explanation.tier:
        text += f" (the whole request at long-context rates: {explanation.tier.split(' →')[0]})"
    return text


def _share(part: Decimal, total: Decimal) -> int:
    """A whole percentage that never reads 100% unless it is all of it (nor 0% unless none)."""
    share = int((part * 100 / total).to_integral_value())
    if part < total:
        share = min(share, 99)
    if part > 0:
        share = max(share, 1)
    return share
