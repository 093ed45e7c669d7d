"""Langfuse observations: API objects (JSONL) and blob-storage exports (JSON array)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.logs.detect import rank, sample_source
from desktop.logs.formats import get_format
from desktop.logs.formats.langfuse import usage_buckets
from desktop.logs.reader import collect, deduplicate

FIXTURES = Path(__file__).parent / "fixtures" / "langfuse"
API = FIXTURES / "api_observations.jsonl"
BLOB = FIXTURES / "blob_export.json"
FMT = get_format("langfuse")


def test_detection() -> None:
    claim = rank(sample_source(API))[0]
    assert claim.format_id == "langfuse"
    assert "API objects" in claim.reason
    claim = rank(sample_source(BLOB))[0]
    assert claim.format_id == "langfuse"
    assert "blob export" in claim.reason


def test_usage_details_are_disjoint_unless_total_says_otherwise() -> None:
    # (input, cache_read, cache_write_5m, cache_write_1h, output, reasoning)
    assert usage_buckets({"input": 5, "input_cached_tokens": 7, "output": 3}) == (5, 7, 0, 0, 3, 0)
    # total = input + output: this integration put the cache inside "input".
    assert usage_buckets(
        {"input": 20, "cache_read_input_tokens": 15, "output": 1, "total": 21}
    ) == (5, 15, 0, 0, 1, 0)
    # TTL-split writes; the unsplit total key is not counted twice.
    assert usage_buckets(
        {
            "input": 1,
            "cache_creation_input_tokens": 300,
            "cache_creation_input_tokens_5m": 100,
            "cache_creation_input_tokens_1h": 200,
            "output": 2,
        }
    ) == (1, 0, 100, 200, 2, 0)
    assert usage_buckets({"input": 1, "input_audio_tokens": 4, "output": 2}) == (5, 0, 0, 0, 2, 0)


def test_api_observations() -> None:
    records, problems = collect(API, FMT)
    assert [(p.line, p.reason) for p in problems] == [
        (7, "GENERATION without usage (no usageDetails): no usage recorded"),
        (10, "usage is counted in CHARACTERS, not tokens"),
        (13, "usage_details.input is a string ('12'), not a number"),
    ]
    unique = deduplicate(records)
    assert len(records) == 9
    assert len(unique) == 8  # obs_1 appears twice; the later update wins
    by_id = {r.message_id: r for r in unique}
    first = by_id["obs_1"]
    assert first.line == 1  # updatedAt 11:02:06 beats the partial copy on line 12
    assert (first.input_tokens, first.cache_read_tokens, first.output_tokens) == (512, 1536, 310)
    assert first.reported_cost_usd == 0.000855
    assert first.latency_ms == 2750.0
    assert first.ts == datetime(2026, 7, 20, 11, 2, 3, 120000, tzinfo=UTC).timestamp()
    assert (first.trace_id, first.parent_id, first.dedup_key) == (
        "tr_91c",
        "obs_root",
        "langfuse:obs_1",
    )
    assert first.labels == {
        "name": "answer",
        "environment": "production",
        "prompt_name": "answer-v3",
        "prompt_version": 3,
        "metadata.feature": "search",
    }
    assert (by_id["obs_3"].input_tokens, by_id["obs_3"].cache_read_tokens) == (500, 1500)
    assert (by_id["obs_4"].output_tokens, by_id["obs_4"].reasoning_tokens) == (350, 150)
    assert (by_id["obs_5"].output_tokens, by_id["obs_5"].reasoning_tokens) == (350, 150)
    claude = by_id["obs_6"]
    assert (claude.input_tokens, claude.cache_read_tokens, claude.cache_write_5m_tokens) == (
        40,
        9000,
        1200,
    )
    assert claude.reported_cost_usd == 0.0065
    assert claude.latency_ms == pytest.approx(2750.0)  # from start/end times
    failed = by_id["obs_8"]
    assert (failed.status, failed.error, failed.input_tokens) == ("error", "Rate limit reached", 0)
    assert (by_id["obs_9"].input_tokens, by_id["obs_9"].output_tokens) == (100, 20)
    assert by_id["obs_11"].input_tokens == 64
    # Totals over the unique calls.
    assert sum(r.input_tokens for r in unique) == 512 + 500 + 300 + 300 + 40 + 0 + 100 + 64
    assert sum(r.cache_read_tokens for r in unique) == 1536 + 1500 + 9000
    assert sum(r.cache_write_5m_tokens for r in unique) == 1200
    assert sum(r.output_tokens for r in unique) == 310 + 100 + 350 + 350 + 220 + 0 + 20 + 0
    assert sum(r.reasoning_tokens for r in unique) == 300


def test_blob_export_json_array() -> None:
    records, problems = collect(BLOB, FMT)
    assert problems == []
    summary, draft = records
    assert summary.line == 2
    assert summary.ts == datetime(2026, 7, 20, 11, 5, tzinfo=UTC).timestamp()  # naive = UTC
    assert summary.latency_ms == pytest.approx(1500.0)
    assert summary.model == "claude-sonnet-4-5"
    assert (summary.input_tokens, summary.cache_read_tokens, summary.output_tokens) == (
        40,
        9000,
        220,
    )
    assert summary.conversation_id == "s_1"
    assert summary.reported_cost_usd == 0.0065
    assert summary.labels == {
        "name": "summarise",
        "environment": "default",
        "trace_name": "support",
        "user_id": "u_9",
        "tags": "beta, eu",
        "metadata.tenant": "acme",
    }
    assert (draft.input_tokens, draft.output_tokens) == (1000, 50)
    assert (draft.status, draft.error) == ("warning", "output truncated")
    assert draft.reported_cost_usd == 0.003


def test_turn_text() -> None:
    raw = {
        "input": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "output": {"role": "assistant", "content": "Hello"},
    }
    assert FMT.turn_text(raw) == ("Hi", "Hello")
    assert FMT.turn_text({"input": "q", "output": "a"}) == ("q", "a")


def test_legacy_export_joins_the_traces_beside_the_observations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import shutil

    from desktop.cli import main

    export = tmp_path / "langfuse-export"
    shutil.copytree(FIXTURES / "legacy_export", export)
    records, problems = collect(export / "observations" / "2026-07-20.jsonl", FMT)
    assert problems == []
    by_id = {r.message_id: r for r in records}
    assert set(by_id) == {"obs_L1", "obs_L3", "obs_L4"}  # the span is not a call
    answer = by_id["obs_L1"]
    assert answer.conversation_id == "sess_1"
    assert answer.labels == {
        "name": "answer",
        "environment": "default",
        "user_id": "u_9",
        "release": "v1.4",
        "trace_name": "support-chat",
        "tags": "beta, eu",
    }
    digest = by_id["obs_L3"]
    assert digest.conversation_id == "sess_2"
    assert digest.labels["user_id"] == "u_own"  # the observation's own value wins
    assert "tags" not in digest.labels
    orphan = by_id["obs_L4"]  # its trace is not in the export
    assert orphan.conversation_id is None and "user_id" not in orphan.labels
    # The whole export folder: the traces and scores files are not calls (not counted).
    assert main(["report", str(export), "--by", "user_id", "--format", "json", "-q"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["calls"] == 3
    users = {g["key"]["user_id"]: g["calls"] for g in report["groups"]}
    assert users == {"u_9": 1, "u_own": 1, None: 1}


def test_legacy_export_traces_may_be_csv(tmp_path: Path) -> None:
    import shutil

    export = tmp_path / "langfuse-export"
    shutil.copytree(FIXTURES / "legacy_export", export)
    (export / "traces" / "2026-07-20.jsonl").unlink()
    (export / "traces" / "2026-07-20.csv").write_text(
        'id,name,session_id,user_id,tags,release\ntr_A,support-chat,sess_1,u_9,"[""beta""]",v1.4\n'
    )
    records, _ = collect(export / "observations" / "2026-07-20.jsonl", FMT)
    answer = next(r for r in records if r.message_id == "obs_L1")
    assert answer.conversation_id == "sess_1"
    assert (answer.labels["user_id"], answer.labels["tags"]) == ("u_9", "beta")
