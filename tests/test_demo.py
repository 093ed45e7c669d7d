"""The demo-data generator: format, determinism and the story the demo relies on."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import orjson
import pytest

from desktop.demo import write_demo_data

CALLS = 20_000
SEED = 7
FILES = ("calls-2026-05.jsonl", "calls-2026-06.jsonl", "calls-2026-07.jsonl")
FIELDS = (
    "ts", "provider", "model", "service_tier", "input_tokens", "cache_read_tokens",
    "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens", "reasoning_tokens",
    "web_search_requests", "request_id", "conversation_id", "trace_id", "message_id",
    "status", "error", "latency_ms", "labels", "prompt", "response",
)  # fmt: skip
TOKEN_FIELDS = (
    "input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
    "output_tokens", "reasoning_tokens", "web_search_requests",
)  # fmt: skip
MODELS = {
    "gpt-4.1": "openai",
    "gpt-4.1-mini": "openai",
    "gpt-4o-mini": "openai",
    "gpt-5": "openai",
    "gpt-5-mini": "openai",
    "o4-mini": "openai",
    "text-embedding-3-small": "openai",
    "claude-sonnet-4-5-20250929": "anthropic",
    "claude-haiku-4-5-20251001": "anthropic",
    "claude-opus-4-5-20251101": "anthropic",
    "gemini-2.5-flash": "google",
    "gemini-2.5-pro": "google",
    "deepseek-chat": "deepseek",
    "deepseek-reasoner": "deepseek",
    "acme-llm-7b-ft": "acme-ai",
}
REASONING = {"gpt-5", "gpt-5-mini", "o4-mini", "gemini-2.5-pro", "deepseek-reasoner"}
# A deliberately simple list-price table (USD per 1M tokens): input, cache read,
# 5m write, 1h write, output. Enough to find 100x outliers; not the app's pricing.
PRICES = {
    "gpt-4.1": (2.0, 0.5, 0, 0, 8.0),
    "gpt-4.1-mini": (0.4, 0.1, 0, 0, 1.6),
    "gpt-4o-mini": (0.15, 0.075, 0, 0, 0.6),
    "gpt-5": (1.25, 0.125, 0, 0, 10.0),
    "gpt-5-mini": (0.25, 0.025, 0, 0, 2.0),
    "o4-mini": (1.1, 0.275, 0, 0, 4.4),
    "text-embedding-3-small": (0.02, 0, 0, 0, 0),
    "claude-sonnet-4-5-20250929": (3.0, 0.3, 3.75, 6.0, 15.0),
    "claude-haiku-4-5-20251001": (1.0, 0.1, 1.25, 2.0, 5.0),
    "claude-opus-4-5-20251101": (5.0, 0.5, 6.25, 10.0, 25.0),
    "gemini-2.5-flash": (0.3, 0.03, 0, 0, 2.5),
    "gemini-2.5-pro": (1.25, 0.125, 0, 0, 10.0),
    "deepseek-chat": (0.28, 0.028, 0, 0, 0.42),
    "deepseek-reasoner": (0.28, 0.028, 0, 0, 0.42),
}
TS = re.compile(r"^2026-0[5-7]-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
START = datetime(2026, 5, 1, tzinfo=UTC)
END = datetime(2026, 8, 1, tzinfo=UTC)

Call = dict


def when(call: Call) -> datetime:
    return datetime.fromisoformat(call["ts"].replace("Z", "+00:00"))


def prompt_total(call: Call) -> int:
    return (
        call["input_tokens"]
        + call["cache_read_tokens"]
        + call["cache_write_5m_tokens"]
        + call["cache_write_1h_tokens"]
    )


def list_cost(call: Call) -> float | None:
    price = PRICES.get(call["model"])
    if price is None:
        return None
    buckets = (
        call["input_tokens"],
        call["cache_read_tokens"],
        call["cache_write_5m_tokens"],
        call["cache_write_1h_tokens"],
        call["output_tokens"],
    )
    return sum(n * p for n, p in zip(buckets, price, strict=True)) / 1e6


def feature(call: Call) -> str:
    return call["labels"]["feature"]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo") / "new-subdir"  # created by the writer
    write_demo_data(directory, CALLS, SEED)
    return directory


@pytest.fixture(scope="module")
def raw_lines(demo_dir: Path) -> dict[str, list[bytes]]:
    return {name: (demo_dir / name).read_bytes().splitlines(keepends=True) for name in FILES}


@pytest.fixture(scope="module")
def calls(raw_lines: dict[str, list[bytes]]) -> list[Call]:
    return [orjson.loads(line) for name in FILES for line in raw_lines[name]]


@pytest.fixture(scope="module")
def conversations(calls: list[Call]) -> dict[str, list[Call]]:
    out: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        if call["conversation_id"] is not None:
            out[call["conversation_id"]].append(call)
    return out


def main_turns(conversation: list[Call]) -> list[Call]:
    """Successful calls of the main agent/user thread (no sub-agent side calls)."""
    return [c for c in conversation if c["status"] == "ok" and not c["labels"].get("sidechain")]


def main_billed(conversation: list[Call]) -> list[Call]:
    """Main-thread calls the provider processed (and cached): successes and billed timeouts."""
    return [c for c in conversation if prompt_total(c) and not c["labels"].get("sidechain")]


# -- files, determinism --------------------------------------------------------------


def test_returns_the_three_month_files(demo_dir: Path) -> None:
    paths = write_demo_data(demo_dir.parent / "again", 10, SEED)
    assert [p.name for p in paths] == list(FILES)
    assert all(p.is_file() for p in paths)
    assert sorted(p.name for p in demo_dir.iterdir()) == list(FILES)


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    first = write_demo_data(tmp_path / "a", 3000, 11)
    second = write_demo_data(tmp_path / "b", 3000, 11)
    other = write_demo_data(tmp_path / "c", 3000, 12)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]


def test_bytes_do_not_depend_on_hash_seed_or_time_zone(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from desktop.demo import write_demo_data;"
        "write_demo_data(Path(sys.argv[1]), 1500, 3)"
    )
    root = Path(__file__).resolve().parents[1]
    outputs = []
    for hash_seed, tz in (("1", "Asia/Tokyo"), ("2", "America/Los_Angeles")):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, TZ=tz, PYTHONPATH=str(root))
        out = tmp_path / hash_seed
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env, cwd=root)
        outputs.append([(out / name).read_bytes() for name in FILES])
    in_process = write_demo_data(tmp_path / "here", 1500, 3)
    assert outputs[0] == outputs[1] == [p.read_bytes() for p in in_process]


@pytest.mark.parametrize("count", [0, 1, 7, 999])
def test_exact_count_for_small_numbers(tmp_path: Path, count: int) -> None:
    paths = write_demo_data(tmp_path, count, SEED)
    lines = [line for p in paths for line in p.read_bytes().splitlines()]
    assert len(lines) == count
    assert all(orjson.loads(line)["model"] in MODELS for line in lines)


def test_negative_count_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_demo_data(tmp_path, -1)


def test_exact_count_split_over_months(raw_lines: dict[str, list[bytes]]) -> None:
    counts = [len(raw_lines[name]) for name in FILES]
    assert sum(counts) == CALLS
    assert counts[0] < counts[1] < counts[2]  # the business grows


# -- line format ------------------------------------------------------------------------


def test_lines_are_compact_utf8_json_with_newlines(raw_lines: dict[str, list[bytes]]) -> None:
    for lines in raw_lines.values():
        for line in lines:
            assert line.endswith(b"\n")
            assert not line.endswith(b"\r\n")
            line.decode("utf-8")
            assert orjson.dumps(orjson.loads(line)) == line[:-1]  # orjson's compact form


def test_field_names_and_types(calls: list[Call]) -> None:
    for call in calls:
        keys = list(call)
        assert keys[: len(FIELDS)] == list(FIELDS)
        assert keys[len(FIELDS) :] in ([], ["reported_cost_usd"])
        assert TS.match(call["ts"])
        assert call["provider"] == MODELS[call["model"]]
        assert call["service_tier"] in ("standard", "batch", "flex", "priority")
        for name in TOKEN_FIELDS:
            assert type(call[name]) is int, name
            assert call[name] >= 0, name
        assert call["request_id"].startswith("req_")
        for name, prefix in (("conversation_id", "conv_"), ("trace_id", "tr_")):
            assert call[name] is None or call[name].startswith(prefix)
        assert call["message_id"] is None or isinstance(call["message_id"], str)
        assert call["status"] in ("ok", "error")
        assert (call["error"] is None) == (call["status"] == "ok")
        assert call["error"] is None or isinstance(call["error"], str)
        assert type(call["latency_ms"]) is int
        assert call["latency_ms"] >= 0
        labels = call["labels"]
        assert list(labels)[:6] == ["tenant", "feature", "route", "language", "user", "env"]
        assert all(isinstance(v, str) for k, v in labels.items() if k != "sidechain")
        assert isinstance(call["prompt"], str)
        assert call["response"] is None or isinstance(call["response"], str)
        if "reported_cost_usd" in call:
            assert type(call["reported_cost_usd"]) is float


def test_ids_may_be_null_on_some_providers(calls: list[Call]) -> None:
    by_provider = defaultdict(Counter)
    for call in calls:
        by_provider[call["provider"]]["trace" if call["trace_id"] else "no-trace"] += 1
        by_provider[call["provider"]]["msg" if call["message_id"] else "no-msg"] += 1
    assert by_provider["acme-ai"]["trace"] == by_provider["acme-ai"]["msg"] == 0
    assert by_provider["google"]["msg"] == 0
    assert by_provider["anthropic"]["msg"] > 0
    assert by_provider["openai"]["trace"] > 0


def test_texts_are_short_plain_and_varied(calls: list[Call]) -> None:
    texts = [c["prompt"] for c in calls] + [c["response"] for c in calls if c["response"]]
    assert max(len(t) for t in texts) <= 160
    joined = "\n".join(texts)
    for needle in ("<b>", "&amp;", "=SUM(A1", "ü", "é", "ñ", "ã", "の", "ह"):
        assert needle in joined, needle
    assert any("\n" in t for t in texts)
    assert len(set(c["prompt"] for c in calls)) > 500


def test_timestamps_in_range_and_ordered_within_files(
    raw_lines: dict[str, list[bytes]],
) -> None:
    for name in FILES:
        stamps = [orjson.loads(line)["ts"] for line in raw_lines[name]]
        assert stamps == sorted(stamps)
        month = name[len("calls-") : -len(".jsonl")]
        assert all(ts.startswith(month) for ts in stamps)
        for ts in (stamps[0], stamps[-1]):
            assert START <= datetime.fromisoformat(ts.replace("Z", "+00:00")) < END


# -- token rules ----------------------------------------------------------------------


def test_token_invariants(calls: list[Call]) -> None:
    for call in calls:
        assert call["reasoning_tokens"] <= call["output_tokens"]
        if call["provider"] != "anthropic":
            assert call["cache_write_5m_tokens"] == call["cache_write_1h_tokens"] == 0
        if call["model"] not in REASONING:
            assert call["reasoning_tokens"] == 0
        if call["model"] == "text-embedding-3-small":
            assert call["output_tokens"] == call["cache_read_tokens"] == 0
        if call["model"] == "acme-llm-7b-ft":
            assert call["cache_read_tokens"] == 0


def test_caching_is_provider_appropriate(calls: list[Call]) -> None:
    reads = Counter(c["provider"] for c in calls if c["cache_read_tokens"])
    assert set(reads) == {"openai", "anthropic", "google", "deepseek"}
    writes_1h = {feature(c) for c in calls if c["cache_write_1h_tokens"]}
    writes_5m = Counter(feature(c) for c in calls if c["cache_write_5m_tokens"])
    assert writes_1h == {"agent-research"}  # the long-running agent uses the 1h TTL
    assert {"support-chat", "code-review"} <= set(writes_5m)


def test_reasoning_models_reason(calls: list[Call]) -> None:
    reasoning = {c["model"] for c in calls if c["reasoning_tokens"]}
    assert reasoning == REASONING


# -- who, what, when -----------------------------------------------------------------


def test_models_and_providers(calls: list[Call]) -> None:
    assert {c["model"] for c in calls} == set(MODELS)


def test_unpriced_model_is_a_few_percent(calls: list[Call]) -> None:
    share = sum(c["model"] == "acme-llm-7b-ft" for c in calls) / len(calls)
    assert 0.01 < share < 0.06


def test_tenants_features_routes_languages(calls: list[Call]) -> None:
    tenants = Counter(c["labels"]["tenant"] for c in calls)
    assert 8 <= len(tenants) <= 15
    top_two = sum(n for _, n in tenants.most_common(2))
    assert top_two / len(calls) > 0.35  # a couple of big tenants
    routes = {(feature(c), c["labels"]["route"]) for c in calls}
    assert routes == {
        ("support-chat", "/v1/chat"),
        ("search", "/v1/search"),
        ("summarize", "/v1/summarize"),
        ("code-review", "/v1/review"),
        ("classify", "/v1/classify"),
        ("translate", "/v1/translate"),
        ("embeddings-index", "/v1/embed"),
        ("agent-research", "/v1/agents"),
        ("nightly-digest", "/batch/digest"),
    }
    languages = Counter(c["labels"]["language"] for c in calls)
    assert {"en", "de", "fr", "es", "ja", "pt"} <= set(languages)
    env = Counter(c["labels"]["env"] for c in calls)
    assert set(env) == {"prod", "staging"}
    assert env["staging"] < env["prod"] / 10
    assert len({c["labels"]["user"] for c in calls}) > 200


def test_weekly_and_daily_rhythm(calls: list[Call]) -> None:
    interactive = [c for c in calls if c["service_tier"] != "batch"]
    weekday = Counter(when(c).weekday() for c in interactive)
    assert min(weekday[d] for d in range(5)) > 1.5 * max(weekday[5], weekday[6])
    # globex sits in Europe (UTC+2): its office hours beat its nights by far.
    office = ("support-chat", "search", "summarize", "translate", "code-review")
    globex_hours = Counter(
        when(c).hour for c in calls if c["labels"]["tenant"] == "globex" and feature(c) in office
    )
    assert sum(globex_hours[h] for h in range(7, 15)) > 4 * sum(
        globex_hours[h] for h in (22, 23, 0, 1, 2, 3, 4, 5)
    )


def test_cost_is_plausible_and_concentrated(calls: list[Call]) -> None:
    by_feature: Counter[str] = Counter()
    by_tenant: Counter[str] = Counter()
    for call in calls:
        cost = list_cost(call) or 0.0
        by_feature[feature(call)] += cost
        by_tenant[call["labels"]["tenant"]] += cost
    total = sum(by_feature.values())
    assert 200 < total * 50_000 / CALLS < 3000  # 50k calls: hundreds to low thousands USD
    assert sum(v for _, v in by_feature.most_common(3)) > 0.7 * total
    assert sum(v for _, v in by_tenant.most_common(3)) > 0.5 * total


# -- the deliberate story ------------------------------------------------------------


def test_retries_share_a_request_id(calls: list[Call]) -> None:
    attempts: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        attempts[call["request_id"]].append(call)
    retried = [group for group in attempts.values() if len(group) >= 2]
    assert len(retried) > 20
    assert any(len(group) >= 3 for group in retried)
    for group in retried:
        group.sort(key=when)
        assert all(c["status"] == "error" for c in group[:-1])
        assert len({c["prompt"] for c in group}) == 1
        assert len({c["model"] for c in group}) == 1
        for before, after in pairwise(group):
            gap = (when(after) - when(before)).total_seconds()
            assert 0 < gap < before["latency_ms"] / 1000 + 60
    double_billed = [
        g
        for g in retried
        if g[0]["error"].startswith("timeout")
        and prompt_total(g[0]) > 0
        and g[-1]["status"] == "ok"
    ]
    assert len(double_billed) >= 2


def test_errors(calls: list[Call]) -> None:
    errors = [c for c in calls if c["status"] == "error"]
    assert 0.01 <= len(errors) / len(calls) <= 0.03
    kinds = Counter(c["error"].split(":")[0] for c in errors)
    for kind in ("rate_limit_error", "overloaded_error", "context_length_exceeded"):
        assert kinds[kind] > 0, kind
    assert any(k.startswith("timeout after") for k in kinds)
    for call in errors:
        assert call["output_tokens"] == 0
        assert call["response"] is None
        if call["error"].startswith(("rate_limit_error", "overloaded_error")):
            assert prompt_total(call) == 0


def test_repeated_identical_prompts(calls: list[Call]) -> None:
    classify = [c for c in calls if feature(c) == "classify" and c["status"] == "ok"]
    prompt, count = Counter(c["prompt"] for c in classify).most_common(1)[0]
    assert count >= CALLS / 200
    same = {
        (c["input_tokens"], c["cache_read_tokens"], c["output_tokens"])
        for c in classify
        if c["prompt"] == prompt
    }
    assert len(same) == 1
    faq = Counter((c["prompt"], prompt_total(c)) for c in calls if feature(c) == "search")
    assert faq.most_common(1)[0][1] >= CALLS / 400


def test_one_route_two_models(calls: list[Call]) -> None:
    switch = datetime(2026, 6, 16, tzinfo=UTC)
    summarize = [c for c in calls if c["labels"]["route"] == "/v1/summarize"]
    models = Counter(c["model"] for c in summarize)
    assert set(models) == {"gpt-4.1-mini", "claude-haiku-4-5-20251001"}
    haiku = [when(c) for c in summarize if c["model"] == "claude-haiku-4-5-20251001"]
    assert min(haiku) >= switch
    after = [c for c in summarize if when(c) >= switch]
    share = sum(c["model"] != "gpt-4.1-mini" for c in after) / len(after)
    assert 0.25 < share < 0.55


def test_service_tiers(calls: list[Call]) -> None:
    tiers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for call in calls:
        tiers[call["service_tier"]].add((feature(call), call["provider"]))
    assert {f for f, _ in tiers["batch"]} == {"nightly-digest"}
    assert all(0 <= when(c).hour < 6 for c in calls if c["service_tier"] == "batch")
    assert len(tiers["flex"]) == 1  # one OpenAI feature
    assert {p for _, p in tiers["flex"]} == {"openai"}
    assert tiers["priority"] == {("support-chat", "openai")}


def test_conversation_context_grows_turn_by_turn(conversations: dict[str, list[Call]]) -> None:
    growing = 0
    for conversation in conversations.values():
        turns = main_turns(conversation)
        if len(turns) < 8:
            continue
        steps = [
            prompt_total(after)
            - prompt_total(before)
            - (before["output_tokens"] - before["reasoning_tokens"])
            for before, after in pairwise(turns)
        ]
        if all(step > 0 for step in steps):  # previous prompt + previous answer + new message
            growing += 1
    assert growing > 20
    sizes = Counter(min(len(c), 60) for c in conversations.values())
    assert max(sizes) <= 60
    assert sizes[1] > 0
    assert sum(n for s, n in sizes.items() if s >= 10) > 20


def test_warm_cache_reads_previous_context(conversations: dict[str, list[Call]]) -> None:
    warm = 0
    for conversation in conversations.values():
        for before, after in pairwise(main_billed(conversation)):
            if after["provider"] == "anthropic" and after["cache_read_tokens"]:
                # previous context is read back; only the new part is written or sent
                assert after["cache_read_tokens"] <= prompt_total(before)
                warm += after["cache_read_tokens"] >= prompt_total(before) - 30
    assert warm > 100


def test_cache_goes_cold_after_the_ttl(conversations: dict[str, list[Call]]) -> None:
    cold = []
    for conversation in conversations.values():
        for before, after in pairwise(main_billed(conversation)):
            cached_before = prompt_total(before) - before["input_tokens"]
            writes = after["cache_write_5m_tokens"] + after["cache_write_1h_tokens"]
            if after["provider"] != "anthropic" or not cached_before:
                continue
            if after["cache_read_tokens"] == 0 and writes:
                ttl = 3600 if after["cache_write_1h_tokens"] else 300
                gap = (when(after) - when(before)).total_seconds()
                assert gap > ttl - before["latency_ms"] / 1000
                assert writes > 0.9 * prompt_total(after)  # the whole context is re-written
                cold.append(after)
    assert len(cold) > 10


def test_long_agent_contexts(calls: list[Call], conversations: dict[str, list[Call]]) -> None:
    long_calls = [c for c in calls if prompt_total(c) > 200_000]
    models = {c["model"] for c in long_calls if feature(c) == "agent-research"}
    assert {"gemini-2.5-pro", "claude-sonnet-4-5-20250929"} <= models
    peaks = [
        max(prompt_total(c) for c in conv)
        for conv in conversations.values()
        if feature(conv[0]) == "agent-research"
    ]
    assert sum(150_000 <= p <= 400_000 for p in peaks) >= 3


def test_outliers_cost_100x_their_feature_median(calls: list[Call]) -> None:
    costs: dict[str, list[float]] = defaultdict(list)
    for call in calls:
        cost = list_cost(call)
        if cost is not None:
            costs[feature(call)].append(cost)
    outliers = Counter()
    for name, values in costs.items():
        median = statistics.median(values)
        outliers[name] = sum(v >= 100 * median for v in values)
    total = sum(outliers.values())
    assert 0.0002 * CALLS <= total <= 0.002 * CALLS
    assert len(+outliers) >= 2


def test_sub_agent_side_calls(conversations: dict[str, list[Call]]) -> None:
    mixed = 0
    for conversation in conversations.values():
        side = [c for c in conversation if c["labels"].get("sidechain")]
        if side:
            assert all(c["labels"]["sidechain"] is True for c in side)
            assert all(c["labels"]["agent"] == "researcher" for c in side)
            assert all(feature(c) == "agent-research" for c in conversation)
            mixed += len(side) < len(conversation)
    assert mixed >= 3


def test_sub_agent_report_feeds_the_main_agent(conversations: dict[str, list[Call]]) -> None:
    fed, runs = 0, 0
    for conversation in conversations.values():
        previous_main: Call | None = None
        report = 0
        for call in conversation:
            if call["status"] != "ok":
                continue
            if call["labels"].get("sidechain"):
                report = call["output_tokens"] - call["reasoning_tokens"]
                continue
            if report and previous_main is not None:
                visible = previous_main["output_tokens"] - previous_main["reasoning_tokens"]
                growth = prompt_total(call) - prompt_total(previous_main) - visible
                fed += growth >= report
                runs += 1
            previous_main, report = call, 0
    assert runs >= 3
    assert fed >= 0.9 * runs  # the report comes back as the next tool result


def test_gateway_reported_cost(calls: list[Call]) -> None:
    reported = [c for c in calls if "reported_cost_usd" in c]
    assert {c["labels"]["route"] for c in reported} == {"/v1/agents"}
    agents = [c for c in calls if c["labels"]["route"] == "/v1/agents"]
    assert len(reported) == len(agents)
    off = 0
    for call in reported:
        cost = list_cost(call) + 0.01 * call["web_search_requests"] * (call["provider"] != "google")
        cost += 0.035 * call["web_search_requests"] * (call["provider"] == "google")
        if abs(call["reported_cost_usd"] - cost) > max(0.01 * cost, 2e-6):
            off += 1
    assert 0.01 * len(reported) < off < 0.2 * len(reported)  # mostly list price, not always
