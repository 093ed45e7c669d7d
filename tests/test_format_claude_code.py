"""Claude Code transcripts and headless output: every gotcha with hand-computed totals."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.logs import usage as usage_mod
from desktop.logs.detect import detect
from desktop.logs.expand import expand_paths
from desktop.logs.formats.base import Detection
from desktop.logs.formats.claude_code import (
    ClaudeCodeHeadless,
    ClaudeCodeTranscript,
    anthropic_buckets,
    dedup_key,
    dedup_rank,
    provider_of,
)
from desktop.logs.reader import collect, deduplicate
from desktop.record import BadRecord, CallRecord

FIXTURES = Path(__file__).parent / "fixtures" / "claude_code"
PROJECTS = FIXTURES / "projects"
SHOP = PROJECTS / "-home-dev-shop-api"
S1 = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
MAIN = SHOP / f"{S1}.jsonl"
SUBAGENT = SHOP / S1 / "subagents" / "agent-a1b2c3d.jsonl"
OLD_AGENT = SHOP / "agent-c3d4e5f.jsonl"
RESUMED = SHOP / "4e715bed-5cd4-4405-bb6c-3349a6ffd75a.jsonl"
LEGACY = PROJECTS / "-home-dev-legacy" / "5f826cfe-6de5-4516-8c7d-445ab7a0e86b.jsonl"
GATEWAY = PROJECTS / "-home-dev-gateway"
HEADLESS = FIXTURES / "headless"

TRANSCRIPT = ClaudeCodeTranscript()
HEADLESS_FORMAT = ClaudeCodeHeadless()

MSG_A = "msg_01A1checkoutAAAAAAAAAAAA"
MSG_B = "msg_01B1searchBBBBBBBBBBBBBB"
MSG_G = "msg_01G1subagentGGGGGGGGGGGG"


def read(*paths: Path, fmt=TRANSCRIPT) -> list[CallRecord]:
    records: list[CallRecord] = []
    for path in paths:
        found, problems = collect(path, fmt)
        assert problems == []
        records.extend(found)
    return records


def sums(records: list[CallRecord]) -> dict[str, int]:
    fields = (
        "input_tokens",
        "cache_read_tokens",
        "cache_write_5m_tokens",
        "cache_write_1h_tokens",
        "output_tokens",
        "web_search_requests",
    )
    return {f: sum(getattr(r, f) for r in records) for f in fields}


def by_message(records: list[CallRecord]) -> dict[str | None, CallRecord]:
    return {r.message_id: r for r in records}


def test_streaming_snapshots_keep_the_largest_copy_not_the_first() -> None:
    # msg A: 3 lines, output 1, 1, 412; msg B: 2 lines, output 8, 150. The progress
    # echo of sub-agent call G and the API-error call C are the other call lines.
    records = deduplicate(read(MAIN))
    calls = by_message(records)
    assert set(calls) == {MSG_A, MSG_B, MSG_G, "msg_01C1overloadedCCCCCCCCCCC"}
    a, b = calls[MSG_A], calls[MSG_B]
    assert (a.output_tokens, b.output_tokens) == (412, 150)
    # A's input side is fixed at message start: 5 uncached, 20,000 read,
    # 1,000 written = 200 (5m) + 800 (1h).
    assert (a.input_tokens, a.cache_read_tokens) == (5, 20000)
    assert (a.cache_write_5m_tokens, a.cache_write_1h_tokens) == (200, 800)
    # B has no TTL split: its 600 written tokens count as 5-minute writes;
    # the kept (last) copy reports 2 web searches.
    assert (b.cache_write_5m_tokens, b.cache_write_1h_tokens) == (600, 0)
    assert b.web_search_requests == 2
    assert b.service_tier == "standard"
    # The kept copy is the third line of A (line 6 of the file: summary,
    # snapshot, user, then A's three lines).
    assert a.line == 6


def test_synthetic_placeholder_is_dropped_and_api_errors_are_marked() -> None:
    records = read(MAIN)
    assert all(r.model != "<synthetic>" for r in records)
    error = by_message(records)["msg_01C1overloadedCCCCCCCCCCC"]
    assert error.status == "error"
    assert error.error == "API Error: 529 Overloaded"
    assert (error.input_tokens, error.output_tokens) == (10, 0)
    assert sum(r.status == "error" for r in records) == 1


def test_labels_ids_and_provider() -> None:
    a = by_message(deduplicate(read(MAIN)))[MSG_A]
    assert a.provider == "anthropic"
    assert a.model == "claude-sonnet-4-5-20250929"
    assert a.request_id == "req_011A1checkoutAAAAAAAAA"
    assert a.conversation_id == S1
    assert a.parent_id == "c0000000-0000-4000-8000-000000000003"
    assert a.labels == {
        "project": "shop-api",
        "cwd": "/home/dev/shop-api",
        "git_branch": "main",
        "session": S1,
        "sidechain": False,
        "version": "2.1.40",
    }


def test_resumed_session_copies_are_counted_once_across_files() -> None:
    # The resumed file repeats A's final line and B's first snapshot (output 8)
    # under a new sessionId, then adds call F.
    records = deduplicate(read(MAIN, RESUMED))
    calls = by_message(records)
    assert len(records) == 5  # A, B, C, G from the first file + F
    assert calls[MSG_B].output_tokens == 150  # the smaller resumed copy lost
    assert calls[MSG_A].conversation_id == S1  # tie: the first read is kept
    f = calls["msg_01F1resumedFFFFFFFFFFFFF"]
    assert (f.input_tokens, f.cache_read_tokens, f.cache_write_5m_tokens) == (7, 22000, 300)
    assert f.labels is not None
    assert f.labels["git_branch"] == "fix/rounding"
    # Reading the resumed file first changes nothing.
    assert sums(deduplicate(read(RESUMED, MAIN))) == sums(records)


@pytest.mark.parametrize("order", ["parent first", "sidechain first"])
def test_sidechain_replay_keeps_the_parent_copy(order: str) -> None:
    # The sub-agent file replays B under a new requestId with a larger total
    # (21,500 read instead of 21,412); the parent copy must win either way.
    paths = [MAIN, SUBAGENT] if order == "parent first" else [SUBAGENT, MAIN]
    records = deduplicate(read(*paths))
    calls = by_message(records)
    b = calls[MSG_B]
    assert b.labels is not None
    assert b.labels["sidechain"] is False
    assert b.request_id == "req_011B1searchBBBBBBBBBBB"
    assert b.cache_read_tokens == 21412
    # G: in the sub-agent file (2 snapshots) and echoed in a progress line of
    # the main file: one call, output 230, marked as sidechain of agent a1b2c3d.
    g = calls[MSG_G]
    assert g.output_tokens == 230
    assert g.labels is not None
    assert g.labels["sidechain"] is True
    assert g.labels["agent_id"] == "a1b2c3d"
    assert g.provider == "anthropic"
    assert g.model == "claude-haiku-4-5-20251001"
    assert len(records) == 4  # A, B, C, G


def test_old_layout_agent_file_is_real_spend_with_1h_writes() -> None:
    (h,) = read(OLD_AGENT)
    # 1,500 written tokens, all with a 1-hour TTL.
    assert (h.input_tokens, h.cache_write_5m_tokens, h.cache_write_1h_tokens) == (20, 0, 1500)
    assert h.output_tokens == 300
    assert h.labels is not None
    assert h.labels["agent_id"] == "c3d4e5f"


def test_missing_request_id_falls_back_to_session_and_message_id() -> None:
    # Both gateway sessions use the id msg_gw_0001 without a requestId: within
    # session 2c5f… the two snapshots are one call (output 5 → 90); the other
    # session's call is a different call.
    records = deduplicate(read(*sorted(GATEWAY.glob("*.jsonl"))))
    assert len(records) == 2
    # input 400 + 250 = 650, output 90 + 60 = 150
    assert sums(records)["input_tokens"] == 650
    assert sums(records)["output_tokens"] == 150
    assert {r.request_id for r in records} == {None}
    assert {r.provider for r in records} == {None}  # deepseek-chat: not an Anthropic model
    assert {r.model for r in records} == {"deepseek-chat"}


def test_old_versions_reported_cost() -> None:
    (d,) = read(LEGACY)
    assert d.reported_cost_usd == pytest.approx(0.00156)
    assert (d.input_tokens, d.output_tokens) == (120, 80)
    assert d.labels is not None
    assert d.labels["version"] == "1.0.3"
    assert "git_branch" not in d.labels  # empty branch: no label


def test_whole_projects_folder_totals() -> None:
    expansion = expand_paths([PROJECTS])
    assert {f.format_id for f in expansion.files} == {"claude-code"}
    assert [p.name for p, _ in expansion.skipped] == ["agent-a1b2c3d.meta.json"]
    records = deduplicate(read(*(f.path for f in expansion.files)))
    # Calls: A, B, C (error), G (sub-agent), F (resumed), H (old agent file),
    # D (legacy), and the two gateway calls = 9.
    assert len(records) == 9
    assert sums(records) == {
        # A 5 + B 3 + C 10 + G 12 + F 7 + H 20 + D 120 + gateway 400 + 250
        "input_tokens": 827,
        # A 20,000 + B 21,412 + G 5,000 + F 22,000
        "cache_read_tokens": 68412,
        # A 200 + B 600 + F 300
        "cache_write_5m_tokens": 1100,
        # A 800 + H 1,500
        "cache_write_1h_tokens": 2300,
        # A 412 + B 150 + C 0 + G 230 + F 95 + H 300 + D 80 + gateway 90 + 60
        "output_tokens": 1417,
        "web_search_requests": 2,
    }


def test_dedup_key_and_rank_rules() -> None:
    assert dedup_key("msg_1", "req_1", "s1") == dedup_key("msg_1", "req_2", "s2")
    assert dedup_key("msg_1", None, "s1") != dedup_key("msg_1", None, "s2")
    assert dedup_key(None, "req_1", "s1") is None
    # A parent copy outranks any sidechain copy; otherwise the larger total wins.
    assert dedup_rank(10, sidechain=False) > dedup_rank(10**12, sidechain=True)
    assert dedup_rank(200, sidechain=False) > dedup_rank(100, sidechain=False)


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("claude-opus-4-1-20250805", "anthropic"),
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", "aws-bedrock"),
        ("claude-sonnet-4@20250514", "vertex"),
        ("glm-4.6", None),
        (None, None),
    ],
)
def test_provider_from_model(model: str | None, provider: str | None) -> None:
    assert provider_of(model) == provider


def test_unparsable_usage_is_a_problem_and_other_lines_are_kept(tmp_path: Path) -> None:
    good = MAIN.read_bytes().splitlines()[5]
    bad = orjson.loads(good)
    bad["message"]["id"] = "msg_bad"
    bad["message"]["usage"]["output_tokens"] = "many"
    no_ts = orjson.loads(good)
    no_ts["message"]["id"] = "msg_no_ts"
    del no_ts["timestamp"]
    path = tmp_path / "t.jsonl"
    broken = b'{"type":"assistant","message":{"usage":{"input_tokens":'
    path.write_bytes(b"\n".join([good, orjson.dumps(bad), orjson.dumps(no_ts), broken]) + b"\n")
    records, problems = collect(path, TRANSCRIPT)
    assert [r.message_id for r in records] == [MSG_A]
    assert [(p.line, p.reason) for p in problems] == [
        (2, "output_tokens is a string ('many'), not a number"),
        (3, "no timestamp"),
        (4, "invalid JSON: unexpected end of data"),
    ]


def test_detection_of_transcripts() -> None:
    found = detect(MAIN)
    assert isinstance(found, Detection)
    assert found.format_id == "claude-code"
    assert "assistant lines with message.usage" in found.reason


def test_detection_prefers_claude_projects_paths(tmp_path: Path) -> None:
    folder = tmp_path / ".claude" / "projects" / "-home-dev-shop-api"
    folder.mkdir(parents=True)
    path = folder / "s.jsonl"
    path.write_bytes(MAIN.read_bytes())
    here, there = detect(path), detect(MAIN)
    assert isinstance(here, Detection)
    assert isinstance(there, Detection)
    assert here.confidence > there.confidence
    assert "Claude projects folder" in here.reason


def test_transcript_without_calls_in_the_first_lines_is_still_recognised(tmp_path: Path) -> None:
    lines = MAIN.read_bytes().splitlines()
    path = tmp_path / "long.jsonl"
    # 60 user lines first, then the calls: detection sees no assistant usage.
    path.write_bytes(b"\n".join([lines[2]] * 60 + lines[3:]) + b"\n")
    found = detect(path)
    assert isinstance(found, Detection)
    assert found.format_id == "claude-code"
    assert "no assistant usage" in found.reason
    assert len(deduplicate(collect(path, TRANSCRIPT)[0])) == 4


def test_turn_text_is_the_assistant_text() -> None:
    lines = [orjson.loads(raw) for raw in MAIN.read_bytes().splitlines()]
    assert TRANSCRIPT.turn_text(lines[4]) == (None, "I'll read the checkout test.")
    assert TRANSCRIPT.turn_text(lines[5]) == (None, None)  # a tool_use block only
    progress = lines[9]
    assert TRANSCRIPT.turn_text(progress) == (None, "round_half_even is used since 3.2.")


# -- headless / Agent SDK -------------------------------------------------------


def test_stream_json_counts_messages_and_skips_the_cumulative_result() -> None:
    records = deduplicate(read(HEADLESS / "stream.jsonl", fmt=HEADLESS_FORMAT))
    # msg S1 appears twice (text + tool_use, same usage), msg S2 once; the
    # result (6 / 19,250 / 1,200 / 170) is their sum and is not added again.
    assert len(records) == 2
    assert sums(records) == {
        "input_tokens": 4 + 2,
        "cache_read_tokens": 9000 + 10250,
        "cache_write_5m_tokens": 0,
        "cache_write_1h_tokens": 1200,
        "output_tokens": 50 + 120,
        "web_search_requests": 0,
    }
    assert {r.labels["project"] for r in records if r.labels} == {"bot"}
    assert {r.reported_cost_usd for r in records} == {None}


def test_result_only_output_is_read_per_model() -> None:
    path = HEADLESS / "results.jsonl"
    records = read(path, fmt=HEADLESS_FORMAT)
    assert [r.model for r in records] == [
        "claude-sonnet-4-5-20250929",
        "claude-opus-4-1-20250805",
        "claude-haiku-4-5-20251001",
    ]
    sonnet, opus, haiku = records
    # One model: the usage object's TTL split (400 5m + 2,000 1h) is used.
    assert (sonnet.cache_write_5m_tokens, sonnet.cache_write_1h_tokens) == (400, 2000)
    # Two models: modelUsage per model; writes without TTL count as 5-minute.
    assert (opus.input_tokens, opus.cache_read_tokens, opus.cache_write_5m_tokens) == (
        100,
        40000,
        3000,
    )
    assert opus.web_search_requests == 1
    assert (haiku.input_tokens, haiku.output_tokens) == (2000, 150)
    # reported costs: 0.0412 + 0.2 + 0.0028
    assert sum(r.reported_cost_usd or 0 for r in records) == pytest.approx(0.244)
    assert [r.status for r in records] == ["ok", "error", "error"]
    assert opus.error == "error_max_turns"
    assert opus.latency_ms == 58000
    # No timestamps in result objects: the file's modification time is used.
    assert {r.ts for r in records} == {os.stat(path).st_mtime}


def test_verbose_json_array_output() -> None:
    path = HEADLESS / "verbose.json"
    found = detect(path)
    assert isinstance(found, Detection)
    assert found.format_id == "claude-code-headless"
    (record,) = read(path, fmt=HEADLESS_FORMAT)
    assert (record.input_tokens, record.output_tokens) == (3, 40)
    assert HEADLESS_FORMAT.turn_text({"type": "result", "result": "4"}) == (None, "4")


def test_same_result_saved_twice_is_one_query(tmp_path: Path) -> None:
    line = (HEADLESS / "results.jsonl").read_bytes().splitlines()[0]
    path = tmp_path / "twice.jsonl"
    path.write_bytes(line + b"\n" + line + b"\n")
    assert len(deduplicate(read(path, fmt=HEADLESS_FORMAT))) == 1


_COUNT = st.one_of(
    st.integers(min_value=-2, max_value=10**7),
    st.none(),
    st.floats(allow_nan=True),
    st.text(max_size=3),
    st.booleans(),
)


@settings(deadline=None)
@given(
    usage=st.dictionaries(
        st.sampled_from(
            [
                "input_tokens",
                "output_tokens",
                "cache_read_input_tokens",
                "cache_creation_input_tokens",
            ]
        ),
        _COUNT,
    ),
    detail=st.one_of(
        st.none(),
        st.dictionaries(
            st.sampled_from(["ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"]), _COUNT
        ),
    ),
)
def test_fast_usage_path_agrees_with_the_shared_converter(usage: dict, detail: dict | None) -> None:
    if detail is not None:
        usage = {**usage, "cache_creation": detail}

    def outcome(convert):
        try:
            return convert(usage)
        except BadRecord as exc:
            return str(exc)

    assert outcome(anthropic_buckets) == outcome(usage_mod.anthropic)
