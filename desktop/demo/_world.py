"""Who calls what, and when: tenants, features, their models and the daily rhythm.

Everything here is plain data plus the session plan: how many calls each
(tenant, feature) workload gets, cut into sessions with a start time, model,
service tier and any deliberate anomaly.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from statistics import NormalDist

START_MS = int(datetime(2026, 5, 1, tzinfo=UTC).timestamp() * 1000)
END_MS = int(datetime(2026, 8, 1, tzinfo=UTC).timestamp() * 1000) - 1  # 2026-07-31T23:59:59.999Z
DAYS = 92
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
HOURS = DAYS * 24
START_WEEKDAY = 4  # 2026-05-01 is a Friday (Monday = 0)
SUMMARIZE_AB_DAY = 46  # 2026-06-16: part of /v1/summarize moves to Claude Haiku
SUMMARIZE_AB_SHARE = 0.4
# An afternoon of Anthropic overload errors (2026-06-18 13:00-16:00 UTC).
OUTAGE = ("anthropic", START_MS + 48 * DAY_MS + 13 * HOUR_MS, START_MS + 48 * DAY_MS + 16 * HOUR_MS)

# Session flags: deliberate anomalies and shapes decided at planning time.
NORMAL = 0
RETRY = 1  # single-shot request whose first attempt(s) fail and are retried
TIMEOUT_RETRY = 2  # billed timeout, then a retry with the same request id: double billing
OUTLIER = 3  # a ~100x call: a whole document pasted in
MARATHON = 4  # a long agent run whose context reaches 150k-400k tokens

# Hourly shapes in the tenant's local time (hour 0..23).
BUSINESS = (
    0.06, 0.04, 0.03, 0.03, 0.04, 0.08, 0.2, 0.5, 0.85, 1.0, 1.0, 0.95,
    0.75, 0.9, 1.0, 0.98, 0.9, 0.7, 0.5, 0.4, 0.35, 0.3, 0.18, 0.1,
)  # fmt: skip
NIGHT = (  # batch and re-index jobs
    1.0, 1.0, 1.0, 0.9, 0.7, 0.4, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05,
    0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.7,
)  # fmt: skip
# name -> (weekday shape, weekend shape)
PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "business": (BUSINESS, tuple(0.3 * w for w in BUSINESS)),
    "tickets": (
        tuple(0.6 * w + 0.2 for w in BUSINESS),
        tuple(0.36 * w + 0.12 for w in BUSINESS),
    ),
    "agent": (
        tuple(0.5 * w + 0.25 for w in BUSINESS),
        tuple(0.25 * w + 0.15 for w in BUSINESS),
    ),
    "jobs": (
        tuple(0.5 * b + 0.5 * n for b, n in zip(BUSINESS, NIGHT, strict=True)),
        tuple(0.15 * b + 0.5 * n for b, n in zip(BUSINESS, NIGHT, strict=True)),
    ),
}


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    route: str
    kind: str  # chat | review | agent | single | embed | digest
    share: float  # of a typical tenant's calls
    profile: str
    timeout_s: int
    models: tuple[tuple[str, float], ...]


SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-haiku-4-5-20251001"
OPUS = "claude-opus-4-5-20251101"

FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("support-chat", "/v1/chat", "chat", 0.25, "business", 60, ((SONNET, 1.0),)),
        Feature("search", "/v1/search", "single", 0.17, "business", 30, (("gpt-4o-mini", 1.0),)),
        Feature(
            "summarize", "/v1/summarize", "single", 0.10, "business", 60, (("gpt-4.1-mini", 1.0),)
        ),
        Feature(
            "code-review",
            "/v1/review",
            "review",
            0.07,
            "business",
            300,
            (("gpt-5", 0.55), (SONNET, 0.3), ("o4-mini", 0.15)),
        ),
        Feature("classify", "/v1/classify", "single", 0.14, "tickets", 30, (("gpt-4o-mini", 1.0),)),
        Feature(
            "translate", "/v1/translate", "single", 0.07, "business", 600, (("gpt-4.1-mini", 1.0),)
        ),
        Feature(
            "embeddings-index",
            "/v1/embed",
            "embed",
            0.09,
            "jobs",
            30,
            (("text-embedding-3-small", 1.0),),
        ),
        Feature("agent-research", "/v1/agents", "agent", 0.07, "agent", 600, ((SONNET, 1.0),)),
        Feature(
            "nightly-digest", "/batch/digest", "digest", 0.03, "night", 0, (("gpt-4.1-mini", 1.0),)
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Tenant:
    name: str
    utc_offset_min: int  # May-July 2026 offset (all of these are in their summer/winter rule)
    weight: float
    languages: tuple[tuple[str, float], ...]
    mix: dict[str, float] = field(default_factory=dict)  # feature share multipliers
    models: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)
    growth: float = 0.45  # extra daily volume by the end of July
    first_day: int = 0  # went live this many days after 2026-05-01
    events: tuple[tuple[int, int, float], ...] = ()  # (first day, last day, volume factor)


def _one(model: str) -> tuple[tuple[str, float], ...]:
    return ((model, 1.0),)


TENANTS: tuple[Tenant, ...] = (
    Tenant(
        "globex",
        120,
        0.24,
        (("de", 0.65), ("en", 0.35)),
        mix={"agent-research": 1.7, "support-chat": 1.2},
        models={
            "classify": (("acme-llm-7b-ft", 0.7), ("gpt-4o-mini", 0.3)),
            "translate": _one("deepseek-chat"),
            "search": _one("gpt-4.1-mini"),
            "nightly-digest": _one(SONNET),
        },
        growth=0.4,
    ),
    Tenant(
        "northwind",
        -240,
        0.20,
        (("en", 0.85), ("es", 0.15)),
        mix={"agent-research": 1.3},
        models={"support-chat": _one("gpt-4.1"), "agent-research": _one("gpt-5")},
        growth=0.5,
        events=((66, 68, 1.8),),  # summer sale, 6-8 July
    ),
    Tenant(
        "initech",
        -300,
        0.09,
        (("en", 1.0),),
        mix={"code-review": 2.5, "agent-research": 0.5},
        models={"classify": _one("acme-llm-7b-ft"), "support-chat": _one("gpt-4.1")},
    ),
    Tenant(
        "umbrella",
        540,
        0.08,
        (("ja", 0.8), ("en", 0.2)),
        mix={"translate": 2.0},
        models={
            "support-chat": _one("gemini-2.5-flash"),
            "search": _one("gemini-2.5-flash"),
            "translate": _one("gemini-2.5-flash"),
            "code-review": _one("gemini-2.5-pro"),
            "agent-research": _one("gemini-2.5-pro"),
        },
    ),
    Tenant(
        "hooli",
        -420,
        0.08,
        (("en", 0.95), ("es", 0.05)),
        mix={"code-review": 3.0, "agent-research": 0.8},
        models={"support-chat": _one("gpt-4.1-mini")},
        growth=1.0,
    ),
    Tenant(
        "soylent",
        120,
        0.06,
        (("fr", 0.75), ("en", 0.25)),
        models={"nightly-digest": _one(SONNET)},
    ),
    Tenant(
        "vandelay",
        -180,
        0.05,
        (("pt", 0.7), ("es", 0.2), ("en", 0.1)),
        models={
            "support-chat": _one("deepseek-chat"),
            "translate": _one("deepseek-chat"),
            "code-review": _one("deepseek-reasoner"),
            "agent-research": _one("deepseek-reasoner"),
            "search": _one("gemini-2.5-flash"),
        },
    ),
    Tenant(
        "tyrell",
        60,
        0.05,
        (("en", 1.0),),
        mix={"agent-research": 2.5},
        models={"agent-research": _one(OPUS), "nightly-digest": _one(SONNET)},
    ),
    Tenant(
        "wonka",
        120,
        0.04,
        (("es", 0.8), ("en", 0.2)),
        mix={"translate": 2.0, "agent-research": 0.3},
        models={"translate": _one("gemini-2.5-flash"), "support-chat": _one("gpt-4.1-mini")},
    ),
    Tenant(
        "cyberdyne",
        -360,
        0.04,
        (("en", 1.0),),
        mix={"code-review": 2.0},
        models={"support-chat": _one("gpt-5-mini")},
    ),
    Tenant(
        "oscorp",
        330,
        0.025,
        (("en", 0.7), ("hi", 0.3)),
        mix={"agent-research": 0.0, "code-review": 0.3},
        models={"support-chat": _one("gpt-4o-mini")},
    ),
    Tenant(
        "monarch",
        600,
        0.02,
        (("en", 1.0),),
        models={"support-chat": _one(HAIKU)},
        growth=0.0,
        first_day=38,  # onboarded 2026-06-08
    ),
)


@dataclass(frozen=True, slots=True)
class Workload:
    """One tenant's use of one feature."""

    tenant: Tenant
    feature: Feature
    models: tuple[tuple[str, float], ...]
    weight: float
    choices: Choices  # the models, ready to pick from


