"""The fast path for Claude Code transcripts: copies merged before records are built.

Every API response is written as several lines (one per content block, each a
streaming snapshot of the usage), so most assistant lines lose to another copy
of the same message. This reader takes what the dedup rule needs from each
line, keeps the winning copy per message, and builds columns for the winners
only.

Lines are decoded straight into :class:`ClaudeLine` (msgspec): only the fields
read here become Python objects, while the rest of the line (the message
content, most of its bytes) is still checked to be valid JSON but not built.
Types and ranges are checked while decoding. (The parser checks the UTF-8 of the
parts skipped. One thing it does not: a number too large for a double in a field
not read here, which JSON written by Claude Code, a JavaScript program, never
has; the line reader would make that line a problem.) A line that does not fit the
common shape (errors, progress echoes, unusual usage fields, another timestamp
spelling…) is parsed as plain JSON and handed to the line-by-line reader, which
has the last word on it; ``merge_copies`` in :mod:`desktop.logs.columns` then
applies the dedup rule across both readers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import compress
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
import orjson

from desktop.logs.columns import Columns, Item, iso_timestamps
from desktop.logs.formats.base import LineDecoder
from desktop.logs.formats.claude_code import (
    PARENT_BONUS,
    SPEED_BONUS,
    SYNTHETIC_MODEL,
    _timestamp,
    provider_of,
)
from desktop.record import (
    BASE_SERVICE_TIERS,
    MAX_TOKENS,
    BadRecord,
    Labels,
    Problem,
    tier_with_geo,
    tier_with_speed,
)

LabelsOf = Callable[[str | None, str | None, str | None, bool, str | None, str | None], Labels]


# A token count as the line reader takes it without a word: an integer in range
# (not a float, a boolean or null; those lines go to the line reader).
_Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_TOKENS)]
_Id = Annotated[str, msgspec.Meta(min_length=1)]
# Checked by the decoder, and one string object per value: other spellings
# ("default", "standard_only") are the line reader's to normalise.
_Tier = Literal[BASE_SERVICE_TIERS]  # type: ignore[valid-type]


class _CacheWrites(msgspec.Struct, gc=False):
    ephemeral_5m_input_tokens: _Count = 0
    ephemeral_1h_input_tokens: _Count = 0


class _OutputDetails(msgspec.Struct, gc=False):
    thinking_tokens: _Count | None = 0  # inside output_tokens


class _ServerTools(msgspec.Struct, gc=False):
    web_search_requests: _Count | None = 0


class _Usage(msgspec.Struct, gc=False):
    input_tokens: _Count
    output_tokens: _Count
    cache_read_input_tokens: _Count = 0
    cache_creation_input_tokens: _Count = 0
    cache_creation: _CacheWrites | None = None
    service_tier: _Tier | None = None
    speed: str | None = None  # fast mode
    inference_geo: str | None = None  # "us": US-only inference, priced higher on some models
    server_tool_use: _ServerTools | None = None
    output_tokens_details: _OutputDetails | None = None


class _Message(msgspec.Struct, gc=False):
    id: _Id
    model: str
    usage: _Usage


class ClaudeLine(msgspec.Struct, gc=False):
    """The fields of a transcript's assistant line that the fast path reads."""

    type: Literal["assistant"]
    message: _Message
    requestId: _Id  # the transcript's own spelling
    timestamp: str | None = None
    sessionId: Any = None
    parentUuid: str | None = None
    isSidechain: Any = None
    isApiErrorMessage: Any = None
    costUSD: float | None = None
    cwd: Any = None
    gitBranch: Any = None
    agentId: Any = None
    version: Any = None


# What the decoder rejects: the line is then parsed as plain JSON (which tells
# what is wrong with it, if anything). Recursion: deeper than msgspec nests.
LINE_DECODER = LineDecoder(
    msgspec.json.Decoder(ClaudeLine).decode,
    (msgspec.DecodeError, msgspec.ValidationError, RecursionError),
)


def _text(value: Any) -> str | None:
    return value if type(value) is str and value else None


def _plain(item: Item) -> Item:
    """A typed line as plain JSON, for the line reader."""
    return item[0], item[1], orjson.loads(item[3])


def read_claude_columns(items: Iterable[Item], labels_of: LabelsOf) -> tuple[Columns, list[Item]]:
    """Columns for the winning copies of common-shape assistant lines; the rest, one by one.

    ``items`` are (line, offset, value) as :class:`desktop.logs.reader.ChunkParser`
    yields them with :data:`LINE_DECODER`: a line decoded as :class:`ClaudeLine`
    comes as (line, offset, value, raw bytes), any other as plain JSON.
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
        line = item[2]
        if type(line) is not ClaudeLine:
            slow.append(item)  # not the common shape: plain JSON already
            continue
        message = line.message
        model = message.model
        if model == SYNTHETIC_MODEL:
            continue  # Claude Code's local placeholder: not a call
        usage = message.usage
        message_id = message.id
        request_id = line.requestId
        tier = usage.service_tier
        speed = usage.speed
        created = usage.cache_creation_input_tokens
        detail = usage.cache_creation
        one_hour = 0
        if detail is not None:
            one_hour = detail.ephemeral_1h_input_tokens
            if one_hour + detail.ephemeral_5m_input_tokens > created:
                slow.append(_plain(item))
                continue
        tools = usage.server_tool_use
        searches = 0 if tools is None else tools.web_search_requests or 0
        out = usage.output_tokens
        details = usage.output_tokens_details
        thinking = 0 if details is None else details.thinking_tokens or 0
        if thinking > out:  # the line reader says what is wrong
            slow.append(_plain(item))
            continue
        cost = line.costUSD
        if line.isApiErrorMessage is True:
            slow.append(_plain(item))
            continue
        session = line.sessionId
        sidechain = line.isSidechain is True
        key = (line.cwd, line.gitBranch, session, sidechain, line.agentId, line.version, speed)
        # Lines of one session share their labels: look them up by the raw values.
        try:
            labels = seen_labels.get(key)
        except TypeError:  # an unhashable value: never a label anyway
            labels = None
            key = None
        if labels is None:
            labels = labels_of(
                _text(line.cwd),
                _text(line.gitBranch),
                _text(session),
                sidechain,
                _text(line.agentId),
                _text(line.version),
            )
            if speed is not None:
                labels = {**labels, "speed": speed}
            if key is not None:
                seen_labels[key] = labels
        if type(session) is not str or not session:
            session = None
        if speed is not None:
            tier = tier_with_speed(tier, speed)
        geo = usage.inference_geo
        if geo is not None:
            tier = tier_with_geo(tier, geo)
        inp = usage.input_tokens
        read = usage.cache_read_input_tokens
        total = inp + read + created + out
        rank = float(total) if sidechain else PARENT_BONUS + total
        if speed is not None:
            rank += SPEED_BONUS  # on equal totals, the copy that says its speed
        j = best(message_id)
        if j is None or rank > rows[j][15]:
            winner[message_id] = len(rows)
        append(
            (
                item[:2],  # line and offset: the decoded line itself is let go
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
                line.parentUuid,
                cost,
                labels,
                rank,
                line.timestamp,
                thinking,
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
            "reasoning_tokens": cols[17],
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
