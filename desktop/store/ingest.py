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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from desktop.logs.expand import Expansion, SourceFile, expand_paths
from desktop.logs.formats import get_format
from desktop.logs.formats.base import ReadContext, SqliteFormat
from desktop.logs.formats.spendtrail import SpendtrailJsonl
from desktop.logs.formats.spendtrail_columns import Columns, read_columns
from desktop.logs.json_document import file_layout
from desktop.logs.reader import ChunkParser, ReadEnd, deduplicate, read_records
from desktop.logs.source import Chunk, FileState, SourceError, compression_of, is_sqlite
from desktop.record import CallRecord, Problem
from desktop.store.batch import Batch
from desktop.store.frame import Frame
from desktop.store.frame_builder import FrameBuilder
from desktop.store.pricer import Pricer, PricingSpec, combo_key, record_combos, reprice_store
from desktop.store.store import SourceRow, Store

UNIT_BYTES = 8 << 20  # byte range handed to one worker
IN_PROCESS_BYTES = 16 << 20  # below this much work, parsing in-process is faster
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
    batch: Batch
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


def run_unit(unit: Unit, spec: PricingSpec) -> UnitResult:
    """Parse, normalise and price one unit (runs in a worker process)."""
    # Millions of short-lived tuples and dicts: the cycle collector would only
    # rescan them over and over; nothing here builds reference cycles.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        return _run_unit(unit, spec)
    finally:
        if gc_was_on:
            gc.enable()


def _run_unit(unit: Unit, spec: PricingSpec) -> UnitResult:
    pricer = _pricer(spec)
    fmt = get_format(unit.format_id)
    ctx = ReadContext(Path(unit.path), unit.mtime, unit.options or {})
    records: list[CallRecord] = []
    problems: list[Problem] = []
    end = ReadEnd(unit.start, unit.first_line)
    error = None
    fast: Columns | None = None
    try:
        if unit.end is not None and fmt.line_independent:
            with open(unit.path, "rb") as fh:
                fh.seek(unit.start)
                data = fh.read(unit.end - unit.start)
            parser = ChunkParser(fmt.prefilter)
            chunk = Chunk(data, unit.first_line, unit.start, unit.last)
            items: Iterable[tuple[int, int, Any]] = parser.parse(chunk)
            if isinstance(fmt, SpendtrailJsonl):  # our own format: whole columns at once
                fast, items = read_columns(list(items))
            for item in fmt.records(items, ctx):
                if type(item) is CallRecord:
                    records.append(item)
                else:
                    problems.append(item)  # type: ignore[arg-type]
            problems.extend(parser.problems)
            end = parser.end or end
        else:
            for item in read_records(Path(unit.path), fmt, ctx, unit.start, unit.first_line):
                if type(item) is CallRecord:
                    records.append(item)
                elif isinstance(item, Problem):
                    problems.append(item)
                elif isinstance(item, ReadEnd):
                    end = item
    except SourceError as exc:
        error = str(exc)
    except OSError as exc:
        error = f"{unit.path}: {exc.strerror or exc}"
    read = len(records) + (fast.n if fast is not None else 0)
    if any(r.dedup_key is not None for r in records):
        # Copies of one call (streaming snapshots) are usually neighbours: merging
        # them here, by the store's own rule, spares the store most upserts.
        records = deduplicate(records)
    if fast is not None and fast.n:
        if records:
            fast.add_records(records)
        batch = Batch.from_columns(fast.n, fast.columns, fast.labels, unit.source_id, pricer)
    else:
        batch = build_batch(records, unit.source_id, pricer)
    problems.sort(key=lambda p: p.line)
    return UnitResult(unit.source_id, batch, problems, end, error, pricer.engine.fingerprint, read)


def build_batch(records: Sequence[CallRecord], source_id: int, pricer: Pricer) -> Batch:
    """Records as columns: cheap to send between processes and to insert."""
    return Batch.from_records(records, source_id, pricer)


# -- planning ----------------------------------------------------------------------


@dataclass(slots=True)
class Plan:
    units: list[Unit]
    files: list[SourceFile]
    bytes_total: int
    reread: list[str] = field(default_factory=list)


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


