"""The working store: a SQLite database of priced calls, one per source set.

It lives in the user's cache directory. It is rebuilt when the schema version
changes, reused when the sources are unchanged, and extended when a file grows.
The user's own files are never written.

Threading: a :class:`Store` owns one connection, used by one thread. Other
threads open their own read connections with :meth:`Store.reader`.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from desktop.paths import cache_dir
from desktop.record import Problem
from desktop.store.batch import Batch
from desktop.store.schema import (
    CORE_COLUMNS,
    DDL,
    DEDUP_INDEX,
    INDEXES,
    RECORD_COLUMNS,
    SCHEMA_VERSION,
    quote,
)

PROBLEMS_KEPT_PER_SOURCE = 1000  # beyond this only the count grows

# Binding None goes through sqlite3's adapter lookup, which fails with an
# exception every time; an explicit adapter makes it several times cheaper.
sqlite3.register_adapter(type(None), lambda _: None)


class StoreError(Exception):
    pass


@dataclass(slots=True)
class Placed:
    """Where a batch's rows went, when the store applies the dedup rule in memory."""

    fresh: Batch  # rows added, with ids first_id, first_id + 1, …
    first_id: int
    replaced: Batch  # rows that replaced a stored copy of the same call, keeping its id
    replaced_ids: list[int]


@dataclass(slots=True)
class SourceRow:
    id: int
    path: str
    root: str | None
    format: str
    reason: str | None
    size: int | None
    mtime_ns: int | None
    inode: int | None
    head: bytes | None
    read_offset: int
    next_line: int
    calls: int
    problems: int
    complete: bool
    options: str | None
    error: str | None


