"""Properties that must hold for any call and any bundled price."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pricing import CostFlag, PricingEngine, Usage
from pricing.bundled import bundled_catalog
from pricing.catalog import ModelEntry
from pricing.user_catalog import UserCatalog

ENGINE = PricingEngine.load(
    user_file=Path("/nonexistent/pricing.json"), now=datetime(2026, 11, 26, tzinfo=UTC)
)
ENTRIES = bundled_catalog().entries
LOG_PROVIDER = {"bedrock": "aws-bedrock"}

entries = st.sampled_from(ENTRIES)
times = st.floats(min_value=1.70e9, max_value=1.83e9)  # 2023-11 .. 2027-12
tiers = st.sampled_from([None, "standard", "batch", "flex", "priority", "scale"])
counts = st.integers(min_value=0, max_value=400_000)
usages = st.builds(
    lambda i, r, w5, w1, out, share, web: Usage(i, r, w5, w1, out, out * share // 100, web),
    counts,
    counts,
    st.integers(0, 50_000),
    st.integers(0, 50_000),
    st.integers(0, 100_000),
    st.integers(0, 100),
    st.integers(0, 5),
)
FIELDS = [
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "web_search_requests",
]


def price(entry_model: str, provider: str, when: float, tier: str | None, usage: Usage) -> Decimal:
    total = ENGINE.explain(entry_model, provider, when, tier, usage).total
    assert total is not None
    return total


@settings(max_examples=300, deadline=None)
@given(entry=entries, when=times, tier=tiers)
def test_zero_tokens_cost_zero(entry: ModelEntry, when: float, tier: str | None) -> None:
    provider = LOG_PROVIDER.get(entry.provider, entry.provider)
    assert price(entry.model, provider, when, tier, Usage()) == 0


@settings(max_examples=400, deadline=None)
@given(
    entry=entries,
    when=times,
    tier=tiers,
    usage=usages,
    field=st.sampled_from([*FIELDS, "reasoning"]),
    extra=st.integers(1, 300_000),
)
def test_cost_is_monotone_in_every_bucket(
    entry: ModelEntry, when: float, tier: str | None, usage: Usage, field: str, extra: int
) -> None:
    provider = LOG_PROVIDER.get(entry.provider, entry.provider)
    if field == "reasoning":  # more reasoning tokens are more output tokens too
        more = replace(
            usage,
            output_tokens=usage.output_tokens + extra,
            reasoning_tokens=usage.reasoning_tokens + extra,
        )
    else:
        more = replace(usage, **{field: getattr(usage, field) + extra})
    assert price(entry.model, provider, when, tier, more) >= price(
        entry.model, provider, when, tier, usage
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entry=entries,
    effective=st.floats(min_value=1.72e9, max_value=1.83e9),
    earlier=st.floats(min_value=1.65e9, max_value=1.83e9),
    rate=st.decimals(min_value=0, max_value=100, places=3),
    usage=usages,
    tier=tiers,
)
def test_new_version_never_changes_earlier_calls(
    entry: ModelEntry,
    effective: float,
    earlier: float,
    rate: Decimal,
    usage: Usage,
    tier: str | None,
) -> None:
    when = datetime.fromtimestamp(int(effective), UTC)
    if any(v.effective_from == when for v in entry.versions):
        return
    first = entry.versions[0].effective_from
    if first is not None and when < first:
        return
    call = min(earlier, effective - 1)
    provider = LOG_PROVIDER.get(entry.provider, entry.provider)
    user = UserCatalog(Path("/nonexistent/pricing.json"))
    before = PricingEngine(user.effective()).explain(entry.model, provider, call, tier, usage).total
    user.add_version(entry.id, when, {"input": rate, "output": rate, "cache_read": rate})
    after_engine = PricingEngine(user.effective())
    assert after_engine.explain(entry.model, provider, call, tier, usage).total == before
    # and the new price does apply from its date on
    new = after_engine.explain(entry.model, provider, effective + 1, None, Usage(input_tokens=10))
    assert new.effective_from is not None
    assert new.effective_from != "since launch"


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._/:@", min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    name=names,
    provider=st.sampled_from([None, "openai", "ollama", "groq", "aws-bedrock"]),
    usage=usages,
    when=times,
)
def test_unpriced_is_never_zero(name: str, provider: str | None, usage: Usage, when: float) -> None:
    explanation = ENGINE.explain(name, provider, when, None, usage)
    cells = ENGINE.cells(name, provider, None)
    if explanation.total is None:
        assert cells == ()
        assert explanation.flags == CostFlag.UNPRICED
        assert explanation.unpriced_reason
        assert explanation.buckets == ()
    else:
        assert cells != ()
        assert not explanation.flags & CostFlag.UNPRICED