def plan_ingest(store: Store, expansion: Expansion, roots: dict[Path, str]) -> Plan:
    """Decide what to read: new, grown and changed files; forget vanished ones."""
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
            state = _file_state(path)
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
                str(path), roots.get(path), sf.format_id, sf.reason, sf.options
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
        store.update_source(source_id, complete=0, reason=sf.reason, **state)
        new_units = _units_for(source_id, sf, state, start, line)
        units.extend(new_units)
        total += sum(u.size for u in new_units)
    return Plan(units, expansion.files, total, reread)


def _options(sf: SourceFile) -> str | None:
    if sf.options is None:
        return None
    return orjson.dumps(sf.options, option=orjson.OPT_SORT_KEYS).decode()


def _compare(row: SourceRow, state: dict[str, Any], sf: SourceFile) -> str:
    same_file = row.inode == state["inode"]
    if (
        row.complete
        and same_file
        and row.size == state["size"]
        and row.mtime_ns == state["mtime_ns"]
    ):
        return "unchanged"
    fmt = get_format(sf.format_id)
    growable = fmt.line_independent and fmt.kind == "jsonl"
    if growable and same_file and state["size"] >= row.read_offset and row.head is not None:
        old_head = bytes(row.head)
        if state["head"][: len(old_head)] == old_head and compression_of(sf.path) is None:
            return "append"
    return "reread"


def _units_for(
    source_id: int, sf: SourceFile, state: dict[str, Any], start: int, line: int
) -> list[Unit]:
    fmt = get_format(sf.format_id)
    path = str(sf.path)
    mtime = state["mtime_ns"] / 1e9
    options = sf.options
    size = state["size"]
    splittable = (
        fmt.line_independent
        and not isinstance(fmt, SqliteFormat)
        and compression_of(sf.path) is None
        and not file_layout(sf.path).document  # a pretty JSON array is not lines
    )
    if not splittable:
        weight = max(size - start, 1)
        return [
            Unit(source_id, path, sf.format_id, options, mtime, start, None, line, True, weight)
        ]
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
    expansion = expand_paths(paths, force_format)
    if options:
        expansion.files = [replace(f, options=options) for f in expansion.files]
    result.skipped = list(expansion.skipped)
    roots = _roots(paths, expansion.files)
    engine = spec.load()
    store.begin()
    try:
        result.repriced = len(reprice_store(store, engine))
        plan = plan_ingest(store, expansion, roots)
        store.set_skipped((str(p), r) for p, r in expansion.skipped)
        store.set_meta("pricing_fingerprint", engine.fingerprint)
        store.commit()
    except BaseException:
        store.rollback()
        raise
    result.errors = list(expansion.errors)
    result.files = len(expansion.files)
    if plan.units:
        _run_units(
            store,
            plan,
            spec,
            result,
            progress,
            cancel,
            on_commit,
            workers,
            started,
            defer_indexes,
            engine,
        )
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
    resolved = [Path(p).expanduser().resolve() for p in paths]
    roots: dict[Path, str] = {}
    for sf in files:
        for root in resolved:
            if sf.path == root or root in sf.path.parents:
                roots[sf.path] = str(root)
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
    workers: int | None,
    started: float,
    defer_indexes: bool = False,
    engine: Any = None,
) -> None:
    units = plan.units
    combos_known = {row[0] for row in store.conn.execute("SELECT combo FROM priced_combos")}
    n_workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    parallel = n_workers > 1 and plan.bytes_total >= IN_PROCESS_BYTES and len(units) > 1
    total_rows_before = store.count_calls()
    # Building indexes once after a large first load is faster than keeping them up to date.
    bulk = plan.bytes_total > (64 << 20)
    if bulk and total_rows_before < 100_000:
        store.drop_indexes()
    if bulk:
        store.bulk_writes(True)
    files_total = len({u.source_id for u in units})
    # A first load also builds the column cache from the batches it inserts.
    builder = FrameBuilder(plan.bytes_total) if total_rows_before == 0 else None
    done_sources: set[int] = set()
    last_commit = time.perf_counter()
    state = Progress(0, plan.bytes_total, 0, 0.0, 0, files_total)
    per_source_calls: dict[int, int] = {}
    per_source_problems: dict[int, int] = {}

    fingerprint = store.meta("pricing_fingerprint")
    # Where each source's read stands; written with the rows, in the same transaction.
    positions: dict[int, dict[str, Any]] = {}

    def flush() -> None:
        _flush_source_counts(store, per_source_calls, per_source_problems)
        for source_id, fields in positions.items():
            store.update_source(source_id, **fields)
        positions.clear()

    def consume(unit: Unit, res: UnitResult) -> None:
        nonlocal last_commit, fingerprint
        if res.error:
            store.update_source(res.source_id, error=res.error)
            result.errors.append((Path(unit.path), res.error))
        if res.fingerprint and res.fingerprint != fingerprint:
            fingerprint = ""
            store.set_meta("pricing_fingerprint", "")  # re-price on the next open
        store.insert_batch(res.batch)
        new = [c for c in res.batch.combos() if combo_key(c) not in combos_known]
        if new:
            record_combos(store, engine or spec.load(), new)
            combos_known.update(combo_key(c) for c in new)
        if builder is not None:
            builder.add(res.batch, unit.size)
        store.add_problems(res.source_id, res.problems)
        per_source_calls[res.source_id] = per_source_calls.get(res.source_id, 0) + res.read
        per_source_problems[res.source_id] = per_source_problems.get(res.source_id, 0) + len(
            res.problems
        )
        fields = positions.setdefault(res.source_id, {})
        fields.update(read_offset=res.end.offset, next_line=res.end.line)
        if unit.last:
            fields["complete"] = 1
            done_sources.add(res.source_id)
        result.records_read += res.read
        result.problems += len(res.problems)
        state.bytes_done += unit.size
        state.calls += res.read
        state.files_done = len(done_sources)
        state.current = unit.path
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
        if parallel:
            _run_parallel(units, spec, n_workers, consume, cancel)
        else:
            for unit in units:
                if cancel is not None and cancel.is_set():
                    raise Cancelled
                consume(unit, run_unit(unit, spec))
    except Cancelled:
        result.cancelled = True
    except BaseException:
        store.rollback()
        raise
    finally:
        if store.conn.in_transaction:
            flush()
            store.commit()
    if bulk:
        store.bulk_writes(False)  # indexes then read the table from the database file
    result.calls_added = store.count_calls() - total_rows_before
    if builder is not None and not result.cancelled and builder.n == result.calls_added:
        last = store.conn.execute("SELECT max(id) FROM calls").fetchone()[0]
        if last == builder.n:  # ids 1..n, in the order the batches were built
            result.columns = builder
    result.files_read = len(done_sources)
    result.bytes_read = state.bytes_done