def store_path_for(paths: Sequence[Path], extra: str = "") -> Path:
    """The store file for a set of user paths (order and spelling do not matter)."""
    keys = sorted(str(Path(p).expanduser().resolve()) for p in paths)
    digest = hashlib.sha1(("\n".join(keys) + "\n" + extra).encode()).hexdigest()[:16]
    return cache_dir() / "stores" / f"{digest}.sqlite"


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = self._connect(path)
            healthy = self._schema_ok()
        except sqlite3.DatabaseError:
            healthy = False  # not a database at all: it is only a cache, so rebuild it
        if not healthy:
            with suppress(Exception):
                self.conn.close()
            self._remove_files()
            self.conn = self._connect(path)
        # Opening a store that is set up writes nothing: another thread (building the
        # indexes after a load) may hold the write lock, and the app opens the store
        # on its UI thread.
        if not healthy or self._needs_setup():
            self.conn.executescript(DDL)
            self._set_meta_default("schema_version", str(SCHEMA_VERSION))
            self._set_meta_default("rows_generation", "0")
            self._set_meta_default("pricing_generation", "0")
            self._set_meta_default("instance", uuid.uuid4().hex)
            # a new store: its indexes are built after its first load
            self._set_meta_default("indexes_pending", "1")
            self.conn.commit()
        self._labels: dict[str, str] = dict(self.conn.execute("SELECT key, col FROM labels"))
        self._columns = self._table_columns()
        # During a bulk load: dedup key -> row id, and the next row id (see keep_keys_in_memory)
        self._keys: dict[str, int] | None = None
        self._next_id = 0
        self._bulk = False  # in a bulk load through a rollback journal (see bulk_writes)

    # -- connection ------------------------------------------------------------
    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        # For a new file only: fewer, larger pages make loads a tenth faster.
        conn.execute("PRAGMA page_size=16384")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute("PRAGMA temp_store=MEMORY")
        # Index builds sort with helper threads (about 1.5x faster on two cores).
        conn.execute(f"PRAGMA threads={min(os.cpu_count() or 1, 4)}")
        return conn

    def reader(self) -> sqlite3.Connection:
        """A new read-only connection for another thread."""
        uri = self.path.resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
        conn.execute("PRAGMA cache_size=-32768")
        return conn

    def close(self) -> None:
        self.conn.close()

    def _schema_ok(self) -> bool:
        try:
            row = self.conn.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
        except sqlite3.DatabaseError:
            # No meta table yet (new file) is fine; anything unreadable is rebuilt.
            try:
                tables = self.conn.execute("SELECT name FROM sqlite_master").fetchall()
            except sqlite3.DatabaseError:
                return False
            return not tables
        return row is not None and row[0] == str(SCHEMA_VERSION)

    def _needs_setup(self) -> bool:
        try:
            keys = {key for (key,) in self.conn.execute("SELECT key FROM meta")}
            tables = {name for (name,) in self.conn.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError:
            return True
        return not (
            {"schema_version", "rows_generation", "pricing_generation", "instance"} <= keys
            and "indexes_pending" in keys
            and {"sources", "problems", "skipped", "priced_combos", "labels", "calls"} <= tables
        )

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with suppress(FileNotFoundError):
                os.remove(str(self.path) + suffix)
        cols = self.path.with_suffix(".cols")
        if cols.is_dir():
            for file in cols.iterdir():
                file.unlink()
            cols.rmdir()

    # -- meta ------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _set_meta_default(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def generation(self, kind: str = "rows") -> int:
        return int(self.meta(f"{kind}_generation", "0") or 0)

    def bump(self, *kinds: str) -> None:
        for kind in kinds:
            self.set_meta(f"{kind}_generation", str(self.generation(kind) + 1))

    # -- transactions ------------------------------------------------------------
    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    # -- labels ------------------------------------------------------------------
    @property
    def label_columns(self) -> dict[str, str]:
        """Label key → SQL column name."""
        return dict(self._labels)

    def _table_columns(self) -> set[str]:
        return {r[1].lower() for r in self.conn.execute("PRAGMA table_info(calls)")}

    def ensure_labels(self, keys: Iterable[str], limit: int = 400) -> dict[str, str]:
        """Add a column for each new label key; returns the key → column map.

        Column names are the keys themselves unless that collides (case-blind,
        as SQLite compares names) with a canonical column or another label.
        Keys beyond ``limit`` columns are not stored.
        """
        for key in keys:
            if key in self._labels or len(self._labels) >= limit:
                continue
            col = key
            if col.lower() in self._columns or col.lower() == "id":
                col = f"label:{key}"
            n = 2
            while col.lower() in self._columns:
                col = f"label:{key} ({n})"
                n += 1
            self.conn.execute(f"ALTER TABLE calls ADD COLUMN {quote(col)}")
            self.conn.execute("INSERT INTO labels (key, col) VALUES (?, ?)", (key, col))
            self._labels[key] = col
            self._columns.add(col.lower())
        return self._labels

    # -- sources -----------------------------------------------------------------
    def sources(self) -> list[SourceRow]:
        rows = self.conn.execute(
            "SELECT id, path, root, format, reason, size, mtime_ns, inode, head, read_offset, "
            "next_line, calls, problems, complete, options, error FROM sources ORDER BY path"
        ).fetchall()
        return [SourceRow(*r[:13], bool(r[13]), r[14], r[15]) for r in rows]

    def source_by_path(self, path: str) -> SourceRow | None:
        for row in self.sources():
            if row.path == path:
                return row
        return None

    def add_source(
        self,
        path: str,
        root: str | None,
        fmt: str,
        reason: str,
        options: Any,
        state: dict[str, Any] | None = None,
    ) -> int:
        """A new source; ``state`` (size, mtime_ns, inode, head) as the plan saw it."""
        state = state or {}
        cur = self.conn.execute(
            "INSERT INTO sources (path, root, format, reason, options, size, mtime_ns, inode, head)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                path,
                root,
                fmt,
                reason,
                _json(options),
                state.get("size"),
                state.get("mtime_ns"),
                state.get("inode"),
                state.get("head"),
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def update_source(self, source_id: int, **fields: Any) -> None:
        if not fields:
            return
        names = ", ".join(f"{quote(k)} = ?" for k in fields)
        self.conn.execute(f"UPDATE sources SET {names} WHERE id = ?", (*fields.values(), source_id))

    def advance_sources(self, moves: Sequence[tuple[int, int, int, int, int, bool]]) -> None:
        """Where reads stand, many sources at once: (source id, calls read, problems
        found, read offset, next line, complete) per source, counts added."""
        self.conn.executemany(
            "UPDATE sources SET calls = calls + ?, problems = problems + ?, read_offset = ?,"
            " next_line = ?, complete = ? WHERE id = ?",
            [(c, p, off, line, int(done), sid) for sid, c, p, off, line, done in moves],
        )

    def clear_source(self, source_id: int) -> None:
        self.ensure_indexes()
        """Forget everything read from a source (it will be read again)."""
        self.conn.execute("DELETE FROM calls WHERE source_id = ?", (source_id,))
        self.conn.execute("DELETE FROM problems WHERE source_id = ?", (source_id,))
        self.update_source(
            source_id, read_offset=0, next_line=1, calls=0, problems=0, complete=0, error=None
        )

    def remove_source(self, source_id: int) -> None:
        self.ensure_indexes()
        self.conn.execute("DELETE FROM calls WHERE source_id = ?", (source_id,))
        self.conn.execute("DELETE FROM problems WHERE source_id = ?", (source_id,))
        self.conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))

    def set_skipped(self, skipped: Iterable[tuple[str, str]]) -> None:
        self.conn.execute("DELETE FROM skipped")
        self.conn.executemany("INSERT OR REPLACE INTO skipped VALUES (?, ?)", skipped)

    def skipped(self) -> list[tuple[str, str]]:
        return self.conn.execute("SELECT path, reason FROM skipped ORDER BY path").fetchall()

    # -- problems ----------------------------------------------------------------
    def add_problems(self, source_id: int, problems: Sequence[Problem]) -> None:
        if not problems:
            return
        kept = self.conn.execute(
            "SELECT COUNT(*) FROM problems WHERE source_id = ?", (source_id,)
        ).fetchone()[0]
        room = max(0, PROBLEMS_KEPT_PER_SOURCE - kept)
        if room:
            self.conn.executemany(
                "INSERT INTO problems (source_id, line, offset, reason) VALUES (?, ?, ?, ?)",
                [(source_id, p.line, p.offset, p.reason) for p in problems[:room]],
            )

    def drop_problems_from(self, source_id: int, offset: int) -> int:
        """Forget problems at or after ``offset`` (that part is read again)."""
        cur = self.conn.execute(
            "DELETE FROM problems WHERE source_id = ? AND offset >= ?", (source_id, offset)
        )
        return cur.rowcount

    def problems(self, source_id: int | None = None, limit: int = 1000) -> list[tuple]:
        """(source path, line, offset, reason), in source and line order."""
        sql = (
            "SELECT s.path, p.line, p.offset, p.reason FROM problems p "
            "JOIN sources s ON s.id = p.source_id"
        )
        params: tuple[Any, ...] = ()
        if source_id is not None:
            sql += " WHERE p.source_id = ?"
            params = (source_id,)
        sql += " ORDER BY s.path, p.line LIMIT ?"
        return self.conn.execute(sql, (*params, limit)).fetchall()

    # -- calls -------------------------------------------------------------------
    def insert_batch(self, batch: Batch) -> Placed | None:
        """Insert a batch of calls.

        A call whose ``dedup_key`` is already stored replaces the stored one
        only if its ``dedup_rank`` is higher (the same rule as
        :func:`desktop.logs.reader.deduplicate`). With the keys in memory (a bulk
        load) the rule is applied here and the rows' places are returned;
        otherwise SQLite applies it through the dedup index.
        """
        if not batch.n:
            return None
        if self._keys is not None:
            return self._insert_keyed(batch)
        if batch.dedup:
            self.ensure_indexes()  # copies are merged through the dedup index
        mapping = self.ensure_labels(batch.label_keys)
        kept = [i for i, key in enumerate(batch.label_keys) if key in mapping]
        label_cols = [mapping[batch.label_keys[i]] for i in kept]
        empty = batch.empty_columns() if not batch.dedup else set()
        core = [c for c in CORE_COLUMNS if c not in empty]
        columns = core + label_cols
        names = ", ".join(quote(c) for c in columns)
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO calls ({names}) VALUES ({marks})"
        if batch.dedup:
            given = set(columns)
            sets = [f"{quote(c)} = excluded.{quote(c)}" for c in columns if c != "dedup_key"]
            sets += [f"{quote(c)} = NULL" for c in self._labels.values() if c not in given]
            sql += (
                " ON CONFLICT(dedup_key) WHERE dedup_key IS NOT NULL DO UPDATE SET "
                + ", ".join(sets)
                + " WHERE excluded.dedup_rank > calls.dedup_rank"
            )
        label_values = [batch.labels[i] for i in kept]
        core_values = [batch.values_of(c) for c in core]
        self.conn.executemany(sql, zip(*core_values, *label_values))  # noqa: B905
        return None

    # -- bulk loads ------------------------------------------------------------------
    def keep_keys_in_memory(self) -> None:
        """Apply the dedup rule in memory from now on (the dedup index is dropped).

        Keeping a unique index on random keys up to date makes each insert touch
        pages all over the index: at a million calls that is most of a load.
        """
        self._keys = dict(
            self.conn.execute("SELECT dedup_key, id FROM calls WHERE dedup_key IS NOT NULL")
        )
        self._next_id = (self.conn.execute("SELECT max(id) FROM calls").fetchone()[0] or 0) + 1

    def forget_keys(self) -> None:
        self._keys = None

    @property
    def next_id(self) -> int:
        """The id the next row added in a bulk load gets."""
        return self._next_id

    def _insert_keyed(self, batch: Batch) -> Placed:
        assert self._keys is not None
        fresh: list[int] = []
        replaced: dict[int, int] = {}  # stored row id -> the batch row replacing it
        keys = batch.text.get("dedup_key", ())
        if (
            batch.dedup
            and None not in keys
            and self._keys.keys().isdisjoint(keys)
            and len(set(keys)) == batch.n
        ):
            # The common case, in C loops: every call of the batch is new.
            new_ids = range(self._next_id, self._next_id + batch.n)
            self._keys.update(zip(keys, new_ids, strict=True))
            fresh = list(range(batch.n))
        elif batch.dedup:
            ranks = batch.num["dedup_rank"].tolist()
            best: dict[str, int] = {}  # the winning row per key in this batch
            order: list[int] = []  # rows in batch order (a key at its first row)
            for i, key in enumerate(keys):
                if key is None:
                    order.append(i)
                    continue
                j = best.get(key)
                if j is None:
                    best[key] = i
                    order.append(i)
                elif ranks[i] > ranks[j]:
                    best[key] = i
            stored_ids = self._keys
            for i in order:
                key = keys[i]
                if key is not None:
                    i = best[key]
                    old = stored_ids.get(key)
                    if old is not None:  # a copy read earlier, in another unit
                        row = self.conn.execute(
                            "SELECT dedup_rank FROM calls WHERE id = ?", (old,)
                        ).fetchone()
                        if ranks[i] > row[0]:
                            replaced[old] = i
                        continue
                    stored_ids[key] = self._next_id + len(fresh)
                fresh.append(i)
        else:
            fresh = list(range(batch.n))
        first_id = self._next_id
        added = batch if len(fresh) == batch.n else batch.take(fresh)
        self._write_rows(added, first_id)
        self._next_id += added.n
        ids = list(replaced)
        swapped = batch.take(list(replaced.values())) if ids else Batch(0, batch.source_id)
        if ids:
            self.conn.executemany("DELETE FROM calls WHERE id = ?", ((i,) for i in ids))
            self._write_rows(swapped, ids)
        return Placed(added, first_id, swapped, ids)

    def _write_rows(self, batch: Batch, ids: int | list[int]) -> None:
        """Plain inserts with the given row ids (consecutive from an int, or a list)."""
        if not batch.n:
            return
        mapping = self.ensure_labels(batch.label_keys)
        kept = [i for i, key in enumerate(batch.label_keys) if key in mapping]
        empty = batch.empty_columns()
        core = [c for c in CORE_COLUMNS if c not in empty]
        columns = ["id", *core, *(mapping[batch.label_keys[i]] for i in kept)]
        names = ", ".join(quote(c) for c in columns)
        marks = ", ".join("?" * len(columns))
        id_values = range(ids, ids + batch.n) if isinstance(ids, int) else ids
        self.conn.executemany(
            f"INSERT INTO calls ({names}) VALUES ({marks})",
            zip(  # noqa: B905 - equal lengths
                id_values,
                *(batch.values_of(c) for c in core),
                *(batch.labels[i] for i in kept),
            ),
        )

    def count_calls(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0]

    def calls_per_source(self) -> dict[int, int]:
        return dict(self.conn.execute("SELECT source_id, COUNT(*) FROM calls GROUP BY source_id"))

    # -- indexes -----------------------------------------------------------------
    def drop_indexes(self) -> None:
        """Drop the indexes before a bulk load (the dedup rule then runs in memory)."""
        for name, _ in INDEXES:
            self.conn.execute(f"DROP INDEX IF EXISTS {name}")
        self.conn.execute("DROP INDEX IF EXISTS calls_dedup")
        self.set_meta("indexes_pending", "1")

    def bulk_writes(self, on: bool) -> None:
        """During a large load, write through a rollback journal, not the write-ahead log.

        Rows added at the end of the table then go once, straight into the database
        file; through the log they are written twice (log, then checkpoint), which at
        a million calls costs seconds. The journal only keeps the few existing pages a
        commit changes, so a crash still leaves the store as of the last commit.
        A reader waits for a commit instead of reading beside it (the app reads no rows
        while it loads: its running totals come with the load's progress). Another
        connection keeping the store open in WAL mode keeps the load in WAL mode.
        """
        if on and not self._bulk:
            self._bulk = self._journal("delete", wait=False)
        elif not on and self._bulk:
            self._bulk = False
            self._journal("wal", wait=True)

    def _journal(self, mode: str, wait: bool) -> bool:
        """Switch the journal mode; True if it changed."""
        if not wait:
            # Leaving WAL needs the only connection: another one holds it until closed.
            self.conn.execute("PRAGMA busy_timeout=0")
        try:
            return self.conn.execute(f"PRAGMA journal_mode={mode}").fetchone()[0] == mode
        except sqlite3.OperationalError:  # "database is locked": someone else has it open
            return False
        finally:
            self.conn.execute("PRAGMA busy_timeout=30000")

    @property
    def journal_mode(self) -> str:
        return self.conn.execute("PRAGMA journal_mode").fetchone()[0]

    def create_indexes(self) -> None:
        for name, columns in INDEXES:
            cols = ", ".join(quote(c.strip()) for c in columns.split(","))
            self.conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON calls ({cols})")
        self.conn.execute(DEDUP_INDEX)
        self.set_meta("indexes_pending", "0")

    def ensure_indexes(self) -> None:
        """Create the indexes now if a load left them for later (a query needs them)."""
        if self.indexes_pending:
            self.create_indexes()

    @property
    def indexes_pending(self) -> bool:
        return self.meta("indexes_pending", "0") == "1"

    # -- reading rows --------------------------------------------------------------
    def rows_by_id(self, ids: Sequence[int], columns: Sequence[str] | None = None) -> list[dict]:
        cols = list(columns or self.all_columns())
        return fetch_rows(self.conn, ids, cols)

    def all_columns(self) -> list[str]:
        """Canonical columns, then label columns (SQL names)."""
        return ["id", *CORE_COLUMNS, *self._labels.values()]


def fetch_rows(conn: sqlite3.Connection, ids: Sequence[int], columns: Sequence[str]) -> list[dict]:
    """Rows by id (in the order of ``ids``), as dicts of the requested columns."""
    if not ids:
        return []
    names = ", ".join(quote(c) for c in ("id", *columns) if c)
    found: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        marks = ",".join("?" * len(part))
        with closing(conn.execute(f"SELECT {names} FROM calls WHERE id IN ({marks})", part)) as c:
            keys = [d[0] for d in c.description]
            for row in c:
                found[row[0]] = dict(zip(keys, row, strict=True))
    return [found[i] for i in ids if i in found]


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


__all__ = ["RECORD_COLUMNS", "SourceRow", "Store", "StoreError", "fetch_rows", "store_path_for"]
