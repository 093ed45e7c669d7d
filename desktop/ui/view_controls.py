"""The bar above the views: quick search, grouping, time zone and cost mode."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from desktop.store.dataset import COST_MODES
from desktop.timeutil import TimestampError, resolve_zone, system_zone, zone_name
from desktop.ui.context import AppContext

COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
)
COST_MODE_TITLES = {
    "computed": "Computed cost",
    "reported": "Reported cost",
    "auto": "Reported, else computed",
}
GROUP_PRESETS = (
    ("provider", "model"),
    ("model",),
    ("provider",),
    ("format",),
    ("source",),
    ("day",),
    ("status",),
)


class ViewControls(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        state = ctx.state
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 2)
        layout.setSpacing(8)

        self.search = QLineEdit()
        self.search.setObjectName("quickSearch")
        self.search.setPlaceholderText("Search models, ids, labels…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(180)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(lambda: state.set_search(self.search.text().strip()))
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        layout.addWidget(self.search, 2)

        layout.addWidget(QLabel("Group by"))
        self.group = QComboBox()
        self.group.setObjectName("groupBy")
        self.group.setEditable(True)
        self.group.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.group.setMinimumWidth(150)
        self.group.setToolTip(
            "One or several columns, comma separated: any label, model, provider, format, "
            "source, status, day, week, month…"
        )
        self.group.activated.connect(self._group_chosen)
        self.group.lineEdit().editingFinished.connect(self._group_chosen)
        layout.addWidget(self.group, 1)

        self.zone = QComboBox()
        self.zone.setObjectName("timeZone")
        self.zone.setToolTip("Time zone for days, hours and times shown")
        self._fill_zones()
        self.zone.activated.connect(self._zone_chosen)
        layout.addWidget(self.zone)

        self.cost_mode = QComboBox()
        self.cost_mode.setObjectName("costMode")
        for mode in COST_MODES:
            self.cost_mode.addItem(COST_MODE_TITLES[mode], mode)
        self.cost_mode.setToolTip(
            "Computed: Spendtrail's prices. Reported: the cost the log itself states. "
            "Reported, else computed: the log's cost where it has one."
        )
        self.cost_mode.activated.connect(lambda i: state.set_cost_mode(self.cost_mode.itemData(i)))
        layout.addWidget(self.cost_mode)

        self.filters_label = QLabel("")
        self.filters_label.setObjectName("activeFilters")
        self.filters_label.setTextFormat(Qt.TextFormat.PlainText)
        # Long filter descriptions are cut rather than widening the window; the
        # tooltip has them whole.
        self.filters_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.filters_label.setMinimumWidth(80)
        layout.addWidget(self.filters_label, 1)
        self.clear = QPushButton("Clear filters")
        self.clear.setObjectName("clearFilters")
        self.clear.clicked.connect(self._clear)
        layout.addWidget(self.clear)

        state.changed.connect(self._sync)
        ctx.session.loaded.connect(lambda _r: self._fill_groups())
        self._fill_groups()
        self._sync("all")

    # -- grouping --------------------------------------------------------------------
    def _fill_groups(self) -> None:
        current = ", ".join(self.ctx.state.group_by)
        self.group.blockSignals(True)
        self.group.clear()
        presets = [", ".join(p) for p in GROUP_PRESETS]
        dataset = self.ctx.session.dataset
        labels = dataset.label_keys() if dataset is not None else []
        for text in [*presets, *labels]:
            if self.group.findText(text) < 0:
                self.group.addItem(text)
        self.group.setCurrentText(current)
        self.group.blockSignals(False)

    def _group_chosen(self, *_args: object) -> None:
        columns = tuple(c.strip() for c in self.group.currentText().split(",") if c.strip())
        dataset = self.ctx.session.dataset
        if dataset is not None:
            try:
                columns = tuple(dataset.resolve(c) for c in columns)
            except ValueError as exc:
                self.group.setToolTip(str(exc))
                self.group.setCurrentText(", ".join(self.ctx.state.group_by))
                return
        self.ctx.state.set_group_by(columns)

    # -- time zone ----------------------------------------------------------------------
    def _fill_zones(self) -> None:
        local = zone_name(system_zone())
        self.zone.addItem(f"Local ({local})", "local")
        for name in COMMON_ZONES:
            self.zone.addItem(name, name)
        self.zone.addItem("Other time zone…", "other")

    def _zone_chosen(self, index: int) -> None:
        key = self.zone.itemData(index)
        if key == "other":
            name, ok = QInputDialog.getText(self, "Time zone", "IANA time zone (e.g. Asia/Seoul):")
            if not ok or not name.strip():
                self._sync("zone")
                return
            key = name.strip()
        try:
            zone = resolve_zone(None if key == "local" else key)
        except TimestampError as exc:
            self.zone.setToolTip(str(exc))
            self._sync("zone")
            return
        self.ctx.state.set_zone(zone)

    def select_zone(self, key: str) -> None:
        index = self.zone.findData(key)
        if index < 0:
            self.zone.insertItem(self.zone.count() - 1, key, key)
            index = self.zone.findData(key)
        self.zone.setCurrentIndex(index)

    # -- state ------------------------------------------------------------------------------
    def _clear(self) -> None:
        self.search.clear()
        self.ctx.state.clear_filters()

    def _sync(self, what: str) -> None:
        state = self.ctx.state
        if what in ("all", "cost_mode"):
            self.cost_mode.setCurrentIndex(self.cost_mode.findData(state.cost_mode))
        if what in ("all", "zone"):
            name = state.zone_name
            index = self.zone.findData(name)
            if index < 0 and name == zone_name(system_zone()):
                index = self.zone.findData("local")
            if index < 0:
                self.zone.insertItem(self.zone.count() - 1, name, name)
                index = self.zone.findData(name)
            self.zone.setCurrentIndex(index)
        if what in ("all", "grouping"):
            self.group.setCurrentText(", ".join(state.group_by))
        if what in ("all", "filters", "range"):
            parts = [f"{c} = {' | '.join(v)}" for c, v in state.filters.where]
            parts += [f"{c} ≠ {' | '.join(v)}" for c, v in state.filters.where_not]
            if state.time_range is not None or state.filters.since or state.filters.until:
                parts.append("time range")
            if state.filters.ranges:
                parts.append("value ranges")
            if state.filters.ids is not None:
                parts.append(f"{len(state.filters.ids):,} chosen calls")
            text = ("Filtered: " + "; ".join(parts)) if parts else ""
            self.filters_label.setText(text)
            self.filters_label.setToolTip(text)
            active = bool(parts) or bool(state.filters.search)
            self.clear.setEnabled(active)
            if not state.filters.search and self.search.text():
                self.search.blockSignals(True)
                self.search.clear()
                self.search.blockSignals(False)
