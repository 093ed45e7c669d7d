"""Checkpointing the write-ahead log on a thread of its own during a bulk load.

A bulk load turns SQLite's automatic checkpoints off (each one would stop the
load to copy the log into the database and sync it). Left to the end, that copy
and sync come after the last call is read, when nothing else is left to do. This
thread checkpoints after every commit instead, while the next calls are being
parsed: SQLite lets a checkpoint run beside the writer, and the thread waits on
the disk without holding the interpreter lock.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class Checkpointer:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._wake = threading.Event()
        self._stopping = False
        self.copied = threading.Event()  # set after each checkpoint (tests wait on it)
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """New frames are in the log: copy them over when the thread is free."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the checkpoint under way (if any) and end the thread."""
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, timeout=30, isolation_level=None)
        except sqlite3.Error:
            return  # the load's own checkpoint at the end does the work
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    # PASSIVE: never waits for the writer or for readers.
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    return
                self.copied.set()
        finally:
            conn.close()
