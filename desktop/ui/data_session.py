"""The open data: loading it on a worker thread, and the dataset views query.

Opening sources never blocks the UI thread. The loader reports throttled
progress (with running totals of what it has stored), commits regularly,
and can be cancelled; a second open cancels the first, and so does closing
the window.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal

from desktop.store.dataset import Dataset
from desktop.store.ingest import IngestResult, Progress, build_indexes
from desktop.store.pricer import PricingSpec
from desktop.store.session import OpenRequest, open_dataset
from desktop.store.store import Store

PROGRESS_INTERVAL = 0.1  # seconds between progress signals


class Loader(QThread):
    """Brings the working store of one request up to date."""

    progress = Signal(object)  # Progress
    committed = Signal()  # rows were committed; running totals can be read
    finished_ok = Signal(object, object)  # store path, IngestResult
    failed = Signal(str)

    def __init__(self, request: OpenRequest, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.cancel_event = threading.Event()
        self.store_path = request.store_path()
        self._last = 0.0
        self._building: Store | None = None
        self.stored: dict[str, float] = {}  # running totals (see Progress.stored)

    def run(self) -> None:
        try:
            dataset, result = open_dataset(
                self.request,
                progress=self._progress,
                cancel=self.cancel_event,
                on_commit=self.committed.emit,
                store_path=self.store_path,
                defer_indexes=True,
            )
            store = dataset.store
        except Exception as exc:  # shown to the user, the app keeps running
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self.finished_ok.emit(self.store_path, result)
        # The views answer from the column cache; the store's indexes come after.
        try:
            if store.indexes_pending and not self.cancel_event.is_set():
                self._building = store
                build_indexes(store)
        except Exception:  # interrupted, or the store is busy: built on the next open
            pass
        finally:
            self._building = None
            store.close()

    def _progress(self, p: Progress) -> None:
        self.stored = p.stored  # a new dict each time: safe to read from another thread
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            self.progress.emit(Progress(**{f: getattr(p, f) for f in p.__slots__}))

    def cancel(self) -> None:
        self.cancel_event.set()
        building = self._building
        if building is not None:
            building.conn.interrupt()  # stop an index build; the next open finishes it


class DataSession(QObject):
    """Owns the current request, its loader and the dataset the views query."""

    loading_started = Signal(object)  # OpenRequest
    progress = Signal(object)  # Progress
    committed = Signal()
    loaded = Signal(object)  # IngestResult (also after a cancelled load: partial data)
    load_failed = Signal(str)
    data_changed = Signal()  # prices changed: every view recomputes
    repriced = Signal(object)  # RepricePlan, once the store holds the new costs too
    reprice_failed = Signal(str)
    closed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.request: OpenRequest | None = None
        self.dataset: Dataset | None = None
        self.result: IngestResult | None = None
        self.loading = False
        self._loader: Loader | None = None
        self._retired: list[Loader] = []
        self._engine: Any = None
        self._writer = QThreadPool(self)  # store writes, one at a time
        self._writer.setMaxThreadCount(1)

    # -- pricing --------------------------------------------------------------------------
    def pricing_engine(self) -> Any:
        """The pricing engine the open data is priced with (loaded once, then cached)."""
        if self._engine is None:
            spec = self.request.pricing if self.request is not None else PricingSpec()
            self._engine = spec.load()
        return self._engine

    def apply_pricing(self, engine: Any, runner: Any) -> None:
        """Re-price the open data with ``engine``: views first, then the store.

        ``runner`` is the app's TaskRunner; the in-memory step runs there, the
        store write on this session's single writer thread.
        """
        self._engine = engine
        dataset = self.dataset
        if dataset is None:
            return
        from desktop.store.reprice import persist_reprice, plan_reprice, reprice_frame

        def in_memory() -> Any:
            plan = plan_reprice(dataset, engine)
            reprice_frame(dataset, plan)
            return plan

        def persist(plan: Any) -> None:
            relay = _WriteRelay(self)  # lives until its answer arrives
            relay.done.connect(self.repriced)
            relay.failed.connect(self.reprice_failed)
            relay.done.connect(relay.deleteLater)
            relay.failed.connect(relay.deleteLater)
            self._writer.start(_WriteJob(lambda: persist_reprice(dataset, plan), plan, relay))

        def done(plan: Any) -> None:
            self.data_changed.emit()
            persist(plan)

        runner.submit("session.reprice", in_memory, done, self.reprice_failed.emit)

    def wait_for_writes(self, msecs: int = 30000) -> bool:
        return self._writer.waitForDone(msecs)

    def open(self, request: OpenRequest) -> None:
        self.cancel_loading()
        if self.request is None or self.request.pricing != request.pricing:
            self._engine = None
        self.request = request
        self.dataset = None
        self.result = None
        self.loading = True
        loader = Loader(request, self)
        loader.progress.connect(self.progress)
        loader.committed.connect(self.committed)
        loader.finished_ok.connect(self._on_loaded)
        loader.failed.connect(self._on_failed)
        self._loader = loader
        self.loading_started.emit(request)
        loader.start()

    def reload(self) -> None:
        if self.request is not None:
            self.open(self.request)

    def stop_loading(self) -> None:
        """Stop reading but keep what was read: the views show the partial data."""
        if self._loader is not None:
            self._loader.cancel()

    def cancel_loading(self) -> None:
        """Stop the running load; its thread finishes in the background."""
        loader = self._loader
        if loader is None:
            return
        self._loader = None
        for signal in (loader.progress, loader.committed, loader.finished_ok, loader.failed):
            signal.disconnect()
        loader.cancel()
        self._retired.append(loader)
        loader.finished.connect(lambda: self._retire(loader))
        self.loading = False

    def _retire(self, loader: Loader) -> None:
        if loader in self._retired:
            self._retired.remove(loader)
        loader.deleteLater()

    def shutdown(self, wait_ms: int = 10000) -> None:
        """Cancel everything and wait for the threads (window closing)."""
        self.cancel_loading()
        for loader in list(self._retired):
            loader.wait(wait_ms)
        self._writer.waitForDone(wait_ms)

    def running_totals(self) -> dict[str, Any]:
        """Counts and cost so far while a load is running: what the loader has stored,
        as its progress reports it (the store itself is not read while it is written)."""
        loader = self._loader
        return dict(loader.stored) if loader is not None and loader.stored else {}

    def _on_loaded(self, store_path: Path, result: IngestResult) -> None:
        loader = self._loader
        self._loader = None
        if loader is not None:
            loader.finished.connect(loader.deleteLater)
        self.loading = False
        self.result = result
        self.dataset = Dataset(Store(store_path))
        self.loaded.emit(result)

    def _on_failed(self, message: str) -> None:
        self._loader = None
        self.loading = False
        self.load_failed.emit(message)

    def close(self) -> None:
        self.cancel_loading()
        self.request = None
        self.dataset = None
        self.result = None
        self.closed.emit()


class _WriteRelay(QObject):
    done = Signal(object)
    failed = Signal(str)


class _WriteJob(QRunnable):
    def __init__(self, fn: Any, plan: Any, relay: _WriteRelay) -> None:
        super().__init__()
        self.fn, self.plan, self.relay = fn, plan, relay

    def run(self) -> None:
        try:
            self.fn()
        except Exception as exc:  # reported; the in-memory prices stay correct
            self.relay.failed.emit(f"{type(exc).__name__}: {exc}")
            return
        self.relay.done.emit(self.plan)
