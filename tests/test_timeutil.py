"""Timestamps and DST-correct calendar buckets."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from desktop.timeutil import (
    TimestampError,
    auto_bucket,
    bucket_edges,
    bucket_index,
    bucket_label,
    iso_utc,
    parse_bound,
    parse_timestamp,
    resolve_zone,
)

T0 = datetime(2026, 7, 14, 9, 12, 44, 318000, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    "value",
    [
        "2026-07-14T09:12:44.318Z",
        "2026-07-14T11:12:44.318+02:00",
        "2026-07-14 09:12:44.318",  # naive: UTC
        "2026-07-14T09:12:44.318000000Z",  # nanoseconds (Ollama)
        1784020364.318,
        1784020364318,  # milliseconds
        1784020364318000,  # microseconds
        1784020364318000000,  # nanoseconds
        "1784020364318",
    ],
)
def test_parse_timestamp_forms(value: object) -> None:
    assert parse_timestamp(value) == pytest.approx(T0, abs=1e-3)


@pytest.mark.parametrize("value", ["yesterday", "", None, True, float("nan"), [1]])
def test_parse_timestamp_rejects(value: object) -> None:
    with pytest.raises(TimestampError):
        parse_timestamp(value)


def test_iso_utc_round_trip() -> None:
    assert iso_utc(T0) == "2026-07-14T09:12:44.318Z"
    assert iso_utc(None) is None


def test_day_buckets_follow_local_days_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 10, 24, 12, tzinfo=UTC).timestamp()
    end = datetime(2026, 10, 26, 1, tzinfo=UTC).timestamp()
    edges = bucket_edges(start, end, "day", berlin)
    labels = [bucket_label(e, "day", berlin) for e in edges[:-1]]
    assert labels == ["2026-10-24", "2026-10-25", "2026-10-26"]
    hours = np.diff(edges) / 3600
    assert list(hours) == [24, 25, 24]  # clocks went back on 25 October
    # 23:30 UTC on the 24th is already the 25th in Berlin (UTC+2).
    ts = np.array([datetime(2026, 10, 24, 23, 30, tzinfo=UTC).timestamp()])
    assert bucket_index(ts, edges)[0] == 1


def test_spring_forward_day_has_23_hours() -> None:
    ny = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 8, 12, tzinfo=UTC).timestamp()
    edges = bucket_edges(start, start, "day", ny)
    assert (edges[1] - edges[0]) / 3600 == 23


def test_hour_buckets_repeat_the_hour_when_clocks_go_back() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 10, 24, 22, tzinfo=UTC).timestamp()
    end = datetime(2026, 10, 25, 2, tzinfo=UTC).timestamp()
    edges = bucket_edges(start, end, "hour", berlin)
    labels = [bucket_label(e, "hour", berlin) for e in edges[:-1]]
    assert labels[:4] == [
        "2026-10-25 00:00",
        "2026-10-25 01:00",
        "2026-10-25 02:00 (UTC+0200)",
        "2026-10-25 02:00 (UTC+0100)",
    ]
    assert np.all(np.diff(edges) == 3600)


def test_half_hour_zone_hours_start_on_the_half_hour() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    start = datetime(2026, 1, 1, 0, tzinfo=UTC).timestamp()
    edges = bucket_edges(start, start + 7200, "hour", kolkata)
    assert datetime.fromtimestamp(edges[0], UTC).minute == 30


def test_week_and_month_buckets() -> None:
    start = datetime(2026, 1, 30, tzinfo=UTC).timestamp()
    end = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
    months = bucket_edges(start, end, "month", UTC)
    assert [bucket_label(e, "month", UTC) for e in months[:-1]] == ["2026-01", "2026-02", "2026-03"]
    weeks = bucket_edges(start, end, "week", UTC)
    assert datetime.fromtimestamp(weeks[0], UTC).weekday() == 0  # weeks start on Monday
    assert bucket_label(weeks[0], "week", UTC) == "2026-W05"


def test_auto_bucket() -> None:
    assert auto_bucket(3600 * 30) == "hour"
    assert auto_bucket(86400 * 60) == "day"
    assert auto_bucket(86400 * 300) == "week"
    assert auto_bucket(86400 * 1000) == "month"


def test_zones_and_bounds() -> None:
    assert resolve_zone("UTC") is UTC
    berlin = resolve_zone("Europe/Berlin")
    assert parse_bound("2026-07-01", berlin) == datetime(2026, 6, 30, 22, tzinfo=UTC).timestamp()
    with pytest.raises(TimestampError, match="unknown time zone"):
        resolve_zone("Mars/Olympus")
    with pytest.raises(TimestampError, match="unreadable date"):
        parse_bound("next tuesday", UTC)
