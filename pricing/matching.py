"""Which catalog entry prices a logged (model, provider): explicit, ordered, explainable.

Order of stages, the first hit wins (all restricted to the entries of the call's
billing route, see :mod:`pricing.providers`):

1. exact alias: the logged string equals an entry's model id or alias;
2. user rules, then built-in rules (``exact``/``prefix``/``glob``/``regex``);
3. normalisers: case, ``.``→``-`` between version digits, provider prefixes
   (``openai/``, ``bedrock/``, ARNs, region paths…), Bedrock routing/vendor
   prefixes and ``-v1:0`` suffixes, Vertex ``@version``; then date suffixes
   (``-2024-08-06``, ``-20241022``, Gemini ``-001``). Dated snapshots with a
   price of their own are aliases of their own entry, so they match before the
   date is stripped;
4. the most specific catalog name the logged name extends, with a version
   boundary: the rest must not start with a digit (``claude-opus-4`` never takes
   ``claude-opus-4-5``; ``gpt-5`` never takes ``gpt-5.4-mini``) nor with a word
   that names a different model size or kind (``gpt-4o`` never takes
   ``gpt-4o-mini``);
5. otherwise unpriced.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from pricing.catalog import ORIGIN_USER, Catalog, ModelEntry
from pricing.providers import Route, normalise_provider, route_for

# -- name normalisation -------------------------------------------------------------

_PROVIDER_SEGMENTS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "google": "google",
    "models": None,  # Gemini API resource names: models/gemini-2.5-flash
    "vertex_ai": "vertex",
    "vertex": "vertex",
    "vertex_ai-anthropic_models": "vertex",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "bedrock_mantle": "bedrock",
    "converse": "bedrock",
    "invoke": "bedrock",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "mistralai": "mistral",
    "xai": "xai",
    "x-ai": "xai",
    "azure": "azure",
    "azure_ai": "azure",
    "openrouter": "openrouter",
    "ollama": "ollama",
}
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d+$")
_ROUTING_PREFIX = re.compile(r"^(us-gov|us|eu|apac|jp|au|ca|global)\.")
_VENDOR_PREFIX = re.compile(r"^(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen)\.")
_BEDROCK_SUFFIX = re.compile(r"-v\d+(:\d+)?$")
_VERTEX_SUFFIX = re.compile(r"@(\d{8}|default|latest|\d{3})$")
_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|20\d{6})$")
_GEMINI_REVISION = re.compile(r"^((?:gemini|text-embedding|embedding)-.+)-(\d{3})$")
_VERSION_DOT = re.compile(r"(?<=\d)\.(?=\d)")
_SCOPES = {"global": "standard", "us-gov": "gov"}  # every other routing prefix is regional

# Words that name a different model when they follow a catalog name (gpt-4o-mini is
# not gpt-4o); digits are refused separately (version boundary).
DISTINCT_WORDS = frozenset(
    {
        "mini",
        "nano",
        "pro",
        "max",
        "lite",
        "flash",
        "turbo",
        "small",
        "medium",
        "large",
        "tiny",
        "micro",
        "haiku",
        "sonnet",
        "opus",
        "fable",
        "mythos",
        "plus",
        "ultra",
        "codex",
        "search",
        "audio",
        "realtime",
        "vision",
        "image",
        "embedding",
        "embed",
        "tts",
        "transcribe",
        "deep",
        "research",
        "fast",
        "instant",
        "sol",
        "terra",
        "luna",
        "astra",
        "cyber",
        "coder",
        "code",
        "oss",
    }
)


@dataclass(frozen=True, slots=True)
class NameForms:
    """A model name at each normalisation stage, with what was done to it."""

    raw: str
    undecorated: str  # folded, without provider/route decorations
    base: str  # undecorated without a date suffix
    route_hint: str | None  # a route the decorations name (bedrock, vertex, …)
    upstream_hint: str | None  # the provider named by an OpenRouter-style prefix
    scope: str | None  # Bedrock profile: standard / regional / gov
    steps: tuple[str, ...]  # normaliser steps up to ``undecorated``
    date_step: str  # the step from ``undecorated`` to ``base`` ("" if none)


def name_forms(raw: str) -> NameForms:
    steps: list[str] = []
    text = raw.strip()
    folded = text.lower()
    if folded != text:
        steps.append("case-folded")
    dotted = _VERSION_DOT.sub("-", folded)
    if dotted != folded:
        steps.append(f"'.'→'-' in version numbers ('{folded}' → '{dotted}')")
    rest = dotted
    route_hint: str | None = None
    upstream: str | None = None
    scope: str | None = None
    if rest.startswith("arn:"):
        rest = rest.rsplit("/", 1)[-1]
        route_hint = "bedrock"
        steps.append("took the model id from the Bedrock ARN")
    stripped: list[str] = []
    while "/" in rest:
        head, tail = rest.split("/", 1)
        if head in _PROVIDER_SEGMENTS:
            hint = _PROVIDER_SEGMENTS[head]
            if hint in ("bedrock", "vertex", "openrouter", "azure"):
                route_hint = route_hint or hint
            elif hint is not None:
                upstream = upstream or hint
        elif (
            not _AWS_REGION.match(head)
            and not head.endswith("-commitment")
            and (route_hint == "openrouter" or upstream is None)
        ):
            upstream = upstream or normalise_provider(head)
        stripped.append(head + "/")
        rest = tail
    if stripped:
        steps.append(f"stripped provider prefix '{''.join(stripped)}'")
    bedrock_parts: list[str] = []
    routing = _ROUTING_PREFIX.match(rest)
    if routing:
        prefix = routing.group(1)
        scope = _SCOPES.get(prefix, "regional")
        rest = rest[routing.end() :]
        bedrock_parts.append(prefix + ".")
    vendor = _VENDOR_PREFIX.match(rest)
    if vendor and (routing or route_hint == "bedrock" or _BEDROCK_SUFFIX.search(rest)):
        rest = rest[vendor.end() :]
        bedrock_parts.append(vendor.group(0))
    suffix = ""
    if bedrock_parts or route_hint == "bedrock":
        found = _BEDROCK_SUFFIX.search(rest)
        if found:
            suffix = found.group(0)
            rest = rest[: found.start()]
    if bedrock_parts or suffix:
        route_hint = "bedrock"
        scope = scope or "standard"
        text_parts = []
        if bedrock_parts:
            text_parts.append(f"prefix '{''.join(bedrock_parts)}'")
        if suffix:
            text_parts.append(f"suffix '{suffix}'")
        steps.append("stripped Bedrock " + " and ".join(text_parts))
    elif route_hint == "bedrock":
        scope = scope or "standard"
    vertex = _VERTEX_SUFFIX.search(rest)
    if vertex:
        rest = rest[: vertex.start()]
        route_hint = route_hint or "vertex"
        steps.append(f"stripped Vertex version '{vertex.group(0)}'")
    base = rest
    date_step = ""
    dated = _DATE_SUFFIX.search(base)
    if dated:
        base = base[: dated.start()]
        date_step = f"stripped date suffix '{dated.group(0)}'"
    else:
        revision = _GEMINI_REVISION.match(base)
        if revision:
            base = revision.group(1)
            date_step = f"stripped revision suffix '-{revision.group(2)}'"
    return NameForms(
        raw=raw,
        undecorated=rest,
        base=base,
        route_hint=route_hint,
        upstream_hint=upstream,
        scope=scope,
        steps=tuple(steps),
        date_step=date_step,
    )


# -- the match result -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """Which entry prices a logged model, and why."""

    entry_id: str
    display_name: str
    provider: str
    rule: str
    normalised: str
    origin: str
    model: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NoMatch:
    """Why a logged model is unpriced, with the nearest catalog names."""

    reason: str
    suggestions: tuple[str, ...] = ()


@dataclass(slots=True)
class _Indexed:
    entry: ModelEntry
    forms: tuple[NameForms, ...]
    order: int


class Matcher:
    """Resolves logged model names against one catalog (indexes built once)."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._indexed = [
            _Indexed(entry, tuple(name_forms(name) for name in entry.names), order)
            for order, entry in enumerate(catalog.entries)
        ]
        self._by_provider: dict[str, list[_Indexed]] = {}
        for item in self._indexed:
            self._by_provider.setdefault(item.entry.provider, []).append(item)

    def match(self, model: str | None, provider: str | None) -> Match | NoMatch:
        if model is None or not model.strip():
            return NoMatch("the call has no model name")
        forms = name_forms(model)
        route = route_for(provider, forms)
        blocked: str | None = None
        for group in route.groups:
            items = self._items(group.providers)
            if not items:
                continue
            found = self._match_in(model, forms, items, route, group.fallback)
            if isinstance(found, Match):
                notes = (*route.notes, group.note) if group.note else route.notes
                return _with_notes(found, notes)
            if found is not None:  # a price exists on this route but not for this scope
                blocked = found
                break
        reason = blocked or _no_match_reason(model, provider, route)
        return NoMatch(reason, self.suggest(model))

    def _items(self, providers: tuple[str, ...] | None) -> list[_Indexed]:
        if providers is None:
            return self._indexed
        items: list[_Indexed] = []
        for name in providers:
            items.extend(self._by_provider.get(name, ()))
        return sorted(items, key=lambda item: item.order)

    def _match_in(
        self,
        model: str,
        forms: NameForms,
        items: Sequence[_Indexed],
        route: Route,
        fallback: bool,
    ) -> Match | str | None:
        # 1. exact alias or model id
        for item in items:
            if model in item.entry.names:
                kind = "exact model id" if model == item.entry.model else "exact alias"
                return _match(item.entry, f"{kind} '{model}'", model)
        # 2. rules: the user's first, then the bundled ones
        for user_first in (True, False):
            for item in items:
                if (item.entry.origin == ORIGIN_USER) != user_first:
                    continue
                for rule in item.entry.match:
                    if rule.matches(model):
                        who = "user rule" if user_first else "built-in rule"
                        return _match(item.entry, f"{who} {rule.describe()}", model)
        # 3. normalisers, scope-aware on Bedrock
        scope_ok = _scope_filter(forms.scope, route.name, fallback)
        if scope_ok is None:
            return (
                f"Bedrock GovCloud profile in '{model}' has no price in the catalog "
                "(GovCloud prices differ from the list price); add one to price these calls"
            )
        wrong_scope = False
        for item in items:
            for name in item.forms:
                if name.undecorated == forms.undecorated:
                    if scope_ok(item.entry.scope):
                        return _match(item.entry, _normaliser_rule(forms.steps), forms.undecorated)
                    wrong_scope = True
        base_hits = [
            (not name.date_step, -item.order, item)
            for item in items
            for name in item.forms
            if name.base == forms.base and scope_ok(item.entry.scope)
        ]
        if base_hits:
            # names without a date beat dated ones; then catalog order
            item = max(base_hits, key=lambda hit: (hit[0], hit[1]))[2]
            steps = (*forms.steps, forms.date_step) if forms.date_step else forms.steps
            return _match(item.entry, _normaliser_rule(steps), forms.base)
        wrong_scope = wrong_scope or any(
            name.base == forms.base for item in items for name in item.forms
        )
        # 4. most specific catalog name that the logged name extends
        best: tuple[int, int, _Indexed, str] | None = None
        for item in items:
            if not scope_ok(item.entry.scope):
                continue
            for name in item.forms:
                if _extends(forms.base, name.base):
                    candidate = (len(name.base), -item.order, item, name.base)
                    if best is None or candidate[:2] > best[:2]:
                        best = candidate
        if best is not None:
            _, _, item, key = best
            rest = forms.base[len(key) :]
            return _match(
                item.entry,
                f"most specific catalog name '{key}' ('{forms.base}' adds '{rest}')",
                forms.base,
            )
        if wrong_scope and route.name == "bedrock" and not fallback:
            label = {
                "regional": "regional (us./eu./apac./jp./au.)",
                "standard": "global",
                "gov": "GovCloud (us-gov.)",
            }.get(forms.scope or "", forms.scope or "")
            return (
                f"the catalog prices '{forms.base}' on Bedrock, but not for the {label} "
                "inference profile in this call"
            )
        return None

    def suggest(self, model: str, limit: int = 3) -> tuple[str, ...]:
        """Catalog names closest to ``model`` (for "did you mean")."""
        forms = name_forms(model)
        names: dict[str, str] = {}
        for item in self._indexed:
            for name in item.forms:
                names.setdefault(name.base, item.entry.model)
        # the family the name extends first (longest first), then look-alikes
        family = sorted(
            (key for key in names if forms.base.startswith(key + "-")), key=len, reverse=True
        )
        close = difflib.get_close_matches(forms.base, list(names), n=limit, cutoff=0.6)
        ordered = dict.fromkeys(names[key] for key in (*family, *close))
        return tuple(ordered)[:limit]


