"""Opening logs in an app context for the overview, groups and chart tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from desktop.store.pricer import PricingSpec
from desktop.store.session import OpenRequest
from desktop.ui.context import AppContext
from tests.helpers import test_pricing


def loaded_context(qtbot, paths: Sequence[Path], pricing: PricingSpec | None = None) -> AppContext:  # type: ignore[no-untyped-def]
    """A context whose session has loaded ``paths`` (with the test catalog by default)."""
    ctx = AppContext.create()
    with qtbot.waitSignal(ctx.session.loaded, timeout=60000):
        ctx.session.open(OpenRequest(tuple(Path(p) for p in paths), pricing or test_pricing()))
    return ctx


def close_context(ctx: AppContext) -> None:
    ctx.tasks.wait(10000)
    ctx.session.shutdown()
