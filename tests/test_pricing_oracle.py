"""LiteLLM as an independent oracle: our cost of a call equals litellm's on the same prices.

LiteLLM (pinned in the ``test`` extra) is used with its bundled price map only:
``LITELLM_LOCAL_MODEL_COST_MAP`` is set before the import and every socket
connect fails while these tests run. The tests skip when LiteLLM is missing.

Where LiteLLM's rule is the provider's rule, costs must agree to 1e-9 relative.
Where they differ, a test below pins the difference and says why ours is right:

* batch without a batch cache-read price in LiteLLM's map (gpt-4o, gpt-4.1, o3,
  o4-mini): LiteLLM's batch path keeps the *standard* cache-read rate; the price
  sheets halve every token rate in batch, cached reads included;
* Anthropic batch with 1-hour cache writes: LiteLLM bills them at the batch
  5-minute rate because its map has no batch 1h key; Message Batches halve the
  1h write price like every other rate;
* priority above the long-context threshold (gpt-5.4, gpt-5.5): LiteLLM's map has
  no priority long-context keys, so it falls back to the *standard* long-context
  rate, making a priority call cheaper than a standard one; priority multiplies
  every rate;
* ``cost_per_token(service_tier="batch")`` is not honoured by LiteLLM (batch is
  only priced through its batch calculator); we price batch from the log's tier;
* ``deepseek-chat`` after 2026-07-24: the name is served by deepseek-v4-flash at
  that model's price; LiteLLM still has the V3.2 price. LiteLLM also lists a
  0.0 cache-write rate for DeepSeek, which bills a miss as ordinary input;
* retired models (e.g. Claude Opus 4.1, Claude 3.5 Haiku): LiteLLM 1.110.2 no
  longer prices them (0.0 from a capability rule, or an error); we keep their
  last list price so old logs stay priced;
* rounding in LiteLLM's variant rates (o4-mini flex cache read 0.138, gpt-5.4
  batch/flex cache read 0.13): we use the exact 50%;
* imported maps: Fireworks gets a provider-specific default cache-read rate in
  LiteLLM that is not in the map, and Perplexity's per-request fee and search
  cost are charged by LiteLLM in ways the map does not state per token; those
  providers are left out of the map comparison (our importer prices what the
  map says).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pricing import PricingEngine, Usage

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before litellm is imported


def _refuse(*args: object, **kwargs: object) -> None:
    raise RuntimeError("the pricing oracle tests must not use the network")


@contextlib.contextmanager
def _no_network() -> Iterator[None]:
    saved = (socket.socket.connect, socket.socket.connect_ex, socket.create_connection)
    socket.socket.connect = _refuse  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _refuse  # type: ignore[method-assign,assignment]
    socket.create_connection = _refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.create_connection = saved  # type: ignore[method-assign]


with _no_network():
    litellm = pytest.importorskip("litellm")
    from litellm.cost_calculator import batch_cost_calculator
    from litellm.litellm_core_utils.llm_cost_calc.utils import generic_cost_per_token
    from litellm.types.utils import (
        CacheCreationTokenDetails,
        CompletionTokensDetailsWrapper,
        PromptTokensDetailsWrapper,
    )
    from litellm.types.utils import Usage as LiteLLMUsage

pytestmark = [
    pytest.mark.usefixtures("no_network"),
    # LiteLLM's own pydantic models warn about ReadOnly TypedDict items; not ours to fix
    pytest.mark.filterwarnings("ignore:.*ReadOnly.*:UserWarning"),
]

MAP_PATH = Path(litellm.__file__).parent / "model_prices_and_context_window_backup.json"
NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)  # a Saturday: DeepSeek off-peak all day
WHEN = NOW.timestamp()


@pytest.fixture
def no_network() -> Iterator[None]:
    with _no_network():
        yield


@pytest.fixture(scope="module")
def engine() -> PricingEngine:
    return PricingEngine.load(user_file=Path("/nonexistent/pricing.json"), now=NOW)


def litellm_usage(u: Usage) -> Any:
    """Our disjoint buckets in LiteLLM's OpenAI-style convention (cache inside prompt)."""
    writes = u.cache_write_5m_tokens + u.cache_write_1h_tokens
    prompt = u.input_tokens + u.cache_read_tokens + writes
    return LiteLLMUsage(
        prompt_tokens=prompt,
        completion_tokens=u.output_tokens,
        total_tokens=prompt + u.output_tokens,
        prompt_tokens_details=PromptTokensDetailsWrapper(
            cached_tokens=u.cache_read_tokens,
            cache_creation_tokens=writes,
            cache_creation_token_details=CacheCreationTokenDetails(
                ephemeral_5m_input_tokens=u.cache_write_5m_tokens,
                ephemeral_1h_input_tokens=u.cache_write_1h_tokens,
            ),
        ),
        completion_tokens_details=CompletionTokensDetailsWrapper(
            reasoning_tokens=u.reasoning_tokens
        ),
    )


