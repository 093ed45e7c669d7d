"""Models, list prices and provider behaviour that the demo generator imitates.

The prices here are only used to fill ``reported_cost_usd`` (what a cost-reporting
gateway would say) and to size the deliberate outliers; the app prices calls with
its own catalog.
"""

from __future__ import annotations

from dataclasses import dataclass

# Provider cache behaviour (see Model.cache).
CACHE_ANTHROPIC = "anthropic"  # explicit breakpoints: writes (5m/1h TTL) then reads
CACHE_OPENAI = "openai"  # automatic prefix caching in 128-token steps from 1024 tokens
CACHE_GOOGLE = "google"  # implicit caching, less predictable hits
CACHE_DEEPSEEK = "deepseek"  # on-disk prefix cache in 64-token units, lives for hours
CACHE_NONE = "none"


@dataclass(frozen=True, slots=True)
class AutoCache:
    """Automatic prefix caching: what a provider can read back from earlier prompts."""

    granularity: int
    minimum: int
    ttl_ms: int
    hit_rate: float


AUTO_CACHE: dict[str, AutoCache] = {
    CACHE_OPENAI: AutoCache(128, 1024, 10 * 60_000, 0.92),
    CACHE_GOOGLE: AutoCache(1, 1024, 5 * 60_000, 0.65),
    CACHE_DEEPSEEK: AutoCache(64, 64, 4 * 3_600_000, 0.95),
}


@dataclass(frozen=True, slots=True)
class Price:
    """List price in USD per million tokens (standard tier)."""

    input: float
    cache_read: float
    cache_write_5m: float
    cache_write_1h: float
    output: float
    long_from: int = 0  # prompt total above which the long-context rates apply (0: never)
    web_search: float = 0.0  # USD per web search request

    def cost(self, inp: int, cr: int, w5: int, w1: int, out: int, web: int, long_ok: bool) -> float:
        """List cost of one call; ``long_ok=False`` ignores the long-context tier."""
        in_f, out_f = 1.0, 1.0
        if long_ok and self.long_from and inp + cr + w5 + w1 > self.long_from:
            in_f, out_f = 2.0, 1.5  # the 2x input / 1.5x output shape both vendors use
        return (
            in_f
            * (
                inp * self.input
                + cr * self.cache_read
                + w5 * self.cache_write_5m
                + w1 * self.cache_write_1h
            )
            + out_f * out * self.output
        ) / 1e6 + web * self.web_search


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    provider: str
    cache: str
    reasoning: bool
    context: int  # largest prompt total the deployment accepts
    tps: float  # output tokens per second, for latency
    ttft_ms: float  # typical time to first token
    id_style: str  # how the provider spells message ids ("" = none logged)
    price: Price | None  # None: no public price anywhere


def _p(
    i: float,
    cr: float,
    out: float,
    w5: float = 0.0,
    w1: float = 0.0,
    long_from: int = 0,
    web_search: float = 0.0,
) -> Price:
    """Short form for the table below: input, cache read, output first."""
    return Price(i, cr, w5, w1, out, long_from, web_search)


_PROVIDER_CACHE = {
    "openai": CACHE_OPENAI,
    "anthropic": CACHE_ANTHROPIC,
    "google": CACHE_GOOGLE,
    "deepseek": CACHE_DEEPSEEK,
    "acme-ai": CACHE_NONE,
}

# fmt: off
_ROWS: tuple[tuple[str, str, bool, int, float, float, str, Price | None], ...] = (
    # name, provider, reasoning, context, tokens/s, ttft ms, message-id style, list price
    ("gpt-4.1", "openai", False, 1_000_000, 75, 450, "chatcmpl", _p(2.0, 0.5, 8.0)),
    ("gpt-4.1-mini", "openai", False, 1_000_000, 110, 350, "chatcmpl", _p(0.4, 0.1, 1.6)),
    ("gpt-4o-mini", "openai", False, 128_000, 120, 300, "chatcmpl", _p(0.15, 0.075, 0.6)),
    ("gpt-5", "openai", True, 272_000, 65, 900, "resp", _p(1.25, 0.125, 10.0, web_search=0.01)),
    ("gpt-5-mini", "openai", True, 272_000, 110, 600, "resp",
     _p(0.25, 0.025, 2.0, web_search=0.01)),
    ("o4-mini", "openai", True, 200_000, 90, 700, "resp", _p(1.1, 0.275, 4.4)),
    ("text-embedding-3-small", "openai", False, 8_191, 1e9, 120, "", _p(0.02, 0.0, 0.0)),
    ("claude-sonnet-4-5-20250929", "anthropic", False, 200_000, 60, 700, "msg",
     _p(3.0, 0.3, 15.0, 3.75, 6.0, long_from=200_000, web_search=0.01)),
    ("claude-haiku-4-5-20251001", "anthropic", False, 200_000, 140, 400, "msg",
     _p(1.0, 0.1, 5.0, 1.25, 2.0, web_search=0.01)),
    ("claude-opus-4-5-20251101", "anthropic", False, 200_000, 45, 1100, "msg",
     _p(5.0, 0.5, 25.0, 6.25, 10.0, web_search=0.01)),
    ("gemini-2.5-flash", "google", False, 1_000_000, 180, 450, "",
     _p(0.3, 0.03, 2.5, web_search=0.035)),
    ("gemini-2.5-pro", "google", True, 1_000_000, 80, 1200, "",
     _p(1.25, 0.125, 10.0, long_from=200_000, web_search=0.035)),
    ("deepseek-chat", "deepseek", False, 128_000, 40, 900, "uuid", _p(0.28, 0.028, 0.42)),
    ("deepseek-reasoner", "deepseek", True, 128_000, 35, 1500, "uuid", _p(0.28, 0.028, 0.42)),
    ("acme-llm-7b-ft", "acme-ai", False, 32_000, 200, 150, "", None),
)
# fmt: on

MODELS: dict[str, Model] = {
    name: Model(
        name,
        provider,
        CACHE_NONE if name.startswith("text-embedding") else _PROVIDER_CACHE[provider],
        reasoning,
        context,
        tps,
        ttft,
        id_style,
        price,
    )
    for name, provider, reasoning, context, tps, ttft, id_style, price in _ROWS
}

# Shortest prompt prefix Anthropic will cache, by model (others: 1024).
ANTHROPIC_CACHE_MIN = {"claude-haiku-4-5-20251001": 4096, "claude-opus-4-5-20251101": 4096}

# Sonnet 4.5 with the 1M-context beta: same model id, longer prompts allowed.
SONNET_1M_CONTEXT = 1_000_000
