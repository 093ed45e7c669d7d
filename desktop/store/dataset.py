"""Questions about an opened store: filters, totals, groups and time buckets.

Everything the report and the desktop app show is computed here, over the
column cache, so the two always agree. Costs follow a *cost mode*:

- ``computed``: our price (unpriced calls have no cost and are counted);
- ``reported``: what the log itself says the call cost (calls without one are counted);
- ``auto``: the reported cost where the log has one, else ours.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

import numpy as np

from desktop.record import TOKEN_FIELDS
from desktop.store.frame import Frame
from desktop.store.schema import CORE_COLUMNS
from desktop.store.store import Store, fetch_rows
from desktop.timeutil import BUCKETS, bucket_edges, bucket_index, bucket_label, iso_utc

COST_MODES = ("computed", "reported", "auto")
SUM_FIELDS = (*TOKEN_FIELDS, "web_search_requests")
TIME_DIMENSIONS = {"hour": "hour", "day": "day", "date": "day", "week": "week", "month": "month"}
SOURCE_DIMENSIONS = ("source", "format")
SEARCHED_IDS = ("request_id", "conversation_id", "trace_id", "message_id", "error")


class QueryError(ValueError):
    """A question the data cannot answer (unknown column, bad value)."""


@dataclass(frozen=True, slots=True)
class Filters:
    """Which calls a question is about. Immutable, so a worker can run it safely."""

    since: float | None = None
    until: float | None = None  # exclusive
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()  # column = any of the values
    where_not: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()  # numeric lo <= x <= hi
    search: str = ""  # case-insensitive substring in model, provider, ids, labels
    ids: tuple[int, ...] | None = None  # exactly these calls

    def with_(self, **changes: Any) -> Filters:
        from dataclasses import replace

        return replace(self, **changes)


@dataclass(slots=True)
class Totals:
    calls: int = 0
    sums: dict[str, int] = field(default_factory=dict)
    cost_usd: float = 0.0
    unpriced_calls: int = 0
    reported_cost_usd: float = 0.0
    reported_calls: int = 0
    computed_cost_usd: float = 0.0
    first_ts: float | None = None
    last_ts: float | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"calls": self.calls}
        out.update({k: int(self.sums.get(k, 0)) for k in TOKEN_FIELDS})
        out["web_search_requests"] = int(self.sums.get("web_search_requests", 0))
        out["cost_usd"] = _money(self.cost_usd)
        out["unpriced_calls"] = self.unpriced_calls
        out["reported_cost_usd"] = _money(self.reported_cost_usd)
        out["reported_calls"] = self.reported_calls
        out["computed_cost_usd"] = _money(self.computed_cost_usd)
        out["first_call"] = iso_utc(self.first_ts)
        out["last_call"] = iso_utc(self.last_ts)
        return out


@dataclass(slots=True)
class Group:
    key: tuple[Any, ...]
    calls: int
    sums: dict[str, int]
    cost_usd: float
    unpriced_calls: int
    reported_cost_usd: float
    share: float
    mean_cost_usd: float | None
    p50_cost_usd: float | None
    p95_cost_usd: float | None
    max_cost_usd: float | None

    def as_dict(self, columns: Sequence[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"key": dict(zip(columns, self.key, strict=True))}
        out["calls"] = self.calls
        out.update({k: int(self.sums.get(k, 0)) for k in TOKEN_FIELDS})
        out["cost_usd"] = _money(self.cost_usd)
        out["unpriced_calls"] = self.unpriced_calls
        out["reported_cost_usd"] = _money(self.reported_cost_usd)
        out["share"] = round(self.share, 6)
        for name in ("mean_cost_usd", "p50_cost_usd", "p95_cost_usd", "max_cost_usd"):
            value = getattr(self, name)
            out[name] = None if value is None else _money(value)
        return out


@dataclass(slots=True)
class Buckets:
    unit: str
    edges: np.ndarray  # len = buckets + 1, UTC epoch seconds
    labels: list[str]
    calls: np.ndarray
    cost: np.ndarray
    unpriced: np.ndarray
    sums: dict[str, np.ndarray]
    series: list[tuple[Any, np.ndarray]] = field(default_factory=list)  # stacked cost by group

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for i, label in enumerate(self.labels):
            row: dict[str, Any] = {
                "start": iso_utc(float(self.edges[i])),
                "end": iso_utc(float(self.edges[i + 1])),
                "label": label,
                "calls": int(self.calls[i]),
            }
            row.update({k: int(v[i]) for k, v in self.sums.items() if k in TOKEN_FIELDS})
            row["cost_usd"] = _money(float(self.cost[i]))
            row["unpriced_calls"] = int(self.unpriced[i])
            out.append(row)
        return out


def _money(value: float) -> float:
    # Keep sub-cent precision (per-call costs are often fractions of a cent)
    # without float noise such as 0.30000000000000004.
    return round(float(value), 10)


class Dataset:
    """An opened store and its column cache.

    Safe to query from several threads: every thread reads through its own
    read-only connection; the store's own (writing) connection is not used.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.path = store.path
        self._local = threading.local()
        self.frame = Frame(
            store.path,
            store.reader,
            self.generations,
            self.label_columns(),
            self._meta("instance") or "",
        )
        self._sources: dict[int, tuple[str, str]] = {}
        self._sources_gen = -1
        self._cost_orders: dict[str, tuple[np.ndarray, ...]] = {}
        # Cell digests per priced combination as the column cache holds them, once it
        # was re-priced in memory ahead of the store (see desktop.store.reprice).
        self.frame_digests: dict[str, str] | None = None

    def read(self) -> sqlite3.Connection:
        """This thread's read-only connection to the store."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self.store.reader()
        return conn

    def _meta(self, key: str) -> str | None:
        row = self.read().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def generations(self) -> tuple[int, int]:
        values = dict(
            self.read().execute(
                "SELECT key, value FROM meta WHERE key IN ('rows_generation', 'pricing_generation')"
            )
        )
        return int(values.get("rows_generation", 0)), int(values.get("pricing_generation", 0))

    def label_columns(self) -> dict[str, str]:
        return dict(self.read().execute("SELECT key, col FROM labels"))

    def refresh(self) -> None:
        self.frame.refresh(self.label_columns())

    # -- dimensions --------------------------------------------------------------------
    @property
    def sources(self) -> dict[int, tuple[str, str]]:
        gen = self.generations()[0]
        if gen != self._sources_gen:
            self._sources = {
                sid: (path, fmt)
                for sid, path, fmt in self.read().execute("SELECT id, path, format FROM sources")
            }
            self._sources_gen = gen
        return self._sources

    def label_keys(self) -> list[str]:
        """The names labels are addressed by: the key, or for a key that is also a
        canonical column (a label called ``model``), the label's column (``label:model``)."""
        reserved = {*CORE_COLUMNS, *TIME_DIMENSIONS, *SOURCE_DIMENSIONS, "id"}
        return [col if key in reserved else key for key, col in self.frame.label_columns.items()]

    def columns(self) -> list[str]:
        """Every column a person can group, filter or sort by."""

        hidden = {"dedup_key", "dedup_rank", "offset", "line", "source_id"}
        core = [c for c in CORE_COLUMNS if c not in hidden]
        return [*core, "source", "format", *self.label_keys()]

    def resolve(self, column: str) -> str:
        """Check a column name from the user; labels win over nothing, canonical over labels."""
        if column in TIME_DIMENSIONS or column in SOURCE_DIMENSIONS:
            return column
        if self.frame.has(column):
            return column
        lowered = {c.lower(): c for c in [*self.label_keys()]}
        if column.lower() in lowered:
            return lowered[column.lower()]
        known = ", ".join(sorted(["provider", "model", "day", "source", *self.label_keys()])[:30])
        raise QueryError(f"unknown column {column!r} (known: {known})")

    def dimension(
        self, column: str, zone: tzinfo, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, list[Any]]:
        """Codes per call (``-1`` = none) and the value of each code, for grouping."""
        column = self.resolve(column)
        if column in TIME_DIMENSIONS:
            unit = TIME_DIMENSIONS[column]
            ts = self.frame.num("ts")
            if len(ts) == 0:
                return np.zeros(0, np.int64), []
            chosen = ts if mask is None or not mask.any() else ts[mask]
            edges = bucket_edges(float(chosen.min()), float(chosen.max()), unit, zone)
            codes = bucket_index(ts, edges)
            codes[(codes < 0) | (codes >= len(edges) - 1)] = -1
            return codes, [bucket_label(float(e), unit, zone) for e in edges[:-1]]
        if column in SOURCE_DIMENSIONS:
            sid = self.frame.num("source_id")
            sources = self.sources
            ids = sorted(sources)
            index = {s: i for i, s in enumerate(ids)}
            if column == "source":
                values = [sources[s][0] for s in ids]
            else:
                values = sorted({sources[s][1] for s in ids})
                by_format = {f: i for i, f in enumerate(values)}
                index = {s: by_format[sources[s][1]] for s in ids}
            lut = np.full(int(sid.max()) + 1 if len(sid) else 1, -1, dtype=np.int64)
            for s, i in index.items():
                lut[s] = i
            return lut[sid], values
        col = self.frame.text(column)
        return col.codes.astype(np.int64), list(col.values)

    # -- costs -------------------------------------------------------------------------
    def cost(self, mode: str = "computed") -> np.ndarray:
        """Cost per call under a cost mode; NaN where there is none."""
        if mode not in COST_MODES:
            raise QueryError(f"unknown cost mode {mode!r} (use {', '.join(COST_MODES)})")
        computed = self.frame.num("cost_usd")
        if mode == "computed":
            return computed
        reported = self.frame.num("reported_cost_usd")
        if mode == "reported":
            return reported
        return np.where(np.isnan(reported), computed, reported)

    # -- filters -------------------------------------------------------------------------
    def mask(self, filters: Filters, zone: tzinfo | None = None) -> np.ndarray:
        frame = self.frame
        n = len(frame)
        keep = np.ones(n, dtype=bool)
        if filters.ids is not None:
            keep &= np.isin(frame.ids, np.asarray(filters.ids, dtype=np.int64))
        if filters.since is not None or filters.until is not None:
            ts = frame.num("ts")
            if filters.since is not None:
                keep &= ts >= filters.since
            if filters.until is not None:
                keep &= ts < filters.until
        for column, values in filters.where:
            keep &= self._matches(column, values, zone)
        for column, values in filters.where_not:
            keep &= ~self._matches(column, values, zone)
        for column, lo, hi in filters.ranges:
            arr = self._numeric(column)
            if lo is not None:
                keep &= arr >= lo
            if hi is not None:
                keep &= arr <= hi
        if filters.search:
            keep &= self._search(filters.search)
        return keep

    def _numeric(self, column: str) -> np.ndarray:
        if column == "cost":
            column = "cost_usd"
        column = self.resolve(column)
        if self.frame.is_text(column):
            raise QueryError(f"{column!r} is not a numeric column")
        return self.frame.num(column).astype(np.float64)

    def _matches(self, column: str, values: Sequence[str], zone: tzinfo | None) -> np.ndarray:
        column = self.resolve(column)
        from desktop.timeutil import resolve_zone

        if column in TIME_DIMENSIONS or column in SOURCE_DIMENSIONS:
            codes, labels = self.dimension(column, zone or resolve_zone("UTC"))
            wanted = [i for i, v in enumerate(labels) if str(v) in set(values)]
            return np.isin(codes, wanted)
        if not self.frame.is_text(column):
            arr = self.frame.num(column).astype(np.float64)
            out = np.zeros(len(arr), dtype=bool)
            for value in values:
                if value == "":
                    out |= np.isnan(arr) | (arr == -1)
                    continue
                try:
                    out |= arr == float(value)
                except ValueError as exc:
                    raise QueryError(f"{column} is numeric; {value!r} is not a number") from exc
            return out
        col = self.frame.text(column)
        wanted_text = set(values)
        codes = [i for i, v in enumerate(col.values) if _as_text(v) in wanted_text]
        out = np.isin(col.codes, codes)
        if "" in wanted_text:
            out |= col.codes < 0
        return out

    def _search(self, text: str) -> np.ndarray:
        """Calls whose model, provider, status, labels or ids contain ``text`` (any case).

        Columns with few distinct values are searched through their value list
        in the column cache; the id columns (a distinct value per call) are
        searched by SQLite directly, which is faster than caching a million ids.
        """
        needle = text.lower()
        frame = self.frame
        hit = np.zeros(len(frame), dtype=bool)
        for column in ["model", "provider", "status", *self.label_keys()]:
            col = frame.text(column)
            codes = col.codes_matching(lambda v: needle in _as_text(v).lower())
            if len(codes):
                hit |= np.isin(col.codes, codes)
        # LIKE ignores case for ASCII letters only: also try the text as typed.
        patterns = [_like(t) for t in dict.fromkeys((text, needle))]
        where = " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in SEARCHED_IDS for _ in patterns)
        params = [p for _ in SEARCHED_IDS for p in patterns]
        ids = np.fromiter(
            (row[0] for row in self.read().execute(f"SELECT id FROM calls WHERE {where}", params)),
            dtype=np.int64,
        )
        if len(ids):
            hit |= np.isin(frame.ids, ids)
        return hit

    # -- answers ---------------------------------------------------------------------------
    def calls_per_source(self) -> dict[int, int]:
        """The calls kept per source id (as the store counts them, from the columns)."""
        ids, counts = np.unique(self.frame.num("source_id"), return_counts=True)
        return dict(zip(ids.tolist(), counts.tolist(), strict=True))

    def totals(self, mask: np.ndarray, mode: str = "computed") -> Totals:
        frame = self.frame
        sel = _selection(mask)
        out = Totals(calls=int(mask.sum()))
        for name in SUM_FIELDS:
            out.sums[name] = int(frame.num(name)[sel].sum())
        cost = self.cost(mode)[sel]
        priced = ~np.isnan(cost)
        out.cost_usd = float(cost[priced].sum())
        out.unpriced_calls = int((~priced).sum())
        reported = frame.num("reported_cost_usd")[sel]
        has_reported = ~np.isnan(reported)
        out.reported_cost_usd = float(reported[has_reported].sum())
        out.reported_calls = int(has_reported.sum())
        computed = frame.num("cost_usd")[sel]
        out.computed_cost_usd = float(np.nansum(computed))
        if out.calls:
            ts = frame.num("ts")[sel]
            out.first_ts, out.last_ts = float(ts.min()), float(ts.max())
        return out

    def groups(
        self,
        mask: np.ndarray,
        by: Sequence[str],
        zone: tzinfo,
        mode: str = "computed",
        stats: bool = True,
    ) -> list[Group]:
        """One row per combination of values of ``by``, sorted by cost."""
        if not by:
            raise QueryError("group by needs at least one column")
        sel = _selection(mask)
        columns = [self.resolve(c) for c in by]
        dims = [self.dimension(c, zone, mask) for c in columns]
        inverse, keys = _combine([codes[sel] for codes, _ in dims], [len(v) for _, v in dims])
        n_groups = len(keys)
        frame = self.frame
        calls = np.bincount(inverse, minlength=n_groups)
        sums = {
            name: np.bincount(inverse, weights=frame.num(name)[sel], minlength=n_groups)
            for name in SUM_FIELDS
        }
        cost = self.cost(mode)[sel]
        priced = ~np.isnan(cost)
        cost_sum = np.bincount(inverse[priced], weights=cost[priced], minlength=n_groups)
        priced_calls = np.bincount(inverse[priced], minlength=n_groups)
        reported = frame.num("reported_cost_usd")[sel]
        has_rep = ~np.isnan(reported)
        rep_sum = np.bincount(inverse[has_rep], weights=reported[has_rep], minlength=n_groups)
        total = float(cost_sum.sum())
        p50 = p95 = top = None
        if stats:
            p50, p95, top = self._masked_quantiles(mask, inverse, mode, n_groups)
        # Plain lists first: indexing numpy arrays per group costs more than the rest
        # (grouping by conversation id makes 175k groups).
        distinct = [values for _, values in dims]
        key_list = [
            tuple(None if code < 0 else distinct[i][code] for i, code in enumerate(row))
            for row in keys.tolist()
        ]
        calls_l, priced_l = calls.tolist(), priced_calls.tolist()
        cost_l, rep_l = cost_sum.tolist(), rep_sum.tolist()
        sums_l = {name: v.astype(np.int64).tolist() for name, v in sums.items()}
        no_stats = [None] * n_groups
        p50_l = p50.tolist() if p50 is not None else no_stats
        p95_l = p95.tolist() if p95 is not None else no_stats
        top_l = top.tolist() if top is not None else no_stats
        result: list[Group] = []
        with _no_gc():  # 175k new objects would set off full collections over and over
            for g in _group_order(cost_sum, calls, key_list):
                n_priced = priced_l[g]
                cost_g = cost_l[g]
                result.append(
                    Group(
                        key=key_list[g],
                        calls=calls_l[g],
                        sums={name: column[g] for name, column in sums_l.items()},
                        cost_usd=cost_g,
                        unpriced_calls=calls_l[g] - n_priced,
                        reported_cost_usd=rep_l[g],
                        share=cost_g / total if total else 0.0,
                        mean_cost_usd=cost_g / n_priced if n_priced else None,
                        p50_cost_usd=p50_l[g] if n_priced else None,
                        p95_cost_usd=p95_l[g] if n_priced else None,
                        max_cost_usd=top_l[g] if n_priced else None,
                    )
                )
        return result

    def cost_order(self, mode: str = "computed") -> tuple[np.ndarray, np.ndarray]:
        """The priced calls in ascending cost order, and their costs in that order.

        Sorting a million costs takes ~100 ms; the order is kept until the cost
        arrays change (re-pricing replaces them), so per-group percentiles of
        any selection only need a gather and a small-integer sort, and the
        requests table sorts by cost at once. Thread-safe (computed at most twice).
        """
        sources = (self.frame.num("cost_usd"), self.frame.num("reported_cost_usd"))
        cached = self._cost_orders.get(mode)
        if cached is not None and cached[0] is sources[0] and cached[1] is sources[1]:
            return cached[2], cached[3]
        cost = self.cost(mode)
        order = np.argsort(cost, kind="stable")
        priced = int(np.count_nonzero(~np.isnan(cost)))  # NaN (unpriced) sorts last
        order = order[:priced]
        sorted_cost = cost[order]
        self._cost_orders[mode] = (*sources, order, sorted_cost)
        return order, sorted_cost

    def _masked_quantiles(
        self, mask: np.ndarray, inverse: np.ndarray, mode: str, n_groups: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-group p50, p95 and max of the priced calls of ``mask`` (as _group_quantiles)."""
        order, sorted_cost = self.cost_order(mode)
        small = np.uint16 if n_groups <= 65535 else np.int64
        if mask.all():  # ``inverse`` has a group per call
            groups = inverse.astype(small)[order]
            costs = sorted_cost
        else:
            group_of = np.zeros(len(mask), dtype=small)
            group_of[mask] = inverse
            inside = mask[order]
            groups = group_of[order[inside]]
            costs = sorted_cost[inside]
        # A stable sort by group keeps each group's costs ascending; small group
        # numbers sort by radix in a few milliseconds.
        by_group = np.argsort(groups, kind="stable")
        return _sorted_quantiles(groups[by_group].astype(np.int64), costs[by_group], n_groups)

    def buckets(
        self,
        mask: np.ndarray,
        unit: str,
        zone: tzinfo,
        mode: str = "computed",
        start: float | None = None,
        end: float | None = None,
        stack_by: Sequence[str] = (),
        top: int = 8,
        sums: bool = True,
    ) -> Buckets:
        """Calls, tokens and cost per time bucket (empty buckets included).

        ``sums=False`` leaves out the token sums (a chart redrawn while zooming
        needs only calls and cost; the sums are most of the work).
        """
        if unit not in BUCKETS:
            raise QueryError(f"unknown bucket {unit!r} (use {', '.join(BUCKETS)})")
        sel = _selection(mask)
        ts = self.frame.num("ts")[sel]
        if start is None:
            start = float(ts.min()) if len(ts) else 0.0
        if end is None:
            end = float(ts.max()) if len(ts) else start
        edges = bucket_edges(start, end, unit, zone)
        n = len(edges) - 1
        idx = bucket_index(ts, edges)
        inside = (idx >= 0) & (idx < n)
        idx = idx if inside.all() else idx[inside]
        chosen = mask.copy()  # the calls of the mask inside the buckets, in one pass
        chosen[sel] = inside
        chosen_sel = _selection(chosen)
        cost = self.cost(mode)[chosen_sel]
        priced = ~np.isnan(cost)
        out = Buckets(
            unit=unit,
            edges=edges,
            labels=[bucket_label(float(e), unit, zone) for e in edges[:-1]],
            calls=np.bincount(idx, minlength=n),
            cost=np.bincount(idx[priced], weights=cost[priced], minlength=n),
            unpriced=np.bincount(idx[~priced], minlength=n),
            sums={
                name: np.bincount(idx, weights=self.frame.num(name)[chosen_sel], minlength=n)
                for name in (TOKEN_FIELDS if sums else ())
            },
        )
        if stack_by:
            dims = [self.dimension(self.resolve(c), zone, mask) for c in stack_by]
            inverse, keys = _combine([codes[sel] for codes, _ in dims], [len(v) for _, v in dims])
            key_values = [
                tuple(None if c < 0 else dims[i][1][c] for i, c in enumerate(k)) for k in keys
            ]
            # The leaders are the top groups of the whole selection, in the order
            # groups() gives them (cost, then calls, then key).
            all_cost = self.cost(mode)[sel]
            all_priced = ~np.isnan(all_cost)
            group_cost = np.bincount(
                inverse[all_priced], weights=all_cost[all_priced], minlength=len(keys)
            )
            group_calls = np.bincount(inverse, minlength=len(keys))
            ranked = sorted(
                range(len(keys)),
                key=lambda g: (
                    -float(group_cost[g]),
                    -int(group_calls[g]),
                    _sort_key(key_values[g]),
                ),
            )
            leaders = ranked[:top]
            lut = np.full(len(keys) + 1, len(leaders), dtype=np.int64)
            lut[leaders] = np.arange(len(leaders))
            series_id = lut[inverse[inside]] if len(inverse) else np.zeros(0, np.int64)
            # One pass for every series: bin = series * buckets + bucket.
            table = np.bincount(
                series_id[priced] * n + idx[priced],
                weights=cost[priced],
                minlength=(len(leaders) + 1) * n,
            ).reshape(len(leaders) + 1, n)
            for s, key in enumerate([*(key_values[g] for g in leaders), ("other",)]):
                if s < len(leaders) or table[s].any():
                    out.series.append((key, table[s]))
        return out

    # -- rows -----------------------------------------------------------------------------
    def rows(self, ids: Sequence[int], columns: Sequence[str] | None = None) -> list[dict]:
        """Stored rows by id, in the order given (label columns under their SQL names)."""

        cols = (
            list(columns)
            if columns is not None
            else [*CORE_COLUMNS, *self.frame.label_columns.values()]
        )
        return fetch_rows(self.read(), ids, cols)

    def row(self, call_id: int) -> dict[str, Any] | None:
        rows = self.rows([call_id])
        return rows[0] if rows else None

    def source_path(self, source_id: int) -> Path | None:
        info = self.sources.get(source_id)
        return Path(info[0]) if info else None


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with its own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sort_key(key: tuple[Any, ...]) -> tuple:
    return tuple((v is None, str(v)) for v in key)


def _group_order(cost: np.ndarray, calls: np.ndarray, keys: list[tuple[Any, ...]]) -> list[int]:
    """Groups by cost, then calls (both descending), then key: the order of
    ``sorted(key=(-cost, -calls, _sort_key(key)))``, with keys compared only on ties."""
    order = np.lexsort((-calls, -cost)).tolist()  # stable: ties keep group order
    if len(order) < 2:
        return order
    ranked_cost, ranked_calls = cost[order], calls[order]
    tied = (ranked_cost[1:] == ranked_cost[:-1]) & (ranked_calls[1:] == ranked_calls[:-1])
    if not tied.any():
        return order
    edges = np.diff(np.concatenate(([0], tied.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        run = order[start : end + 1]
        order[start : end + 1] = sorted(run, key=lambda g: _sort_key(keys[g]))
    return order


@contextmanager
def _no_gc() -> Iterator[None]:
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _selection(mask: np.ndarray) -> np.ndarray | slice:
    """What to index the columns with: the mask, or (nothing filtered) every row as a
    view, which saves copying a million values per column."""
    return slice(None) if mask.all() else mask


def _combine(codes: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Group index per row and the (per-column) codes of each group."""
    if not codes or len(codes[0]) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, len(codes)), dtype=np.int64)
    shifted = [c.astype(np.int64) + 1 for c in codes]  # 0 = null
    dims = [s + 1 for s in sizes]
    space = 1
    for d in dims:
        space *= d
    if space < 2**62:
        flat = np.ravel_multi_index(shifted, dims)
        if space <= max(4 * len(flat), 1 << 20):
            present = np.bincount(flat, minlength=space) > 0
            uniq = np.flatnonzero(present)
            lut = np.full(space, -1, dtype=np.int64)
            lut[uniq] = np.arange(len(uniq))
            inverse = lut[flat]
        else:
            uniq, inverse = np.unique(flat, return_inverse=True)
        keys = np.stack(np.unravel_index(uniq, dims), axis=1) - 1
        return inverse.astype(np.int64), keys
    stacked = np.stack(shifted, axis=1)
    uniq_rows, inverse = np.unique(stacked, axis=0, return_inverse=True)
    return inverse.ravel().astype(np.int64), uniq_rows - 1