def _flush_source_counts(store: Store, calls: dict[int, int], problems: dict[int, int]) -> None:
    for source_id, n in calls.items():
        store.conn.execute("UPDATE sources SET calls = calls + ? WHERE id = ?", (n, source_id))
    for source_id, n in problems.items():
        store.conn.execute(
            "UPDATE sources SET problems = problems + ? WHERE id = ?", (n, source_id)
        )
    calls.clear()
    problems.clear()


def _run_parallel(
    units: list[Unit],
    spec: PricingSpec,
    n_workers: int,
    consume: Callable[[Unit, UnitResult], None],
    cancel: threading.Event | None,
) -> None:
    window = n_workers * 2
    pending: deque[tuple[Unit, Future[UnitResult]]] = deque()
    todo = iter(units)
    with ProcessPoolExecutor(n_workers, mp_context=_pool_context()) as pool:
        try:
            for unit in todo:
                pending.append((unit, pool.submit(run_unit, unit, spec)))
                if len(pending) >= window:
                    break
            while pending:
                if cancel is not None and cancel.is_set():
                    raise Cancelled
                unit, future = pending.popleft()
                res = _wait(future, cancel)
                nxt = next(todo, None)
                if nxt is not None:
                    pending.append((nxt, pool.submit(run_unit, nxt, spec)))
                consume(unit, res)
        except BaseException:
            for _, future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _wait(future: Future[UnitResult], cancel: threading.Event | None) -> UnitResult:
    while True:
        try:
            return future.result(timeout=0.1)
        except TimeoutError:
            if cancel is not None and cancel.is_set():
                raise Cancelled from None
