"""Calls as columns: what the bulk readers of a format produce, and how their
results are combined with the line-by-line reader's.

A bulk reader (:meth:`LogFormat.read_columns`) takes the lines of the common
shape many at a time and hands every other line back; the line reader has the
last word on those. :func:`read_items` puts the two together so that the result
equals reading every line one by one and applying the dedup rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, compress, repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from desktop.logs.reader import deduplicate
from desktop.record import STORED_FIELDS, CallRecord, Problem

if TYPE_CHECKING:
    from desktop.logs.formats.base import LogFormat, ReadContext

RECORD_FIELDS = CallRecord._fields[:STORED_FIELDS]

Item = tuple[int, int, Any]  # (line, offset, parsed value)

# "2026-07-14T09:12:44.318Z" or "2026-07-14T09:12:44Z": UTC, parsed by numpy in C.
_ISO_LENGTHS = frozenset((20, 24))


_NO_LABELS: dict[str, Any] = {}


class Columns:
    """Columns in record field order for the lines the fast path accepted.

    Labels are kept as columns too, one list per key (None where a row has no
    such label), keys in order of first appearance. They are turned into
    columns as rows are added: the label dicts were just parsed and are still
    in the CPU cache, which a pass over all of them at the end would not find.
    Equal label values are made one object, so what follows (encoding, sending
    to the main process, binding to SQL) touches few distinct objects.
    """

    def __init__(self) -> None:
        self.n = 0
        self.columns: dict[str, list[Any]] = {name: [] for name in RECORD_FIELDS}
        self.labels: dict[str, list[Any]] = {}
        self._seen: dict[str, dict[Any, Any]] = {}  # per label key: value -> its one object
        self.merged = 0  # copies of one call merged into another before these columns
        # lines the bulk reader found bad, in the line reader's own words
        self.problems: list[Problem] = []

    def add_records(self, records: Sequence[CallRecord]) -> None:
        """Append records read line by line (the lines the fast path handed back)."""
        cols = list(zip(*records, strict=True))
        for i, name in enumerate(RECORD_FIELDS):
            self.columns[name].extend(cols[i])
        self._add_labels(cols[STORED_FIELDS])
        self.n += len(records)

    def extend(self, part: dict[str, Sequence[Any]], labels: Sequence[Any], n: int) -> None:
        """Append ``n`` rows: their columns and their label dicts (or None)."""
        for name, values in part.items():
            # Plain ints and floats: iterating an array would make a numpy scalar
            # per value, slow to make and slow to turn back into an array.
            self.columns[name].extend(values.tolist() if type(values) is np.ndarray else values)
        self._add_labels(labels)
        self.n += n

    def extend_with(self, other: Columns) -> None:
        """Append the rows of another set of columns."""
        for name, values in other.columns.items():
            self.columns[name].extend(values)
        self._add_label_columns(other.labels, other.n, share=False)  # shared there already
        self.n += other.n

    def row_labels(self, i: int) -> dict[str, Any] | None:
        """The labels of one row as a dict (None when it has none)."""
        labels = {key: values[i] for key, values in self.labels.items() if values[i] is not None}
        return labels or None

    def _add_labels(self, dicts: Sequence[dict[str, Any] | None]) -> None:
        rows = [d or _NO_LABELS for d in dicts]
        # Every key in order of first appearance, one column per key, in C loops.
        keys = dict.fromkeys(chain.from_iterable(rows))
        self._add_label_columns(
            {key: list(map(dict.get, rows, repeat(key))) for key in keys}, len(rows)
        )

    def _add_label_columns(
        self, columns: dict[str, list[Any]], n: int, *, share: bool = True
    ) -> None:
        for key, values in columns.items():
            shared = values
            if share:
                seen = self._seen.get(key)
                if seen is None:
                    seen = self._seen[key] = {}
                shared = list(map(seen.setdefault, values, values))
            have = self.labels.get(key)
            if have is None:
                self.labels[key] = [None] * self.n + shared if self.n else list(shared)
            else:
                have.extend(shared)
        for key, have in self.labels.items():
            if key not in columns:
                have.extend(repeat(None, n))

    def remove(self, rows: set[int]) -> None:
        """Drop rows by position (a copy of the same call won elsewhere)."""
        keep = [i not in rows for i in range(self.n)]
        for name, values in self.columns.items():
            self.columns[name] = list(compress(values, keep))
        for key, values in self.labels.items():
            self.labels[key] = list(compress(values, keep))
        self.n -= len(rows)
        self.merged += len(rows)


def iso_timestamps(column: Sequence[Any], bad: np.ndarray) -> np.ndarray:
    """UTC epoch seconds of ISO strings ending in Z; other spellings go the slow way."""
    if set(map(type, column)) == {str} and set(map(len, column)) == {24}:
        # The common case, all in C: "2026-07-14T09:12:44.318Z" everywhere.
        text = np.array(column, dtype="<U24")
        if np.strings.endswith(text, "Z").all():
            try:
                stamps = text.astype("<U23").astype("datetime64[ms]")
            except ValueError:  # e.g. month 13: the line-by-line reader says what is wrong
                pass
            else:
                return stamps.astype(np.int64) / 1000.0
    simple = np.fromiter(
        (
            type(s) is str and len(s) in _ISO_LENGTHS and s[10] == "T" and s[-1] == "Z"
            for s in column
        ),
        dtype=bool,
        count=len(column),
    )
    out = np.zeros(len(column))
    if simple.any():
        picked = [s[:-1] for s, ok in zip(column, simple.tolist(), strict=True) if ok]
        try:
            stamps = np.array(picked, dtype="datetime64[ms]")
        except ValueError:  # one unreadable stamp: only that line goes the slow way
            stamps = np.array([_one_stamp(s) for s in picked], dtype="datetime64[ms]")
            unread = np.isnat(stamps)
            simple[np.flatnonzero(simple)[unread]] = False
            stamps = stamps[~unread]
        out[simple] = stamps.astype(np.int64) / 1000.0
    bad |= ~simple
    return out


def _one_stamp(text: str) -> np.datetime64:
    try:
        return np.datetime64(text, "ms")
    except ValueError:
        return np.datetime64("NaT", "ms")


def merge_copies(columns: Columns, records: list[CallRecord]) -> list[CallRecord]:
    """Settle dedup keys found by both readers; returns the records that stay.

    Both sides are already deduplicated within themselves. For a key on both
    sides the higher rank wins and, on a tie, the line read first, as in
    :func:`desktop.logs.reader.deduplicate`; a losing column row is removed.
    """
    if not columns.n or not records:
        return records
    keys = columns.columns["dedup_key"]
    where = {key: i for i, key in enumerate(keys) if key is not None}
    if not where:
        return records
    ranks = columns.columns["dedup_rank"]
    lines = columns.columns["line"]
    drop: set[int] = set()
    kept: list[CallRecord] = []
    for record in records:
        i = where.get(record.dedup_key) if record.dedup_key is not None else None
        if i is None:
            kept.append(record)
        elif record.dedup_rank > ranks[i] or (
            record.dedup_rank == ranks[i] and record.line < lines[i]
        ):
            drop.add(i)
            kept.append(record)
    if drop:
        columns.remove(drop)
    return kept


def _line_of(item: Item) -> int:
    return item[0]


def read_items(
    fmt: LogFormat, items: Iterable[Item], ctx: ReadContext
) -> tuple[Columns | None, list[CallRecord], list[Problem], int]:
    """Every call in ``items``: bulk-read columns (if the format has a bulk reader),
    the other records, the problems, and how many records were read before copies
    of one call were merged."""
    columns: Columns | None = None
    problems: list[Problem] = []
    if fmt.reads_columns:
        columns, rest = fmt.read_columns(items)
        problems.extend(columns.problems)
        # In file order: on equal copies the dedup rule keeps the one read first.
        items = sorted(rest, key=_line_of)
    records: list[CallRecord] = []
    for item in fmt.records(items, ctx):
        if type(item) is CallRecord:
            records.append(item)
        else:
            problems.append(item)  # type: ignore[arg-type]
    read = len(records) + (columns.n + columns.merged if columns is not None else 0)
    if any(r.dedup_key is not None for r in records):
        # Copies of one call (streaming snapshots) are usually neighbours: merging
        # them here, by the store's own rule, spares the store most upserts.
        records = deduplicate(records)
        if columns is not None:
            records = merge_copies(columns, records)
    return columns, records, problems, read
