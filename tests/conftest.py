"""Shared test setup: isolated app directories, no network, offscreen Qt."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

FIXTURES = Path(__file__).parent / "fixtures"


class NetworkBlocked(RuntimeError):
    """A test tried to open a network connection."""


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_create_connection = socket.create_connection
_blocked_attempts: list[str] = []


def _is_local_unix(sock: socket.socket) -> bool:
    return getattr(socket, "AF_UNIX", None) is not None and sock.family == socket.AF_UNIX


def _guarded_connect(self: socket.socket, address, *args, **kwargs):  # type: ignore[no-untyped-def]
    if _is_local_unix(self):  # multiprocessing's forkserver talks over a Unix socket
        return _real_connect(self, address, *args, **kwargs)
    _blocked_attempts.append(repr(address))
    raise NetworkBlocked(f"network connection attempted to {address!r}")


def _guarded_connect_ex(self: socket.socket, address, *args, **kwargs):  # type: ignore[no-untyped-def]
    if _is_local_unix(self):
        return _real_connect_ex(self, address, *args, **kwargs)
    _blocked_attempts.append(repr(address))
    raise NetworkBlocked(f"network connection attempted to {address!r}")


def _guarded_create_connection(address, *args, **kwargs):  # type: ignore[no-untyped-def]
    _blocked_attempts.append(repr(address))
    raise NetworkBlocked(f"network connection attempted to {address!r}")


def pytest_configure(config: pytest.Config) -> None:
    # Installed for the whole run, before any test module is imported.
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.create_connection = _guarded_create_connection  # type: ignore[assignment]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A connection attempt swallowed by code under test still fails the run.
    if _blocked_attempts:
        session.exitstatus = 1
        print("\nNetwork connections were attempted during the tests:", *_blocked_attempts)


@pytest.fixture(autouse=True)
def _app_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own cache and config directories (never the user's)."""
    base = tmp_path_factory.mktemp("appdirs")
    monkeypatch.setenv("SPENDTRAIL_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("SPENDTRAIL_CONFIG_DIR", str(base / "config"))


@pytest.fixture
def blocked_attempts() -> list[str]:
    return _blocked_attempts
