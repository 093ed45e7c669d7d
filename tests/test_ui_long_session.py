"""A long session must not crash.

PySide6 6.12.0 on Python 3.11 releases a reference to ``None`` on every Qt call
that returns nothing, so a few thousand calls kill the process ("none_dealloc");
the project pins PySide6 below 6.12 and this test guards that choice.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
for _ in range(300_000):
    label.setText("x")
    app.processEvents()
print("alive")
"""


def test_many_qt_calls_do_not_exhaust_none() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "alive" in done.stdout
