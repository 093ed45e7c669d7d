"""While a load runs, the app's running totals come from the loader, not the store."""

from __future__ import annotations

from pathlib import Path

from desktop.store.ingest import Progress
from desktop.store.session import OpenRequest
from desktop.ui.data_session import DataSession, Loader


def test_running_totals_are_what_the_loader_reported_last(qtbot, tmp_path: Path) -> None:
    session = DataSession()
    assert session.running_totals() == {}  # nothing loading
    loader = Loader(OpenRequest((tmp_path,)))
    session._loader = loader
    assert session.running_totals() == {}  # nothing stored yet
    first = {"calls": 10, "cost_usd": 0.5, "unpriced_calls": 1, "prompt_tokens": 900.0}
    loader._progress(Progress(100, 1000, 10, 0.1, 0, 3, stored=first))
    assert session.running_totals() == first
    later = {**first, "calls": 25, "cost_usd": 1.25}
    # between two progress signals (they are throttled) the latest figures still count
    loader._progress(Progress(200, 1000, 25, 0.15, 1, 3, stored=later))
    got = session.running_totals()
    assert got == later and got is not later  # a copy for the worker that asked
    session._loader = None
    assert session.running_totals() == {}  # loaded: the views answer from the data
