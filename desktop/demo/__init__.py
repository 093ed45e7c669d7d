"""Deterministic demo call logs in Spendtrail's own JSONL format.

``write_demo_data(directory, calls, seed)`` writes three month files
(``calls-2026-05.jsonl`` .. ``calls-2026-07.jsonl``) of realistic LLM API calls.
Same ``calls`` and ``seed`` give byte-identical files on any machine.

The story (see ``_world`` for the tables):

* 12 tenants in their own time zones; globex and northwind are the big ones,
  monarch goes live on 8 June, northwind has a summer sale 6-8 July.
* Cost is dominated by ``agent-research`` (/v1/agents, Claude Sonnet with the
  1h cache TTL, Opus for tyrell, GPT-5, Gemini 2.5 Pro, DeepSeek Reasoner),
  then ``code-review`` and ``support-chat``.
* Deliberate anomalies: four 60-call "marathon" agent runs (globex Sonnet 1M
  and umbrella Gemini Pro past 200k tokens; northwind GPT-5 and tyrell Opus
  run into ``context_length_exceeded``, then compact); ~0.05% 100x calls (whole
  documents pasted into classify, summarize and translate); billed timeouts
  retried under the same request id (double billing); /v1/summarize moving
  40% to Claude Haiku from 16 June; an Anthropic overload spike on 18 June
  13:00-16:00 UTC; the unpriced ``acme-llm-7b-ft`` (globex/initech classify);
  a gateway ``reported_cost_usd`` on /v1/agents that ignores long-context
  rates and drifts a few percent on some calls.
* Every scripted feature appears from about 8,000 calls up.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path

import orjson

from desktop.demo._calls import Generator, Record
from desktop.demo._world import DAY_MS, DAYS, END_MS, HOUR_MS, START_MS, Planner

__all__ = ["write_demo_data"]

MONTHS = ("2026-05", "2026-06", "2026-07")
_MONTH_STARTS = (START_MS, START_MS + 31 * DAY_MS, START_MS + 61 * DAY_MS, START_MS + DAYS * DAY_MS)
# Sessions are generated in start order, so no later session can write a call
# before the current start, except that sessions running past July are shifted
# back (by less than a day): the last day is held until the end.
_HOLD_FROM_MS = END_MS + 1 - DAY_MS


def write_demo_data(directory: Path, calls: int = 50_000, seed: int = 7) -> list[Path]:
    """Write ``calls`` demo calls into ``directory``; returns the three month files."""
    if calls < 0:
        raise ValueError("calls must be >= 0")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    planner = Planner(calls, random.Random(f"spendtrail-demo:{seed}:plan"))
    sessions = planner.plan()
    generator = Generator(seed, planner.workloads)
    paths = [directory / f"calls-{month}.jsonl" for month in MONTHS]
    with _MonthFiles(paths) as out:
        pending: list[Record] = []
        flushed_to = START_MS
        for session in sessions:
            if session.start > flushed_to + HOUR_MS:
                # A small buffer keeps the records being sorted and written in CPU cache.
                flushed_to = min(session.start, _HOLD_FROM_MS)
                pending = out.write_before(pending, flushed_to)
            pending.extend(generator.session(session))
        out.write_before(pending, None)
    return paths


class _MonthFiles:
    """Buffered month files; each flush sorts what it writes by time."""

    def __init__(self, paths: list[Path]) -> None:
        self._files = [path.open("wb", buffering=1 << 20) for path in paths]
        # Timestamp pieces as lookup tables: formatting a million times adds up.
        self._days = [_day_prefix(d) for d in range(DAYS)]
        self._seconds = [
            f"{h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60)
        ]
        self._millis = [f"{ms:03d}Z" for ms in range(1000)]

    def __enter__(self) -> _MonthFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        for f in self._files:
            f.close()

    def write_before(self, pending: list[Record], cutoff: int | None) -> list[Record]:
        """Write pending records older than ``cutoff`` (all if None); return the rest."""
        # Stable sort on time alone: equal times keep the order they were generated in.
        pending.sort(key=_TIME)
        cut = len(pending) if cutoff is None else bisect_left(pending, cutoff, key=_TIME)
        days, seconds, millis = self._days, self._seconds, self._millis
        dumps, option = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        for month, f in enumerate(self._files):
            lo = bisect_left(pending, _MONTH_STARTS[month], 0, cut, key=_TIME)
            hi = bisect_left(pending, _MONTH_STARTS[month + 1], 0, cut, key=_TIME)
            write = f.write
            for t, record in pending[lo:hi]:
                day, ms = divmod(t - START_MS, DAY_MS)
                second, ms = divmod(ms, 1000)
                record["ts"] = days[day] + seconds[second] + millis[ms]
                # One line at a time: holding many orjson results alive is much slower.
                write(dumps(record, option=option))
        return pending[cut:]


def _day_prefix(day: int) -> str:
    when = datetime.fromtimestamp((START_MS + day * DAY_MS) / 1000, tz=UTC)
    return when.strftime("%Y-%m-%dT")


_TIME = itemgetter(0)