def theirs(model: str, provider: str, u: Usage, service_tier: str | None = None) -> float:
    prompt, completion = litellm.cost_per_token(
        model=model,
        custom_llm_provider=provider,
        usage_object=litellm_usage(u),
        service_tier=service_tier,
    )
    return float(prompt + completion)


def theirs_batch(model: str, provider: str, u: Usage) -> float:
    prompt, completion = batch_cost_calculator(litellm_usage(u), model, provider)
    return float(prompt + completion)


def ours(
    engine: PricingEngine,
    model: str,
    provider: str | None,
    u: Usage,
    tier: str | None = None,
    when: float = WHEN,
) -> float:
    total = engine.explain(model, provider, when, tier, u).total
    assert total is not None, model
    return float(total)


def same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-12


def usage_grid(thresholds: list[tuple[int, bool]]) -> list[Usage]:
    """Uncached, cached, 5m and 1h writes, reasoning, and prompts around each threshold."""
    grid = [
        Usage(input_tokens=12_000, output_tokens=900),
        Usage(input_tokens=3_000, cache_read_tokens=40_000, output_tokens=700),
        Usage(
            input_tokens=2_000,
            cache_read_tokens=10_000,
            cache_write_5m_tokens=6_000,
            output_tokens=400,
        ),
        Usage(input_tokens=2_000, cache_write_1h_tokens=8_000, output_tokens=400),
        Usage(input_tokens=5_000, output_tokens=9_000, reasoning_tokens=7_000),
    ]
    for threshold, _inclusive in thresholds:
        for prompt in (threshold - 1, threshold, threshold + 1):
            grid.append(
                Usage(
                    input_tokens=prompt - 60_000,
                    cache_read_tokens=40_000,
                    cache_write_5m_tokens=12_000,
                    cache_write_1h_tokens=8_000,
                    output_tokens=1_500,
                    reasoning_tokens=500,
                )
            )
    return grid


