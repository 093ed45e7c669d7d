"""Matching logged model names to catalog entries: the traps other tools fell into."""

from __future__ import annotations

from pathlib import Path

import pytest

from pricing import PricingEngine
from pricing.catalog import Catalog, MatchRule, ModelEntry, PriceVersion, Rates
from pricing.matching import Matcher, NoMatch, name_forms


@pytest.fixture(scope="module")
def engine() -> PricingEngine:
    return PricingEngine.load(user_file=Path("/nonexistent/pricing.json"))


def entry_id(engine: PricingEngine, model: str | None, provider: str | None = None) -> str | None:
    match = engine.match(model, provider)
    return match.entry_id if match else None


@pytest.mark.parametrize(
    ("model", "provider", "expected"),
    [
        # gpt-4o never swallows gpt-4o-mini (and the other way round)
        ("gpt-4o", "openai", "openai/gpt-4o"),
        ("gpt-4o-mini", "openai", "openai/gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18", "openai", "openai/gpt-4o-mini"),
        ("gpt-4o-mini-search-preview", "openai", None),
        # dated snapshots priced differently from their alias keep their own price
        ("gpt-4o-2024-05-13", "openai", "openai/gpt-4o-2024-05-13"),
        ("gpt-4o-2024-08-06", "openai", "openai/gpt-4o-2024-08-06"),
        ("gpt-4o-2024-11-20", None, "openai/gpt-4o-2024-08-06"),
        # an unknown date falls back to the undated alias, never to the 05-13 snapshot
        ("gpt-4o-2099-01-01", "openai", "openai/gpt-4o"),
        # gpt-5 never matches gpt-5.4-mini; gpt-5.4 never matches an unknown gpt-5.4 size
        ("gpt-5.4-mini", None, "openai/gpt-5.4-mini"),
        ("gpt-5.4-mini-2026-03-17", "openai", "openai/gpt-5.4-mini"),
        ("gpt-5.9-mini", "openai", None),
        ("gpt-5.4-micro", "openai", None),
        ("gpt-5-chat-latest", "openai", "openai/gpt-5"),
        ("gpt-4.1", "openai", "openai/gpt-4.1"),
        ("gpt-4.1-nano", "openai", "openai/gpt-4.1-nano"),
        ("o1", "openai", "openai/o1"),
        ("o1-mini", "openai", "openai/o1-mini"),
        ("o3-mini-high", "openai", "openai/o3-mini"),
        ("o3-deep-research", "openai", "openai/o3-deep-research"),
        # claude-opus-4 never swallows claude-opus-4-5 / 4-1 / an unknown 4-9
        ("claude-opus-4-20250514", "anthropic", "anthropic/claude-opus-4"),
        ("claude-opus-4-1", "anthropic", "anthropic/claude-opus-4-1"),
        ("claude-opus-4-5-20251101", "anthropic", "anthropic/claude-opus-4-5"),
        ("claude-opus-4-9", "anthropic", None),
        # claude-opus-4.7 and claude-opus-4-7 are the same model
        ("claude-opus-4.7", "anthropic", "anthropic/claude-opus-4-7"),
        ("claude-opus-4-7", None, "anthropic/claude-opus-4-7"),
        ("claude-3.5-sonnet", None, "anthropic/claude-3-5-sonnet"),
        ("claude-3-5-sonnet-latest", None, "anthropic/claude-3-5-sonnet"),
        ("claude-sonnet-4-5-20250929", "anthropic", "anthropic/claude-sonnet-4-5"),
        ("claude-haiku-4-5-20251001", None, "anthropic/claude-haiku-4-5"),
        # case
        ("GPT-4O-MINI", None, "openai/gpt-4o-mini"),
        ("Claude-Sonnet-4-5-20250929", "anthropic", "anthropic/claude-sonnet-4-5"),
        # provider prefixes
        ("openai/gpt-4o-2024-05-13", None, "openai/gpt-4o-2024-05-13"),
        ("anthropic/claude-sonnet-4-5-20250929", None, "anthropic/claude-sonnet-4-5"),
        ("gemini/gemini-2.5-pro", None, "google/gemini-2.5-pro"),
        ("models/gemini-2.5-flash", "google", "google/gemini-2.5-flash"),
        ("deepseek/deepseek-chat", None, "deepseek/deepseek-chat"),
        ("xai/grok-4.20", None, "xai/grok-4.20"),
        ("mistral/mistral-large-latest", None, "mistral/mistral-large-latest"),
        ("gemini-2.0-flash-001", "gemini", "google/gemini-2.0-flash"),
        ("gemini-1.5-pro-002", "google", "google/gemini-1.5-pro"),
        ("gemini-2.5-flash-lite", "google", "google/gemini-2.5-flash-lite"),
        ("gemini-2.5-flash-preview-05-20", "google", "google/gemini-2.5-flash"),
        # xAI sizes and modes
        ("grok-4-fast-reasoning", "xai", "xai/grok-4-fast"),
        ("grok-4-0709", "xai", "xai/grok-4"),
        ("grok-4", "xai", "xai/grok-4"),
        ("grok-4.20-0309-reasoning", "xai", "xai/grok-4.20"),
        ("grok-code-fast-1", "xai", "xai/grok-code-fast-1"),  # its own entry, not Grok 4's
    ],
)
def test_matching_traps(
    engine: PricingEngine, model: str, provider: str | None, expected: str | None
) -> None:
    assert entry_id(engine, model, provider) == expected


