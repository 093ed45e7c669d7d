"""The engine: explain() and the bulk cells agree, and prices follow the documented rules."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pricing import CostFlag, PricingEngine, Usage, select_cell
from pricing.bundled import bundled_catalog
from pricing.catalog import Catalog, ModelEntry

NO_USER_FILE = Path("/nonexistent/pricing.json")
LOG_PROVIDER = {"bedrock": "aws-bedrock", "vertex": "vertex", "google": "google"}
SERVICE_TIERS = [
    None,
    "standard",
    "default",
    "auto",
    "on_demand",
    "batch",
    "flex",
    "priority",
    "fast",
    "scale",
]


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def engine() -> PricingEngine:
    return PricingEngine.load(user_file=NO_USER_FILE, now=datetime(2026, 11, 26, tzinfo=UTC))


def cost(
    engine: PricingEngine,
    model: str,
    provider: str | None,
    when: str,
    usage: Usage,
    tier: str | None = None,
) -> Decimal:
    explanation = engine.explain(model, provider, ts(when), tier, usage)
    assert explanation.total is not None, explanation.unpriced_reason
    return explanation.total


def random_usage(rng: random.Random, thresholds: list[int]) -> Usage:
    if thresholds and rng.random() < 0.5:
        target = rng.choice(thresholds) + rng.choice([-1, 0, 1, 2, rng.randint(-5000, 5000)])
    else:
        target = rng.choice([0, 1, 10, 1000, rng.randint(0, 400_000)])
    target = max(target, 0)
    parts = [rng.random() for _ in range(4)]
    total = sum(parts) or 1.0
    split = [int(target * p / total) for p in parts]
    split[0] += target - sum(split)
    output = rng.randint(0, 20_000)
    return Usage(
        input_tokens=split[0],
        cache_read_tokens=split[1],
        cache_write_5m_tokens=split[2],
        cache_write_1h_tokens=split[3],
        output_tokens=output,
        reasoning_tokens=rng.randint(0, output),
        web_search_requests=rng.choice([0, 0, 0, 1, 3]),
    )


def test_explain_equals_bulk_cells_for_every_bundled_model(engine: PricingEngine) -> None:
    rng = random.Random(20261126)
    start, end = ts("2024-01-01"), ts("2027-06-01")
    checked = 0
    for entry in bundled_catalog().entries:
        thresholds = sorted({t.threshold for v in entry.versions for t in v.tiers})
        boundaries = [v.effective_from.timestamp() for v in entry.versions if v.effective_from]
        names = [*entry.names, "not-a-model-" + entry.model]
        for name in names:
            for provider in (LOG_PROVIDER.get(entry.provider, entry.provider), None):
                for _ in range(8):
                    near = [b + rng.choice([-1, 0, 1]) for b in boundaries]
                    when = rng.choice([rng.uniform(start, end), *near])
                    usage = random_usage(rng, thresholds)
                    tier = rng.choice(SERVICE_TIERS)
                    explanation = engine.explain(name, provider, when, tier, usage)
                    cells = engine.cells(name, provider, tier)
                    cell = select_cell(cells, when, usage.prompt_total)
                    if explanation.total is None:
                        assert cells == ()
                        assert cell is None
                        continue
                    assert cell is not None
                    assert explanation.price_id == cell.price_id
                    bulk = cell.cost(
                        usage.input_tokens,
                        usage.cache_read_tokens,
                        usage.cache_write_5m_tokens,
                        usage.cache_write_1h_tokens,
                        usage.output_tokens,
                        usage.reasoning_tokens,
                        usage.web_search_requests,
                    )
                    assert float(explanation.total) == pytest.approx(bulk, rel=1e-12, abs=1e-15)
                    checked += 1
    assert checked > 2000


def test_every_bundled_model_is_priced_by_its_own_names(engine: PricingEngine) -> None:
    for entry in bundled_catalog().entries:
        for name in entry.names:
            match = engine.match(name, LOG_PROVIDER.get(entry.provider, entry.provider))
            assert match is not None, name
            assert match.entry_id == entry.id, (name, match.entry_id)


def test_cells_are_cached_per_argument_triple(engine: PricingEngine) -> None:
    first = engine.cells("gpt-4o", "openai", None)
    assert engine.cells("gpt-4o", "openai", None) is first
    assert engine.cells("gpt-4o", "openai", "batch") is not first
    assert engine.cells("no-such-model", "openai", None) == ()


# -- the documented rules ----------------------------------------------------------


def test_missing_cache_read_falls_back_to_input_and_is_flagged(engine: PricingEngine) -> None:
    # o1-mini's launch price has no cache-read rate
    usage = Usage(input_tokens=1000, cache_read_tokens=1_000_000)
    explanation = engine.explain("o1-mini", "openai", ts("2024-11-01"), None, usage)
    assert explanation.total == Decimal("3.003")  # 1M cached at the 3.00 input rate
    assert explanation.flags & CostFlag.ASSUMED_CACHE_READ
    bucket = next(b for b in explanation.buckets if b.name == "cache read")
    assert "input rate assumed" in bucket.assumed
    # a call without cached tokens carries no assumption
    plain = engine.explain("o1-mini", "openai", ts("2024-11-01"), None, Usage(input_tokens=1000))
    assert not plain.flags & CostFlag.ASSUMED_CACHE_READ
    # the cell itself says the rate is assumed
    cell = select_cell(engine.cells("o1-mini", "openai", None), ts("2024-11-01"), 0)
    assert cell is not None
    assert cell.flags & CostFlag.ASSUMED_CACHE_READ


def test_missing_1h_write_falls_back_to_5m_write(engine: PricingEngine) -> None:
    usage = Usage(cache_write_1h_tokens=100_000)
    explanation = engine.explain("gpt-5.6-sol", "openai", ts("2026-10-01"), None, usage)
    assert explanation.total == Decimal("0.5")  # the 5m write rate (5.00), not input (4.00)
    assert explanation.flags & CostFlag.ASSUMED_CACHE_WRITE_1H
    assert not explanation.flags & CostFlag.ASSUMED_CACHE_WRITE_5M


def test_explicit_zero_is_free_and_unflagged(engine: PricingEngine) -> None:
    explanation = engine.explain(
        "text-embedding-3-small",
        "openai",
        ts("2026-01-01"),
        None,
        Usage(1_000_000, output_tokens=500),
    )
    assert explanation.total == Decimal("0.02")
    assert explanation.flags == 0


def test_reasoning_is_billed_at_output_rate_without_double_counting(engine: PricingEngine) -> None:
    usage = Usage(input_tokens=0, output_tokens=1_000_000, reasoning_tokens=400_000)
    assert cost(engine, "o4-mini", "openai", "2026-01-01", usage) == Decimal("4.4")


@pytest.mark.parametrize(
    ("prompt", "expected_input_rate"),
    [(199_999, "3"), (200_000, "3"), (200_001, "6"), (312_000, "6")],
)
def test_long_context_is_a_whole_request_cliff_above_the_threshold(
    engine: PricingEngine, prompt: int, expected_input_rate: str
) -> None:
    # Sonnet 4.5 before the 1M beta ended: > 200k prices every bucket at the tier
    usage = Usage(input_tokens=prompt - 100_000, cache_read_tokens=100_000, output_tokens=1000)
    explanation = engine.explain(
        "claude-sonnet-4-5-20250929", "anthropic", ts("2026-01-15"), None, usage
    )
    rates = {b.name: b.rate for b in explanation.buckets}
    assert rates["input"] == Decimal(expected_input_rate)
    long = expected_input_rate == "6"
    assert rates["cache read"] == (Decimal("0.6") if long else Decimal("0.3"))
    assert rates["output"] == (Decimal("22.5") if long else Decimal(15))
    assert bool(explanation.flags & CostFlag.LONG_CONTEXT) == long
    if long:
        assert (
            explanation.tier
            == f"prompt {prompt:,} > 200,000 → long-context rates for the whole request"
        )
    else:
        assert explanation.tier == f"prompt {prompt:,} ≤ 200,000 → base rates"


def test_long_context_tier_of_sonnet_4_5_ended_with_the_beta(engine: PricingEngine) -> None:
    usage = Usage(input_tokens=300_000)
    assert cost(engine, "claude-sonnet-4-5-20250929", "anthropic", "2026-04-29", usage) == Decimal(
        "1.8"
    )
    assert cost(engine, "claude-sonnet-4-5-20250929", "anthropic", "2026-05-01", usage) == Decimal(
        "0.9"
    )


def test_opus_4_6_long_context_premium_removed_2026_03_13(engine: PricingEngine) -> None:
    usage = Usage(input_tokens=500_000)
    assert cost(engine, "claude-opus-4-6", "anthropic", "2026-03-12T23:59:59", usage) == Decimal(5)
    assert cost(engine, "claude-opus-4-6", "anthropic", "2026-03-13", usage) == Decimal("2.5")


def test_xai_threshold_is_inclusive(engine: PricingEngine) -> None:
    below = cost(engine, "grok-4.3", "xai", "2026-10-01", Usage(input_tokens=199_999))
    at = cost(engine, "grok-4.3", "xai", "2026-10-01", Usage(input_tokens=200_000))
    assert below == Decimal("1.25") * 199_999 / 1_000_000
    assert at == Decimal("2.5") * 200_000 / 1_000_000


@pytest.mark.parametrize(
    ("tier", "flag", "factor"),
    [
        (None, 0, Decimal(1)),
        ("default", 0, Decimal(1)),
        ("auto", 0, Decimal(1)),
        ("on_demand", 0, Decimal(1)),
        ("batch", CostFlag.VARIANT_BATCH, Decimal("0.5")),
        ("flex", CostFlag.VARIANT_FLEX, Decimal("0.5")),
        ("priority", CostFlag.VARIANT_PRIORITY, Decimal(2)),
        ("fast", CostFlag.VARIANT_PRIORITY, Decimal(2)),
        ("scale", CostFlag.ASSUMED_VARIANT, Decimal(1)),
    ],
)
def test_service_tiers(engine: PricingEngine, tier: str | None, flag: int, factor: Decimal) -> None:
    usage = Usage(input_tokens=100_000, output_tokens=100_000)
    explanation = engine.explain("gpt-5", "openai", ts("2026-01-01"), tier, usage)
    assert explanation.total == Decimal("1.125") * factor
    assert explanation.flags == flag


def test_variant_missing_for_model_is_standard_and_flagged(engine: PricingEngine) -> None:
    explanation = engine.explain(
        "deepseek-chat", "deepseek", ts("2025-12-01"), "batch", Usage(input_tokens=1_000_000)
    )
    assert explanation.total == Decimal("0.28")
    assert explanation.flags & CostFlag.ASSUMED_VARIANT
    assert "batch has no price" in explanation.variant


def test_deepseek_v4_peak_window_is_weekdays_only(engine: PricingEngine) -> None:
    usage = Usage(input_tokens=1_000_000)
    # 2026-11-02 is a Monday, 2026-11-07 a Saturday
    peak = engine.explain("deepseek-v4-flash", None, ts("2026-11-02T02:00:00"), None, usage)
    assert peak.total == Decimal("0.3")
    assert peak.flags & CostFlag.TIME_WINDOW
    assert cost(engine, "deepseek-v4-flash", None, "2026-11-02T05:00:00", usage) == Decimal("0.15")
    assert cost(engine, "deepseek-v4-flash", None, "2026-11-07T02:00:00", usage) == Decimal("0.15")


def test_deepseek_night_discount_half_hour_boundaries(engine: PricingEngine) -> None:
    usage = Usage(input_tokens=1_000_000)
    assert cost(engine, "deepseek-chat", None, "2025-03-03T16:29:59", usage) == Decimal("0.27")
    assert cost(engine, "deepseek-chat", None, "2025-03-03T16:30:00", usage) == Decimal("0.135")
    assert cost(engine, "deepseek-chat", None, "2025-03-04T00:29:59", usage) == Decimal("0.135")
    assert cost(engine, "deepseek-reasoner", None, "2025-03-04T00:10:00", usage) == Decimal(
        "0.1375"
    )
    assert cost(engine, "deepseek-chat", None, "2025-03-04T00:30:00", usage) == Decimal("0.27")


@pytest.mark.parametrize(
    ("model", "before", "after", "day", "old", "new"),
    [
        ("o3", "2025-06-09T23:59:59", "2025-06-10", "2025-06-10", Decimal(10), Decimal(2)),
        (
            "claude-3-5-haiku-20241022",
            "2024-11-20",
            "2025-01-10",
            "2024-12-03",
            Decimal(1),
            Decimal("0.8"),
        ),
        ("gpt-5.6-terra", "2026-07-29", "2026-07-30", "2026-07-30", Decimal("2.5"), Decimal(2)),
        ("gpt-5.6-sol", "2026-08-20", "2026-08-21", "2026-08-21", Decimal(5), Decimal(4)),
        ("gpt-5.6-luna", "2026-07-29", "2026-07-30", "2026-07-30", Decimal(1), Decimal("0.2")),
        (
            "mistral-medium-latest",
            "2026-06-15",
            "2026-06-16",
            "2026-06-16",
            Decimal("0.4"),
            Decimal("1.5"),
        ),
        (
            "mistral-small-latest",
            "2026-03-15",
            "2026-03-16",
            "2026-03-16",
            Decimal("0.1"),
            Decimal("0.15"),
        ),
        ("grok-4.20", "2026-04-29", "2026-04-30", "2026-04-30", Decimal(2), Decimal("1.25")),
        (
            "gemini-1.5-pro",
            "2024-09-30",
            "2024-10-01",
            "2024-10-01",
            Decimal("3.5"),
            Decimal("1.25"),
        ),
        ("gpt-4o", "2024-09-01", "2024-10-02", "2024-10-02", Decimal(5), Decimal("2.5")),
    ],
)
def test_price_history(
    engine: PricingEngine, model: str, before: str, after: str, day: str, old: Decimal, new: Decimal
) -> None:
    usage = Usage(input_tokens=100_000)  # below every long-context threshold
    assert cost(engine, model, None, before, usage) == old / 10
    explanation = engine.explain(model, None, ts(after), None, usage)
    assert explanation.total == new / 10
    assert explanation.effective_from == day
    # the earliest version is open-ended backwards
    match = engine.match(model, None)
    assert match is not None
    earliest = bundled_catalog().by_id()[match.entry_id].versions[0]
    assert earliest.effective_from is None
    assert earliest.rates.input is not None
    assert cost(engine, model, None, "2020-01-01", usage) == earliest.rates.input / 10


def test_gemini_2_5_cache_read_change(engine: PricingEngine) -> None:
    usage = Usage(cache_read_tokens=100_000)
    assert cost(engine, "gemini-2.5-pro", "google", "2025-08-01", usage) == Decimal("0.03125")
    assert cost(engine, "gemini-2.5-pro", "google", "2026-01-01", usage) == Decimal("0.0125")
    assert cost(engine, "gemini-2.5-flash", "google", "2025-08-01", usage) == Decimal("0.0075")
    assert cost(engine, "gemini-2.5-flash", "google", "2026-01-01", usage) == Decimal("0.003")


def test_today_mode_uses_the_version_in_force_now(engine: PricingEngine) -> None:
    today = engine.with_mode("today")
    assert today.mode == "today"
    assert engine.with_mode("history") is engine
    usage = Usage(input_tokens=1_000_000)
    explanation = today.explain("o3", "openai", ts("2025-05-01"), None, usage)
    assert explanation.total == Decimal(2)
    assert explanation.flags & CostFlag.TODAY_PRICES
    cells = today.cells("o3", "openai", None)
    assert all(c.start is None and c.end is None for c in cells)
    assert today.fingerprint != engine.fingerprint


def test_explanation_text(engine: PricingEngine) -> None:
    usage = Usage(
        input_tokens=1200, cache_read_tokens=310_800, output_tokens=500, reasoning_tokens=100
    )
    explanation = engine.explain(
        "claude-sonnet-4-5-20250929", "anthropic", ts("2026-02-01"), "batch", usage
    )
    text = str(explanation)
    assert "Claude Sonnet 4.5 [anthropic/claude-sonnet-4-5, bundled price]" in text
    assert "matched by exact model id 'claude-sonnet-4-5-20250929'" in text
    assert "prompt 312,000 > 200,000 → long-context rates for the whole request" in text
    assert "batch (×0.5 on every token rate)" in text
    assert "Flags: long-context tier, batch" in text
    assert explanation.lines() == text.splitlines()
    unpriced = engine.explain("mystery-model", None, ts("2026-02-01"), None, usage)
    assert unpriced.total is None
    assert "Cost: unpriced" in str(unpriced)
    assert "not counted as $0" in str(unpriced)


def test_fingerprint_is_stable_and_tracks_the_catalog(tmp_path: Path) -> None:
    a = PricingEngine.load(user_file=tmp_path / "none.json")
    b = PricingEngine.load(user_file=tmp_path / "none.json")
    assert a.fingerprint == b.fingerprint
    assert (
        PricingEngine.load(user_file=tmp_path / "none.json", include_bundled=False).fingerprint
        != a.fingerprint
    )


def test_fingerprint_changes_only_when_a_price_can_change() -> None:
    bundled = bundled_catalog()
    first = bundled.entries[0]

    def with_first(entry: ModelEntry) -> PricingEngine:
        return PricingEngine(Catalog(entries=(entry, *bundled.entries[1:])))

    base = PricingEngine(bundled).fingerprint
    noted = replace(first, display_name="Renamed", note="new words")
    noted = replace(
        noted, versions=(replace(first.versions[0], source="elsewhere"), *first.versions[1:])
    )
    assert with_first(noted).fingerprint == base
    cheaper = replace(
        first.versions[-1], rates=first.versions[-1].rates.with_rate("input", Decimal(1))
    )
    assert with_first(replace(first, versions=(*first.versions[:-1], cheaper))).fingerprint != base
    assert with_first(replace(first, aliases=("another-name",))).fingerprint != base
    assert with_first(replace(first, origin="user")).fingerprint != base
