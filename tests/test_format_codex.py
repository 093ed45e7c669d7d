"""Codex CLI rollouts and ``codex exec --json``: every gotcha with hand-computed totals."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from desktop.logs.detect import detect
from desktop.logs.expand import expand_paths
from desktop.logs.formats.base import Detection
from desktop.logs.formats.codex import CodexExec, CodexRollout, buckets, superseded_archives
from desktop.logs.reader import collect, deduplicate
from desktop.record import CallRecord

FIXTURES = Path(__file__).parent / "fixtures" / "codex"
U1 = "0199a213-81c0-7800-8aa1-bbab2a035a53"
MAIN = FIXTURES / "sessions" / "2026" / "07" / "03" / f"rollout-2026-07-03T18-00-00-{U1}.jsonl"
FORK = FIXTURES / "fork"
ROLLOUT = CodexRollout()
EXEC = CodexExec()


def only(folder: str) -> Path:
    (path,) = sorted((FIXTURES / folder).glob("*.jsonl"))
    return path


def read(path: Path, fmt=ROLLOUT) -> list[CallRecord]:
    records, problems = collect(path, fmt)
    assert problems == []
    return records


def rows(records: list[CallRecord]) -> list[tuple[int, int, int, int, int]]:
    """(uncached input, cache read, cache write, output, reasoning) per record."""
    return [
        (
            r.input_tokens,
            r.cache_read_tokens,
            r.cache_write_5m_tokens,
            r.output_tokens,
            r.reasoning_tokens,
        )
        for r in records
    ]


def test_main_rollout_reemits_null_info_and_inclusion() -> None:
    records = read(MAIN)
    # Three calls: the info:null event and the two re-emitted events (unchanged
    # totals) are skipped. Per call (from last_token_usage):
    #   call 1: input 10,000 incl. 8,000 cached → 2,000 uncached; output 500 incl. 200 reasoning
    #   call 2: input 12,000 incl. 11,000 cached → 1,000; output 300 incl. 100
    #   call 3: input 8,000 incl. 6,000 cached and 1,500 written → 500; output 200
    assert rows(records) == [
        (2000, 8000, 0, 500, 200),
        (1000, 11000, 0, 300, 100),
        (500, 6000, 1500, 200, 0),
    ]
    assert [r.model for r in records] == ["gpt-5-codex", "gpt-5-codex", "gpt-5"]
    assert {r.provider for r in records} == {"openai"}
    assert {r.conversation_id for r in records} == {U1}
    assert {r.cache_write_1h_tokens for r in records} == {0}
    first, _, last = records
    assert first.labels == {
        "project": "shop-api",
        "cwd": "/home/dev/shop-api",
        "originator": "codex_cli_rs",
        "cli_version": "0.46.0",
        "source": "cli",
        "effort": "medium",
        "limit_id": "codex",
        "plan_type": "pro",
    }
    assert last.labels is not None
    assert last.labels["effort"] == "high"
    # meta, 2 user lines, turn_context, null info, reasoning, function call, then line 8
    assert first.line == 8


def test_lanes_keep_separate_cumulative_counters() -> None:
    records = read(only("lanes"))
    # Totals only, two interleaved lanes (limit ids codex / codex_bengalfox):
    #   codex:    1,000/0/100 then 2,500/800/260 → deltas 1,000/0/100 and 1,500/800/160
    #   bengalfox: 5,000/1,000/50 then 9,000/4,000/90 → 5,000/1,000/50 and 4,000/3,000/40
    # (input/cached/output; uncached = input - cached)
    assert rows(records) == [
        (1000, 0, 0, 100, 0),
        (4000, 1000, 0, 50, 0),
        (700, 800, 0, 160, 0),
        (1000, 3000, 0, 40, 0),
    ]
    # Sum of all input = both lanes' final totals: 2,500 + 9,000.
    assert sum(r.input_tokens + r.cache_read_tokens for r in records) == 11500


def test_counter_reset_never_re_adds_history() -> None:
    records = read(only("reset"))
    # totals 8,000/2,000/400 → 15,000/6,000/700 → (compaction) 3,000/0/150 with
    # last_token_usage → 7,000/2,500/260 (totals only, counted from the reset):
    #   8,000/2,000/400, 7,000/4,000/300, 3,000/0/150, 4,000/2,500/110
    assert rows(records) == [
        (6000, 2000, 0, 400, 0),
        (3000, 4000, 0, 300, 0),
        (3000, 0, 0, 150, 0),
        (1500, 2500, 0, 110, 0),
    ]
    # input 22,000 incl. 8,500 cached; output 960
    assert sum(r.input_tokens for r in records) == 13500
    assert sum(r.output_tokens for r in records) == 960


def test_reemits_are_compared_on_all_fields() -> None:
    # An early build writes total_tokens: 0 on every event: comparing that field
    # alone would call every event a re-emit. Totals 5,000/0/100 → 9,000/3,000/180
    # → the same again (a re-emit).
    records = read(only("old_build"))
    assert rows(records) == [(5000, 0, 0, 100, 0), (1000, 3000, 0, 80, 0)]
    # No turn_context in this build: the model comes from payload.info.model, and
    # without model_provider the provider is Codex's default.
    assert {r.model for r in records} == {"gpt-5"}
    assert {r.provider for r in records} == {"openai"}


def test_forked_rollout_skips_the_parent_replay() -> None:
    records = read(
        FIXTURES / "fork" / "rollout-2026-07-07T10-00-00-0199e658-d615-7d55-9ff6-00107f58a0a8.jsonl"
    )
    # The three token_count events in the first second replay the parent (last
    # total 2,600/900/180). Then a totals-only event 4,700/2,400/300 → delta
    # 2,100/1,500/120, and one with last_token_usage 2,300/1,600/120.
    assert rows(records) == [(600, 1500, 0, 120, 0), (700, 1600, 0, 120, 0)]
    assert {r.conversation_id for r in records} == {"0199e658-d615-7d55-9ff6-00107f58a0a8"}


def test_spawned_subagent_skips_the_parent_replay() -> None:
    records = read(
        FIXTURES / "fork" / "rollout-2026-07-07T10-05-00-0199e659-e726-7e66-8007-11218069b1b9.jsonl"
    )
    # Two different totals within 10:05:01 are the parent's calls; the real call
    # is 3,000 input incl. 2,000 cached, output 60.
    assert rows(records) == [(1000, 2000, 0, 60, 0)]
    assert records[0].labels is not None
    assert records[0].labels["source"] == "subagent"


def write(path: Path, rows: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def meta(**extra: object) -> dict:
    payload = {"id": "child", "cwd": "/w", "model_provider": "azure", **extra}
    return {"timestamp": "2026-07-07T10:00:00.000Z", "type": "session_meta", "payload": payload}


def count(ts: str, total: dict, last: dict | None = None) -> dict:
    info = {"total_token_usage": total} | ({"last_token_usage": last} if last else {})
    return {"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count", "info": info}}


def test_fork_child_whose_first_call_is_re_emitted_keeps_it(tmp_path: Path) -> None:
    # A real first call and its re-emit share a second but hold one total: not a replay.
    usage = {"input_tokens": 900, "cached_input_tokens": 0, "output_tokens": 30}
    path = write(
        tmp_path / "rollout-child.jsonl",
        [
            meta(forked_from_id="parent"),
            count("2026-07-07T10:00:05.100Z", usage, usage),
            count("2026-07-07T10:00:05.400Z", usage, usage),
        ],
    )
    records = read(path)
    assert rows(records) == [(900, 0, 0, 30, 0)]
    assert records[0].provider == "azure"
    assert records[0].model is None  # no turn_context and no fallback: unpriced, not guessed


def test_cached_and_reasoning_are_clamped_to_their_wholes() -> None:
    # Codex has logged cached > input: the cache read is capped at the input.
    assert buckets((100, 150, 0, 10, 20)) == (0, 100, 0, 10, 10)
    assert buckets((100, 40, 60, 5, 0)) == (0, 40, 60, 5, 0)
    assert buckets((100, 40, 90, 5, 0)) == (0, 40, 60, 5, 0)


def test_bad_counts_are_problems_and_the_rest_is_read(tmp_path: Path) -> None:
    good = {"input_tokens": 900, "cached_input_tokens": 100, "output_tokens": 30}
    bad = {"input_tokens": -5, "cached_input_tokens": 0, "output_tokens": 30}
    path = write(
        tmp_path / "rollout-bad.jsonl",
        [
            meta(),
            count("2026-07-07T10:00:05.100Z", good, good),
            count("2026-07-07T10:00:09.100Z", bad, bad),
            {"type": "event_msg", "payload": {"type": "token_count", "info": {}}},
        ],
    )
    records, problems = collect(path, ROLLOUT)
    assert rows(records) == [(800, 100, 0, 30, 0)]
    assert [(p.line, p.reason) for p in problems] == [
        (3, "total_token_usage.input_tokens is negative (-5)"),
        (4, "no timestamp"),
    ]


def test_exec_json_turns() -> None:
    path = FIXTURES / "exec" / "exec.jsonl"
    records = read(path, fmt=EXEC)
    # turn 1: 24,763 input incl. 24,448 cached → 315; output 122 incl. 64 reasoning
    # turn 2: 30,000 incl. 25,000 → 5,000; output 500. The failed turn has no usage.
    assert rows(records) == [(315, 24448, 0, 122, 64), (5000, 25000, 0, 500, 0)]
    assert {r.ts for r in records} == {os.stat(path).st_mtime}
    assert {r.model for r in records} == {None}
    assert {r.conversation_id for r in records} == {"0199f76a-f837-7f77-8118-2232917ac2ca"}
    assert [r.labels["turn"] for r in records if r.labels] == [1, 2]


def test_detection() -> None:
    rollout = detect(MAIN)
    assert isinstance(rollout, Detection)
    assert rollout.format_id == "codex"
    assert "token_count" in rollout.reason
    headless = detect(FIXTURES / "exec" / "exec.jsonl")
    assert isinstance(headless, Detection)
    assert headless.format_id == "codex-exec"


def test_archived_copy_loses_to_the_sessions_copy() -> None:
    expansion = expand_paths([FIXTURES])
    read_paths = {f.path for f in expansion.files}
    archived = FIXTURES.resolve() / "archived_sessions" / MAIN.name
    assert archived not in read_paths
    assert MAIN.resolve() in read_paths
    (why,) = [reason for path, reason in expansion.skipped if path == archived]
    assert "sessions/ copy is read" in why
    # An archived rollout without a live copy is read.
    assert any(p.parent.name == "archived_sessions" for p in read_paths)


def test_archived_copy_alone_is_read() -> None:
    archived = FIXTURES / "archived_sessions" / MAIN.name
    assert superseded_archives([archived]) == {}
    assert len(read(archived)) == 3


def test_copies_of_one_rollout_share_dedup_keys() -> None:
    archived = FIXTURES / "archived_sessions" / MAIN.name
    assert len(deduplicate(read(MAIN) + read(archived))) == 3


@pytest.mark.parametrize("folder", ["lanes", "reset", "old_build"])
def test_every_fixture_reads_without_problems(folder: str) -> None:
    assert read(only(folder))


def test_reading_a_file_again_is_idempotent(tmp_path: Path) -> None:
    # Stateful formats are re-read from the start when a file grows: the
    # records read the first time must collapse with the new ones.
    exec_log = FIXTURES / "exec" / "exec.jsonl"
    assert len(deduplicate(read(exec_log, fmt=EXEC) * 2)) == 2
    usage = {"input_tokens": 900, "cached_input_tokens": 0, "output_tokens": 30}
    no_meta = write(tmp_path / "rollout-no-meta.jsonl", [count("2026-07-07T10:00:05Z", usage)])
    assert len(deduplicate(read(no_meta) * 2)) == 1
    assert len(deduplicate(read(MAIN) * 2)) == 3


def _rollout_lines() -> list[dict]:
    def at(second: int, kind: str, payload: dict) -> dict:
        return {"timestamp": f"2026-07-07T10:00:{second:02}.000Z", "type": kind, "payload": payload}

    def item(second: int, **payload: object) -> dict:
        return at(second, "response_item", payload)

    def count(second: int, total_in: int, total_out: int, last_in: int, last_out: int) -> dict:
        def usage(i: int, o: int) -> dict:
            return {"input_tokens": i, "cached_input_tokens": 0, "output_tokens": o,
                    "reasoning_output_tokens": 0, "total_tokens": i + o}  # fmt: skip

        info = {"total_token_usage": usage(total_in, total_out),
                "last_token_usage": usage(last_in, last_out)}  # fmt: skip
        return at(second, "event_msg", {"type": "token_count", "info": info})

    def said(role: str, text: str) -> dict:
        kind = "output_text" if role == "assistant" else "input_text"
        return {"type": "message", "role": role, "content": [{"type": kind, "text": text}]}

    return [
        at(0, "session_meta", {"id": "0199e658-d615-7d55-9ff6-00107f58a0a8", "cwd": "/w"}),
        at(0, "turn_context", {"model": "gpt-5-codex", "cwd": "/w"}),
        item(1, **said("user", "Fix the failing <test>")),
        at(1, "event_msg", {"type": "user_message", "message": "Fix the failing <test>"}),
        item(2, type="reasoning", summary=[], encrypted_content="gAAAA"),
        item(3, type="function_call", name="shell", arguments='{"command":["pytest"]}'),
        count(4, 1000, 50, 1000, 50),
        item(5, type="function_call_output", output='{"output":"1 failed","metadata":{}}'),
        item(6, **said("assistant", "The test expects UTC.")),
        count(7, 2100, 80, 1100, 30),
        count(8, 2100, 80, 1100, 30),  # re-emitted: not a call
        item(9, **said("user", "Thanks")),
        item(10, **said("assistant", "You're welcome.")),
        count(11, 3300, 90, 1200, 10),
    ]


def test_turn_text_is_gathered_from_the_items_since_the_previous_count(tmp_path: Path) -> None:
    from desktop.analysis.conversations import conversation_turns
    from desktop.analysis.turn_text import read_turn_text
    from desktop.timeutil import resolve_zone
    from tests.helpers import open_logs, write_jsonl

    folder = tmp_path / "sessions" / "2026" / "07" / "07"
    folder.mkdir(parents=True)
    path = write_jsonl(
        folder / "rollout-2026-07-07T10-00-00-0199e658-d615-7d55-9ff6-00107f58a0a8.jsonl",
        _rollout_lines(),
    )
    dataset, _ = open_logs([path])
    assert dataset.store.count_calls() == 3
    conversation = dataset.rows([int(dataset.frame.ids[0])], ["conversation_id"])[0]
    turns = conversation_turns(
        dataset, "conversation_id", conversation["conversation_id"], resolve_zone("UTC")
    )
    texts = [read_turn_text(dataset, int(i)) for i in turns.ids]
    assert [(t.prompt, t.response) for t in texts] == [
        ("Fix the failing <test>", '[tool call: shell] {"command":["pytest"]}'),
        ("[tool result]\n1 failed", "The test expects UTC."),
        ("Thanks", "You're welcome."),
    ]
    assert all(t.note == "" for t in texts)


def test_codex_turn_text_needs_the_call_line_where_it_was(tmp_path: Path) -> None:
    import gzip

    from desktop.logs.formats.codex_turns import codex_turn_text

    lines = [orjson.dumps(line) for line in _rollout_lines()]
    path = tmp_path / "rollout.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    last = len(b"\n".join(lines[:-1])) + 1
    assert codex_turn_text(path, last) == ("Thanks", "You're welcome.")
    assert codex_turn_text(path, 0) is None  # not a token_count line: the file changed
    packed = tmp_path / "rollout.jsonl.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    # offsets count decompressed bytes: the same window from the compressed copy
    assert codex_turn_text(packed, last) == ("Thanks", "You're welcome.")
    assert codex_turn_text(tmp_path / "gone.jsonl", last) is None