@pytest.mark.parametrize(
    ("model", "provider", "expected"),
    [
        # regional profiles (+10% for Claude 4.5+) vs global / in-region list price
        (
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "aws-bedrock",
            "bedrock/claude-sonnet-4-5:regional",
        ),
        (
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
            None,
            "bedrock/claude-sonnet-4-5:regional",
        ),
        (
            "apac.anthropic.claude-haiku-4-5-20251001-v1:0",
            None,
            "bedrock/claude-haiku-4-5:regional",
        ),
        (
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "aws-bedrock",
            "bedrock/claude-sonnet-4-5",
        ),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "bedrock/claude-sonnet-4-5"),
        ("claude-sonnet-4-5-20250929", "aws-bedrock", "bedrock/claude-sonnet-4-5"),
        (
            "bedrock/us.anthropic.claude-opus-4-5-20251101-v1:0",
            None,
            "bedrock/claude-opus-4-5:regional",
        ),
        (
            "US.ANTHROPIC.CLAUDE-OPUS-4-5-20251101-V1:0",
            "aws-bedrock",
            "bedrock/claude-opus-4-5:regional",
        ),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0",
            None,
            "bedrock/claude-haiku-4-5:regional",
        ),
        ("bedrock/us-east-1/anthropic.claude-sonnet-4-6", None, "bedrock/claude-sonnet-4-6"),
        # older Claude on Bedrock: the list price, through the route fallback
        (
            "us.anthropic.claude-3-5-haiku-20241022-v1:0",
            "aws-bedrock",
            "anthropic/claude-3-5-haiku",
        ),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", None, "anthropic/claude-3-5-sonnet"),
        # Vertex @versions
        ("claude-sonnet-4-5@20250929", "vertex", "vertex/claude-sonnet-4-5"),
        ("claude-opus-4-6@default", "vertex", "vertex/claude-opus-4-6"),
        ("vertex_ai/claude-haiku-4-5@20251001", None, "vertex/claude-haiku-4-5"),
        ("claude-opus-4-1@20250805", "vertex", "anthropic/claude-opus-4-1"),
        ("gemini-2.5-pro", "vertex", "google/gemini-2.5-pro"),
        # other routes
        ("anthropic/claude-sonnet-4.5", "openrouter", "anthropic/claude-sonnet-4-5"),
        ("openai/gpt-4o-mini", "openrouter", "openai/gpt-4o-mini"),
        ("gpt-4.1", "azure", "openai/gpt-4.1"),
    ],
)
def test_bedrock_vertex_and_route_ids(
    engine: PricingEngine, model: str, provider: str | None, expected: str
) -> None:
    assert entry_id(engine, model, provider) == expected


def test_regional_bedrock_costs_ten_percent_more(engine: PricingEngine) -> None:
    regional = engine.cells("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws-bedrock", None)
    global_ = engine.cells("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws-bedrock", None)
    assert regional[0].input == pytest.approx(3.3)
    assert global_[0].input == pytest.approx(3.0)


def test_govcloud_profile_is_unpriced_not_list_price(engine: PricingEngine) -> None:
    model = "us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert engine.match(model, "aws-bedrock") is None
    why = engine.why_unpriced(model, "aws-bedrock")
    assert why is not None
    assert "GovCloud" in why.reason


def test_local_models_are_never_priced_at_api_prices(engine: PricingEngine) -> None:
    assert engine.match("deepseek-r1:8b", "ollama") is None
    assert engine.match("gpt-oss:20b", "ollama") is None
    assert engine.match("deepseek-chat", "ollama") is None
    assert engine.match("gpt-4o", "groq") is None