def day_factor(tenant: Tenant, day: int) -> float:
    """Volume of a tenant on a day: onboarding ramp, steady growth, events."""
    if day < tenant.first_day:
        return 0.0
    factor = 1.0 + tenant.growth * day / (DAYS - 1)
    if tenant.first_day:
        factor *= min(1.0, (day - tenant.first_day + 1) / 14)  # two-week ramp-up
    for first, last, boost in tenant.events:
        if first <= day <= last:
            factor *= boost
    return factor


def hour_weights(tenant: Tenant, profile: str) -> list[float]:
    """Relative volume of each UTC hour of the period, from the tenant's local rhythm."""
    weekday_shape, weekend_shape = PROFILES[profile]
    weights = []
    for hour in range(HOURS):
        local = hour * 60 + tenant.utc_offset_min
        local_day, local_hour = divmod(local // 60, 24)
        weekend = (START_WEEKDAY + local_day) % 7 >= 5
        shape = weekend_shape if weekend else weekday_shape
        weights.append(shape[local_hour] * day_factor(tenant, hour // 24))
    return weights


def workloads() -> list[Workload]:
    out = []
    for tenant in TENANTS:
        active = sum(day_factor(tenant, d) for d in range(DAYS)) / DAYS
        for feature in FEATURES.values():
            weight = tenant.weight * feature.share * tenant.mix.get(feature.name, 1.0) * active
            if weight > 0:
                models = tenant.models.get(feature.name, feature.models)
                out.append(Workload(tenant, feature, models, weight, Choices(models)))
    return out


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` exactly (largest remainder).

    With no weight at all nothing can be placed: all zeros.
    """
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    raw = [total * w / whole for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


class Choices:
    """Weighted options, with the cumulative weights worked out once."""

    __slots__ = ("cumulative", "names")

    def __init__(self, options: tuple[tuple[str, float], ...]) -> None:
        self.names = tuple(name for name, _ in options)
        self.cumulative = tuple(accumulate(weight for _, weight in options))

    def pick(self, rng: random.Random) -> str:
        if len(self.names) == 1:
            return self.names[0]
        return self.names[bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


LANGUAGE_CHOICES = {tenant.name: Choices(tenant.languages) for tenant in TENANTS}


# Standard normal quantiles: a table lookup is much cheaper than rng.gauss() and
# bounds the tails at about +-3.5 sigma, so no natural call drifts to 100x.
_QUANTILES = tuple(NormalDist().inv_cdf((i + 0.5) / 4096) for i in range(4096))
_FACTORS: dict[float, tuple[float, ...]] = {}  # sigma -> exp(sigma * quantile), built on use


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    factors = _FACTORS.get(sigma)
    if factors is None:
        factors = _FACTORS[sigma] = tuple(math.exp(sigma * q) for q in _QUANTILES)
    return median * factors[rng.getrandbits(12)]


def geometric(rng: random.Random, p: float) -> int:
    """Number of failures before the first success (0, 1, 2, ...)."""
    return int(math.log(1.0 - rng.random()) / math.log(1.0 - p))


# -- session plan ---------------------------------------------------------------


@dataclass(slots=True)
class Session:
    start: int  # epoch ms
    workload: int
    size: int  # calls this session writes, retries included
    model: str
    tier: str
    flag: int = NORMAL


def _sizes(kind: str, budget: int, rng: random.Random, specials: list[int]) -> list[int]:
    """Cut a workload's call budget into session sizes; ``specials`` come first."""
    sizes: list[int] = []
    left = budget
    for size in specials:
        size = min(size, left)
        if size:
            sizes.append(size)
            left -= size
    while left > 0:
        if kind == "chat":
            size = 1 if rng.random() < 0.12 else 2 + min(geometric(rng, 0.2), 22)
        elif kind == "review":
            size = 1 + min(geometric(rng, 0.35), 7)
        elif kind == "agent":
            size = min(60, 8 + int(lognormal(rng, 16, 0.5)))
        elif kind == "embed":
            size = min(300, 5 + int(lognormal(rng, 25, 0.8)))
        elif kind == "single" and rng.random() < 0.012:
            size = 2 if rng.random() < 0.7 else 3  # a failed attempt, then retries
        else:
            size = 1
        size = min(size, left)
        sizes.append(size)
        left -= size
    return sizes


class Planner:
    """Builds the session plan for a call count; deterministic for a given rng."""

    def __init__(self, calls: int, rng: random.Random) -> None:
        self.calls = calls
        self.rng = rng
        self.workloads = workloads()
        self._cumulative: dict[tuple[str, str], list[float]] = {}

    def plan(self) -> list[Session]:
        budgets = allocate(self.calls, [w.weight for w in self.workloads])
        specials = self._specials(budgets)
        sessions: list[Session] = []
        for index, (workload, budget) in enumerate(zip(self.workloads, budgets, strict=True)):
            flags = specials.get(index, [])
            special_sizes = [size for size, _ in flags]
            for n, size in enumerate(
                _sizes(workload.feature.kind, budget, self.rng, special_sizes)
            ):
                if n < len(flags):
                    flag = flags[n][1]
                elif workload.feature.kind == "single" and size > 1:
                    flag = RETRY
                else:
                    flag = NORMAL
                sessions.append(self._session(index, size, flag))
        sessions.sort(key=lambda s: s.start)  # stable: ties keep plan order
        return sessions

    def _specials(self, budgets: list[int]) -> dict[int, list[tuple[int, int]]]:
        """Deliberate anomalies, scaled with the call count: which workloads get them."""
        out: dict[int, list[tuple[int, int]]] = {}
        by_name = {(w.tenant.name, w.feature.name): i for i, w in enumerate(self.workloads)}
        # Marathon agent runs: two on 1M-context deployments, two that hit their limit.
        for tenant in ("globex", "umbrella", "northwind", "tyrell"):
            i = by_name[(tenant, "agent-research")]
            if budgets[i] >= 40:  # too few calls for a long run otherwise
                out.setdefault(i, []).append((60, MARATHON))
        # ~0.05% of calls are 100x outliers; ~0.04% are double-billed timeouts.
        n_out = round(self.calls * 0.0005) if self.calls >= 1000 else 0
        n_timeout = max(2, round(self.calls * 0.0004)) if self.calls >= 1000 else 0
        quotas = (
            ("classify", "gpt-4o-mini", round(n_out * 0.4), 1, OUTLIER),
            ("summarize", "gpt-4.1-mini", round(n_out * 0.35), 1, OUTLIER),
            ("translate", "gemini-2.5-flash", n_out - round(n_out * 0.4) - round(n_out * 0.35), 1,
             OUTLIER),
            ("summarize", "gpt-4.1-mini", n_timeout, 2, TIMEOUT_RETRY),
        )  # fmt: skip
        for feature, model, count, size, flag in quotas:
            eligible = [
                i
                for i, w in enumerate(self.workloads)
                if w.feature.name == feature and any(m == model for m, _ in w.models)
            ]
            for i, n in zip(
                eligible, allocate(count, [float(budgets[i]) for i in eligible]), strict=True
            ):
                out.setdefault(i, []).extend([(size, flag)] * min(n, budgets[i] // 4))
        return out

    def _session(self, index: int, size: int, flag: int) -> Session:
        workload = self.workloads[index]
        rng = self.rng
        if workload.feature.kind == "digest":
            # The batch job is submitted after midnight UTC and drains over ~4 hours.
            days = self._day_cumulative(workload)
            day = min(bisect_right(days, rng.random() * days[-1]), DAYS - 1)
            start = START_MS + day * DAY_MS + 30 * 60_000 + int(rng.random() * 4 * HOUR_MS)
        else:
            cumulative = self._hour_cumulative(workload)
            hour = bisect_right(cumulative, rng.random() * cumulative[-1])
            start = START_MS + min(hour, HOURS - 1) * HOUR_MS + int(rng.random() * HOUR_MS)
        model = self._model(workload, start, flag)
        return Session(start, index, size, model, self._tier(workload, model), flag)

    def _model(self, workload: Workload, start: int, flag: int) -> str:
        if flag == OUTLIER:
            return {"classify": "gpt-4o-mini", "summarize": "gpt-4.1-mini"}.get(
                workload.feature.name, "gemini-2.5-flash"
            )
        if flag == TIMEOUT_RETRY:
            return "gpt-4.1-mini"
        model = workload.choices.pick(self.rng)
        if (
            workload.feature.name == "summarize"
            and start >= START_MS + SUMMARIZE_AB_DAY * DAY_MS
            and self.rng.random() < SUMMARIZE_AB_SHARE
        ):
            model = HAIKU
        return model

    def _tier(self, workload: Workload, model: str) -> str:
        if workload.feature.kind == "digest":
            return "batch"
        if workload.feature.name == "code-review" and model == "gpt-5" and self.rng.random() < 0.25:
            return "flex"  # draft PRs: slow is fine, half price
        if workload.tenant.name == "northwind" and workload.feature.name == "support-chat":
            return "priority"  # their SLA pays for low latency
        return "standard"

    def _hour_cumulative(self, workload: Workload) -> list[float]:
        key = (workload.tenant.name, workload.feature.profile)
        if key not in self._cumulative:
            weights = hour_weights(workload.tenant, workload.feature.profile)
            self._cumulative[key] = list(accumulate(weights))
        return self._cumulative[key]

    def _day_cumulative(self, workload: Workload) -> list[float]:
        key = (workload.tenant.name, "days")
        if key not in self._cumulative:
            days = [day_factor(workload.tenant, d) for d in range(DAYS)]
            self._cumulative[key] = list(accumulate(days))
        return self._cumulative[key]
