"""The three forms of a rate cell (Python, numpy, SQL) agree on conditions and cost."""

from __future__ import annotations

import sqlite3

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.cells import CostFlag, RateCell, flags_for_call, select_cell

rates = st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False)
minute_ranges = st.lists(
    st.tuples(st.integers(0, 1439), st.integers(1, 1440)).filter(lambda r: r[0] < r[1]),
    min_size=1,
    max_size=3,
).map(tuple)


@st.composite
def cells(draw: st.DrawFn) -> RateCell:
    start = draw(st.none() | st.floats(1.6e9, 1.8e9))
    end = draw(st.none() | st.floats(1.6e9, 1.8e9))
    prompt_min = draw(st.integers(0, 300_000))
    prompt_max = draw(st.none() | st.integers(1, 400_000))
    return RateCell(
        price_id="x",
        input=draw(rates),
        output=draw(rates),
        cache_read=draw(rates),
        cache_write_5m=draw(rates),
        cache_write_1h=draw(rates),
        reasoning=draw(rates),
        per_request=draw(st.floats(0, 1)),
        per_web_search=draw(st.floats(0, 0.05)),
        start=start,
        end=end,
        prompt_min=prompt_min,
        prompt_max=prompt_max,
        utc_weekdays=draw(st.none() | st.frozensets(st.integers(0, 6), min_size=1)),
        utc_hours=draw(st.none() | st.frozensets(st.integers(0, 23), min_size=1)),
        utc_minutes=draw(st.none() | minute_ranges),
    )


calls = st.lists(
    st.tuples(
        st.integers(1_600_000_000, 1_800_000_000),
        st.integers(0, 400_000),
        st.integers(0, 100_000),
        st.integers(0, 50_000),
        st.integers(0, 50_000),
        st.integers(0, 20_000),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(cell=cells(), rows=calls)
def test_conditions_and_cost_agree_in_python_numpy_and_sql(
    cell: RateCell, rows: list[tuple[int, ...]]
) -> None:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE calls (id INTEGER, ts REAL, input_tokens INT, cache_read_tokens INT,"
        " cache_write_5m_tokens INT, cache_write_1h_tokens INT, output_tokens INT,"
        " reasoning_tokens INT, web_search_requests INT)"
    )
    for i, (at, uncached, plain_out, read, write, thought) in enumerate(rows):
        db.execute(
            "INSERT INTO calls VALUES (?,?,?,?,?,?,?,?,?)",
            (i, at, uncached, read, write, 0, plain_out + thought, thought, i % 3),
        )
    ts = np.array([r[0] for r in rows], dtype=np.float64)
    inp = np.array([r[1] for r in rows], dtype=np.int64)
    cr = np.array([r[3] for r in rows], dtype=np.int64)
    w5 = np.array([r[4] for r in rows], dtype=np.int64)
    w1 = np.zeros(len(rows), dtype=np.int64)
    reasoning = np.array([r[5] for r in rows], dtype=np.int64)
    out = np.array([r[2] for r in rows], dtype=np.int64) + reasoning
    web = np.array([i % 3 for i in range(len(rows))], dtype=np.int64)
    prompt = inp + cr + w5 + w1

    by_python = [cell.applies(float(t), int(p)) for t, p in zip(ts, prompt, strict=True)]
    by_numpy = cell.mask(ts, prompt).tolist()
    where, params = cell.sql_condition()
    selected = {row[0] for row in db.execute(f"SELECT id FROM calls WHERE {where}", params)}
    by_sql = [i in selected for i in range(len(rows))]
    assert by_python == by_numpy == by_sql

    expr, cost_params = cell.sql_cost()
    sql_costs = [row[0] for row in db.execute(f"SELECT {expr} FROM calls ORDER BY id", cost_params)]
    numpy_costs = cell.cost_array(inp, cr, w5, w1, out, reasoning, web).tolist()
    python_costs = [
        cell.cost(int(a), int(b), int(c), int(d), int(e), int(f), int(g))
        for a, b, c, d, e, f, g in zip(inp, cr, w5, w1, out, reasoning, web, strict=True)
    ]
    assert python_costs == numpy_costs == sql_costs


def test_minute_window_crossing_midnight() -> None:
    # 16:30-00:30 UTC is two ranges: [990, 1440) and [0, 30)
    night = RateCell("n", 1, 1, 1, 1, 1, 1, utc_minutes=((990, 1440), (0, 30)))
    day = 1_740_000_000 - 1_740_000_000 % 86400
    assert night.applies(day + 16 * 3600 + 30 * 60, 0)
    assert not night.applies(day + 16 * 3600 + 29 * 60 + 59, 0)
    assert night.applies(day + 29 * 60, 0)
    assert not night.applies(day + 30 * 60, 0)
    fallback = RateCell("d", 2, 2, 2, 2, 2, 2)
    assert select_cell((night, fallback), day + 12 * 3600, 0) is fallback


def test_flags_for_call_drops_assumptions_about_empty_buckets() -> None:
    every = int(
        CostFlag.ASSUMED_CACHE_READ
        | CostFlag.ASSUMED_CACHE_WRITE_5M
        | CostFlag.ASSUMED_CACHE_WRITE_1H
        | CostFlag.LONG_CONTEXT
    )
    assert flags_for_call(every, 0, 0, 0) == CostFlag.LONG_CONTEXT
    assert flags_for_call(every, 5, 0, 1) == (
        CostFlag.LONG_CONTEXT | CostFlag.ASSUMED_CACHE_READ | CostFlag.ASSUMED_CACHE_WRITE_1H
    )
