"""Axis ticks: local calendar instants of the chosen zone (DST-correct), money labels."""

from __future__ import annotations

from datetime import datetime

from desktop.analysis.axis_ticks import money_ticks, time_ticks
from desktop.timeutil import resolve_zone

BERLIN = resolve_zone("Europe/Berlin")
NEW_YORK = resolve_zone("America/New_York")


def local(zone, *args: int) -> float:  # type: ignore[no-untyped-def]
    return datetime(*args, tzinfo=zone).timestamp()


def test_day_ticks_sit_on_local_midnights_across_dst() -> None:
    ticks = time_ticks(local(BERLIN, 2026, 3, 27), local(BERLIN, 2026, 4, 1), BERLIN, 80000)
    assert (ticks.unit, ticks.count) == ("day", 1)
    assert ticks.values == [local(BERLIN, 2026, 3, d) for d in range(27, 32)] + [
        local(BERLIN, 2026, 4, 1)
    ]
    assert ticks.values[3] - ticks.values[2] == 23 * 3600  # the short day
    assert ticks.labels[:3] == ["27 Mar 2026", "28 Mar", "29 Mar"]


def test_hour_ticks_skip_the_missing_hour() -> None:
    start = local(BERLIN, 2026, 3, 29)
    ticks = time_ticks(start, start + 5 * 3600, BERLIN, 3000)
    hours = [datetime.fromtimestamp(v, BERLIN).hour for v in ticks.values]
    assert hours == [0, 1, 3, 4, 5, 6]
    assert ticks.labels[0] == "Sun 29 Mar" and ticks.labels[2] == "03:00"


def test_ticks_follow_the_zone_not_the_system() -> None:
    start = local(NEW_YORK, 2026, 11, 1)  # clocks go back: a 25-hour day
    ticks = time_ticks(start, start + 3 * 86400, NEW_YORK, 80000)
    assert ticks.values[1] - ticks.values[0] == 25 * 3600
    assert all(datetime.fromtimestamp(v, NEW_YORK).hour == 0 for v in ticks.values)


def test_coarser_steps_for_long_spans() -> None:
    start = local(BERLIN, 2026, 1, 1)
    months = time_ticks(start, start + 300 * 86400, BERLIN, 25 * 86400)
    assert months.unit == "month" and months.labels[0] == "Jan 2026" and months.labels[1] == "Feb"
    two_days = time_ticks(start, start + 20 * 86400, BERLIN, 1.5 * 86400)
    assert (two_days.unit, two_days.count) == ("day", 2)
    years = time_ticks(start, start + 20 * 365 * 86400, BERLIN, 300 * 86400)
    assert years.unit == "year" and years.labels[0] == "2026"


def test_money_labels() -> None:
    assert money_ticks([0, 0.5, 1.0], 0.5) == ["$0.00", "$0.50", "$1.00"]
    assert money_ticks([0, 10, 20], 10) == ["$0", "$10", "$20"]
    assert money_ticks([1000, 2000], 1000) == ["$1,000", "$2,000"]
    assert money_ticks([0, 20000, 40000], 20000) == ["$0", "$20k", "$40k"]
    assert money_ticks([0, 0.002, 0.004], 0.002) == ["$0.000", "$0.002", "$0.004"]
    assert money_ticks([-1.0, 0.0], 1.0) == ["-$1", "$0"]
    assert money_ticks([0, 2.5, 5.0], 2.5) == ["$0.00", "$2.50", "$5.00"]
    assert money_ticks([0, 0.25, 0.5], 0.25) == ["$0.00", "$0.25", "$0.50"]
