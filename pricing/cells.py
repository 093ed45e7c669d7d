"""Rate cells: the flat, float form of a price that bulk pricing works with.

The catalog (Decimal, dated versions, tiers, variants) is resolved per
(model, provider, service tier) into a short tuple of :class:`RateCell`. A cell
holds the effective rates for one combination of price version, long-context
tier and variant, plus the conditions a call must meet to fall into it (a time
range and a prompt-size range).

Bulk pricing has three consumers that must agree bit for bit: the ingest path
(one call at a time, plain floats), the column cache (numpy arrays) and the
store's re-pricing (SQL). All three use the same expression in the same order:

    (input*r_in + cache_read*r_cr + cache_write_5m*r_w5 + cache_write_1h*r_w1
     + (output - reasoning)*r_out + reasoning*r_reason) / 1e6
    + requests*r_request + web_searches*r_web

Rates are USD per million tokens (as people read them), per request and per
web search. IEEE doubles give the same result in Python, numpy and SQLite for
this expression, which a test checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class CostFlag(IntFlag):
    """Why a cost is what it is; stored as an integer bit set beside each cost."""

    NONE = 0
    UNPRICED = 1 << 0
    ASSUMED_CACHE_READ = 1 << 1
    ASSUMED_CACHE_WRITE_5M = 1 << 2
    ASSUMED_CACHE_WRITE_1H = 1 << 3
    LONG_CONTEXT = 1 << 4
    VARIANT_BATCH = 1 << 5
    VARIANT_FLEX = 1 << 6
    VARIANT_PRIORITY = 1 << 7
    ASSUMED_VARIANT = 1 << 8  # the service tier has no price of its own; standard used
    TIME_WINDOW = 1 << 9  # an off-peak/peak window applied
    USER_PRICE = 1 << 10  # the rate came from the user's catalog
    TODAY_PRICES = 1 << 11  # priced at today's version, not the one at call time
    VARIANT_FAST = 1 << 12  # Anthropic's fast mode
    GEO_US = 1 << 13  # US-only inference (Anthropic's inference_geo "us"): an uplift


FLAG_LABELS: dict[CostFlag, str] = {
    CostFlag.UNPRICED: "unpriced",
    CostFlag.ASSUMED_CACHE_READ: "cache-read rate assumed",
    CostFlag.ASSUMED_CACHE_WRITE_5M: "5m cache-write rate assumed",
    CostFlag.ASSUMED_CACHE_WRITE_1H: "1h cache-write rate assumed",
    CostFlag.LONG_CONTEXT: "long-context tier",
    CostFlag.VARIANT_BATCH: "batch",
    CostFlag.VARIANT_FLEX: "flex",
    CostFlag.VARIANT_PRIORITY: "priority",
    CostFlag.VARIANT_FAST: "fast mode",
    CostFlag.GEO_US: "US-only inference",
    CostFlag.ASSUMED_VARIANT: "service tier priced as standard",
    CostFlag.TIME_WINDOW: "time-of-day window",
    CostFlag.USER_PRICE: "user price",
    CostFlag.TODAY_PRICES: "today's prices",
}


def describe_flags(flags: int) -> list[str]:
    """Human-readable names of the bits set in ``flags``."""
    return [label for flag, label in FLAG_LABELS.items() if flags & flag]


def flags_for_call(flags: int, cache_read: int, cache_write_5m: int, cache_write_1h: int) -> int:
    """A cell's flags as they concern one call.

    A cell carries an "assumed rate" flag for every cache bucket whose rate is
    a fallback, but the assumption only touches a call that has tokens in that
    bucket; this drops the flags of empty buckets.
    """
    if not cache_read:
        flags &= ~CostFlag.ASSUMED_CACHE_READ
    if not cache_write_5m:
        flags &= ~CostFlag.ASSUMED_CACHE_WRITE_5M
    if not cache_write_1h:
        flags &= ~CostFlag.ASSUMED_CACHE_WRITE_1H
    return int(flags)


@dataclass(frozen=True, slots=True)
class RateCell:
    """Effective rates for calls that meet this cell's conditions.

    ``start``/``end`` bound the call time (epoch seconds, ``end`` exclusive,
    ``None`` = open). ``prompt_min``/``prompt_max`` bound the request's total
    prompt (input + cache read + both cache writes; ``prompt_max`` exclusive,
    ``None`` = open). ``utc_weekdays``/``utc_hours`` restrict a cell to a
    time-of-day window (Monday = 0), ``None`` = always. ``utc_minutes`` does the
    same at minute precision for windows that start on the half hour: half-open
    ``(start, end)`` ranges of minute-of-day (0..1440), ``None`` = always.
    """

    price_id: str
    input: float
    output: float
    cache_read: float
    cache_write_5m: float
    cache_write_1h: float
    reasoning: float
    per_request: float = 0.0
    per_web_search: float = 0.0
    start: float | None = None
    end: float | None = None
    prompt_min: int = 0
    prompt_max: int | None = None
    utc_weekdays: frozenset[int] | None = None
    utc_hours: frozenset[int] | None = None
    flags: int = 0
    utc_minutes: tuple[tuple[int, int], ...] | None = None

    # -- conditions ---------------------------------------------------------
    def applies(self, ts: float, prompt_total: int) -> bool:
        if self.start is not None and ts < self.start:
            return False
        if self.end is not None and ts >= self.end:
            return False
        if prompt_total < self.prompt_min:
            return False
        if self.prompt_max is not None and prompt_total >= self.prompt_max:
            return False
        if self.utc_weekdays is not None or self.utc_hours is not None:
            day = int(ts // 86400)
            weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
            hour = int(ts % 86400 // 3600)
            if self.utc_weekdays is not None and weekday not in self.utc_weekdays:
                return False
            if self.utc_hours is not None and hour not in self.utc_hours:
                return False
        if self.utc_minutes is not None:
            minute = int(ts % 86400 // 60)
            if not any(lo <= minute < hi for lo, hi in self.utc_minutes):
                return False
        return True

    def mask(self, ts: np.ndarray, prompt_total: np.ndarray) -> np.ndarray:
        """Boolean array: which calls meet this cell's conditions (numpy form of ``applies``)."""
        import numpy as np

        keep = np.ones(ts.shape, dtype=bool)
        if self.start is not None:
            keep &= ts >= self.start
        if self.end is not None:
            keep &= ts < self.end
        if self.prompt_min > 0:
            keep &= prompt_total >= self.prompt_min
        if self.prompt_max is not None:
            keep &= prompt_total < self.prompt_max
        if self.utc_weekdays is not None or self.utc_hours is not None:
            seconds = ts.astype(np.int64)
            if self.utc_weekdays is not None:
                weekday = (seconds // 86400 + 3) % 7
                keep &= np.isin(weekday, sorted(self.utc_weekdays))
            if self.utc_hours is not None:
                hour = seconds % 86400 // 3600
                keep &= np.isin(hour, sorted(self.utc_hours))
        if self.utc_minutes is not None:
            minute = ts.astype(np.int64) % 86400 // 60
            inside = np.zeros(ts.shape, dtype=bool)
            for lo, hi in self.utc_minutes:
                inside |= (minute >= lo) & (minute < hi)
            keep &= inside
        return keep

    # -- the one formula, three ways -----------------------------------------
    def cost(
        self,
        input_tokens: int,
        cache_read: int,
        cache_write_5m: int,
        cache_write_1h: int,
        output: int,
        reasoning: int,
        web_searches: int = 0,
    ) -> float:
        return (
            input_tokens * self.input
            + cache_read * self.cache_read
            + cache_write_5m * self.cache_write_5m
            + cache_write_1h * self.cache_write_1h
            + (output - reasoning) * self.output
            + reasoning * self.reasoning
        ) / 1e6 + (self.per_request + web_searches * self.per_web_search)

    def cost_array(
        self,
        input_tokens: np.ndarray,
        cache_read: np.ndarray,
        cache_write_5m: np.ndarray,
        cache_write_1h: np.ndarray,
        output: np.ndarray,
        reasoning: np.ndarray,
        web_searches: np.ndarray,
    ) -> np.ndarray:
        return (
            input_tokens * self.input
            + cache_read * self.cache_read
            + cache_write_5m * self.cache_write_5m
            + cache_write_1h * self.cache_write_1h
            + (output - reasoning) * self.output
            + reasoning * self.reasoning
        ) / 1e6 + (self.per_request + web_searches * self.per_web_search)

    def sql_cost(self) -> tuple[str, tuple[float, ...]]:
        """SQL expression (with ``?`` parameters) over the store's column names."""
        expr = (
            "((input_tokens * ? + cache_read_tokens * ? + cache_write_5m_tokens * ?"
            " + cache_write_1h_tokens * ? + (output_tokens - reasoning_tokens) * ?"
            " + reasoning_tokens * ?) / 1e6 + (? + web_search_requests * ?))"
        )
        return expr, (
            self.input,
            self.cache_read,
            self.cache_write_5m,
            self.cache_write_1h,
            self.output,
            self.reasoning,
            self.per_request,
            self.per_web_search,
        )

    def sql_condition(self) -> tuple[str, tuple[object, ...]]:
        """SQL predicate (with ``?`` parameters) selecting the calls of this cell."""
        parts: list[str] = []
        params: list[object] = []
        if self.start is not None:
            parts.append("ts >= ?")
            params.append(self.start)
        if self.end is not None:
            parts.append("ts < ?")
            params.append(self.end)
        prompt = (
            "(input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens)"
        )
        if self.prompt_min > 0:
            parts.append(f"{prompt} >= ?")
            params.append(self.prompt_min)
        if self.prompt_max is not None:
            parts.append(f"{prompt} < ?")
            params.append(self.prompt_max)
        if self.utc_weekdays is not None:
            marks = ",".join("?" * len(self.utc_weekdays))
            parts.append(f"((CAST(ts / 86400 AS INTEGER) + 3) % 7) IN ({marks})")
            params.extend(sorted(self.utc_weekdays))
        if self.utc_hours is not None:
            marks = ",".join("?" * len(self.utc_hours))
            parts.append(f"(CAST(ts AS INTEGER) % 86400 / 3600) IN ({marks})")
            params.extend(sorted(self.utc_hours))
        if self.utc_minutes is not None:
            minute = "(CAST(ts AS INTEGER) % 86400 / 60)"
            ranges = [f"({minute} >= ? AND {minute} < ?)" for _ in self.utc_minutes]
            parts.append("(" + (" OR ".join(ranges) or "0") + ")")
            for lo, hi in self.utc_minutes:
                params.extend((lo, hi))
        return (" AND ".join(parts) or "1"), tuple(params)


def select_cell(cells: tuple[RateCell, ...], ts: float, prompt_total: int) -> RateCell | None:
    """The cell a call falls into; the first one in ``cells`` order wins."""
    for cell in cells:
        if cell.applies(ts, prompt_total):
            return cell
    return None