def _scope_filter(scope: str | None, route: str | None, fallback: bool) -> _ScopeCheck | None:
    if route != "bedrock":
        return _any_scope
    scope = scope or "standard"  # no profile prefix: in-region on-demand, list price
    if fallback:
        # models without a Bedrock entry cost the maker's list price in every profile
        # (the regional premium starts with Claude 4.5, which has entries), except in
        # GovCloud, which is priced differently
        if scope == "gov":
            return None
        return _any_scope
    if scope == "gov":
        return _ScopeCheck(frozenset({"gov"}))
    return _ScopeCheck(frozenset({scope}), allow_unscoped=True)


@dataclass(frozen=True, slots=True)
class _ScopeCheck:
    accepted: frozenset[str] = frozenset()
    allow_unscoped: bool = False
    anything: bool = False

    def __call__(self, entry_scope: str | None) -> bool:
        if self.anything:
            return True
        if entry_scope is None:
            return self.allow_unscoped
        return entry_scope in self.accepted


_any_scope = _ScopeCheck(anything=True)


def _extends(name: str, key: str) -> bool:
    """``name`` is ``key`` plus a suffix that does not make it a different model."""
    if not key or not name.startswith(key + "-"):
        return False
    rest = name[len(key) + 1 :]
    first = re.split(r"[-_:.]", rest, maxsplit=1)[0]
    if not first or first[0].isdigit():
        return False
    return first not in DISTINCT_WORDS


def _normaliser_rule(steps: Iterable[str]) -> str:
    steps = [s for s in steps if s]
    if not steps:
        return "normaliser: same name"
    return "normaliser: " + "; ".join(steps)


def _match(entry: ModelEntry, rule: str, normalised: str) -> Match:
    return Match(
        entry_id=entry.id,
        display_name=entry.display_name,
        provider=entry.provider,
        rule=rule,
        normalised=normalised,
        origin=entry.origin,
        model=entry.model,
    )


def _with_notes(match: Match, notes: Iterable[str]) -> Match:
    extra = tuple(n for n in notes if n)
    return replace(match, notes=(*match.notes, *extra)) if extra else match


def _no_match_reason(model: str, provider: str | None, route: Route) -> str:
    where = f" for provider '{provider}'" if provider else ""
    scope = route.describe()
    return (
        f"no catalog entry matches '{model}'{where} ({scope}; tried exact aliases, rules, "
        "normalisers and family names)"
    )
