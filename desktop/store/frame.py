"""The column cache: the calls table as numpy arrays, for interactive answers.

Aggregating, filtering and sorting a million calls in SQLite takes up to a
second; the same work over numpy columns takes milliseconds. SQLite stays the
store and the source of truth; a :class:`Frame` loads the columns a question
needs (lazily, one SQL aggregate per column) and keeps them on disk next to
the store as ``.npy`` files, so reopening is instant. Each cached column
remembers the store generation it was built from and is rebuilt when stale.

Text columns (model, provider, labels…) are dictionary-encoded: an ``int32``
code per row (``-1`` = null) and the list of distinct values.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from desktop.store.schema import CORE_COLUMNS, TEXT_COLUMNS, quote

FLOAT_COLUMNS = frozenset({"ts", "latency_ms", "reported_cost_usd", "cost_usd", "dedup_rank"})
INT_COLUMNS = frozenset(
    {
        "input_tokens",
        "cache_read_tokens",
        "cache_write_5m_tokens",
        "cache_write_1h_tokens",
        "output_tokens",
        "reasoning_tokens",
        "web_search_requests",
        "line",
        "offset",
        "source_id",
        "cost_flags",
    }
)
PRICING_COLUMNS = frozenset({"cost_usd", "price_id", "cost_flags"})
EXACT_COLUMNS = frozenset({"cost_usd", "reported_cost_usd"})
NULL_INT = -1
_NULL_MARK = "\x1e"
_SEP = "\x1f"
_ROWS_PER_QUERY = 500_000


@dataclass(frozen=True, slots=True)
class TextColumn:
    codes: np.ndarray  # int32, -1 = null
    values: list[Any]  # distinct values; codes index into this list

    def value_of(self, code: int) -> Any:
        return None if code < 0 else self.values[code]

    def codes_matching(self, predicate: Callable[[Any], bool]) -> np.ndarray:
        return np.flatnonzero(np.fromiter((predicate(v) for v in self.values), bool))


class Frame:
    """Lazily loaded columns of one store, cached on disk."""

    def __init__(
        self,
        store_path: Path,
        connect: Callable[[], sqlite3.Connection],
        generations: Callable[[], tuple[int, int]],
        label_columns: dict[str, str],
        instance: str = "",
    ) -> None:
        self.store_path = store_path
        self.cache_dir = store_path.with_suffix(".cols")
        self._connect = connect
        self._generations = generations
        self.label_columns = dict(label_columns)  # label key -> SQL column
        self._lock = threading.RLock()
        self._num: dict[str, np.ndarray] = {}
        self._text: dict[str, TextColumn] = {}
        self._ids: np.ndarray | None = None
        self.instance = instance
        self._manifest = self._read_manifest()
        if self._manifest.get("__instance") != instance:
            self._manifest = {"__instance": instance}  # a rebuilt store: old files are stale
        self._rows_gen, self._pricing_gen = generations()

    # -- identity ------------------------------------------------------------------
    @property
    def ids(self) -> np.ndarray:
        with self._lock:
            if self._ids is None:
                self._ids = self._load_numeric("id", np.int64)
            return self._ids

    def __len__(self) -> int:
        return len(self.ids)

    def refresh(self, label_columns: dict[str, str] | None = None) -> None:
        """Drop what the store has changed since the columns were loaded."""
        with self._lock:
            rows_gen, pricing_gen = self._generations()
            if label_columns is not None:
                self.label_columns = dict(label_columns)
            if rows_gen != self._rows_gen:
                self._num.clear()
                self._text.clear()
                self._ids = None
            elif pricing_gen != self._pricing_gen:
                for name in PRICING_COLUMNS:
                    self._num.pop(name, None)
                    self._text.pop(name, None)
            self._rows_gen, self._pricing_gen = rows_gen, pricing_gen

    def install(
        self, ids: np.ndarray, num: dict[str, np.ndarray], text: dict[str, TextColumn]
    ) -> None:
        """Take columns built elsewhere (during a load) as the current, cached ones."""
        with self._lock:
            self._rows_gen, self._pricing_gen = self._generations()
            self._ids = ids
            self._save("id", {"data": ids})
            for name, arr in num.items():
                self._num[name] = arr
                self._save(name, {"data": arr})
            for name, col in text.items():
                self._text[name] = col
                self._save(name, {"data": col.codes}, col.values)

    def adopt_generations(self, rows_gen: int, pricing_gen: int) -> None:
        """The store moved on but the loaded columns already match it (re-priced in memory)."""
        with self._lock:
            self._rows_gen, self._pricing_gen = rows_gen, pricing_gen
            for name in list(self._num):
                if name in PRICING_COLUMNS:
                    self._save(name, {"data": self._num[name]})
            for name, col in list(self._text.items()):
                if name in PRICING_COLUMNS:
                    self._save(name, {"data": col.codes}, col.values)

    # -- columns -------------------------------------------------------------------
    def sql_name(self, column: str) -> str:
        """SQL column of a canonical name, a label key, or a label's own column name.

        A label whose key is also a canonical column (a label called ``model``)
        is reached by its column name (``label:model``).
        """
        if column in CORE_COLUMNS or column == "id":
            return column
        if column in self.label_columns:
            return self.label_columns[column]
        if column in self.label_columns.values():
            return column
        raise KeyError(column)

    def has(self, column: str) -> bool:
        return (
            column in CORE_COLUMNS
            or column == "id"
            or column in self.label_columns
            or column in self.label_columns.values()
        )

    def is_text(self, column: str) -> bool:
        if column in CORE_COLUMNS:
            return column in TEXT_COLUMNS
        return column in self.label_columns or column in self.label_columns.values()

    def num(self, column: str) -> np.ndarray:
        """A numeric column (float64; int64 for counts). Nulls are NaN / -1."""
        with self._lock:
            arr = self._num.get(column)
            if arr is None:
                dtype = np.int64 if column in INT_COLUMNS else np.float64
                arr = self._num[column] = self._load_numeric(column, dtype)
            return arr

    def text(self, column: str) -> TextColumn:
        """A dictionary-encoded column (any column can be read as text)."""
        with self._lock:
            col = self._text.get(column)
            if col is None:
                col = self._text[column] = self._load_text(column)
            return col

    def set_num(self, column: str, values: np.ndarray, save: bool = True) -> None:
        """Replace a loaded column (re-pricing in memory) and, if ``save``, its cache file.

        Re-pricing passes ``save=False``: the store still holds the old prices until
        it is rewritten, and :meth:`adopt_generations` saves the columns then.
        """
        with self._lock:
            self._num[column] = values
            if save:
                self._save(column, {"data": values})

    def set_text(self, column: str, col: TextColumn, save: bool = True) -> None:
        with self._lock:
            self._text[column] = col
            if save:
                self._save(column, {"data": col.codes}, col.values)

    def tokens(self, name: str) -> np.ndarray:
        return self.num(name)

    def prompt_total(self) -> np.ndarray:
        return (
            self.num("input_tokens")
            + self.num("cache_read_tokens")
            + self.num("cache_write_5m_tokens")
            + self.num("cache_write_1h_tokens")
        )

    # -- loading ---------------------------------------------------------------------
    def _generation_of(self, column: str) -> int:
        if column in PRICING_COLUMNS:
            return self._rows_gen * 1_000_003 + self._pricing_gen
        return self._rows_gen

    def _cached(
        self, column: str, text: bool = False
    ) -> tuple[np.ndarray, list[Any] | None] | None:
        entry = self._manifest.get(_cache_key(column, text))
        if not entry or entry.get("generation") != self._generation_of(column):
            return None
        try:
            data = np.load(self.cache_dir / entry["file"], mmap_mode="r")
            values = None
            if entry.get("values"):
                values = orjson.loads((self.cache_dir / entry["values"]).read_bytes())
        except (OSError, ValueError):
            return None
        if self._ids is not None and len(data) != len(self._ids):
            return None
        return np.asarray(data), values

    def _load_numeric(self, column: str, dtype: type) -> np.ndarray:
        cached = self._cached(column)
        if cached is not None:
            return cached[0]
        sql_col = "id" if column == "id" else self.sql_name(column)
        null = "'nan'" if dtype is np.float64 else str(NULL_INT)
        value = quote(sql_col)
        if column in EXACT_COLUMNS:
            # SQLite renders REALs with 15 significant digits; money keeps every bit.
            value = f"CASE WHEN {value} IS NULL THEN NULL ELSE printf('%!.17g', {value}) END"
        parts = []
        with self._reader() as conn:
            for lo, hi in self._id_ranges(conn):
                text = conn.execute(
                    f"SELECT group_concat(ifnull({value}, {null}), ',') FROM "
                    f"(SELECT {quote(sql_col)} FROM calls WHERE id BETWEEN ? AND ? ORDER BY id)",
                    (lo, hi),
                ).fetchone()[0]
                if text:
                    parts.append(_parse_numbers(text, dtype))
        arr = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
        self._save(column, {"data": arr})
        return arr

    def _load_text(self, column: str) -> TextColumn:
        cached = self._cached(column, text=True)
        if cached is not None and cached[1] is not None:
            return TextColumn(cached[0], cached[1])
        sql_col = quote(self.sql_name(column))
        codes_parts: list[np.ndarray] = []
        lookup: dict[str, int] = {}
        texts: list[str] = []
        with self._reader() as conn:
            for lo, hi in self._id_ranges(conn):
                row = conn.execute(
                    f"SELECT group_concat(ifnull(CAST({sql_col} AS TEXT), char(30)), char(31)),"
                    f" count(*) FROM (SELECT {sql_col} FROM calls WHERE id BETWEEN ? AND ?"
                    " ORDER BY id)",
                    (lo, hi),
                ).fetchone()
                count = row[1]
                pieces = row[0].split(_SEP) if row[0] is not None else []
                if len(pieces) != count:  # a value contains the separator: slow path
                    pieces = [
                        _NULL_MARK if v is None else str(v)
                        for (v,) in conn.execute(
                            f"SELECT {sql_col} FROM calls WHERE id BETWEEN ? AND ? ORDER BY id",
                            (lo, hi),
                        )
                    ]
                setdefault = lookup.setdefault
                codes = np.fromiter(
                    (setdefault(p, len(lookup)) for p in pieces), dtype=np.int32, count=len(pieces)
                )
                codes_parts.append(codes)
            texts = list(lookup)
            typed = self._typed_values(conn, sql_col)
        null_code = lookup.get(_NULL_MARK)
        values = [typed.get(t, t) for t in texts]
        codes = np.concatenate(codes_parts) if codes_parts else np.zeros(0, np.int32)
        if null_code is not None:
            # Move the null marker out of the value list: code -1 means null.
            values.pop(null_code)
            codes = np.where(codes == null_code, -1, np.where(codes > null_code, codes - 1, codes))
            codes = codes.astype(np.int32)
        col = TextColumn(codes, values)
        self._save(column, {"data": codes}, values)
        return col

    @staticmethod
    def _typed_values(conn: sqlite3.Connection, sql_col: str) -> dict[str, Any]:
        typed: dict[str, Any] = {}
        for value, kind in conn.execute(
            f"SELECT DISTINCT {sql_col}, typeof({sql_col}) FROM calls "
            f"WHERE typeof({sql_col}) IN ('integer', 'real')"
        ):
            typed[str(value) if kind == "integer" else _sqlite_real_text(value)] = value
        return typed

    def _id_ranges(self, conn: sqlite3.Connection) -> list[tuple[int, int]]:
        lo, hi = conn.execute("SELECT min(id), max(id) FROM calls").fetchone()
        if lo is None:
            return []
        return [(a, min(a + _ROWS_PER_QUERY - 1, hi)) for a in range(lo, hi + 1, _ROWS_PER_QUERY)]

    def _reader(self) -> sqlite3.Connection:
        return _Closing(self._connect())  # type: ignore[return-value]

    # -- disk cache --------------------------------------------------------------------
    def _read_manifest(self) -> dict[str, Any]:
        try:
            return orjson.loads((self.cache_dir / "manifest.json").read_bytes())
        except (OSError, ValueError):
            return {}

    def _save(self, column: str, arrays: dict[str, np.ndarray], values: list | None = None) -> None:
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            key = _cache_key(column, values is not None)
            safe = _file_name(key)
            data_file = f"{safe}.npy"
            tmp = self.cache_dir / (data_file + ".tmp")
            with open(tmp, "wb") as fh:
                np.save(fh, np.ascontiguousarray(arrays["data"]))
            tmp.replace(self.cache_dir / data_file)
            entry: dict[str, Any] = {"file": data_file, "generation": self._generation_of(column)}
            if values is not None:
                values_file = f"{safe}.values.json"
                vtmp = self.cache_dir / (values_file + ".tmp")
                vtmp.write_bytes(orjson.dumps(values, option=orjson.OPT_NON_STR_KEYS))
                vtmp.replace(self.cache_dir / values_file)
                entry["values"] = values_file
            self._manifest[key] = entry
            mtmp = self.cache_dir / "manifest.json.tmp"
            mtmp.write_bytes(orjson.dumps(self._manifest))
            mtmp.replace(self.cache_dir / "manifest.json")
        except OSError:
            pass  # the cache is an optimisation: a read-only cache dir still works


class _Closing:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        with suppress(sqlite3.Error):
            self.conn.close()


def _parse_numbers(text: str, dtype: type) -> np.ndarray:
    expected = text.count(",") + 1
    arr = np.fromstring(text, dtype=dtype, sep=",")  # C speed; stops at anything odd
    if len(arr) != expected:
        arr = np.array(text.split(","), dtype=dtype)
    return arr


def _sqlite_real_text(value: float) -> str:
    # How SQLite renders a REAL as text (15 significant digits, trailing .0 kept).
    text = f"{value:.15g}"
    if "e" not in text and "." not in text and "inf" not in text and "nan" not in text:
        text += ".0"
    return text


def _cache_key(column: str, text: bool) -> str:
    # A column can be cached both as numbers and as text (e.g. a search reads
    # every column as text): the two must not overwrite each other on disk.
    return f"text:{column}" if text else column


def _file_name(column: str) -> str:
    import hashlib

    clean = "".join(c if c.isalnum() or c in "-_" else "_" for c in column)[:40]
    return f"{clean}-{hashlib.sha1(column.encode()).hexdigest()[:8]}"


def distinct_in_order(values: Sequence[Any]) -> list[Any]:
    return list(dict.fromkeys(values))
