"""The overview's numbers: totals and groups as the report has them, top conversations."""

from __future__ import annotations

import numpy as np
import pytest

from desktop.analysis.overview import overview_summary
from desktop.analysis.selection import SelectionCache
from desktop.analysis.top_conversations import top_conversations
from desktop.commands.report import build_report
from desktop.store.dataset import Filters
from desktop.timeutil import resolve_zone
from tests.charts_data import BERLIN, demo_dataset, small_dataset  # noqa: F401 - fixtures

ZONE = resolve_zone(BERLIN)


@pytest.mark.parametrize("mode", ["computed", "reported", "auto"])
def test_totals_and_bars_agree_with_the_report(demo_dataset, mode) -> None:  # noqa: F811
    filters = Filters(where=(("tenant", ("globex", "hooli", "initech")),))
    by = ["provider", "model"]
    report = build_report(demo_dataset, filters, ZONE, mode, by, None)
    mask = demo_dataset.mask(filters, ZONE)
    summary = overview_summary(demo_dataset, mask, ZONE, mode, by, bars=5)
    assert summary.totals.as_dict() == report["totals"]
    groups = report["groups"]
    shown = [g.as_dict(by) for g in summary.bars]
    stats = ("mean_cost_usd", "p50_cost_usd", "p95_cost_usd", "max_cost_usd")
    assert [{k: v for k, v in g.items() if k not in stats} for g in shown] == [
        {k: v for k, v in g.items() if k not in stats} for g in groups[:5]
    ]
    assert summary.group_count == len(groups)
    other = summary.other
    assert other is not None and other.groups == len(groups) - 5
    assert other.calls == sum(g["calls"] for g in groups[5:])
    assert other.cost_usd == pytest.approx(sum(g["cost_usd"] for g in groups[5:]))
    assert other.unpriced_calls == sum(g["unpriced_calls"] for g in groups[5:])


def test_unpriced_calls_are_counted(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    summary = overview_summary(small_dataset, mask, ZONE, "computed", ["model"])
    assert summary.totals.unpriced_calls == 1
    mystery = next(g for g in summary.bars if g.key == ("mystery",))
    assert mystery.unpriced_calls == 1 and mystery.calls == 1
    assert summary.other is None and summary.has_conversation_ids


def test_top_conversations_by_hand(small_dataset) -> None:  # noqa: F811
    mask = small_dataset.mask(Filters())
    top = top_conversations(small_dataset, mask)
    assert [(c.value, c.turns, round(c.cost_usd, 6)) for c in top] == [
        ("c3", 2, 1.3),
        ("c1", 2, 1.2),
        ("c4", 1, 0.4),
        ("c2", 1, 0.2),
    ]
    assert top[0].models == ("gpt-4.1-mini",)
    assert top[1].first_ts < top[1].last_ts
    assert top_conversations(small_dataset, mask, limit=2)[1].value == "c1"


def test_top_conversations_agree_with_grouping(demo_dataset) -> None:  # noqa: F811
    mask = demo_dataset.mask(Filters())
    top = top_conversations(demo_dataset, mask, "computed", limit=10)
    groups = [
        g for g in demo_dataset.groups(mask, ["conversation_id"], ZONE) if g.key[0] is not None
    ]
    assert [c.value for c in top] == [g.key[0] for g in groups[:10]]
    assert [c.turns for c in top] == [g.calls for g in groups[:10]]
    assert [c.cost_usd for c in top] == pytest.approx([g.cost_usd for g in groups[:10]])
    first = demo_dataset.mask(Filters(where=(("conversation_id", (top[0].value,)),)))
    models = demo_dataset.frame.text("model")
    used = {models.values[c] for c in np.unique(models.codes[first])}
    assert set(top[0].models) == used


def test_selection_cache_reuses_masks(small_dataset) -> None:  # noqa: F811
    cache = SelectionCache(size=2)
    a = cache.mask(small_dataset, Filters(search="acme"), ZONE)
    assert cache.mask(small_dataset, Filters(search="acme"), ZONE) is a
    assert not a.flags.writeable
    cache.mask(small_dataset, Filters(), ZONE)
    cache.mask(small_dataset, Filters(search="globex"), ZONE)
    assert cache.mask(small_dataset, Filters(search="acme"), ZONE) is not a  # evicted
    cache.clear()
    assert int(cache.mask(small_dataset, Filters(search="acme"), ZONE).sum()) == 4  # + acme-ai