# (our name, our provider, LiteLLM key, LiteLLM provider)
BUNDLED_CASES = [
    ("gpt-4o", "openai", "gpt-4o", "openai"),
    ("gpt-4o-2024-05-13", "openai", "gpt-4o-2024-05-13", "openai"),
    ("gpt-4o-mini", "openai", "gpt-4o-mini", "openai"),
    ("gpt-4.1", "openai", "gpt-4.1", "openai"),
    ("gpt-4.1-mini", "openai", "gpt-4.1-mini", "openai"),
    ("gpt-4.1-nano", "openai", "gpt-4.1-nano", "openai"),
    ("o1", "openai", "o1", "openai"),
    ("o3", "openai", "o3", "openai"),
    ("o3-mini", "openai", "o3-mini", "openai"),
    ("o4-mini", "openai", "o4-mini", "openai"),
    ("gpt-5", "openai", "gpt-5", "openai"),
    ("gpt-5-mini", "openai", "gpt-5-mini", "openai"),
    ("gpt-5-nano", "openai", "gpt-5-nano", "openai"),
    ("gpt-5-codex", "openai", "gpt-5-codex", "openai"),
    ("gpt-5.1", "openai", "gpt-5.1", "openai"),
    ("gpt-5.2", "openai", "gpt-5.2", "openai"),
    ("gpt-5.4", "openai", "gpt-5.4", "openai"),
    ("gpt-5.4-mini", "openai", "gpt-5.4-mini", "openai"),
    ("gpt-5.4-pro", "openai", "gpt-5.4-pro", "openai"),
    ("gpt-5.5", "openai", "gpt-5.5", "openai"),
    ("gpt-5.6-sol", "openai", "gpt-5.6-sol", "openai"),
    ("gpt-5.6-terra", "openai", "gpt-5.6-terra", "openai"),
    ("gpt-5.6-luna", "openai", "gpt-5.6-luna", "openai"),
    ("gpt-6-sol", "openai", "gpt-6-sol", "openai"),
    ("gpt-6-astra", "openai", "gpt-6-astra", "openai"),
    ("text-embedding-3-small", "openai", "text-embedding-3-small", "openai"),
    ("claude-sonnet-4-5-20250929", "anthropic", "claude-sonnet-4-5-20250929", "anthropic"),
    ("claude-haiku-4-5-20251001", "anthropic", "claude-haiku-4-5-20251001", "anthropic"),
    ("claude-opus-4-5-20251101", "anthropic", "claude-opus-4-5-20251101", "anthropic"),
    ("claude-opus-4-6", "anthropic", "claude-opus-4-6", "anthropic"),
    ("claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6", "anthropic"),
    ("claude-opus-4-7", "anthropic", "claude-opus-4-7", "anthropic"),
    ("claude-opus-5", "anthropic", "claude-opus-5", "anthropic"),
    ("claude-sonnet-5", "anthropic", "claude-sonnet-5", "anthropic"),
    ("claude-opus-5-5", "anthropic", "claude-opus-5-5", "anthropic"),
    ("claude-sonnet-5-5", "anthropic", "claude-sonnet-5-5", "anthropic"),
    ("claude-haiku-5-5", "anthropic", "claude-haiku-5-5", "anthropic"),
    ("claude-fable-5", "anthropic", "claude-fable-5", "anthropic"),
    (
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "aws-bedrock",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "bedrock_converse",
    ),
    (
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "aws-bedrock",
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "bedrock_converse",
    ),
    (
        "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
        "aws-bedrock",
        "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
        "bedrock_converse",
    ),
    (
        "us.anthropic.claude-opus-4-7",
        "aws-bedrock",
        "us.anthropic.claude-opus-4-7",
        "bedrock_converse",
    ),
    ("claude-sonnet-4-5@20250929", "vertex", "vertex_ai/claude-sonnet-4-5@20250929", "vertex_ai"),
    ("claude-opus-4-6@default", "vertex", "vertex_ai/claude-opus-4-6@default", "vertex_ai"),
    ("gemini-2.5-pro", "google", "gemini/gemini-2.5-pro", "gemini"),
    ("gemini-2.5-flash", "google", "gemini/gemini-2.5-flash", "gemini"),
    ("gemini-2.5-flash-lite", "google", "gemini/gemini-2.5-flash-lite", "gemini"),
    ("gemini-3.1-pro-preview", "google", "gemini/gemini-3.1-pro-preview", "gemini"),
    ("gemini-3-flash-preview", "google", "gemini/gemini-3-flash-preview", "gemini"),
    ("gemini-3.5-flash", "google", "gemini/gemini-3.5-flash", "gemini"),
    ("mistral-large-latest", "mistral", "mistral/mistral-large-latest", "mistral"),
    ("mistral-medium-latest", "mistral", "mistral/mistral-medium-latest", "mistral"),
    ("mistral-small-latest", "mistral", "mistral/mistral-small-latest", "mistral"),
    ("codestral-latest", "mistral", "mistral/codestral-latest", "mistral"),
    ("mistral-large-4", "mistral", "mistral/mistral-large-4", "mistral"),
    ("grok-4.20", "xai", "xai/grok-4.20", "xai"),
    ("grok-4.3", "xai", "xai/grok-4.3", "xai"),
    ("grok-4.5", "xai", "xai/grok-4.5", "xai"),
    ("grok-4.7", "xai", "xai/grok-4.7", "xai"),
    ("openai/gpt-oss-120b", "groq", "groq/openai/gpt-oss-120b", "groq"),
    (
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "together",
        "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "together_ai",
    ),
    (
        "meta-llama/Llama-3.3-70B-Instruct",
        "deepinfra",
        "deepinfra/meta-llama/Llama-3.3-70B-Instruct",
        "deepinfra",
    ),
]


