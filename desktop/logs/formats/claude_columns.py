"""The fast path for Claude Code transcripts: copies merged before records are built.

Every API response is written as several lines (one per content block, each a
streaming snapshot of the usage), so most assistant lines lose to another copy
of the same message. This reader takes what the dedup rule needs from each
line, keeps the winning copy per message, and builds columns for the winners
only. A line that does not fit the common shape (errors, progress echoes,
unusual usage fields, another timestamp spelling…) is handed back to the
line-by-line reader, which has the last word on it; ``merge_copies`` in
:mod:`desktop.logs.columns` then applies the dedup rule across both readers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import compress
from math import isfinite
from typing import Any

import numpy as np

from desktop.logs.columns import Columns, Item, iso_timestamps
from desktop.logs.formats.claude_code import PARENT_BONUS, SYNTHETIC_MODEL, _timestamp, provider_of
from desktop.record import SERVICE_TIERS, BadRecord, Labels, Problem, tier_with_speed

LabelsOf = Callable[[str | None, str | None, str | None, bool, str | None, str | None], Labels]

_TIERS = frozenset(SERVICE_TIERS)
_NUMBERS = frozenset((int, float))


def _text(value: Any) -> str | None:
    return value if type(value) is str and value else None


def read_claude_columns(items: Iterable[Item], labels_of: LabelsOf) -> tuple[Columns, list[Item]]:
    """Columns for the winning copies of common-shape assistant lines; the rest, one by one.

    The columns carry ``dedup_key``/``dedup_rank`` like the line reader's records,
    so ``merge_copies`` can settle keys that also occur among the others.
    """
    rows: list[tuple[Any, ...]] = []
    seen_labels: dict[tuple[Any, ...], Labels] = {}
    slow: list[Item] = []
    append = rows.append
    # The dedup rule as lines come: per message id the highest rank wins, on a tie
    # the first read. (Settled again below if a timestamp turns out unreadable.)
    winner: dict[str, int] = {}
    best = winner.get
    for item in items:
        obj = item[2]
        # Subscripts, not .get: a missing key (KeyError) or a line or message that is
        # not an object (TypeError) sends the line to the line reader.
        try:
            if obj["type"] != "assistant":
                slow.append(item)
                continue
            message = obj["message"]
            model = message["model"]
            if model == SYNTHETIC_MODEL:
                continue  # Claude Code's local placeholder: not a call
            usage = message["usage"]
            message_id = message["id"]
            request_id = obj["requestId"]
            inp = usage["input_tokens"]
            out = usage["output_tokens"]
        except (KeyError, TypeError):
            slow.append(item)
            continue
        get = usage.get
        read = get("cache_read_input_tokens", 0)
        created = get("cache_creation_input_tokens", 0)
        tier = get("service_tier")
        speed = get("speed")  # fast mode
        if (
            type(usage) is not dict
            or type(model) is not str
            or type(message_id) is not str
            or not message_id
            or type(request_id) is not str
            or not request_id
            or not (type(inp) is type(out) is type(read) is type(created) is int)
            or (inp | out | read | created) < 0  # (negative if any one is)
            or "output_tokens_details" in usage
            or (speed is not None and type(speed) is not str)
            or (tier is not None and (type(tier) is not str or tier not in _TIERS))
        ):
            slow.append(item)
            continue
        one_hour = 0
        detail = get("cache_creation")
        if detail is not None:
            if type(detail) is not dict:
                slow.append(item)
                continue
            one_hour = detail.get("ephemeral_1h_input_tokens", 0)
            five_min = detail.get("ephemeral_5m_input_tokens", 0)
            if not (
                type(one_hour) is int
                and type(five_min) is int
                and one_hour >= 0
                and five_min >= 0
                and one_hour + five_min <= created
            ):
                slow.append(item)
                continue
        searches = 0
        tools = get("server_tool_use")
        if type(tools) is dict:
            searches = tools.get("web_search_requests", 0)
            if searches is None:
                searches = 0
            elif type(searches) is not int or searches < 0:
                slow.append(item)
                continue
        get = obj.get
        parent = get("parentUuid")
        cost = get("costUSD")
        if (
            (cost is not None and (type(cost) not in _NUMBERS or not isfinite(cost)))
            or (parent is not None and type(parent) is not str)
            or get("isApiErrorMessage") is True
        ):
            slow.append(item)
            continue
        session = get("sessionId")
        sidechain = get("isSidechain") is True
        key = (
            get("cwd"),
            get("gitBranch"),
            session,
            sidechain,
            get("agentId"),
            get("version"),
            speed,
        )
        # Lines of one session share their labels: look them up by the raw values.
        try:
            labels = seen_labels.get(key)
        except TypeError:  # an unhashable value: never a label anyway
            labels = None
            key = None
        if labels is None:
            labels = labels_of(
                _text(get("cwd")),
                _text(get("gitBranch")),
                _text(session),
                sidechain,
                _text(get("agentId")),
                _text(get("version")),
            )
            if speed is not None:
                labels = {**labels, "speed": speed}
            if key is not None:
                seen_labels[key] = labels
        if type(session) is not str or not session:
            session = None
        if speed is not None:
            tier = tier_with_speed(tier, speed)
        total = inp + read + created + out
        rank = float(total) if sidechain else PARENT_BONUS + total
        j = best(message_id)
        if j is None or rank > rows[j][15]:
            winner[message_id] = len(rows)
        append(
            (
                item[:2],  # line and offset: the parsed line itself is let go
                model,
                tier,
                inp,
                read,
                created - one_hour,
                one_hour,
                out,
                searches,
                request_id,
                message_id,
                session,
                parent,
                None if cost is None else float(cost),
                labels,
                rank,
                get("timestamp"),
            )
        )

    stamps = [row[16] for row in rows]
    bad = np.zeros(len(rows), dtype=bool)
    ts = iso_timestamps(stamps, bad) if rows else np.zeros(0)
    out = Columns()
    if bad.any():
        # Other spellings, and unreadable stamps: the line reader's own parser decides.
        # Everything else about these lines passed, so the timestamp is all that can fail.
        unreadable = []
        for i in np.flatnonzero(bad).tolist():
            try:
                ts[i] = _timestamp(stamps[i], None)
            except BadRecord as exc:
                line, offset = rows[i][0]
                out.problems.append(Problem(line, str(exc), offset))
                unreadable.append(i)
        if unreadable:
            keep = np.ones(len(rows), dtype=bool)
            keep[unreadable] = False
            rows = list(compress(rows, keep.tolist()))
            ts = ts[keep]
            winner = {}  # a winner may be gone: the rule again, over the rows left
            for i, row in enumerate(rows):
                j = winner.get(row[10])
                if j is None or row[15] > rows[j][15]:
                    winner[row[10]] = i
    picked = sorted(winner.values())
    out.merged = len(rows) - len(picked)
    if not picked:
        return out, slow
    chosen = [rows[i] for i in picked]
    cols = list(zip(*chosen, strict=True))
    n = len(chosen)
    items_of = cols[0]
    out.extend(
        {
            "ts": ts[picked].tolist(),
            "provider": list(map({m: provider_of(m) for m in set(cols[1])}.__getitem__, cols[1])),
            "model": cols[1],
            "service_tier": cols[2],
            "input_tokens": cols[3],
            "cache_read_tokens": cols[4],
            "cache_write_5m_tokens": cols[5],
            "cache_write_1h_tokens": cols[6],
            "output_tokens": cols[7],
            "reasoning_tokens": (0,) * n,
            "web_search_requests": cols[8],
            "request_id": cols[9],
            "message_id": cols[10],
            "conversation_id": cols[11],
            "trace_id": (None,) * n,
            "parent_id": cols[12],
            "status": ("ok",) * n,
            "error": (None,) * n,
            "latency_ms": (None,) * n,
            "reported_cost_usd": cols[13],
            "line": [it[0] for it in items_of],
            "offset": [it[1] for it in items_of],
            "dedup_key": ["claude:" + m for m in cols[10]],
            "dedup_rank": cols[15],
        },
        cols[14],
        n,
    )
    return out, slow