def _group_quantiles(
    group: np.ndarray, cost: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-group p50, p95 (linear interpolation, as numpy's default) and max."""
    p50 = np.full(n_groups, np.nan)
    p95 = np.full(n_groups, np.nan)
    top = np.full(n_groups, np.nan)
    if len(cost) == 0:
        return p50, p95, top
    order = np.lexsort((cost, group))
    return _sorted_quantiles(group[order], cost[order], n_groups)


def _sorted_quantiles(
    g_sorted: np.ndarray, c_sorted: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quantiles from costs sorted by group, then ascending within each group."""
    p50 = np.full(n_groups, np.nan)
    p95 = np.full(n_groups, np.nan)
    top = np.full(n_groups, np.nan)
    if len(c_sorted) == 0:
        return p50, p95, top
    counts = np.bincount(g_sorted, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    has = counts > 0
    for q, out in ((0.5, p50), (0.95, p95)):
        pos = starts + q * (counts - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, starts + counts - 1)
        frac = pos - lo
        lo_c = np.clip(lo, 0, len(c_sorted) - 1)
        hi_c = np.clip(hi, 0, len(c_sorted) - 1)
        values = c_sorted[lo_c] + (c_sorted[hi_c] - c_sorted[lo_c]) * frac
        out[has] = values[has]
    ends = starts + counts - 1
    top[has] = c_sorted[np.clip(ends[has], 0, len(c_sorted) - 1)]
    return p50, p95, top