@pytest.mark.parametrize(("model", "provider", "key", "litellm_provider"), BUNDLED_CASES)
def test_bundled_prices_agree_with_litellm(
    engine: PricingEngine, model: str, provider: str, key: str, litellm_provider: str
) -> None:
    match = engine.match(model, provider)
    assert match is not None
    entry = engine.entry(match.entry_id)
    assert entry is not None
    version = entry.version_at(NOW)
    thresholds = [(t.threshold, t.inclusive) for t in version.tiers]
    for u in usage_grid(thresholds):
        a = ours(engine, model, provider, u)
        b = theirs(key, litellm_provider, u)
        assert same(a, b), (model, u, a, b)


def test_thresholds_are_exclusive_except_for_xai(engine: PricingEngine) -> None:
    at = Usage(input_tokens=200_000)
    assert same(
        ours(engine, "gemini-2.5-pro", "google", at), theirs("gemini/gemini-2.5-pro", "gemini", at)
    )
    assert same(
        ours(engine, "gemini-2.5-pro", "google", at), 200_000 * 1.25 / 1e6
    )  # "> 200k": base
    assert same(ours(engine, "grok-4.3", "xai", at), theirs("xai/grok-4.3", "xai", at))
    assert same(ours(engine, "grok-4.3", "xai", at), 200_000 * 2.5 / 1e6)  # ">= 200k": tier


@pytest.mark.parametrize(
    ("model", "provider", "key", "litellm_provider"),
    [
        ("gpt-5", "openai", "gpt-5", "openai"),
        ("gpt-5-mini", "openai", "gpt-5-mini", "openai"),
        ("gpt-5.5", "openai", "gpt-5.5", "openai"),
        ("gpt-5.6-sol", "openai", "gpt-5.6-sol", "openai"),
        ("text-embedding-3-small", "openai", "text-embedding-3-small", "openai"),
        ("gemini-2.5-pro", "google", "gemini/gemini-2.5-pro", "gemini"),
        ("gemini-2.5-flash", "google", "gemini/gemini-2.5-flash", "gemini"),
        ("gemini-3-flash-preview", "google", "gemini/gemini-3-flash-preview", "gemini"),
        ("grok-4.3", "xai", "xai/grok-4.3", "xai"),
        ("claude-sonnet-4-5-20250929", "anthropic", "claude-sonnet-4-5-20250929", "anthropic"),
        ("claude-haiku-5-5", "anthropic", "claude-haiku-5-5", "anthropic"),
    ],
)
def test_batch_agrees_with_litellms_batch_calculator(
    engine: PricingEngine, model: str, provider: str, key: str, litellm_provider: str
) -> None:
    grid = [
        u
        for u in usage_grid([(100_000, False), (200_000, False), (272_000, False)])
        if not u.cache_write_1h_tokens
    ]
    for u in grid:
        assert same(
            ours(engine, model, provider, u, "batch"), theirs_batch(key, litellm_provider, u)
        ), (model, u)


@pytest.mark.parametrize("tier", ["flex", "priority"])
@pytest.mark.parametrize(
    ("model", "provider", "key", "litellm_provider"),
    [
        ("gpt-4o", "openai", "gpt-4o", "openai"),
        ("gpt-4.1", "openai", "gpt-4.1", "openai"),
        ("o3", "openai", "o3", "openai"),
        ("gpt-5", "openai", "gpt-5", "openai"),
        ("gpt-5-mini", "openai", "gpt-5-mini", "openai"),
        ("gpt-5.6-sol", "openai", "gpt-5.6-sol", "openai"),
        ("gemini-2.5-pro", "google", "gemini/gemini-2.5-pro", "gemini"),
        ("gemini-2.5-flash", "google", "gemini/gemini-2.5-flash", "gemini"),
    ],
)
def test_flex_and_priority_agree(
    engine: PricingEngine, model: str, provider: str, key: str, litellm_provider: str, tier: str
) -> None:
    for u in usage_grid([(200_000, False), (272_000, False)]):
        assert same(
            ours(engine, model, provider, u, tier), theirs(key, litellm_provider, u, tier)
        ), (model, u)


@pytest.mark.parametrize(
    "when",
    ["2026-11-02T02:00:00", "2026-11-02T05:00:00", "2026-11-02T09:59:00", "2026-11-07T02:00:00"],
)
@pytest.mark.parametrize("model", ["deepseek-v4-flash", "deepseek-v4-pro"])
def test_deepseek_peak_and_off_peak_agree(engine: PricingEngine, model: str, when: str) -> None:
    moment = datetime.fromisoformat(when).replace(tzinfo=UTC)
    u = Usage(
        input_tokens=10_000, cache_read_tokens=50_000, output_tokens=2_000, reasoning_tokens=500
    )
    prompt, completion = generic_cost_per_token(
        model=model, usage=litellm_usage(u), custom_llm_provider="deepseek", current_time=moment
    )
    assert same(ours(engine, model, "deepseek", u, when=moment.timestamp()), prompt + completion)


