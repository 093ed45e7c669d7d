"""The canonical call record every log format is normalised into.

Token buckets are disjoint: every billed token is in exactly one priced bucket.

- ``input_tokens``: uncached input only
- ``cache_read_tokens``: input served from the prompt cache
- ``cache_write_5m_tokens`` / ``cache_write_1h_tokens``: input written to the cache,
  by time-to-live (writes with no TTL information count as 5-minute writes)
- ``output_tokens``: all output, reasoning included
- ``reasoning_tokens``: informational subset of ``output_tokens`` (never added again)

A record is a ``NamedTuple`` so the hot ingest path can build it positionally and
hand it to ``executemany`` without copying.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

TOKEN_FIELDS: tuple[str, ...] = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
)

# "fast" is Anthropic's fast mode (usage.speed "fast"); OpenAI also reports its
# priority processing as "fast", which is priced as priority. "<tier>+us": that tier,
# served in the US only (Anthropic's inference_geo "us"), which costs more on some models.
BASE_SERVICE_TIERS: tuple[str, ...] = ("standard", "batch", "flex", "priority", "fast")
US_ONLY = "+us"
SERVICE_TIERS: tuple[str, ...] = (
    *BASE_SERVICE_TIERS,
    *(tier + US_ONLY for tier in BASE_SERVICE_TIERS),
)

Labels = dict[str, "str | int | float | bool"]


class CallRecord(NamedTuple):
    """One billed API call. Field order is the store's column order."""

    ts: float  # epoch seconds, UTC
    provider: str | None
    model: str | None
    service_tier: str | None
    input_tokens: int
    cache_read_tokens: int
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int
    output_tokens: int
    reasoning_tokens: int
    web_search_requests: int = 0
    request_id: str | None = None
    message_id: str | None = None
    conversation_id: str | None = None
    trace_id: str | None = None
    parent_id: str | None = None
    status: str = "ok"
    error: str | None = None
    latency_ms: float | None = None
    reported_cost_usd: float | None = None
    line: int = 0  # 1-based line number, or a row id for table sources
    offset: int | None = None  # byte offset of the raw record in the (decompressed) source
    # Formats whose logs repeat one call (streaming snapshots, resumed sessions)
    # give a key; among records sharing it the one with the highest rank is kept.
    dedup_key: str | None = None
    dedup_rank: float = 0.0
    labels: Labels | None = None

    @property
    def prompt_total(self) -> int:
        """Total prompt size: the basis for long-context tiers."""
        return (
            self.input_tokens
            + self.cache_read_tokens
            + self.cache_write_5m_tokens
            + self.cache_write_1h_tokens
        )


# Number of fields before ``labels``: the row stored for a record is
# ``record[:STORED_FIELDS]`` followed by its label values.
STORED_FIELDS = len(CallRecord._fields) - 1


class Problem(NamedTuple):
    """A line or row that could not be billed, with where and why."""

    line: int
    reason: str
    offset: int | None = None


class BadRecord(ValueError):
    """Raised by a normaliser when an object is a call but cannot be billed."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # pass as a default to tell "absent" from null

# No call has a trillion tokens in one bucket: a larger count is a broken log (and
# larger than 2**63 it would not even fit a SQLite integer). Sums over many calls
# stay far inside 64 bits.
MAX_TOKENS = 10**12


def token_count(value: Any, name: str) -> int:
    """Validate one token count: a JSON integer >= 0.

    An integral float such as ``1200.0`` is accepted (some loggers write all
    numbers as floats); strings, fractions, negatives, NaN and booleans are not.
    """
    if type(value) is int:
        if value < 0:
            raise BadRecord(f"{name} is negative ({value})")
        if value > MAX_TOKENS:
            raise BadRecord(f"{name} is implausibly large ({value:,})")
        return value
    if value is MISSING:
        raise BadRecord(f"missing {name}")
    if value is None:
        raise BadRecord(f"{name} is null")
    if isinstance(value, bool):
        raise BadRecord(f"{name} is a boolean, not a token count")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise BadRecord(f"{name} is {value!r}, not a token count")
        if not value.is_integer():
            raise BadRecord(f"{name} is a fraction ({value!r})")
        if value < 0:
            raise BadRecord(f"{name} is negative ({value!r})")
        if value > MAX_TOKENS:
            raise BadRecord(f"{name} is implausibly large ({value:,.0f})")
        return int(value)
    if isinstance(value, int):  # int subclasses other than bool
        return token_count(int(value), name)
    if isinstance(value, str):
        raise BadRecord(f"{name} is a string ({_clip(value)!r}), not a number")
    raise BadRecord(f"{name} is a {type(value).__name__}, not a token count")


def optional_tokens(value: Any, name: str) -> int:
    """A token count that may be absent or null (then 0)."""
    if value is None or value is MISSING:
        return 0
    return token_count(value, name)


def normalise_service_tier(value: Any) -> str | None:
    """Map provider spellings onto standard/batch/flex/priority/fast; keep unknown ones."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("", "default", "auto", "standard", "on_demand", "on-demand"):
        return "standard"
    if text in ("batch", "batches"):
        return "batch"
    if text == "flex":
        return "flex"
    if text == "priority":
        return "priority"
    return text


def tier_with_speed(tier: str | None, speed: Any) -> str | None:
    """Anthropic's fast mode (``usage.speed == "fast"``) as the ``fast`` service tier.

    Fast mode changes the price the way a service tier does; a call reported in
    another tier than standard (batch, priority) keeps that tier.
    """
    if type(speed) is str and speed.strip().lower() == "fast" and tier in (None, "standard"):
        return "fast"
    return tier


def tier_with_geo(tier: str | None, geo: Any) -> str | None:
    """A call served in the US only (Anthropic's ``usage.inference_geo == "us"``) as
    ``"<tier>+us"``: priced at its tier's price times the model's US-only uplift.

    Other values ("global", "not_available") leave the tier as it is.
    """
    if type(geo) is str and geo.strip().lower() == "us":
        return (tier or "standard") + US_ONLY
    return tier


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
