"""Conversations (Qt-free): the list, one conversation's turns, cold caches, cost drivers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest

from desktop.analysis.conversations import (
    cold_turns,
    conversation_columns,
    conversation_list,
    conversation_turns,
    cost_driver,
    default_column,
    explain_turn,
    parent_turns,
    side_chains,
)
from desktop.analysis.turn_text import read_turn_text
from desktop.store.dataset import Filters
from desktop.timeutil import parse_timestamp, resolve_zone
from pricing import PricingEngine, Usage
from tests.helpers import TEST_CATALOG, call, open_logs, write_jsonl

UTC = resolve_zone("UTC")
MINI = "gpt-4.1-mini"  # test catalog: input 0.4, output 1.6, cache read 0.1 per 1M
SONNET = "claude-sonnet-4-5-20250929"  # 3 / 15 / read 0.3 / write 5m 3.75 / 1h 6


def _calls() -> list[dict]:
    def c(ts: str, conv: str | None, model: str = MINI, **kw: object) -> dict:
        record = call(f"2026-07-01T{ts}Z", model, conversation_id=conv, **kw)
        record.setdefault("labels", {"session": f"s-{conv}" if conv else "s-none"})
        return record

    return [
        c("10:00:00", "a", input_tokens=1000, output_tokens=100, request_id="a1"),
        c("10:01:00", "a", input_tokens=200, cache_read_tokens=1000, output_tokens=50),
        c("10:02:00", "a", input_tokens=3000, output_tokens=0, prompt="third", response="ok"),
        c("11:00:00", "b", SONNET, input_tokens=10000, output_tokens=1000),
        c("11:05:00", "b", "mystery-model", input_tokens=500, output_tokens=5),
        c("11:10:00", "b", SONNET, input_tokens=100, cache_read_tokens=10000, output_tokens=200),
        c("09:00:00", "c", input_tokens=100, output_tokens=10),
        c("12:00:00", None),
    ]


@pytest.fixture
def dataset(tmp_path: Path):
    log = write_jsonl(tmp_path / "calls.jsonl", _calls())
    ds, _ = open_logs([log])
    return ds


def test_list_sorted_by_cost_with_hand_computed_figures(dataset) -> None:
    conversations = conversation_list(dataset, dataset.mask(Filters()), "conversation_id", UTC)
    assert conversations.keys == ["b", "a", "c"]
    assert conversations.turns.tolist() == [3, 3, 1]
    # b: 10,000 x 3 + 1,000 x 15 = 45,000; 100 x 3 + 10,000 x 0.3 + 200 x 15 = 6,300 (per 1M)
    # a: 560 + 260 + 1,200; c: 56
    np.testing.assert_allclose(conversations.cost, [0.0513, 0.00202, 0.000056], rtol=1e-12)
    assert conversations.unpriced.tolist() == [1, 0, 0]
    np.testing.assert_allclose(conversations.top_turn_cost, [0.045, 0.0012, 0.000056])
    assert conversations.tokens.tolist() == [11000 + 505 + 10300, 1100 + 1250 + 3000, 110]
    assert conversations.model_count.tolist() == [2, 1, 1]
    assert conversations.models(0) == [SONNET, "mystery-model"]
    assert conversations.without_key == 1
    assert conversations.first_ts[1] == parse_timestamp("2026-07-01T10:00:00Z")
    assert conversations.last_ts[1] == parse_timestamp("2026-07-01T10:02:00Z")
    ids = dataset.frame.ids
    ts = dataset.frame.num("ts")
    assert conversations.top_turn_id[0] == ids[ts == parse_timestamp("2026-07-01T11:00:00Z")][0]
    assert conversations.find("a") == 1 and conversations.find("zzz") == -1


def test_list_follows_the_filters_and_any_label(dataset) -> None:
    since = parse_timestamp("2026-07-01T10:30:00Z")
    mask = dataset.mask(Filters(since=since))
    conversations = conversation_list(dataset, mask, "conversation_id", UTC)
    assert conversations.keys == ["b"]
    by_session = conversation_list(dataset, dataset.mask(Filters()), "session", UTC)
    assert by_session.keys == ["s-b", "s-a", "s-c", "s-none"]
    assert by_session.without_key == 0


def test_sort_orders(dataset) -> None:
    conversations = conversation_list(dataset, dataset.mask(Filters()), "conversation_id", UTC)
    order = conversations.sort_order("first", descending=False)
    assert [conversations.keys[i] for i in order] == ["c", "a", "b"]
    order = conversations.sort_order("key", descending=True)
    assert [conversations.keys[i] for i in order] == ["c", "b", "a"]


def test_columns_offered_and_default(dataset) -> None:
    columns = conversation_columns(dataset)
    assert columns[:3] == ["conversation_id", "session", "trace_id"]
    assert default_column(dataset) == "conversation_id"


def test_turns_of_one_conversation(dataset) -> None:
    mask = dataset.mask(Filters(where=(("model", (SONNET,)),)))
    turns = conversation_turns(dataset, "conversation_id", "b", UTC, mask=mask)
    assert len(turns) == 3
    assert turns.model == [SONNET, "mystery-model", SONNET]
    assert turns.in_filters == 2
    assert np.isnan(turns.cost[1])
    np.testing.assert_allclose(turns.cumulative_cost, [0.045, 0.045, 0.0513])
    assert turns.unpriced_turns == 1
    assert turns.most_expensive == 0
    np.testing.assert_allclose(turns.hit_rate, [0.0, 0.0, 10000 / 10100])
    assert turns.overall_hit_rate == pytest.approx(10000 / (10000 + 500 + 10100))
    assert turns.models() == [SONNET, "mystery-model"]
    missing = conversation_turns(dataset, "conversation_id", "nope", UTC)
    assert len(missing) == 0 and missing.most_expensive == -1


def test_cold_cache_rule() -> None:
    # turn: 0 writes the context, 1 reads it, 2 re-sends it uncached (cold),
    # 3 reads again, 4 is a reset (short prompt), 5 re-writes the context after 20 min (cold)
    inp = np.array([200, 300, 6000, 100, 400, 100])
    read = np.array([0, 5000, 0, 6000, 0, 0])
    write = np.array([5000, 0, 0, 0, 0, 6500])
    ts = np.array([0.0, 60, 120, 180, 240, 240 + 1200])
    cold, reasons = cold_turns(inp, read, write, ts, [None] * 6, ["m"] * 6)
    assert cold.tolist() == [False, False, True, False, False, False]
    assert reasons[2] == "cache cold: 6,000 input tokens sent uncached"
    # turn 5 follows turn 4 (400 tokens: too small a context to count as a miss)
    inp2 = np.array([200, 300, 100])
    read2 = np.array([0, 5000, 0])
    write2 = np.array([5000, 0, 6000])
    ts2 = np.array([0.0, 60, 1260])
    cold, reasons = cold_turns(inp2, read2, write2, ts2, [None] * 3, ["m", "m", "n"])
    assert cold.tolist() == [False, False, True]
    assert reasons[2] == (
        "cache cold: 6,000 tokens written to the cache again "
        "(20 min after the previous turn; cache entries expire; model changed from m)"
    )


def test_cold_cache_needs_a_warm_cache_and_is_per_branch() -> None:
    # a branch that never caches is uncached, not cold
    inp = np.array([5000, 6000, 7000])
    zeros = np.zeros(3, dtype=np.int64)
    cold, _ = cold_turns(inp, zeros, zeros, np.zeros(3), [None] * 3)
    assert not cold.any()
    # the side chain's first call is not a miss of the main branch's cache
    inp = np.array([100, 3000, 100, 100])
    read = np.array([0, 0, 4000, 0])
    write = np.array([4000, 0, 0, 0])
    cold, _ = cold_turns(inp, read, write, np.zeros(4), [None, "researcher", None, None])
    assert cold.tolist() == [False, False, False, False]
    # failed calls that sent nothing are passed over
    inp = np.array([100, 0, 4100])
    read = np.array([0, 0, 0])
    write = np.array([4000, 0, 0])
    cold, _ = cold_turns(inp, read, write, np.zeros(3), [None] * 3)
    assert cold.tolist() == [False, False, True]


def test_side_chains_and_parents() -> None:
    flags = [[None, 1, "true", None, False]]
    agents = [[None, "researcher", None, "planner", None]]
    assert side_chains(5, flags, agents) == [None, "researcher", "side chain", "planner", None]
    # an agent label on every call names the main agent: not a side chain
    assert side_chains(2, [], [["main", "main"]]) == [None, None]
    parents = parent_turns(
        [None, "r1", "m9", "x"], ["r1", "r2", None, None], [None, "m9", None, None]
    )
    assert parents.tolist() == [-1, 0, 1, -1]


def test_cost_driver_names_the_dominant_bucket() -> None:
    engine = PricingEngine.from_file(TEST_CATALOG)
    ts = parse_timestamp("2026-07-01T00:00:00Z")
    explanation = engine.explain(
        SONNET, "anthropic", ts, None, Usage(input_tokens=180_000, output_tokens=1_000)
    )
    # 180,000 x 3 = $0.54 of $0.555
    assert cost_driver(explanation) == "97% of this turn's cost is 180,000 uncached input tokens"
    long = engine.explain(
        SONNET, "anthropic", ts, None, Usage(input_tokens=250_000, output_tokens=1_000)
    )
    # long-context: 250,000 x 6 = $1.50 of $1.5225
    assert cost_driver(long) == (
        "99% of this turn's cost is 250,000 uncached input tokens (the whole request at "
        "long-context rates: prompt 250,000 > 200,000)"
    )
    mixed = engine.explain(
        SONNET,
        "anthropic",
        ts,
        None,
        Usage(input_tokens=1_000, cache_read_tokens=10_000, output_tokens=300),
    )
    # input $0.003, cache read $0.003, output $0.0045 of $0.0105
    assert cost_driver(mixed) == (
        "43% of this turn's cost is 300 output tokens; 29% is 1,000 uncached input tokens"
    )
    unpriced = engine.explain("nope", None, ts, None, Usage(input_tokens=1))
    assert cost_driver(unpriced).startswith("unpriced: ")


def test_explain_turn_matches_the_stored_cost(dataset) -> None:
    engine = PricingEngine.from_file(TEST_CATALOG)
    turns = conversation_turns(dataset, "conversation_id", "b", UTC)
    explanation = explain_turn(engine, turns, 0)
    assert float(explanation.total) == pytest.approx(turns.cost[0], rel=1e-12)


def test_turn_text_is_read_from_the_source(dataset, tmp_path: Path) -> None:
    turns = conversation_turns(dataset, "conversation_id", "a", UTC)
    text = read_turn_text(dataset, int(turns.ids[2]))
    assert (text.prompt, text.response, text.note) == ("third", "ok", "")
    none = read_turn_text(dataset, int(turns.ids[0]))
    assert none.empty and "does not record" in none.note
    (tmp_path / "calls.jsonl").unlink()
    gone = read_turn_text(dataset, int(turns.ids[2]))
    assert gone.empty and "no longer there" in gone.note


def test_turn_text_of_a_json_document(tmp_path: Path) -> None:
    records = [
        call("2026-07-01T10:00:00Z", conversation_id="d", prompt="first <b>", response="one"),
        call("2026-07-01T10:01:00Z", conversation_id="d", prompt="second", response="two"),
    ]
    document = tmp_path / "calls.json"
    document.write_bytes(orjson.dumps(records, option=orjson.OPT_INDENT_2))
    dataset, _ = open_logs([document])
    turns = conversation_turns(dataset, "conversation_id", "d", UTC)
    texts = [read_turn_text(dataset, int(i)) for i in turns.ids]
    assert [(t.prompt, t.response) for t in texts] == [("first <b>", "one"), ("second", "two")]


def test_turn_text_of_an_llm_logs_database(tmp_path: Path) -> None:
    from tests.test_format_llm_cli import build_llm_db

    db = build_llm_db(tmp_path / "logs.db")
    dataset, _ = open_logs([db])
    texts = {
        (read_turn_text(dataset, int(i)).prompt, read_turn_text(dataset, int(i)).response)
        for i in dataset.frame.ids
    }
    assert ("Plan a trip", "Day 1: …") in texts
    assert ("Now bar", "Done.") in texts


def _claude_line(kind: str, uuid: str, parent: str | None, message: dict, **extra: object) -> dict:
    line = {
        "parentUuid": parent,
        "isSidechain": False,
        "cwd": "/home/dev/shop",
        "sessionId": "s-1",
        "version": "2.1.40",
        "type": kind,
        "uuid": uuid,
        "timestamp": "2026-07-14T09:00:00.000Z",
        "message": message,
        **extra,
    }
    return line


def _assistant(uuid: str, parent: str, message_id: str, block: dict, output: int) -> dict:
    usage = {"input_tokens": 10, "cache_read_input_tokens": 1000, "output_tokens": output}
    message = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": SONNET,
        "content": [block],
        "usage": usage,
    }
    return _claude_line("assistant", uuid, parent, message, requestId=f"req_{message_id}")


def _transcript() -> list[dict]:
    tool = {"type": "tool_use", "id": "t1", "name": "Read", "input": {"file_path": "README.md"}}
    lines = [
        _claude_line("user", "u1", None, {"role": "user", "content": "Summarise <README>"}),
        # one response, two blocks (two lines, the second with the final usage)
        _assistant("a1", "u1", "msg_1", {"type": "text", "text": "Reading it."}, 3),
        _assistant("a2", "a1", "msg_1", tool, 40),
        # two tool results (parallel calls) and a system note before the next response
        _claude_line(
            "user",
            "u2",
            "a2",
            {"role": "user", "content": [{"type": "tool_result", "content": "# Shop\nAn API."}]},
        ),
        _claude_line(
            "user",
            "u3",
            "u2",
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "is_error": True,
                        "content": [{"type": "text", "text": "no such file: NOTES.md"}],
                    }
                ],
            },
        ),
        _claude_line("system", "y1", "u3", {"role": "system", "content": "hook ran"}),
        _assistant("a3", "y1", "msg_2", {"type": "text", "text": "The shop is an API."}, 9),
    ]
    return lines


def test_claude_code_turn_text_gathers_the_blocks_and_the_user_lines_before(
    tmp_path: Path,
) -> None:
    lines = _transcript()
    folder = tmp_path / "projects" / "-home-dev-shop"
    folder.mkdir(parents=True)
    write_jsonl(folder / "s-1.jsonl", lines)
    dataset, _ = open_logs([tmp_path / "projects"])
    turns = conversation_turns(dataset, "conversation_id", "s-1", UTC)
    assert len(turns.ids) == 2
    first, second = (read_turn_text(dataset, int(i)) for i in turns.ids)
    assert first.prompt == "Summarise <README>"
    assert first.response == 'Reading it.\n\n[tool call: Read] {"file_path":"README.md"}'
    assert second.prompt == (
        "[tool result]\n# Shop\nAn API.\n\n[tool result (error)]\nno such file: NOTES.md"
    )
    assert second.response == "The shop is an API."
    assert (first.note, second.note) == ("", "")


def test_claude_code_turn_text_reads_a_window_also_in_a_compressed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip

    from desktop.logs.formats import claude_turns

    lines = [orjson.dumps(line) for line in _transcript()]
    path = tmp_path / "s-1.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    offset = len(b"\n".join(lines[:-1])) + 1  # the last response's line
    raw = orjson.loads(lines[-1])
    whole = claude_turns.claude_turn_text(path, offset, raw)
    assert whole is not None and whole[0] and whole[0].startswith("[tool result]")
    # A window that starts inside the system line: that piece is dropped, not misread,
    # and the prompt's lines are out of reach.
    monkeypatch.setattr(claude_turns, "WINDOW_BEFORE", len(lines[-2]) // 2)
    assert claude_turns.claude_turn_text(path, offset, raw) == (None, "The shop is an API.")
    packed = tmp_path / "s-1.jsonl.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    # offsets count decompressed bytes: the same window (still cut short, as above)
    assert claude_turns.claude_turn_text(packed, offset, raw) == (None, "The shop is an API.")
    monkeypatch.setattr(claude_turns, "WINDOW_BEFORE", 4 << 20)
    assert claude_turns.claude_turn_text(packed, offset, raw) == whole
    assert claude_turns.claude_turn_text(tmp_path / "gone.jsonl", offset, raw) is None
