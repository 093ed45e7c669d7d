"""Axes for the cost charts: time in the chosen zone, money with its currency.

pyqtgraph's ``DateAxisItem`` labels either UTC or the system's zone with a
fixed offset; :class:`ZonedDateAxisItem` puts its ticks on the local calendar
of the zone the user chose (right across daylight-saving changes).
:class:`MoneyAxisItem` writes dollars with as many decimals as the spacing needs.
"""

from __future__ import annotations

from datetime import UTC, tzinfo

import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics

from desktop.analysis.axis_ticks import money_ticks, time_ticks

SAMPLE_LABEL = "Wed 30 Sep"  # the widest usual label; sets how close ticks may be


class ZonedDateAxisItem(pg.DateAxisItem):
    def __init__(self, zone: tzinfo = UTC, orientation: str = "bottom", **kwargs: object) -> None:
        super().__init__(orientation=orientation, **kwargs)
        self.zone = zone
        self._labels: dict[float, str] = {}

    def set_zone(self, zone: tzinfo) -> None:
        self.zone = zone
        self.picture = None
        self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        if size <= 0 or maxVal <= minVal:
            return []
        font = self.style.get("tickFont") or self.font()
        label_px = QFontMetrics(font).horizontalAdvance(SAMPLE_LABEL) + 24
        min_spacing = (maxVal - minVal) / size * label_px
        ticks = time_ticks(minVal, maxVal, self.zone, min_spacing)
        self._labels = dict(zip(ticks.values, ticks.labels, strict=True))
        return [(ticks.spacing, ticks.values)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [self._labels.get(v, "") for v in values]


class MoneyAxisItem(pg.AxisItem):
    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation=orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return money_ticks([v * scale for v in values], spacing * scale)
