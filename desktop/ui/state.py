"""What the user is looking at: one shared, observable view state.

Every view reads the same filters, grouping, time zone and cost mode, and
listens to :attr:`ViewState.changed`; none of them pushes state sideways.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo

from PySide6.QtCore import QObject, Signal

from desktop.store.dataset import Filters
from desktop.timeutil import resolve_zone, zone_name


class ViewState(QObject):
    """Filters, grouping, time zone, cost mode and the selected time range."""

    changed = Signal(str)  # which part changed: filters, grouping, zone, cost_mode, bucket, range

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._filters = Filters()
        self._group_by: tuple[str, ...] = ("provider", "model")
        self._zone: tzinfo = resolve_zone(None)
        self._cost_mode = "computed"
        self._bucket: str | None = None  # None: chosen from the visible range
        self._range: tuple[float, float] | None = None

    # -- filters -------------------------------------------------------------------
    @property
    def filters(self) -> Filters:
        return self._filters

    def set_filters(self, filters: Filters) -> None:
        if filters != self._filters:
            self._filters = filters
            self.changed.emit("filters")

    def set_search(self, text: str) -> None:
        self.set_filters(replace(self._filters, search=text))

    def set_where(self, column: str, values: tuple[str, ...] | None) -> None:
        """Keep only calls whose column has one of ``values`` (None clears the filter)."""
        where = [(c, v) for c, v in self._filters.where if c != column]
        if values:
            where.append((column, tuple(values)))
        self.set_filters(replace(self._filters, where=tuple(where)))

    def clear_filters(self) -> None:
        self._range = None
        self.set_filters(Filters())

    @property
    def time_range(self) -> tuple[float, float] | None:
        return self._range

    def set_time_range(self, start: float | None, end: float | None) -> None:
        new = None if start is None or end is None else (min(start, end), max(start, end))
        if new != self._range:
            self._range = new
            self.changed.emit("range")

    def effective_filters(self) -> Filters:
        """The filters with the selected time range applied."""
        if self._range is None:
            return self._filters
        since, until = self._range
        if self._filters.since is not None:
            since = max(since, self._filters.since)
        if self._filters.until is not None:
            until = min(until, self._filters.until)
        return replace(self._filters, since=since, until=until)

    # -- grouping ------------------------------------------------------------------
    @property
    def group_by(self) -> tuple[str, ...]:
        return self._group_by

    def set_group_by(self, columns: tuple[str, ...]) -> None:
        columns = tuple(c for c in columns if c)
        if columns and columns != self._group_by:
            self._group_by = columns
            self.changed.emit("grouping")

    # -- time zone, cost mode, bucket ------------------------------------------------------
    @property
    def zone(self) -> tzinfo:
        return self._zone

    @property
    def zone_name(self) -> str:
        return zone_name(self._zone)

    def set_zone(self, zone: tzinfo) -> None:
        if zone_name(zone) != zone_name(self._zone):
            self._zone = zone
            self.changed.emit("zone")

    @property
    def cost_mode(self) -> str:
        return self._cost_mode

    def set_cost_mode(self, mode: str) -> None:
        if mode != self._cost_mode:
            self._cost_mode = mode
            self.changed.emit("cost_mode")

    @property
    def bucket(self) -> str | None:
        return self._bucket

    def set_bucket(self, bucket: str | None) -> None:
        if bucket != self._bucket:
            self._bucket = bucket
            self.changed.emit("bucket")