def test_deepseek_chat_agrees_before_the_alias_moved(engine: PricingEngine) -> None:
    u = Usage(input_tokens=10_000, cache_read_tokens=50_000, output_tokens=2_000)
    before = datetime(2026, 1, 15, tzinfo=UTC).timestamp()
    assert same(
        ours(engine, "deepseek-chat", "deepseek", u, when=before),
        theirs("deepseek-chat", "deepseek", u),
    )


# -- documented differences: each pins LiteLLM's value and ours --------------------


def test_difference_batch_cache_reads_without_a_batch_price(engine: PricingEngine) -> None:
    u = Usage(cache_read_tokens=100_000)
    assert same(theirs_batch("gpt-4.1", "openai", u), 100_000 * 0.5 / 1e6)  # standard cache rate
    assert same(ours(engine, "gpt-4.1", "openai", u, "batch"), 100_000 * 0.25 / 1e6)  # halved


def test_difference_anthropic_batch_1h_writes(engine: PricingEngine) -> None:
    u = Usage(cache_write_1h_tokens=100_000)
    model = "claude-sonnet-4-5-20250929"
    assert same(theirs_batch(model, "anthropic", u), 100_000 * 1.875 / 1e6)  # batch 5m rate
    assert same(ours(engine, model, "anthropic", u, "batch"), 100_000 * 3.0 / 1e6)  # half of 6.00


def test_difference_priority_above_long_context_threshold(engine: PricingEngine) -> None:
    u = Usage(input_tokens=300_000)
    standard = theirs("gpt-5.4", "openai", u)
    assert same(theirs("gpt-5.4", "openai", u, "priority"), standard)  # no priority premium
    assert same(
        ours(engine, "gpt-5.4", "openai", u, "priority"), 2 * ours(engine, "gpt-5.4", "openai", u)
    )


def test_difference_service_tier_batch_is_ignored_by_cost_per_token(engine: PricingEngine) -> None:
    u = Usage(input_tokens=100_000, output_tokens=10_000)
    assert same(theirs("gpt-5", "openai", u, "batch"), theirs("gpt-5", "openai", u))
    assert same(ours(engine, "gpt-5", "openai", u, "batch"), theirs_batch("gpt-5", "openai", u))


def test_difference_deepseek_chat_after_retirement_and_cache_writes(engine: PricingEngine) -> None:
    u = Usage(input_tokens=1_000_000)
    assert same(theirs("deepseek-chat", "deepseek", u), 0.28)  # still the V3.2 price
    assert same(ours(engine, "deepseek-chat", "deepseek", u), 0.15)  # V4 Flash, off-peak
    writes = Usage(cache_write_5m_tokens=1_000_000)
    assert same(theirs("deepseek/deepseek-chat", "deepseek", writes), 0.0)
    early = datetime(2026, 1, 15, tzinfo=UTC).timestamp()
    assert same(
        ours(engine, "deepseek-chat", "deepseek", writes, when=early), 0.28
    )  # a miss is input


@pytest.mark.parametrize(
    ("model", "input_rate"),
    [("claude-opus-4-1", 15.0), ("claude-3-5-haiku-20241022", 0.8), ("o1-mini", 1.1)],
)
def test_difference_retired_models(engine: PricingEngine, model: str, input_rate: float) -> None:
    u = Usage(input_tokens=1_000_000)
    try:
        litellm_value = theirs(model, "anthropic" if model.startswith("claude") else "openai", u)
    except Exception:  # LiteLLM refuses an unknown model
        litellm_value = 0.0
    assert litellm_value == 0.0
    assert same(ours(engine, model, None, u), input_rate)


def test_difference_litellm_rounding(engine: PricingEngine) -> None:
    u = Usage(cache_read_tokens=1_000_000)
    assert same(theirs("o4-mini", "openai", u, "flex"), 0.138)
    assert same(ours(engine, "o4-mini", "openai", u, "flex"), 0.1375)


# -- LiteLLM's own map through our importer ------------------------------------------