@pytest.mark.parametrize(
    ("model", "provider", "expected"),
    [
        ("openai/gpt-oss-120b", "groq", "groq/gpt-oss-120b"),
        ("gpt-oss-120b", "groq", "groq/gpt-oss-120b"),
        ("accounts/fireworks/models/gpt-oss-120b", "fireworks", "fireworks/gpt-oss-120b"),
        ("gpt-oss-120b", "fireworks_ai", "fireworks/gpt-oss-120b"),  # LiteLLM's spelling
        (
            "meta-llama/Llama-3.3-70B-Instruct-Turbo",
            "together_ai",
            "together/llama-3.3-70b-instruct-turbo",
        ),
        ("meta-llama/Llama-3.3-70B-Instruct", "deepinfra", "deepinfra/llama-3.3-70b-instruct"),
        # one open model, several hosts at several prices: the host decides, never a guess
        ("gpt-oss-120b", None, None),
        ("meta-llama/Llama-3.3-70B-Instruct", "together", None),
    ],
)
def test_open_model_hosts(
    engine: PricingEngine, model: str, provider: str | None, expected: str | None
) -> None:
    assert entry_id(engine, model, provider) == expected


def test_rules_are_explained(engine: PricingEngine) -> None:
    exact = engine.match("gpt-4o-2024-08-06", "openai")
    assert exact is not None
    assert exact.rule == "exact model id 'gpt-4o-2024-08-06'"
    alias = engine.match("gpt-4o-2024-11-20", "openai")
    assert alias is not None
    assert alias.rule == "exact alias 'gpt-4o-2024-11-20'"
    bedrock = engine.match("bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0", None)
    assert bedrock is not None
    assert "stripped Bedrock prefix 'us.anthropic.' and suffix '-v1:0'" in bedrock.rule
    assert any("Bedrock bills Anthropic's list price" in note for note in bedrock.notes)
    dated = engine.match("gpt-4o-2099-01-01", "openai")
    assert dated is not None
    assert "stripped date suffix '-2099-01-01'" in dated.rule
    family = engine.match("gpt-5-chat-latest", "openai")
    assert family is not None
    assert family.rule.startswith("most specific catalog name 'gpt-5'")
    assert family.origin == "bundled"
    assert family.display_name == "GPT-5"


def test_unpriced_has_a_reason_and_suggestions(engine: PricingEngine) -> None:
    assert engine.match("gpt-4o-audio-preview", "openai") is None
    why = engine.why_unpriced("gpt-4o-audio-preview", "openai")
    assert why is not None
    assert "gpt-4o-audio-preview" in why.reason
    assert "gpt-4o" in why.suggestions
    assert engine.match(None, "openai") is None
    assert engine.match("  ", None) is None


def _entry(
    entry_id: str, model: str, *, provider: str = "openai", origin: str = "bundled", **kw: object
) -> ModelEntry:
    version = PriceVersion(effective_from=None, rates=Rates(input=1, output=2))  # type: ignore[arg-type]
    return ModelEntry(
        id=entry_id,
        provider=provider,
        model=model,
        display_name=model,
        versions=(version,),
        origin=origin,
        **kw,  # type: ignore[arg-type]
    )


def test_user_rules_come_before_normalisers_and_bundled_rules() -> None:
    catalog = Catalog(
        entries=(
            _entry("base/acme-large", "acme-large", match=(MatchRule("prefix", "acme-"),)),
            _entry(
                "user/acme-special",
                "acme-special",
                origin="user",
                match=(MatchRule("regex", r"acme-.*-v\d+"),),
            ),
        )
    )
    matcher = Matcher(catalog)
    found = matcher.match("ACME-large-v2", "openai")
    assert not isinstance(found, NoMatch)
    assert found.entry_id == "user/acme-special"
    assert found.rule == r"user rule regex 'acme-.*-v\d+'"
    found = matcher.match("acme-small", "openai")
    assert not isinstance(found, NoMatch)
    assert found.entry_id == "base/acme-large"
    assert found.rule == "built-in rule prefix 'acme-'"
    exact = matcher.match("acme-special", "openai")
    assert not isinstance(exact, NoMatch)
    assert exact.rule == "exact model id 'acme-special'"


def test_glob_rules() -> None:
    catalog = Catalog(
        entries=(_entry("u/x", "x", origin="user", match=(MatchRule("glob", "my-*-model"),)),)
    )
    matcher = Matcher(catalog)
    assert not isinstance(matcher.match("MY-fine-tuned-MODEL", "openai"), NoMatch)
    assert isinstance(matcher.match("my-model", "openai"), NoMatch)


def test_name_forms_record_every_step() -> None:
    forms = name_forms("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert forms.undecorated == "claude-sonnet-4-5-20250929"
    assert forms.base == "claude-sonnet-4-5"
    assert forms.route_hint == "bedrock"
    assert forms.scope == "regional"
    vertex = name_forms("claude-opus-4-6@default")
    assert vertex.undecorated == "claude-opus-4-6"
    assert vertex.route_hint == "vertex"
    dots = name_forms("claude-opus-4.7")
    assert dots.base == "claude-opus-4-7"
    assert name_forms("deepseek-v3").base == "deepseek-v3"  # "-v3" is not a Bedrock suffix here
