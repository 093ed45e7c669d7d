"""A dated price change: new rates from a day on, earlier calls keep their price."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.rate_fields import RateFields

Submit = Callable[[dict[str, Any]], str | None]


class PriceVersionDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        on_submit: Submit,
        *,
        model_name: str,
        rates_for: Callable[[date], Mapping[str, str]],
        start: date | None = None,
    ) -> None:
        """``rates_for(day)`` gives the rates in force that day (the starting values)."""
        super().__init__(parent)
        self.setObjectName("priceVersionDialog")
        self.setWindowTitle(f"New price for {model_name}")
        self.setMinimumWidth(620)
        self._submit = on_submit
        self._rates_for = rates_for
        self._touched = False
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"From this date (UTC) on, calls to {model_name} are priced at these rates. "
            "Calls before it keep the price they had, so past totals do not change."
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("effectiveFrom")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        day = start or date.today()
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.date_edit.dateChanged.connect(self._date_changed)
        form.addRow("Effective from", self.date_edit)
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("optional: where it comes from (a URL, a contract)")
        form.addRow("Source", self.source_edit)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("optional")
        form.addRow("Note", self.note_edit)
        layout.addLayout(form)
        self.rates = RateFields(self)
        self.rates.set_values(rates_for(day))
        self.rates.changed.connect(lambda: setattr(self, "_touched", True))
        layout.addWidget(self.rates)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("QLabel { color: #c0392b; font-weight: bold; }")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add price change")
        buttons.accepted.connect(self._try_submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def effective_from(self) -> date:
        qdate = self.date_edit.date()
        return date(qdate.year(), qdate.month(), qdate.day())

    def _date_changed(self) -> None:
        if not self._touched:
            self.rates.set_values(self._rates_for(self.effective_from()))
            self._touched = False

    def values(self) -> dict[str, Any]:
        return {
            "effective_from": self.effective_from().isoformat(),
            "rates": self.rates.values(),
            "source": self.source_edit.text().strip() or "entered by the user",
            "note": self.note_edit.text().strip(),
        }

    def set_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _try_submit(self) -> None:
        message = self._submit(self.values())
        if message:
            self.set_error(message)
            return
        self.accept()