SKIP_PROVIDERS = {"fireworks_ai", "perplexity"}
FIRST_PARTY = {"openai", "anthropic", "gemini", "deepseek", "mistral", "xai", "bedrock_converse"}


def _map_sample() -> list[tuple[str, str]]:
    data = json.loads(MAP_PATH.read_text(encoding="utf-8"))
    keys: list[tuple[str, str]] = []
    for key, spec in data.items():
        if key == "sample_spec" or not isinstance(spec, dict):
            continue
        # An alias is priced as its target: its target decides (off-peak pricing too).
        target = data.get(spec["alias_of"], {}) if "alias_of" in spec else spec
        provider = target.get("litellm_provider", "")
        # LiteLLM prices off-peak hours by the real clock, we by NOW: not comparable.
        off_peak = "off_peak_pricing" in spec or "off_peak_pricing" in target
        if provider and provider not in SKIP_PROVIDERS and not off_peak:
            keys.append((key, provider))
    rng = random.Random(1_110_2)
    first_party = [k for k in keys if k[1] in FIRST_PARTY or k[1].startswith("vertex_ai")]
    others = [k for k in keys if k not in first_party]
    return first_party + rng.sample(others, min(400, len(others)))


@pytest.mark.slow
def test_litellm_map_imported_through_our_importer_agrees(tmp_path: Path) -> None:
    with _no_network():
        engine = PricingEngine.from_file(MAP_PATH, now=NOW)
        by_id = engine.catalog.by_id()
        compared = 0
        mismatches: list[tuple[str, float, float]] = []
        for key, provider in _map_sample():
            entry = by_id.get(f"litellm:{key}")
            if entry is None:
                continue  # skipped by the importer (non-token entry), listed in engine.problems
            try:
                resolved = litellm.get_model_info(model=key, custom_llm_provider=provider).get(
                    "key"
                )
            except Exception:
                continue
            if resolved != key:
                continue  # LiteLLM prices this name from another key; not the same price
            match = engine.match(key, entry.provider)
            if match is None or match.entry_id != entry.id:
                continue  # e.g. LiteLLM keys with a Vertex-style "@001" under another provider
            thresholds = [(t.threshold, t.inclusive) for t in entry.versions[0].tiers]
            for u in usage_grid(thresholds):
                a = ours(engine, key, entry.provider, u)
                b = theirs(key, provider, u)
                if not same(a, b):
                    mismatches.append((key, a, b))
                    break
            compared += 1
    assert compared > 900
    assert mismatches == []
    assert Decimal(len(engine.problems)) > 0  # non-token entries were reported, not priced at 0


def test_fast_mode_multipliers_agree_with_litellm(engine: PricingEngine) -> None:
    """Every Anthropic model LiteLLM gives a fast-mode multiplier has the same one here."""
    checked = 0
    for key, spec in litellm.model_cost.items():
        fast = (spec.get("provider_specific_entry") or {}).get("fast")
        if fast is None or spec.get("litellm_provider") != "anthropic" or "latest" in key:
            continue
        match = engine.match(key, "anthropic")
        assert match is not None, key
        entry = engine.entry(match.entry_id)
        assert entry is not None
        variant = entry.version_at(NOW).variant("fast")
        assert variant is not None and variant.multiplier == Decimal(str(fast)), key
        checked += 1
    assert checked >= 3  # Opus 4.8, 5 and 5.5 in LiteLLM 1.110.2


def test_us_only_uplifts_agree_with_litellm(engine: PricingEngine) -> None:
    """Every Anthropic model LiteLLM gives a US-only uplift that we price has the same one."""
    checked = 0
    for key, spec in litellm.model_cost.items():
        us = (spec.get("provider_specific_entry") or {}).get("us")
        if us is None or spec.get("litellm_provider") != "anthropic" or "latest" in key:
            continue
        match = engine.match(key, "anthropic")
        if match is None:
            continue  # a model we do not price at all (checked by the catalog tests)
        entry = engine.entry(match.entry_id)
        assert entry is not None
        variant = entry.version_at(NOW).variant("us")
        assert variant is not None and variant.multiplier == Decimal(str(us)), key
        checked += 1
    assert checked >= 10  # Opus 4.6 to 5.5, Sonnet 4.6 to 5.5, Haiku 5.5, Fable 5 …
