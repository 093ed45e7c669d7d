"""Callbacks that do nothing once their widget is gone.

Answers from the task runner arrive later, on the UI thread; by then the view
that asked may have been closed (a window closing, a test ending). Wrapping
the callback with :func:`while_alive` drops such late answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject


def while_alive(owner: QObject, fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if shiboken6.isValid(owner):
            return fn(*args)
        return None

    return call
