"""Billing routes: which catalog entries may price a call from a given provider.

A log names the provider it called (``openai``, ``aws-bedrock``, ``vertex``,
``openrouter``…, or nothing). The route decides which entries are candidates,
in order: Bedrock first looks for Bedrock prices, then the model maker's list
price (Bedrock and Vertex charge list price for models without an entry of
their own here); ``ollama`` and unknown providers only use entries the user made
for them, so a local ``deepseek-r1`` is never priced at DeepSeek's API price.
Decorations in the model name (``bedrock/…``, ``us.anthropic.…-v1:0``,
``…@20250929``) are more specific than the provider field and win over it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pricing.matching import NameForms

PROVIDER_ALIASES = {
    "openai": "openai",
    "azure": "azure",
    "azure_openai": "azure",
    "azure-openai": "azure",
    "azure_ai": "azure",
    "anthropic": "anthropic",
    "claude": "anthropic",
    "google": "google",
    "gemini": "google",
    "google-ai-studio": "google",
    "google_ai_studio": "google",
    "googleai": "google",
    "vertex": "vertex",
    "vertex_ai": "vertex",
    "vertex-ai": "vertex",
    "vertexai": "vertex",
    "google-vertex": "vertex",
    "aws-bedrock": "bedrock",
    "aws_bedrock": "bedrock",
    "amazon-bedrock": "bedrock",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "aws": "bedrock",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "mistralai": "mistral",
    "xai": "xai",
    "x-ai": "xai",
    "grok": "xai",
    "openrouter": "openrouter",
    "ollama": "ollama",
    # hosts of open-weight models
    "groq": "groq",
    "fireworks": "fireworks",
    "fireworks_ai": "fireworks",
    "fireworks-ai": "fireworks",
    "together": "together",
    "together_ai": "together",
    "together-ai": "together",
    "togetherai": "together",
    "deepinfra": "deepinfra",
}

# First word(s) of a model name → the provider that makes it (for provider-less logs)
_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^claude"), "anthropic"),
    (
        re.compile(r"^(gpt-|o\d(-|$)|chatgpt|text-embedding-(3|ada)|davinci|babbage|codex)"),
        "openai",
    ),
    (re.compile(r"^(gemini|text-embedding-0|embedding-0)"), "google"),
    (re.compile(r"^deepseek"), "deepseek"),
    (
        re.compile(
            r"^(mistral|codestral|magistral|ministral|devstral|pixtral|voxtral|open-mistral)"
        ),
        "mistral",
    ),
    (re.compile(r"^grok"), "xai"),
)


def normalise_provider(provider: str | None) -> str | None:
    if provider is None or not provider.strip():
        return None
    text = provider.strip().lower()
    return PROVIDER_ALIASES.get(text, text)


def family_provider(base_name: str) -> str | None:
    for pattern, provider in _FAMILIES:
        if pattern.match(base_name):
            return provider
    return None


@dataclass(frozen=True, slots=True)
class RouteGroup:
    """Entries of these providers (None = every entry), tried in this order."""

    providers: tuple[str, ...] | None
    note: str = ""
    fallback: bool = False  # priced from the model maker's list, not the route's own price


@dataclass(frozen=True, slots=True)
class Route:
    name: str | None
    groups: tuple[RouteGroup, ...]
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        providers = [p for g in self.groups for p in (g.providers or ("any provider",))]
        return "searched " + ", ".join(dict.fromkeys(providers)) + " prices"


def route_for(provider: str | None, forms: NameForms) -> Route:
    """The candidate groups for a call to ``provider`` with a model named like ``forms``."""
    named = normalise_provider(provider)
    notes: list[str] = []
    route = named
    if forms.route_hint in ("bedrock", "vertex") and named != forms.route_hint:
        if named is not None:
            notes.append(f"model name shows a {forms.route_hint} id; priced as {forms.route_hint}")
        route = forms.route_hint
    elif named is None and forms.route_hint is not None:
        route = forms.route_hint
    if route == "openrouter":
        upstream = forms.upstream_hint or family_provider(forms.base)
        note = "OpenRouter passes the model maker's list price through"
        if upstream is None:
            return Route("openrouter", (RouteGroup(("openrouter",)),), tuple(notes))
        return Route(
            "openrouter",
            (RouteGroup(("openrouter",)), *_groups(upstream, note)),
            tuple(notes),
        )
    if route is None:
        guessed = forms.upstream_hint or family_provider(forms.base)
        if guessed is None:
            return Route(None, (RouteGroup(None),), tuple(notes))
        return Route(guessed, _groups(guessed, ""), tuple(notes))
    return Route(route, _groups(route, ""), tuple(notes))


def _groups(route: str, note: str) -> tuple[RouteGroup, ...]:
    if route == "bedrock":
        return (
            RouteGroup(("bedrock",), note),
            RouteGroup(
                ("anthropic",),
                "no Bedrock price for this model here; Bedrock bills Anthropic's list price",
                fallback=True,
            ),
        )
    if route == "vertex":
        return (
            RouteGroup(("vertex",), note),
            RouteGroup(
                ("google", "anthropic"),
                "no Vertex AI price for this model here; priced at the model maker's list price",
                fallback=True,
            ),
        )
    if route == "azure":
        return (
            RouteGroup(("azure",), note),
            RouteGroup(("openai",), "Azure OpenAI priced at OpenAI's list price", fallback=True),
        )
    return (RouteGroup((route,), note),)
