"""Running questions off the UI thread, and dropping the answers nobody waits for.

Each request goes to a *channel* (e.g. "overview.chart"). Only the newest
request of a channel is answered: an older result arriving late is dropped,
so fast typing in a filter box never shows out-of-order results.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    done = Signal(str, int, object)
    failed = Signal(str, int, str)


class _Job(QRunnable):
    def __init__(self, relay: _Relay, channel: str, token: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.relay, self.channel, self.token, self.fn = relay, channel, token, fn
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # reported to the view, never a crash
            message = f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, ValueError):
                message += "\n" + traceback.format_exc(limit=4)
            self.relay.failed.emit(self.channel, self.token, message)
            return
        self.relay.done.emit(self.channel, self.token, result)


class TaskRunner(QObject):
    """Runs callables on a thread pool; delivers only each channel's latest result."""

    finished = Signal(str, object)  # channel, result
    failed = Signal(str, str)  # channel, message

    def __init__(self, parent: QObject | None = None, threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._latest: dict[str, int] = {}
        self._callbacks: dict[tuple[str, int], tuple[Callable, Callable | None]] = {}
        self._owners: dict[tuple[str, int], QObject] = {}
        self._counter = 0
        self._relay = _Relay()
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)

    def submit(
        self,
        channel: str,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        owner: QObject | None = None,
    ) -> int:
        """Run ``fn`` in the background; a newer submit on the channel supersedes it.

        The answer is dropped if ``owner`` (by default the object whose method
        ``on_done`` is) has been deleted meanwhile, e.g. a closed dialog.
        """
        self._counter += 1
        token = self._counter
        self._latest[channel] = token
        if owner is None:
            bound = getattr(on_done, "__self__", None)
            owner = bound if isinstance(bound, QObject) else None
        if owner is not None:
            self._owners[(channel, token)] = owner
        if on_done is not None:
            self._callbacks[(channel, token)] = (on_done, on_error)
        self.pool.start(_Job(self._relay, channel, token, fn))
        return token

    def cancel(self, channel: str) -> None:
        """Forget the pending request of a channel (its result will be dropped)."""
        self._latest.pop(channel, None)

    def is_current(self, channel: str, token: int) -> bool:
        return self._latest.get(channel) == token

    def pending(self) -> int:
        return self.pool.activeThreadCount()

    def wait(self, msecs: int = 5000) -> bool:
        return self.pool.waitForDone(msecs)

    def _owner_gone(self, channel: str, token: int) -> bool:
        owner = self._owners.pop((channel, token), None)
        return owner is not None and not shiboken6.isValid(owner)

    def _on_done(self, channel: str, token: int, result: Any) -> None:
        callbacks = self._callbacks.pop((channel, token), None)
        if self._owner_gone(channel, token):
            return
        if self._latest.get(channel) != token:
            return  # stale: a newer request was made meanwhile
        if callbacks is not None:
            callbacks[0](result)
        self.finished.emit(channel, result)

    def _on_failed(self, channel: str, token: int, message: str) -> None:
        callbacks = self._callbacks.pop((channel, token), None)
        if self._owner_gone(channel, token):
            return
        if self._latest.get(channel) != token:
            return
        if callbacks is not None and callbacks[1] is not None:
            callbacks[1](message)
        self.failed.emit(channel, message)
