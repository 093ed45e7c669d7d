"""Reading sources into the working store.

The plan compares each file with what the store remembers: unchanged files are
skipped, grown files are read from where the last read stopped, replaced or
shrunk files are read again, vanished files are forgotten.

Work is cut into units (byte ranges of line-independent JSONL files, or whole
files for compressed, stateful and SQLite sources). Units are parsed,
normalised and priced by worker processes; the main process only inserts the
finished rows, in file order, and commits regularly so that readers see the
first rows while the rest loads.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from desktop.logs.columns import Columns, read_items
from desktop.logs.detect import confirm, detect_sample
from desktop.logs.expand import Expansion, SourceFile, expand_paths
from desktop.logs.formats import get_format
from desktop.logs.formats.base import Detection, LogFormat, ReadContext, SqliteFormat
from desktop.logs.json_document import file_layout, text_layout
from desktop.logs.reader import ChunkParser, ReadEnd, deduplicate, open_values, read_records
from desktop.logs.source import (
    HEAD_SIZE,
    Chunk,
    FileState,
    SourceError,
    compression_of,
    is_sqlite,
)
from desktop.record import CallRecord, Problem
from desktop.store.batch import Batch
from desktop.store.frame import Frame
from desktop.store.frame_builder import FrameBuilder
from desktop.store.pricer import Pricer, PricingSpec, combo_key, record_combos, reprice_store
from desktop.store.running import TOTAL_KEYS, plus, stored_totals
from desktop.store.store import SourceRow, Store

UNIT_BYTES = 8 << 20  # byte range handed to one worker
IN_PROCESS_BYTES = 16 << 20  # below this much work, parsing in-process is faster
BULK_BYTES = 64 << 20  # above this much work, a load writes in bulk (see Store.bulk_writes)
COMMIT_SECONDS = 1.0


class Cancelled(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Unit:
    source_id: int
    path: str
    format_id: str
    options: Any
    mtime: float
    start: int
    end: int | None  # None: read to the end (whole-file units)
    first_line: int
    last: bool  # this unit reaches the end of the file
    weight: int = 0  # bytes this unit stands for, for progress

    @property
    def size(self) -> int:
        return self.weight if self.end is None else self.end - self.start


@dataclass(slots=True)
class UnitResult:
    source_id: int
    problems: list[Problem]
    end: ReadEnd
    error: str | None = None
    fingerprint: str = ""
    read: int = 0  # records read, before copies of one call were merged


@dataclass(slots=True)
class Progress:
    bytes_done: int
    bytes_total: int
    calls: int
    elapsed: float
    files_done: int
    files_total: int
    current: str = ""
    # "detecting" (files_done of files_total looked at, nothing read yet) or "reading"
    phase: str = "reading"
    # The calls stored so far, with what the store held before this load: their
    # count, cost, unpriced count and tokens (see :mod:`desktop.store.running`). The app
    # shows these while it reads, without querying a store that is being written.
    stored: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.calls / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        if self.bytes_done <= 0 or self.elapsed <= 0:
            return None
        return self.elapsed * (self.bytes_total - self.bytes_done) / self.bytes_done


@dataclass(slots=True)
class IngestResult:
    files: int = 0
    files_read: int = 0
    calls_added: int = 0
    records_read: int = 0
    problems: int = 0
    bytes_read: int = 0
    seconds: float = 0.0
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)
    cancelled: bool = False
    repriced: int = 0  # combinations re-priced because prices changed
    columns: Any = None  # a FrameBuilder holding every column, after a first load


# -- the worker side -------------------------------------------------------------

_PRICERS: dict[tuple[PricingSpec, tuple[str, int, int] | None], Pricer] = {}


def _pricer(spec: PricingSpec) -> Pricer:
    # Keyed by the price file's state too: after the user edits their prices (or
    # another config dir is in use), rows read later must get the new prices.
    key = (spec, _price_file_state(spec))
    pricer = _PRICERS.get(key)
    if pricer is None:
        if len(_PRICERS) > 8:
            _PRICERS.clear()
        pricer = _PRICERS[key] = Pricer(spec.load())
    return pricer


def _price_file_state(spec: PricingSpec) -> tuple[str, int, int] | None:
    from pricing.user_layer import default_user_file

    path = Path(spec.file or spec.user_file or default_user_file())
    try:
        st = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), st.st_mtime_ns, st.st_size)


@dataclass(slots=True)
class TaskResult:
    batch: Batch  # the calls of every unit of the task, in order
    parts: list[UnitResult]  # per unit: problems, where the read ended …


def run_task(units: Sequence[Unit], spec: PricingSpec) -> TaskResult:
    """Parse, normalise and price the units of one task (runs in a worker process).

    Small files are read many to a task; their calls are priced and shipped as one
    batch, so the per-batch work (here and in the main process) is done once.
    """
    # Millions of short-lived tuples and dicts: the cycle collector would only
    # rescan them over and over; nothing here builds reference cycles.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        pricer = _pricer(spec)
        calls = Columns()
        sources: list[tuple[int, int]] = []  # (source id, calls) per unit, in order
        parts = []
        for unit in units:
            found, part = _read_unit(unit)
            if found.n:
                calls.extend_with(found)
                sources.append((unit.source_id, found.n))
            part.fingerprint = pricer.engine.fingerprint
            parts.append(part)
        batch = Batch.from_columns(calls.n, calls.columns, calls.labels, units[0].source_id, pricer)
        if len({sid for sid, _ in sources}) > 1:
            batch.num["source_id"] = np.repeat(
                np.array([sid for sid, _ in sources], dtype=np.int64),
                [n for _, n in sources],
            )
        elif sources:
            batch.source_id = sources[0][0]
        return TaskResult(batch, parts)
    finally:
        if gc_was_on:
            gc.enable()


def _read_unit(unit: Unit) -> tuple[Columns, UnitResult]:
    """Every call of one unit as columns, and how the read went."""
    fmt = get_format(unit.format_id)
    ctx = ReadContext(Path(unit.path), unit.mtime, unit.options or {})
    records: list[CallRecord] = []
    problems: list[Problem] = []
    end = ReadEnd(unit.start, unit.first_line)
    error = None
    fast: Columns | None = None
    read = 0
    try:
        if unit.end is not None and fmt.line_independent:
            with open(unit.path, "rb") as fh:
                fh.seek(unit.start)
                data = fh.read(unit.end - unit.start)
            parser = ChunkParser(fmt.prefilter, fmt.line_decoder() if fmt.reads_columns else None)
            chunk = Chunk(data, unit.first_line, unit.start, unit.last)
            fast, records, problems, read = read_items(fmt, parser.parse(chunk), ctx)
            problems.extend(parser.problems)
            end = parser.end or end
        elif fmt.reads_columns:
            # A source that cannot be split into byte ranges (compressed, a JSON
            # document, CSV): one unit, through the same bulk reader.
            source = open_values(
                Path(unit.path), fmt.prefilter, unit.start, unit.first_line, fmt.line_decoder()
            )
            fast, records, problems, read = read_items(fmt, source.values(), ctx)
            problems.extend(source.problems)
            end = ReadEnd(*source.end)
        else:
            for item in read_records(Path(unit.path), fmt, ctx, unit.start, unit.first_line):
                if type(item) is CallRecord:
                    records.append(item)
                elif isinstance(item, Problem):
                    problems.append(item)
                elif isinstance(item, ReadEnd):
                    end = item
            read = len(records)
            if any(r.dedup_key is not None for r in records):
                records = deduplicate(records)  # copies of one call are usually neighbours
    except SourceError as exc:
        error = str(exc)
    except OSError as exc:
        error = f"{unit.path}: {exc.strerror or exc}"
    calls = fast if fast is not None else Columns()
    if records:
        calls.add_records(records)
    problems.sort(key=lambda p: p.line)
    return calls, UnitResult(unit.source_id, problems, end, error, "", read)


def tasks_of(units: Sequence[Unit], size: int = UNIT_BYTES) -> list[list[Unit]]:
    """Consecutive units grouped into tasks of about ``size`` bytes (a large unit alone)."""
    tasks: list[list[Unit]] = []
    current: list[Unit] = []
    filled = 0
    for unit in units:
        if current and filled + unit.size > size:
            tasks.append(current)
            current, filled = [], 0
        current.append(unit)
        filled += unit.size
    if current:
        tasks.append(current)
    return tasks


# -- planning ----------------------------------------------------------------------


@dataclass(slots=True)
class Plan:
    units: list[Unit]
    files: list[SourceFile]
    bytes_total: int
    reread: list[str] = field(default_factory=list)
    engine: Any = None  # the prices the plan was made with


def _file_state(path: Path) -> dict[str, Any]:
    state = FileState.of(path)
    size, mtime = state.size, state.mtime_ns
    if is_sqlite(path):  # a WAL file next to it changes without the main file changing
        wal = Path(str(path) + "-wal")
        if wal.exists():
            st = wal.stat()
            size += st.st_size
            mtime = max(mtime, st.st_mtime_ns)
    return {"size": size, "mtime_ns": mtime, "inode": state.inode, "head": state.head}


def plan_ingest(
    store: Store,
    expansion: Expansion,
    roots: dict[Path, str],
    states: dict[Path, dict[str, Any]] | None = None,
    documents: dict[Path, bool] | None = None,
) -> Plan:
    """Decide what to read: new, grown and changed files; forget vanished ones.

    ``states`` holds file states already looked at (see :func:`_file_state`), and
    ``documents`` whether files already looked at are one JSON document.
    """
    known = {row.path: row for row in store.sources()}
    wanted = {str(f.path) for f in expansion.files}
    for path, row in known.items():
        if path not in wanted:
            store.remove_source(row.id)
    units: list[Unit] = []
    total = 0
    reread: list[str] = []
    for sf in expansion.files:
        path = sf.path
        try:
            state = (states or {}).get(path) or _file_state(path)
        except OSError as exc:
            expansion.errors.append((path, f"cannot read ({exc.strerror or exc})"))
            continue
        row = known.get(str(path))
        options = _options(sf)
        if row is not None and (row.format != sf.format_id or row.options != options):
            store.remove_source(row.id)
            row = None
        if row is None:
            source_id = store.add_source(
                str(path), roots.get(path), sf.format_id, sf.reason, sf.options, state
            )
            start, line = 0, 1
        else:
            source_id = row.id
            action = _compare(row, state, sf)
            if action == "unchanged":
                continue
            if action == "append":
                start, line = row.read_offset, row.next_line
                store.drop_problems_from(source_id, start)
            else:
                reread.append(str(path))
                store.clear_source(source_id)
                start, line = 0, 1
        if row is not None:
            store.update_source(source_id, complete=0, reason=sf.reason, **state)
        new_units = _units_for(source_id, sf, state, start, line, (documents or {}).get(path))
        units.extend(new_units)
        total += sum(u.size for u in new_units)
    return Plan(units, expansion.files, total, reread)


def _known_formats(
    store: Store, states: dict[Path, dict[str, Any]]
) -> Callable[[Path], SourceFile | None]:
    """The formats of files read before that have not changed since, or only grown.

    The file states looked at are kept in ``states`` for the plan.
    """
    rows = {row.path: row for row in store.sources() if row.complete}

    def known(path: Path) -> SourceFile | None:
        row = rows.get(str(path))
        if row is None:
            return None
        options = orjson.loads(row.options) if row.options else None
        sf = SourceFile(path, row.format, row.reason or "", 1.0, options)
        try:
            if get_format(row.format).kind != "sqlite":  # (a SQLite file has its WAL too)
                # Unchanged by stat alone: no need to open it (a projects folder has 14k
                # files). The head is only compared when the file did change.
                st = os.stat(path)
                state = {
                    "size": st.st_size,
                    "mtime_ns": st.st_mtime_ns,
                    "inode": st.st_ino,
                    "head": row.head,
                }
                if _unchanged(row, state):
                    states[path] = state
                    return sf
            state = states[path] = _file_state(path)
        except OSError:
            return None
        return sf if _compare(row, state, sf) != "reread" else None

    return known


def _options(sf: SourceFile) -> str | None:
    if sf.options is None:
        return None
    return orjson.dumps(sf.options, option=orjson.OPT_SORT_KEYS).decode()


def _unchanged(row: SourceRow, state: dict[str, Any]) -> bool:
    return bool(
        row.complete
        and row.inode == state["inode"]
        and row.size == state["size"]
        and row.mtime_ns == state["mtime_ns"]
    )


def _compare(row: SourceRow, state: dict[str, Any], sf: SourceFile) -> str:
    if _unchanged(row, state):
        return "unchanged"
    same_file = row.inode == state["inode"]
    fmt = get_format(sf.format_id)
    growable = fmt.line_independent and fmt.kind == "jsonl"
    if growable and same_file and state["size"] >= row.read_offset and row.head is not None:
        old_head = bytes(row.head)
        if state["head"][: len(old_head)] == old_head and compression_of(sf.path) is None:
            return "append"
    return "reread"


def _may_split(fmt: LogFormat, path: Path, compressed: bool | None = None) -> bool:
    """Whether a file may be read as byte ranges (if it is lines, not one JSON document)."""
    if not fmt.line_independent or isinstance(fmt, SqliteFormat):
        return False
    return not (compression_of(path) is not None if compressed is None else compressed)


def _units_for(
    source_id: int,
    sf: SourceFile,
    state: dict[str, Any],
    start: int,
    line: int,
    document: bool | None = None,
) -> list[Unit]:
    fmt = get_format(sf.format_id)
    path = str(sf.path)
    mtime = state["mtime_ns"] / 1e9
    options = sf.options
    size = state["size"]
    # A layout seen while detecting was seen in a plain file: no need to open it again.
    splittable = _may_split(fmt, sf.path, compressed=False if document is not None else None)
    if splittable:  # a pretty JSON array is not lines
        splittable = not (file_layout(sf.path).document if document is None else document)
    if not splittable:
        weight = max(size - start, 1)
        return [
            Unit(source_id, path, sf.format_id, options, mtime, start, None, line, True, weight)
        ]
    if size - start <= UNIT_BYTES:  # one unit to the end: no need to look for line ends
        return [Unit(source_id, path, sf.format_id, options, mtime, start, size, line, True)]
    units = []
    with open(sf.path, "rb") as fh:
        fh.seek(start)
        offset = start
        while offset < size:
            block = fh.read(min(UNIT_BYTES, size - offset))
            if not block:
                break
            cut = block.rfind(b"\n") + 1
            end = offset + len(block)
            if end < size:
                if cut == 0:  # one very long line: extend this unit to its end
                    rest = bytearray(block)
                    while True:
                        more = fh.read(UNIT_BYTES)
                        if not more:
                            break
                        nl = more.find(b"\n")
                        if nl >= 0:
                            rest += more[: nl + 1]
                            fh.seek(offset + len(rest))
                            break
                        rest += more
                    block = bytes(rest)
                    end = offset + len(block)
                else:
                    fh.seek(offset + cut)
                    block = block[:cut]
                    end = offset + cut
            last = end >= size
            units.append(
                Unit(source_id, path, sf.format_id, options, mtime, offset, end, line, last)
            )
            line += block.count(b"\n")
            offset = end
    return units


# -- running -------------------------------------------------------------------------

DETECT_IN_WORKERS = 64  # files to detect before it is worth asking the worker processes

# What was seen of a file while detecting it: the detection, the file's state and,
# for a file that may be read in byte ranges, whether it is one JSON document.
Look = tuple[Any, dict[str, Any] | None, bool | None]


def look_at(paths: Sequence[Path]) -> list[Look]:
    """Detect each file's format, and note what the plan needs of it from the same
    look at its head (in the worker processes: a projects folder has thousands of
    files, and planning then needs no file access of its own)."""
    looks: list[Look] = []
    alike: dict[Path, Detection] = {}  # folder -> a detection its other files may share
    for path in paths:
        try:
            st = os.stat(path)
            like = _alike(path, alike)
            confirmed = confirm(path, like) if like is not None else None
            found, sample = confirmed or detect_sample(path)
        except (OSError, SourceError) as exc:
            looks.append((exc, None, None))
            continue
        if (
            like is None
            and isinstance(found, Detection)
            and get_format(found.format_id).alike_in_folder
        ):
            alike[path.parent] = found
        state = document = None
        # SQLite (with its WAL) and compressed files: the plan looks at them itself.
        plain = sample.sqlite_tables is None and sample.compression is None
        if isinstance(found, Detection) and plain:  # the head is the file's own first bytes
            state = {
                "size": st.st_size,
                "mtime_ns": st.st_mtime_ns,
                "inode": st.st_ino,
                "head": sample.head[:HEAD_SIZE],
            }
            if _may_split(get_format(found.format_id), path, compressed=False):
                with suppress(SourceError):  # the plan asks again and reports it
                    document = text_layout(path, sample.head).document
        looks.append((found, state, document))
    return looks


def _alike(path: Path, alike: dict[Path, Detection]) -> Detection | None:
    """The detection a file may share: one made in its folder or up to two above it
    (a session's sub-agent transcripts sit in ``<project>/<session>/subagents``)."""
    folder = path.parent
    for _ in range(3):
        like = alike.get(folder)
        if like is not None:
            return like
        folder = folder.parent
    return None


class _Workers:
    """The worker processes of one ingest: started when first needed, shared by
    format detection and reading."""

    def __init__(self, n: int, cancel: threading.Event | None) -> None:
        self.n = n
        self.cancel = cancel
        self._pool: ProcessPoolExecutor | None = None

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.n, mp_context=_pool_context())
        return self._pool

    def close(self, abandon: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=not abandon, cancel_futures=abandon)
            self._pool = None

    def look_at(
        self, paths: Sequence[Path], done: Callable[[int], None] | None = None
    ) -> list[Look]:
        """:func:`look_at` many files, in chunks over the workers (in order); ``done`` is
        told how many files have been looked at so far."""
        if self.n < 2 or len(paths) < DETECT_IN_WORKERS:
            return look_at(paths)
        size = max(16, len(paths) // (self.n * 8))
        pool = self.pool()
        futures = [pool.submit(look_at, paths[i : i + size]) for i in range(0, len(paths), size)]
        found: list[Look] = []
        try:
            for future in futures:
                found.extend(_wait(future, self.cancel))
                if done is not None:
                    done(len(found))
        except BaseException:
            self.close(abandon=True)
            raise
        return found


def _prepare(
    store: Store,
    paths: Sequence[Path],
    spec: PricingSpec,
    force_format: str | None,
    options: dict[str, Any] | None,
    workers: _Workers,
    result: IngestResult,
    progress: Callable[[Progress], None] | None = None,
) -> Plan:
    """Find the files and their formats, re-price, and plan what to read."""
    states: dict[Path, dict[str, Any]] = {}
    seen: dict[Path, Look] = {}
    started = time.perf_counter()

    def detect_many(files: Sequence[Path]) -> list[Any]:
        def done(n: int) -> None:  # a folder of 14k transcripts takes a few seconds
            if progress is not None:
                elapsed = time.perf_counter() - started
                progress(Progress(0, 0, 0, elapsed, n, len(files), phase="detecting"))

        looks = workers.look_at(files, done)
        seen.update(zip(files, looks, strict=True))
        return [found for found, _state, _document in looks]

    expansion = expand_paths(paths, force_format, _known_formats(store, states), detect_many)
    documents: dict[Path, bool] = {}
    for sf in expansion.files:
        look = seen.get(expansion.detected_as.get(sf.path, sf.path))
        if look is not None and look[1] is not None:
            states[sf.path] = look[1]
            if look[2] is not None:
                documents[sf.path] = look[2]
    if options:
        expansion.files = [replace(f, options=options) for f in expansion.files]
    result.skipped = list(expansion.skipped)
    roots = _roots(paths, expansion.files)
    engine = _pricer(spec).engine
    store.begin()
    try:
        result.repriced = len(reprice_store(store, engine))
        plan = plan_ingest(store, expansion, roots, states, documents)
        plan.engine = engine
        store.set_skipped((str(p), r) for p, r in expansion.skipped)
        store.set_meta("pricing_fingerprint", engine.fingerprint)
        store.commit()
    except BaseException:
        store.rollback()
        raise
    result.errors = list(expansion.errors)
    result.files = len(expansion.files)
    return plan


def ingest(
    store: Store,
    paths: Sequence[Path],
    spec: PricingSpec,
    *,
    force_format: str | None = None,
    options: dict[str, Any] | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    on_commit: Callable[[], None] | None = None,
    workers: int | None = None,
    defer_indexes: bool = False,
) -> IngestResult:
    """Bring the store up to date with ``paths`` and the prices in ``spec``.

    With ``defer_indexes`` a large first load leaves its indexes to
    :func:`build_indexes`, so the data can be shown first (the app does this).
    """
    started = time.perf_counter()
    result = IngestResult()
    # Load the prices before the worker processes start: forked ones then have them.
    _pricer(spec)
    pool = _Workers(workers if workers is not None else min(os.cpu_count() or 1, 4), cancel)
    try:
        plan = _prepare(store, paths, spec, force_format, options, pool, result, progress)
        if plan.units:
            _run_units(store, plan, spec, result, progress, cancel, on_commit, pool, started)
    except Cancelled:  # while detecting formats: nothing was read
        result.cancelled = True
        return result
    finally:
        pool.close()
    if not defer_indexes and (store.indexes_pending or plan.units):
        build_indexes(store)  # a no-op when they exist
    store.begin()
    try:
        if result.calls_added or plan.units or result.repriced:
            store.bump("rows", "pricing")
        store.commit()
    except BaseException:
        store.rollback()
        raise
    if result.columns is not None:
        _install_columns(store, result.columns)
        result.columns = None
    result.seconds = time.perf_counter() - started
    return result


def build_indexes(store: Store) -> None:
    """Create the store's indexes (after a large first load they are built last)."""
    # The sort behind an index spills to a temporary file rather than to memory.
    store.conn.execute("PRAGMA temp_store=FILE")
    store.begin()
    try:
        store.create_indexes()
        store.commit()
    except BaseException:
        store.rollback()
        raise
    finally:
        store.conn.execute("PRAGMA temp_store=MEMORY")


def _install_columns(store: Store, builder: FrameBuilder) -> None:
    frame = Frame(
        store.path,
        store.reader,
        lambda: (store.generation("rows"), store.generation("pricing")),
        store.label_columns,
        store.meta("instance") or "",
    )
    builder.install(frame, first_id=1)


def _roots(paths: Sequence[Path], files: Iterable[SourceFile]) -> dict[Path, str]:
    resolved = [str(Path(p).expanduser().resolve()) for p in paths]
    # Compared as text: walking Path.parents for each of 14k files costs half a second.
    prefixes = [(root, root.rstrip(os.sep) + os.sep) for root in resolved]
    roots: dict[Path, str] = {}
    for sf in files:
        path = str(sf.path)
        for root, prefix in prefixes:
            if path == root or path.startswith(prefix):
                roots[sf.path] = root
                break
    return roots


def _pool_context() -> multiprocessing.context.BaseContext:
    # Forking a process that runs other threads (the GUI) can deadlock the child.
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    if "forkserver" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def _run_units(
    store: Store,
    plan: Plan,
    spec: PricingSpec,
    result: IngestResult,
    progress: Callable[[Progress], None] | None,
    cancel: threading.Event | None,
    on_commit: Callable[[], None] | None,
    workers: _Workers,
    started: float,
) -> None:
    units = plan.units
    combos_known = {row[0] for row in store.conn.execute("SELECT combo FROM priced_combos")}
    engine = plan.engine or spec.load()
    parallel = workers.n > 1 and plan.bytes_total >= IN_PROCESS_BYTES and len(units) > 1
    total_rows_before = store.count_calls()
    bulk = plan.bytes_total > BULK_BYTES
    # A first load, or a large one into a small store: building the indexes once at
    # the end is faster than keeping them up to date, and the dedup rule runs in memory.
    fresh_load = total_rows_before == 0 or (bulk and total_rows_before < 100_000)
    if fresh_load:
        store.drop_indexes()
        store.keep_keys_in_memory()
    elif store.indexes_pending:
        build_indexes(store)  # adding to a store needs its dedup index
    if bulk:
        store.bulk_writes(True)
    files_total = len({u.source_id for u in units})
    # A first load also builds the column cache from the batches it inserts.
    builder = FrameBuilder(plan.bytes_total) if total_rows_before == 0 else None
    first_id = store.next_id
    done_sources: set[int] = set()
    last_commit = time.perf_counter()
    state = Progress(0, plan.bytes_total, 0, 0.0, 0, files_total)
    if progress is not None:  # running totals start from what the store holds
        state.stored = stored_totals(store) if total_rows_before else dict.fromkeys(TOTAL_KEYS, 0)
    fingerprint = store.meta("pricing_fingerprint")
    # Where each source's read stands, and what it added: written with the rows, in
    # the same transaction. source id -> [calls, problems, offset, next line, complete]
    positions: dict[int, list[Any]] = {}

    def flush() -> None:
        store.advance_sources([(sid, *fields) for sid, fields in positions.items()])
        positions.clear()

    def consume(task: list[Unit], res: TaskResult) -> None:
        nonlocal last_commit, fingerprint
        placed = store.insert_batch(res.batch)
        if progress is not None:
            # Rows that replaced a stored copy of their call are left out: the copy was
            # counted. (Adding to a large store, SQLite merges copies itself: a copy
            # read again is counted twice until the load ends.)
            state.stored = plus(state.stored, placed.fresh if placed is not None else res.batch)
        new = [c for c in res.batch.combos() if combo_key(c) not in combos_known]
        if new:
            record_combos(store, engine, new)
            combos_known.update(combo_key(c) for c in new)
        if builder is not None and placed is not None:
            builder.add(placed.fresh, sum(u.size for u in task))
            builder.replace([i - first_id for i in placed.replaced_ids], placed.replaced)
        for unit, part in zip(task, res.parts, strict=True):
            if part.error:
                store.update_source(part.source_id, error=part.error)
                result.errors.append((Path(unit.path), part.error))
            if part.fingerprint and part.fingerprint != fingerprint:
                fingerprint = ""
                store.set_meta("pricing_fingerprint", "")  # re-price on the next open
            store.add_problems(part.source_id, part.problems)
            sid = part.source_id
            fields = positions.get(sid)
            if fields is None:
                fields = positions[sid] = [0, 0, 0, 1, False]
            fields[0] += part.read
            fields[1] += len(part.problems)
            fields[2:] = part.end.offset, part.end.line, unit.last
            if unit.last:
                done_sources.add(sid)
            result.records_read += part.read
            result.problems += len(part.problems)
            state.bytes_done += unit.size
            state.calls += part.read
        state.files_done = len(done_sources)
        state.current = task[-1].path
        state.elapsed = time.perf_counter() - started
        now = time.perf_counter()
        if now - last_commit >= COMMIT_SECONDS:
            flush()
            store.commit()
            store.begin()
            last_commit = now
            if on_commit:
                on_commit()
        if progress:
            progress(state)

    store.begin()
    try:
        tasks = tasks_of(units)
        if parallel and len(tasks) > 1:
            _run_parallel(tasks, spec, workers, consume, cancel)
        else:
            for task in tasks:
                if cancel is not None and cancel.is_set():
                    raise Cancelled
                consume(task, run_task(task, spec))
    except Cancelled:
        result.cancelled = True
    except BaseException:
        store.rollback()
        raise
    finally:
        store.forget_keys()
        if store.conn.in_transaction:
            flush()
            store.commit()
        if bulk:
            store.bulk_writes(False)
    if fresh_load:  # it numbered its rows itself (a copy that replaced another kept its id)
        result.calls_added = store.next_id - first_id
    else:
        result.calls_added = store.count_calls() - total_rows_before
    if builder is not None and not result.cancelled and builder.n == result.calls_added:
        last = store.conn.execute("SELECT max(id) FROM calls").fetchone()[0]
        if last == builder.n:  # ids 1..n, in the order the batches were built
            result.columns = builder
    result.files_read = len(done_sources)
    result.bytes_read = state.bytes_done


def _run_parallel(
    tasks: list[list[Unit]],
    spec: PricingSpec,
    workers: _Workers,
    consume: Callable[[list[Unit], TaskResult], None],
    cancel: threading.Event | None,
) -> None:
    window = workers.n * 2
    pending: deque[tuple[list[Unit], Future[TaskResult]]] = deque()
    todo = iter(tasks)
    pool = workers.pool()
    try:
        for task in todo:
            pending.append((task, pool.submit(run_task, task, spec)))
            if len(pending) >= window:
                break
        while pending:
            if cancel is not None and cancel.is_set():
                raise Cancelled
            task, future = pending.popleft()
            res = _wait(future, cancel)
            nxt = next(todo, None)
            if nxt is not None:
                pending.append((nxt, pool.submit(run_task, nxt, spec)))
            consume(task, res)
    except BaseException:
        for _, future in pending:
            future.cancel()
        workers.close(abandon=True)
        raise


def _wait(future: Future[TaskResult], cancel: threading.Event | None) -> TaskResult:
    while True:
        try:
            return future.result(timeout=0.1)
        except TimeoutError:
            if cancel is not None and cancel.is_set():
                raise Cancelled from None
