"""Turning planned sessions into call records: tokens, caching, retries and timing.

Token buckets follow Spendtrail's format: ``input_tokens`` is uncached input
only, cache reads and the two cache-write TTLs are separate, ``output_tokens``
includes ``reasoning_tokens``. A request's *prompt total* is input + cache read
+ both cache writes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

from desktop.demo import _text as text
from desktop.demo._catalog import (
    ANTHROPIC_CACHE_MIN,
    AUTO_CACHE,
    CACHE_ANTHROPIC,
    CACHE_NONE,
    MODELS,
    SONNET_1M_CONTEXT,
    Model,
)
from desktop.demo._world import (
    END_MS,
    LANGUAGE_CHOICES,
    MARATHON,
    OUTAGE,
    OUTLIER,
    RETRY,
    SONNET,
    START_MS,
    TENANTS,
    TIMEOUT_RETRY,
    Session,
    Workload,
    lognormal,
)

Record = tuple[int, dict[str, object]]
# (prompt total, prefix other callers keep cached, output tokens, prompt text, response text)
Shape = tuple[int, int, int, str, str]
T = TypeVar("T")

MINUTE = 60_000
TTL_5M = 5 * MINUTE
TTL_1H = 60 * MINUTE
MAX_SESSION_MS = 23 * 60 * MINUTE
ERROR_TEXT = {
    "rate_limit": "rate_limit_error: 429 Too Many Requests",
    "overloaded": "overloaded_error: 529 Overloaded",
    "server": "api_error: 500 Internal Server Error",
    "flex": "resource_unavailable: 429 Flex capacity exhausted, retry later",
    "context": "context_length_exceeded",
}
# Chance that one attempt fails, by provider.
ERROR_RATE = {
    "anthropic": 0.012,
    "openai": 0.008,
    "google": 0.01,
    "deepseek": 0.012,
    "acme-ai": 0.006,
}
OUTAGE_FACTOR = 12.0
SIDEKICK = {  # the cheaper model an agent's researcher sub-agent runs on
    "claude-sonnet-4-5-20250929": "claude-haiku-4-5-20251001",
    "claude-opus-4-5-20251101": "claude-sonnet-4-5-20250929",
    "gpt-5": "gpt-5-mini",
    "gemini-2.5-pro": "gemini-2.5-flash",
    "deepseek-reasoner": "deepseek-chat",
}
SERVER_SEARCH = ("anthropic", "openai", "google")  # providers with a web search tool
SPEED = {"priority": 0.7, "flex": 1.8}  # latency factor by service tier
STAGING_USERS = tuple(f"u_9{n:03d}" for n in range(1, 9))


class Ctx:
    """One stream of requests sharing a model, labels and a provider cache."""

    __slots__ = (
        "cached",
        "conv",
        "expiry",
        "labels",
        "model",
        "policy",
        "report",
        "speed",
        "tier",
        "timeout_ms",
        "ttl",
    )

    def __init__(
        self,
        model: Model,
        tier: str,
        labels: dict[str, object],
        conv: str | None,
        timeout_s: int,
        ttl: int = TTL_5M,
        cache: bool = True,
        report: bool = False,
    ) -> None:
        self.model = model
        self.tier = tier
        self.labels = labels
        self.conv = conv
        self.timeout_ms = timeout_s * 1000 if timeout_s else 10**12
        self.ttl = ttl
        # Anthropic only caches where the app sets breakpoints (conversations).
        self.policy = model.cache if cache or model.cache != CACHE_ANTHROPIC else CACHE_NONE
        self.cached = 0  # prompt prefix currently in the provider's cache
        self.expiry = 0
        self.report = report
        self.speed = SPEED.get(tier, 1.0)

    def reuse(self, labels: dict[str, object], conv: str | None) -> Ctx:
        """Start a new session on this context (cheaper than building one)."""
        self.labels, self.conv, self.cached, self.expiry = labels, conv, 0, 0
        return self

    def forget(self, keep: int) -> None:
        self.cached = min(self.cached, keep)


class Generator:
    """Writes the calls of one session at a time; all randomness from one seeded rng."""

    def __init__(self, seed: int, workloads: list[Workload]) -> None:
        self.rng = random.Random(f"spendtrail-demo:{seed}:calls")
        self.workloads = workloads
        self.records: list[Record] = []
        self.pools = _Pools(random.Random(f"spendtrail-demo:{seed}:text"))
        self._users = _user_ids()
        self._system = {t.name: 1800 + 300 * (i % 8) for i, t in enumerate(TENANTS)}
        self._single_ctx: dict[tuple[int, str, str], Ctx] = {}
        self._kinds: dict[str, Callable[[Session, Workload], None]] = {
            "chat": self._chat,
            "review": self._review,
            "agent": self._agent,
            "embed": self._embed,
            "digest": self._digest,
            "single": self._single,
        }
        self._shapes: dict[str, Callable[[str, int], Shape]] = {
            "classify": self._shape_classify,
            "search": self._shape_search,
            "summarize": self._shape_summarize,
            "translate": self._shape_translate,
        }

    # -- sessions -----------------------------------------------------------------

    def session(self, s: Session) -> list[Record]:
        """All calls of one planned session, shifted back if they would end after July."""
        self.records = []
        workload = self.workloads[s.workload]
        self._kinds[workload.feature.kind](s, workload)
        last = self.records[-1][0]  # records are appended in time order
        # The writer relies on this bound (bounded gaps and retries guarantee it).
        assert last - s.start < MAX_SESSION_MS, "session longer than the writer allows"
        if last > END_MS:
            shift = last - END_MS + int(self.rng.random() * 30 * MINUTE)
            self.records = [(t - shift, rec) for t, rec in self.records]
            for t, rec in self.records:
                rec["ts"] = t
        assert self.records[0][0] >= START_MS
        return self.records

    def _labels(self, workload: Workload, language: str | None = None) -> dict[str, object]:
        rng = self.rng
        tenant = workload.tenant
        staging = workload.feature.kind != "digest" and rng.random() < 0.04
        if workload.feature.kind == "digest":
            user = "svc-digest"
        elif staging:
            user = STAGING_USERS[int(rng.random() * len(STAGING_USERS))]
        else:
            users = self._users[tenant.name]
            user = users[int(len(users) * rng.random() ** 2.5)]  # a few power users
        if language is None:
            language = LANGUAGE_CHOICES[tenant.name].pick(rng)
        return {
            "tenant": tenant.name,
            "feature": workload.feature.name,
            "route": workload.feature.route,
            "language": language,
            "user": user,
            "env": "staging" if staging else "prod",
        }

    def _ctx(
        self,
        s: Session,
        workload: Workload,
        *,
        labels: dict[str, object] | None = None,
        conv: str | None = None,
        ttl: int = TTL_5M,
        cache: bool = True,
    ) -> Ctx:
        feature = workload.feature
        return Ctx(
            MODELS[s.model],
            s.tier,
            labels or self._labels(workload),
            conv,
            feature.timeout_s,
            ttl,
            cache,
            report=feature.route == "/v1/agents",  # the cost-reporting gateway
        )

    # -- single-shot features -------------------------------------------------------

    def _single(self, s: Session, workload: Workload) -> None:
        name = workload.feature.name
        conv = self._id_conv() if name == "summarize" else None  # the UI's document thread
        labels = self._labels(workload)
        key = (s.workload, s.model, s.tier)
        ctx = self._single_ctx.get(key)
        if ctx is None:
            ctx = self._single_ctx[key] = self._ctx(s, workload, labels=labels, cache=False)
        ctx.reuse(labels, conv)
        lang = str(ctx.labels["language"])
        shape = self._shapes[name]
        prompt_total, shared, out, prompt, response = shape(lang, s.flag)
        if s.flag in (RETRY, TIMEOUT_RETRY):
            outcomes = self._forced_outcomes(ctx, s)
        else:
            outcomes = self._outcomes(ctx, s.start, s.size)
        ctx.cached, ctx.expiry = shared, s.start + 10 * MINUTE  # kept warm by other callers
        self._request(
            ctx, s.start, prompt_total, out, 0, 0, prompt, response, outcomes, self._id_trace()
        )

    def _shape_classify(self, lang: str, flag: int) -> Shape:
        rng = self.rng
        system = 420
        if flag == OUTLIER:
            body = int(rng.uniform(80_000, 115_000))
            prompt = "Classify this ticket: [attached: signed-contract-2026.pdf, 318 pages]"
            return system + body, 0, 16, prompt, '{"label":"other","confidence":0.41}'
        if rng.random() < 0.3:
            # Automated mails: the same text, token counts and answer every time.
            i = min(int(len(text.CANNED_TICKETS) * rng.random() ** 2), len(text.CANNED_TICKETS) - 1)
            body, out, response = self.pools.canned[i]
            return system + body, 0, out, text.CANNED_TICKETS[i], response
        prompt, body = choose(rng, self.pools.tickets[lang])
        response = choose(rng, self.pools.labels)
        return system + body, 0, 12 + int(rng.random() * 6), prompt, response

    def _shape_search(self, lang: str, flag: int) -> Shape:
        rng = self.rng
        system = 1150  # instructions + few-shot examples: a cacheable shared prefix
        answer = choose(rng, self.pools.answers[lang])
        out = int(lognormal(rng, 180, 0.4)) + 20
        if rng.random() < 0.35:
            # Popular FAQ queries: identical prompt (same retrieved passages) each time.
            prompt, passages = choose(rng, self.pools.faq[lang])
            total = system + passages
            shared = total if rng.random() < 0.5 else system
            return total, shared, out, prompt, answer
        prompt, passages = choose(rng, self.pools.queries[lang])
        return system + passages, system, out, prompt, answer

    def _shape_summarize(self, lang: str, flag: int) -> Shape:
        rng = self.rng
        system = 700
        if flag == OUTLIER:
            doc = int(rng.uniform(800_000, 950_000))
            prompt = "Summarize the attached annual-report-2025-full.pdf (1,204 pages)"
            return system + doc, 0, int(rng.uniform(1500, 3000)), prompt, "• Revenue up 12%…"
        if flag == TIMEOUT_RETRY:
            doc = int(rng.uniform(40_000, 90_000))  # long enough to time out once
            prompt = f"Summarize the attached contract bundle ({doc // 600} pages)"
            return system + doc, 0, int(rng.uniform(600, 1200)), prompt, "• Term: 24 months…"
        prompt = choose(rng, self.pools.docs[lang])
        response = choose(rng, self.pools.summaries[lang])
        doc = min(int(lognormal(rng, 2500, 0.8)), 120_000)
        return system + doc, 0, int(lognormal(rng, 260, 0.4)) + 30, prompt, response

    def _shape_translate(self, lang: str, flag: int) -> Shape:
        rng = self.rng
        system = 300
        if flag == OUTLIER:
            source = int(rng.uniform(250_000, 350_000))
            prompt = (
                f"Translate the attached user manual (410 pages) to {text.LANGUAGE_NAMES[lang]}"
            )
            response = f"{choose(rng, text.SENTENCES)[lang]} … (410 pages)"
            return system + source, 0, int(rng.uniform(50_000, 64_000)), prompt, response
        sentence = choose(rng, text.SENTENCES)
        words = int(lognormal(rng, 330, 0.7)) + 8
        source = int(words * 1.35)  # the preview shows the first sentence and the length
        target = text.LANGUAGE_NAMES[lang]
        prompt = (
            f"Translate to {target} ({words} words): {sentence['de' if lang == 'en' else 'en']}"
        )
        return system + source, 0, int(source * rng.uniform(0.9, 1.4)), prompt, sentence[lang]

    # -- conversations ------------------------------------------------------------

    def _chat(self, s: Session, workload: Workload) -> None:
        """Support chat: a user and an assistant, context growing turn by turn."""
        rng = self.rng
        ctx = self._ctx(s, workload, conv=self._id_conv())
        lang = str(ctx.labels["language"])
        system = self._system[workload.tenant.name]
        self._warm_shared_prefix(ctx, s.start, system, 0.5)
        asks, replies = self.pools.ask[lang], self.pools.reply[lang]
        first = int(rng.random() * len(asks))  # walk the pools so turns don't repeat
        context, t, left, turn = system, s.start, s.size, 0
        while left > 0:
            new = int(lognormal(rng, 60, 0.7)) + 8
            prompt = asks[(first + 7 * turn) % len(asks)]
            if rng.random() < 0.03:
                new += int(rng.uniform(1500, 6000))
                prompt = choose(rng, self.pools.paste)
            visible = min(int(lognormal(rng, 230, 0.5)) + 20, 1500)
            reasoning = self._reasoning(ctx.model, visible, 1.2)
            outcomes = self._outcomes(ctx, t, min(left, 3))
            response = replies[(first + 5 * turn) % len(replies)]
            turn += 1
            t, ok = self._request(
                ctx, t, context + new, visible + reasoning, reasoning, 0, prompt, response,
                outcomes, self._id_trace(),
            )  # fmt: skip
            left -= len(outcomes)
            if ok:
                context += new + visible  # reasoning is not sent back
            else:
                ctx.forget(context)  # the failed message is not re-sent as it was
            t += self._think_gap(t - s.start, 35_000, 0.08)

    def _review(self, s: Session, workload: Workload) -> None:
        """Code review: a big diff first, then short follow-up questions minutes apart."""
        rng = self.rng
        ctx = self._ctx(s, workload, labels=self._labels(workload, "en"), conv=self._id_conv())
        context, t, left, turn = 1800, s.start, s.size, 0
        while left > 0:
            if turn == 0:
                new = min(int(lognormal(rng, 7000, 0.8)), 60_000) + 50
                visible = int(lognormal(rng, 900, 0.5)) + 50
            else:
                new = int(lognormal(rng, 150, 0.9)) + 10
                visible = int(lognormal(rng, 300, 0.5)) + 20
            reasoning = self._reasoning(ctx.model, visible, 2.0)
            outcomes = self._outcomes(ctx, t, min(left, 3))
            prompt = choose(rng, self.pools.review_ask)
            response = choose(rng, self.pools.review_reply)
            t, ok = self._request(
                ctx, t, context + new, visible + reasoning, reasoning, 0, prompt, response,
                outcomes, self._id_trace(),
            )  # fmt: skip
            left -= len(outcomes)
            turn += 1
            if ok:
                context += new + visible
            else:
                ctx.forget(context)
            t += min(int(lognormal(rng, 3 * MINUTE, 1.0)), 40 * MINUTE)  # reading the review

    def _agent(self, s: Session, workload: Workload) -> None:
        """A research agent: tool calls in a loop, occasionally delegating to a sub-agent."""
        rng = self.rng
        marathon = s.flag == MARATHON
        ctx = self._ctx(s, workload, conv=self._id_conv(), ttl=TTL_1H)
        lang = str(ctx.labels["language"])
        limit = ctx.model.context
        if marathon and ctx.model.name == SONNET:
            limit = SONNET_1M_CONTEXT  # the 1M-context beta (Sonnet only)
        if not marathon:
            soft_limit = int(limit * 0.92)  # compacts before the provider refuses
        elif limit >= SONNET_1M_CONTEXT:
            soft_limit = 390_000  # the agent's own budget on 1M-context deployments
        else:
            soft_limit = limit  # runs into context_length_exceeded, then compacts
        system = 14_000  # instructions + tool definitions
        trace = self._id_trace()
        self._warm_shared_prefix(ctx, s.start, system, 0.4)
        context, t, left, turn = system, s.start, s.size, 0
        new = 200
        prompt = choose(rng, self.pools.task[lang])
        while left > 0:
            if turn and left >= 4 and not marathon and rng.random() < 0.08:
                calls = min(left - 2, 2 + int(rng.random() * 4))
                t, report, used = self._researcher(ctx, t, calls, trace)
                left -= used
                new, prompt = report + 60, f"[tool_result task] researcher returned {report} tokens"
            if context + new > limit and left >= 2:
                t = self._context_error(ctx, t, context + new, limit, trace, prompt)
                left -= 1
            if context + new > soft_limit:
                context = system + 6000  # compaction: history replaced by a summary
                ctx.forget(system)
            final = left == 1
            visible = int(lognormal(rng, 2500 if final else 350, 0.5)) + 40
            reasoning = self._reasoning(ctx.model, visible, 1.5)
            web = 0
            if ctx.model.provider == "anthropic" and rng.random() < 0.15:  # not in the sub-agent
                web = 1 + int(rng.random() * 3)  # the server-side web search tool
            response = choose(rng, self.pools.agent_report if final else self.pools.agent_step)
            outcomes = self._outcomes(ctx, t, min(left, 3))
            t, ok = self._request(
                ctx, t, context + new, visible + reasoning, reasoning, web, prompt, response,
                outcomes, trace,
            )  # fmt: skip
            left -= len(outcomes)
            turn += 1
            if ok:
                context += new + visible
            else:
                ctx.forget(context)
            median, sigma, cap = (5500, 0.5, 20_000) if marathon else (2500, 1.0, 30_000)
            new = min(int(lognormal(rng, median, sigma)), cap) + 30
            prompt = choose(rng, self.pools.tool_result)
            t += self._tool_gap(t - s.start)

    def _researcher(self, main: Ctx, t: int, calls: int, trace: str) -> tuple[int, int, int]:
        """A sub-agent run inside the same conversation; returns (time, report size, calls)."""
        rng = self.rng
        labels = dict(main.labels)
        labels["sidechain"] = True
        labels["agent"] = "researcher"
        model = MODELS[SIDEKICK[main.model.name]]
        ctx = Ctx(model, "standard", labels, main.conv, 600, TTL_5M, report=main.report)
        context, new, used, report = 5200, 150, 0, 0
        prompt = choose(rng, self.pools.researcher_task)
        while used < calls:
            visible = int(lognormal(rng, 400, 0.5)) + 30
            reasoning = self._reasoning(model, visible, 1.0)
            web = 1 + int(rng.random() * 3) if model.provider in SERVER_SEARCH else 0
            response = choose(rng, self.pools.researcher_reply)
            outcomes = self._outcomes(ctx, t, min(calls - used, 2))
            t, ok = self._request(
                ctx, t, context + new, visible + reasoning, reasoning, web, prompt, response,
                outcomes, trace,
            )  # fmt: skip
            used += len(outcomes)
            if ok:
                context += new + visible
                report = visible
            else:
                ctx.forget(context)
            new = int(rng.uniform(1500, 4000))  # fetched pages
            prompt = "[tool_result web_search] 5 results"
            t += int(rng.uniform(500, 4000))
        return t, max(report, 300), used

    def _context_error(
        self, ctx: Ctx, t: int, prompt_total: int, limit: int, trace: str, prompt: str
    ) -> int:
        """The provider refuses an over-long prompt (not billed, not retried)."""
        latency = int(self.rng.uniform(150, 600))
        error = f"{ERROR_TEXT['context']}: prompt is {prompt_total} tokens, limit {limit}"
        self._emit(
            ctx, t, (0, 0, 0, 0), 0, 0, 0, self._id_request(), trace, None, error, latency,
            prompt, None,
        )  # fmt: skip
        return t + latency + int(self.rng.uniform(1000, 5000))

    # -- jobs -----------------------------------------------------------------------

    def _embed(self, s: Session, workload: Workload) -> None:
        """An indexing job: a burst of embedding calls, one document chunk each."""
        rng = self.rng
        ctx = self._ctx(s, workload)
        trace = self._id_trace()
        t, left, chunk = s.start, s.size, 0
        chunks = s.size + int(rng.random() * 400)
        while left > 0:
            chunk += 1
            tokens = min(int(lognormal(rng, 1200, 0.6)), 8191)
            prompt = choose(rng, text.CHUNK).format(n=chunk, m=chunks)
            outcomes = self._outcomes(ctx, t, min(left, 3))
            t, _ = self._request(ctx, t, tokens, 0, 0, 0, prompt, None, outcomes, trace)
            left -= len(outcomes)
            t += int(rng.uniform(20, 400))

    def _digest(self, s: Session, workload: Workload) -> None:
        """The nightly digest: one batch-tier request per tenant workspace."""
        rng = self.rng
        language = workload.tenant.languages[0][0]
        ctx = self._ctx(s, workload, labels=self._labels(workload, language), cache=False)
        prompt, response = choose(rng, self.pools.digest[language])
        prompt = prompt.replace("{tenant}", workload.tenant.name)
        total = 900 + int(lognormal(rng, 14_000, 0.5))
        out = int(lognormal(rng, 700, 0.3)) + 50
        self._request(ctx, s.start, total, out, 0, 0, prompt, response, [None], None)

    # -- one request, its attempts and its records -------------------------------------

    def _outcomes(self, ctx: Ctx, t: int, budget: int) -> list[str | None]:
        """Outcome of each attempt of one request: an error kind, or None (success)."""
        rng = self.rng
        provider = ctx.model.provider
        rate = ERROR_RATE[provider]
        if provider == OUTAGE[0] and OUTAGE[1] <= t < OUTAGE[2]:
            rate *= OUTAGE_FACTOR
        if ctx.tier == "flex":
            rate += 0.03
        # Every error kind drawn here is retried (same request id) while attempts remain.
        outcomes: list[str | None] = []
        while len(outcomes) < budget:
            if rng.random() >= rate:
                outcomes.append(None)
                break
            outcomes.append(self._error_kind(ctx))
        return outcomes

    def _forced_outcomes(self, ctx: Ctx, s: Session) -> list[str | None]:
        if s.flag == TIMEOUT_RETRY:
            return ["timeout_billed", None]
        kind = self._error_kind(ctx)
        last = None if self.rng.random() < 0.9 else kind  # sometimes every attempt fails
        return [kind] * (s.size - 1) + [last]

    def _error_kind(self, ctx: Ctx) -> str:
        x = self.rng.random()
        if ctx.tier == "flex" and x < 0.6:
            return "flex"
        if ctx.model.provider == "anthropic":
            return "overloaded" if x < 0.55 else "rate_limit" if x < 0.9 else self._timeout()
        return "rate_limit" if x < 0.7 else "server" if x < 0.9 else self._timeout()

    def _timeout(self) -> str:
        # The provider often finished (and billed) the prompt before the client gave up.
        return "timeout_billed" if self.rng.random() < 0.7 else "timeout"

    def _request(
        self,
        ctx: Ctx,
        t: int,
        prompt_total: int,
        out: int,
        reasoning: int,
        web: int,
        prompt: str,
        response: str | None,
        outcomes: list[str | None],
        trace: str | None,
    ) -> tuple[int, bool]:
        """Write every attempt of one request; returns (time after it, succeeded)."""
        rng = self.rng
        request_id = f"req_{rng.getrandbits(96):024x}"
        for attempt, outcome in enumerate(outcomes):
            if outcome is None:
                if ctx.policy == CACHE_NONE:
                    split = (prompt_total, 0, 0, 0)
                else:
                    split = self._split(ctx, t, prompt_total)
                latency = self._latency(ctx, split, out)
                style = ctx.model.id_style
                message = self._id_message(style) if style else None
                self._emit(
                    ctx, t, split, out, reasoning, web, request_id, trace, message, None,
                    latency, prompt, response,
                )  # fmt: skip
                return t + latency, True
            split, latency = (0, 0, 0, 0), int(rng.uniform(30, 300))
            if outcome in ("timeout", "timeout_billed"):
                latency = ctx.timeout_ms + int(rng.random() * 50)
                if outcome == "timeout_billed":
                    split = self._split(ctx, t, prompt_total)
                error = f"timeout after {ctx.timeout_ms // 1000}s"
            else:
                if outcome in ("overloaded", "server"):
                    latency = int(rng.uniform(300, 3000))
                error = ERROR_TEXT[outcome]
            self._emit(
                ctx, t, split, 0, 0, 0, request_id, trace, None, error, latency, prompt, None,
            )  # fmt: skip
            backoff = 1000 * 2**attempt + rng.random() * 1000
            if outcome in ("rate_limit", "flex"):
                backoff += rng.random() * 15_000  # honours retry-after
            t += latency + int(backoff)
        return t, False

    def _split(self, ctx: Ctx, t: int, prompt_total: int) -> tuple[int, int, int, int]:
        """How the provider bills this prompt given what it has cached; updates the cache."""
        policy = ctx.policy
        if policy == CACHE_NONE:
            return prompt_total, 0, 0, 0
        warm = t < ctx.expiry and ctx.cached > 0
        if policy == CACHE_ANTHROPIC:
            tail = min(prompt_total, 1 + int(self.rng.random() * 24))  # after the last breakpoint
            cacheable = prompt_total - tail
            if cacheable < ANTHROPIC_CACHE_MIN.get(ctx.model.name, 1024):
                return prompt_total, 0, 0, 0  # too short to cache: plain input
            read = min(ctx.cached, cacheable) if warm else 0
            write = cacheable - read  # a cold cache re-writes the whole context
            ctx.cached, ctx.expiry = cacheable, t + ctx.ttl
            if ctx.ttl == TTL_1H:
                return tail, read, 0, write
            return tail, read, write, 0
        rule = AUTO_CACHE[policy]
        read = 0
        if warm and ctx.cached >= rule.minimum and self.rng.random() < rule.hit_rate:
            read = min(ctx.cached, prompt_total) // rule.granularity * rule.granularity
        ctx.cached, ctx.expiry = prompt_total, t + rule.ttl_ms
        return prompt_total - read, read, 0, 0

    def _latency(self, ctx: Ctx, split: tuple[int, int, int, int], out: int) -> int:
        rng = self.rng
        if ctx.tier == "batch":
            return int(lognormal(rng, 25 * MINUTE, 0.8))  # queued until the batch ran
        model = ctx.model
        inp, read, w5, w1 = split
        ms = lognormal(rng, model.ttft_ms + out * 1000 / model.tps, 0.3)
        ms += (inp + w5 + w1) * 0.012 + read * 0.002  # prefill: cached tokens are cheap
        return min(int(ms * ctx.speed), ctx.timeout_ms - 1)

    def _emit(
        self,
        ctx: Ctx,
        t: int,
        split: tuple[int, int, int, int],
        out: int,
        reasoning: int,
        web: int,
        request_id: str,
        trace: str | None,
        message: str | None,
        error: str | None,
        latency: int,
        prompt: str,
        response: str | None,
    ) -> None:
        model = ctx.model
        inp, read, w5, w1 = split
        record: dict[str, object] = {
            "ts": t,  # epoch ms; formatted when written
            "provider": model.provider,
            "model": model.name,
            "service_tier": ctx.tier,
            "input_tokens": inp,
            "cache_read_tokens": read,
            "cache_write_5m_tokens": w5,
            "cache_write_1h_tokens": w1,
            "output_tokens": out,
            "reasoning_tokens": reasoning,
            "web_search_requests": web,
            "request_id": request_id,
            "conversation_id": ctx.conv,
            "trace_id": None if model.provider == "acme-ai" else trace,
            "message_id": message,
            "status": "error" if error else "ok",
            "error": error,
            "latency_ms": latency,
            "labels": ctx.labels,
            "prompt": prompt,
            "response": response,
        }
        if ctx.report and model.price is not None:
            record["reported_cost_usd"] = self._reported(model, split, out, web)
        self.records.append((t, record))

    def _reported(
        self, model: Model, split: tuple[int, int, int, int], out: int, web: int
    ) -> float:
        """What the agents gateway says a call cost: list price, but not quite."""
        assert model.price is not None
        # The gateway knows no long-context tier, and lags rate-card changes on a few calls.
        cost = model.price.cost(*split, out, web, long_ok=False)
        if self.rng.random() < 0.05:
            cost *= 1.0 + self.rng.uniform(-0.06, 0.06)
        return round(cost, 6)

    # -- small helpers ------------------------------------------------------------------

    def _reasoning(self, model: Model, visible: int, ratio: float) -> int:
        """Hidden thinking tokens (billed as output) for reasoning models only."""
        if not model.reasoning:
            return 0
        return min(int(visible * lognormal(self.rng, ratio, 0.6)), 24_000)

    def _warm_shared_prefix(self, ctx: Ctx, t: int, system: int, chance: float) -> None:
        """Other conversations of the tenant may have left the system prompt cached."""
        if self.rng.random() < chance:
            ctx.cached, ctx.expiry = system, t + 1

    def _think_gap(self, elapsed: int, median: float, long_chance: float) -> int:
        rng = self.rng
        if elapsed < 3 * 60 * MINUTE and rng.random() < long_chance:
            return int(rng.uniform(6 * MINUTE, 45 * MINUTE))  # the user walked away
        return min(max(int(lognormal(rng, median, 0.9)), 4000), 280_000)

    def _tool_gap(self, elapsed: int) -> int:
        rng = self.rng
        if elapsed < 6 * 60 * MINUTE and rng.random() < 0.025:
            return int(rng.uniform(10 * MINUTE, 100 * MINUTE))  # waiting for a human approval
        return min(int(lognormal(rng, 3000, 1.0)), 120_000)

    def _id_request(self) -> str:
        return f"req_{self.rng.getrandbits(96):024x}"

    def _id_conv(self) -> str:
        return f"conv_{self.rng.getrandbits(64):016x}"

    def _id_trace(self) -> str:
        return f"tr_{self.rng.getrandbits(128):032x}"

    def _id_message(self, style: str) -> str:
        """A provider-style response id (``style`` from the model table)."""
        bits = self.rng.getrandbits(128)
        if style == "msg":
            return f"msg_01{bits:032x}"[:28]
        if style == "chatcmpl":
            return f"chatcmpl-{bits:032x}"[:38]
        if style == "resp":
            return f"resp_{bits:032x}{self.rng.getrandbits(64):016x}"
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _user_ids() -> dict[str, list[str]]:
    """Each tenant's user ids: a contiguous range sized by the tenant's volume."""
    out, first = {}, 1
    for tenant in TENANTS:
        count = max(12, int(tenant.weight * 4000))
        out[tenant.name] = [f"u_{n:04d}" for n in range(first, first + count)]
        first += count
    return out


def choose(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]  # not rng.choice: a third of the cost


class _Pools:
    """Rendered texts, plus fixed token counts where repeats must match exactly."""

    def __init__(self, rng: random.Random) -> None:
        def per_language(
            table: dict[str, tuple[str, ...]], size: int
        ) -> dict[str, tuple[str, ...]]:
            return {
                lang: text.pool(text.for_language(table, lang), rng, size)
                for lang in text.LANGUAGES
            }

        self.ask = per_language(text.ASK, 60)
        self.reply = per_language(text.REPLY, 40)
        self.answers = per_language(text.ANSWER, 12)
        self.docs = per_language(text.DOC, 20)
        self.summaries = per_language(text.SUMMARY, 20)
        self.task = per_language(text.AGENT_TASK, 12)
        # FAQ queries: one retrieved-passage size per query, so repeats are identical.
        self.faq = {
            lang: tuple(
                (q, int(lognormal(rng, 2200, 0.3)) + 15) for q in text.for_language(text.FAQ, lang)
            )
            for lang in text.LANGUAGES
        }
        # Tickets: one token count per distinct text, so equal prompts bill equally.
        # Free-form queries: retrieved passages fixed per distinct text, like the FAQ.
        self.queries = {
            lang: tuple((q, int(lognormal(rng, 2400, 0.4)) + 20) for q in dict.fromkeys(queries))
            for lang, queries in per_language(text.QUERY, 200).items()
        }
        self.tickets = {
            lang: tuple((t, int(lognormal(rng, 90, 0.8)) + 8) for t in dict.fromkeys(tickets))
            for lang, tickets in per_language(text.TICKET, 40).items()
        }
        self.labels = tuple(
            f'{{"label":"{rng.choice(text.LABELS)}","confidence":0.{rng.randrange(50, 99)}}}'
            for _ in range(40)
        )
        # Automated mails: (body tokens, output tokens, answer) fixed per text.
        self.canned = tuple(
            (
                6 + len(t) // 4,
                14,
                f'{{"label":"auto_reply","confidence":0.{rng.randrange(90, 99)}}}',
            )
            for t in text.CANNED_TICKETS
        )
        self.paste = text.pool(text.PASTE, rng, 20)
        self.review_ask = text.pool(text.REVIEW_ASK, rng, 30)
        self.review_reply = text.pool(text.REVIEW_REPLY, rng, 30)
        self.agent_step = text.pool(text.AGENT_STEP, rng, 20)
        self.agent_report = text.pool(text.AGENT_REPORT, rng, 10)
        self.tool_result = text.pool(text.TOOL_RESULT, rng, 40)
        self.researcher_task = text.pool(text.RESEARCHER_TASK, rng, 10)
        self.researcher_reply = text.pool(text.RESEARCHER_REPLY, rng, 10)
        self.digest = {
            lang: tuple(
                (
                    text.render(text.DIGEST[lang], rng, tenant="{tenant}"),
                    text.render(text.DIGEST_REPLY[lang], rng),
                )
                for _ in range(20)
            )
            for lang in text.LANGUAGES
        }
