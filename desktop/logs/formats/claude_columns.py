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
from typing import Any

import numpy as np

from desktop.logs.columns import Columns, Item, iso_timestamps
from desktop.logs.formats.claude_code import PARENT_BONUS, SYNTHETIC_MODEL, _timestamp, provider_of
from desktop.record import SERVICE_TIERS, BadRecord, Labels, Problem

LabelsOf = Callable[[str | None, str | None, str | None, bool, str | None, str | None], Labels]

_TIERS = frozenset(SERVICE_TIERS)
_COST_TYPES = frozenset((int, float, type(None)))
_PARENT_TYPES = frozenset((str, type(None)))


def _text(value: Any) -> str | None:
    return value if type(value) is str and value else None


def read_claude_columns(items: Iterable[Item], labels_of: LabelsOf) -> tuple[Columns, list[Item]]:
    """Columns for the winning copies of common-shape assistant lines; the rest, one by one.

    The columns carry ``dedup_key``/``dedup_rank`` like the line reader's records,
    so ``merge_copies`` can settle keys that also occur among the others.
    """
    rows: list[tuple[Any, ...]] = []
    seen_labels: dict[tuple[Any, ...], Labels] = {}
    stamps: list[Any] = []
    slow: list[Item] = []
    for item in items:
        obj = item[2]
        if type(obj) is not dict or obj.get("type") != "assistant":
            slow.append(item)
            continue
        message = obj.get("message")
        if type(message) is not dict:
            slow.append(item)
            continue
        model = message.get("model")
        if model == SYNTHETIC_MODEL:
            continue  # Claude Code's local placeholder: not a call
        usage = message.get("usage")
        message_id = message.get("id")
        request_id = obj.get("requestId")
        if (
            type(usage) is not dict
            or type(model) is not str
            or type(message_id) is not str
            or not message_id
            or type(request_id) is not str
            or not request_id
            or obj.get("isApiErrorMessage") is True
            or "output_tokens_details" in usage
            or "speed" in usage
        ):
            slow.append(item)
            continue
        inp = usage.get("input_tokens")
        out = usage.get("output_tokens")
        read = usage.get("cache_read_input_tokens", 0)
        created = usage.get("cache_creation_input_tokens", 0)
        if not (
            type(inp) is int
            and type(out) is int
            and type(read) is int
            and type(created) is int
            and inp >= 0
            and out >= 0
            and read >= 0
            and created >= 0
        ):
            slow.append(item)
            continue
        one_hour = 0
        detail = usage.get("cache_creation")
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
        tools = usage.get("server_tool_use")
        if type(tools) is dict:
            searches = tools.get("web_search_requests", 0)
            if searches is None:
                searches = 0
            elif type(searches) is not int or searches < 0:
                slow.append(item)
                continue
        tier = usage.get("service_tier")
        cost = obj.get("costUSD")
        parent = obj.get("parentUuid")
        if (
            (tier is not None and (type(tier) is not str or tier not in _TIERS))
            or type(cost) not in _COST_TYPES
            or (cost is not None and (cost != cost or cost in (float("inf"), float("-inf"))))
            or type(parent) not in _PARENT_TYPES
        ):
            slow.append(item)
            continue
        session = obj.get("sessionId")
        sidechain = obj.get("isSidechain") is True
        key = (
            obj.get("cwd"),
            obj.get("gitBranch"),
            session,
            sidechain,
            obj.get("agentId"),
            obj.get("version"),
        )
        # Lines of one session share their labels: look them up by the raw values.
        try:
            labels = seen_labels.get(key)
        except TypeError:  # an unhashable value: never a label anyway
            labels = None
            key = None
        if labels is None:
            labels = labels_of(
                _text(obj.get("cwd")),
                _text(obj.get("gitBranch")),
                _text(session),
                sidechain,
                _text(obj.get("agentId")),
                _text(obj.get("version")),
            )
            if key is not None:
                seen_labels[key] = labels
        if type(session) is not str or not session:
            session = None
        total = inp + read + created + out
        rows.append(
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
                float(total) if sidechain else PARENT_BONUS + total,
            )
        )
        stamps.append(obj.get("timestamp"))

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

    # The dedup rule: per message id the highest rank wins; on a tie, the first read.
    winner: dict[str, int] = {}
    for i, row in enumerate(rows):
        key = "claude:" + row[10]
        j = winner.get(key)
        if j is None or row[15] > rows[j][15]:
            winner[key] = i
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
            "provider": [provider_of(m) for m in cols[1]],
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
