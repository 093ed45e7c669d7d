"""Filtering the data by one column: pick values (with counts), a range, or a time span.

Values are listed like Datasette's facets: every distinct value with the number
of calls that have it under the *other* filters, most common first. The
result goes into the shared view state, so every view follows it.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.store.dataset import Filters
from desktop.store.table_query import (
    Column,
    TableQuery,
    filter_text,
    range_filter,
    range_name,
    value_filter,
    with_range,
    with_values,
)
from desktop.timeutil import TimestampError, parse_bound, zone_name
from desktop.ui.context import AppContext

VALUE_ROLE = int(Qt.ItemDataRole.UserRole)
FACET_LIMIT = 1000


class ColumnFilterDialog(QDialog):
    """Edits the filters of one column; ``result_filters()`` gives the new filters."""

    def __init__(
        self, ctx: AppContext, query: TableQuery, column: Column, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.query = query
        self.column = column
        self.filters = ctx.state.filters
        self.setWindowTitle(f"Filter: {column.title}")
        self.resize(440, 520)
        layout = QVBoxLayout(self)
        self.values_list: QListWidget | None = None
        self.lo_edit: QLineEdit | None = None
        self.hi_edit: QLineEdit | None = None
        self.error = QLabel("")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #c0392b")
        if column.kind == "time":
            self._build_time(layout)
        elif column.facetable:
            self._build_values(layout)
        elif range_name(column) is not None:
            self._build_range(layout)
        else:
            layout.addWidget(QLabel(f"{column.title} cannot be filtered."))
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Reset
        )
        buttons.button(QDialogButtonBox.StandardButton.Reset).setText("Clear this filter")
        buttons.button(QDialogButtonBox.StandardButton.Reset).clicked.connect(self._clear)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._result: Filters | None = None

    # -- values (facets) -------------------------------------------------------------------
    def _build_values(self, layout: QVBoxLayout) -> None:
        name = self.column.filter_name or ""
        chosen, excluded = value_filter(self.filters, name)
        self.chosen = set(chosen)
        self.keep_button = QRadioButton("Show only the ticked values")
        self.hide_button = QRadioButton("Hide the ticked values")
        (self.hide_button if excluded else self.keep_button).setChecked(True)
        layout.addWidget(self.keep_button)
        layout.addWidget(self.hide_button)
        self.find = QLineEdit()
        self.find.setPlaceholderText("Find a value…")
        self.find.setClearButtonEnabled(True)
        self.find.textChanged.connect(self._narrow)
        layout.addWidget(self.find)
        self.values_list = QListWidget()
        self.values_list.setObjectName("facetValues")
        layout.addWidget(self.values_list, 1)
        self.count_label = QLabel("Counting values…")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.count_label)
        query, state, key = self.query, self.ctx.state, self.column.key
        filters, zone = state.effective_filters(), state.zone
        self.ctx.tasks.submit(
            "requests.facet",
            lambda: query.facet(filters, key, zone, FACET_LIMIT),
            self._show_values,
            lambda message: self.count_label.setText(message.splitlines()[0]),
        )

    def _show_values(self, answer: tuple[list[tuple[object, int]], int]) -> None:
        values, distinct = answer
        assert self.values_list is not None
        self.values_list.clear()
        listed = set()
        for value, count in values:
            text = filter_text(value)
            listed.add(text)
            shown = "(no value)" if value is None else text
            item = QListWidgetItem(f"{shown}    {count:,}")
            item.setData(VALUE_ROLE, text)
            item.setToolTip(f"{shown}: {count:,} calls")
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
            )
            item.setCheckState(
                Qt.CheckState.Checked if text in self.chosen else Qt.CheckState.Unchecked
            )
            self.values_list.addItem(item)
        for text in sorted(self.chosen - listed):  # filtered-to values with no calls left
            item = QListWidgetItem(f"{text or '(no value)'}    0")
            item.setData(VALUE_ROLE, text)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.values_list.addItem(item)
        more = f"; the {len(values):,} most common are listed" if distinct > len(values) else ""
        self.count_label.setText(f"{distinct:,} distinct values{more}.")
        self._narrow(self.find.text())

    def _narrow(self, text: str) -> None:
        if self.values_list is None:
            return
        needle = text.strip().casefold()
        for i in range(self.values_list.count()):
            item = self.values_list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def ticked(self) -> list[str]:
        if self.values_list is None:
            return []
        out = []
        for i in range(self.values_list.count()):
            item = self.values_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(VALUE_ROLE))
        return out

    def set_ticked(self, values: list[str]) -> None:
        assert self.values_list is not None
        wanted = set(values)
        for i in range(self.values_list.count()):
            item = self.values_list.item(i)
            on = item.data(VALUE_ROLE) in wanted
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    # -- ranges ---------------------------------------------------------------------------
    def _build_range(self, layout: QVBoxLayout) -> None:
        name = range_name(self.column) or ""
        lo, hi = range_filter(self.filters, name)
        unit = {"money": "USD", "duration": "ms", "tokens": "tokens"}.get(self.column.kind, "")
        form = QFormLayout()
        self.lo_edit, self.hi_edit = QLineEdit(), QLineEdit()
        for edit, value in ((self.lo_edit, lo), (self.hi_edit, hi)):
            edit.setPlaceholderText("any")
            edit.setText("" if value is None else f"{value:g}")
        form.addRow(f"At least ({unit})", self.lo_edit)
        form.addRow(f"At most ({unit})", self.hi_edit)
        layout.addLayout(form)
        if self.column.key == "cost":
            note = QLabel("Compares the computed cost; unpriced calls have none and are hidden.")
            note.setWordWrap(True)
            note.setEnabled(False)
            layout.addWidget(note)
        layout.addStretch(1)

    # -- time -----------------------------------------------------------------------------
    def _build_time(self, layout: QVBoxLayout) -> None:
        zone = self.ctx.state.zone
        form = QFormLayout()
        self.lo_edit, self.hi_edit = QLineEdit(), QLineEdit()
        for edit, value in ((self.lo_edit, self.filters.since), (self.hi_edit, self.filters.until)):
            edit.setPlaceholderText("2026-07-01 or 2026-07-01 09:30")
            if value is not None:
                edit.setText(datetime.fromtimestamp(value, zone).strftime("%Y-%m-%d %H:%M:%S"))
        form.addRow("From (inclusive)", self.lo_edit)
        form.addRow("Until (exclusive)", self.hi_edit)
        layout.addLayout(form)
        layout.addWidget(QLabel(f"Times are in {zone_name(zone)}."))
        layout.addStretch(1)

    # -- result -----------------------------------------------------------------------------
    def result_filters(self) -> Filters | None:
        return self._result

    def build(self) -> Filters:
        """The filters as the dialog's fields say (raises ValueError on bad input)."""
        column, filters = self.column, self.filters
        if column.kind == "time":
            assert self.lo_edit is not None
            assert self.hi_edit is not None
            zone = self.ctx.state.zone
            since = _bound(self.lo_edit.text(), zone)
            until = _bound(self.hi_edit.text(), zone)
            return filters.with_(since=since, until=until)
        if self.values_list is not None:
            name = column.filter_name or ""
            return with_values(filters, name, self.ticked(), self.hide_button.isChecked())
        name = range_name(column)
        if name is None or self.lo_edit is None or self.hi_edit is None:
            return filters
        lo, hi = _number(self.lo_edit.text()), _number(self.hi_edit.text())
        if lo is not None and hi is not None and lo > hi:
            raise ValueError("the lower bound is above the upper one")
        return with_range(filters, name, lo, hi)

    def _accept(self) -> None:
        try:
            self._result = self.build()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def _clear(self) -> None:
        if self.values_list is not None:
            self.set_ticked([])
        for edit in (self.lo_edit, self.hi_edit):
            if edit is not None:
                edit.clear()


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "").replace("$", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None


def _bound(text: str, zone) -> float | None:  # type: ignore[no-untyped-def]
    text = text.strip()
    if not text:
        return None
    try:
        return parse_bound(text.replace(" ", "T", 1), zone)
    except TimestampError as exc:
        raise ValueError(str(exc)) from None
