"""Architecture rules that must hold everywhere: a Qt-free core and no network."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def core_modules() -> list[str]:
    """Every module outside desktop/ui: the formats, store, pricing, analysis and CLI."""
    names = []
    for package in ("desktop", "pricing"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[:2] == ["desktop", "ui"] or parts[-1] == "__main__":
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join(parts))
    return names


def test_core_lists_the_packages() -> None:
    modules = core_modules()
    assert "desktop.store.store" in modules
    assert "pricing" in modules
    assert not any(m.startswith("desktop.ui") for m in modules)


def test_core_imports_without_qt() -> None:
    """Import every core module in a fresh interpreter where Qt cannot be imported."""
    script = f"""
import importlib, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6"):
            raise ImportError("blocked by the test: " + name)
        return None
sys.meta_path.insert(0, Block())
for name in {core_modules()!r}:
    importlib.import_module(name)
bad = [m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6")]
assert not bad, bad
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_headless_commands_do_not_load_qt() -> None:
    script = """
import sys
from desktop.cli import main
code = main(["report", "--help"])
assert not [m for m in sys.modules if m.startswith(("PySide6", "pyqtgraph"))]
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_network_guard_is_active(blocked_attempts: list[str]) -> None:
    """The test run itself opens no network connection: any attempt raises and is recorded."""
    before = len(blocked_attempts)
    with pytest.raises(RuntimeError, match="network connection attempted"):
        socket.create_connection(("127.0.0.1", 9))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(RuntimeError, match="network connection attempted"):
            sock.connect(("127.0.0.1", 9))
    finally:
        sock.close()
    # These two attempts were made on purpose; forget them so the run stays green.
    del blocked_attempts[before:]


def test_no_network_modules_in_the_product() -> None:
    """No product code imports networking libraries (the guard catches the rest at run time)."""
    banned = ("import socket", "import urllib", "import http.", "import requests", "import httpx")
    offenders = []
    for package in ("desktop", "pricing"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for needle in banned:
                if needle in text or needle.replace("import ", "from ") in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert not offenders
