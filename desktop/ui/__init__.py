"""The Qt desktop app: thin views over the Qt-free core (desktop.store, pricing)."""

from __future__ import annotations

import sys


def _keep_none_alive() -> None:
    """Work around PySide6 6.12 on CPython 3.11 dropping a reference to ``None``.

    Every call of a Qt method that returns nothing (``setText``, ``show``,
    ``processEvents``…) releases one reference to ``None`` that it never took:
    the bindings assume ``None`` is immortal, which it is only from Python 3.12
    on. After a few hundred thousand such calls (a long session) the process
    dies with "Fatal Python error: none_dealloc". Giving ``None`` the huge
    reference count 3.12 gives it makes it immortal here too; nothing else
    changes (``None`` is a static object that is never freed).
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40


_keep_none_alive()
