"""Adding a model's price (or duplicating one under a new name).

The dialog only collects the values; ``on_submit`` applies them and returns an
error message to show (the dialog stays open) or None (it closes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.rate_fields import RateFields

Submit = Callable[[dict[str, Any]], str | None]


class AddModelDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        on_submit: Submit,
        *,
        providers: list[str],
        model: str = "",
        provider: str = "",
        entry_id: str = "",
        display_name: str = "",
        rates: Mapping[str, str] | None = None,
        guess_note: str = "",
        duplicate_of: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("addModelDialog")
        self._submit = on_submit
        self._duplicate = bool(duplicate_of)
        self.setWindowTitle(f"Duplicate {duplicate_of}" if duplicate_of else "Add a model price")
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)

        intro = QLabel(
            "A copy with every price version of the original, under a new model name."
            if duplicate_of
            else "The price applies to calls whose model name matches exactly (and to the "
            "usual variations: dated snapshots, provider prefixes)."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)

        form = QFormLayout()
        self.model_edit = QLineEdit(model)
        self.model_edit.setObjectName("modelName")
        self.model_edit.setPlaceholderText("the model name as your logs write it")
        form.addRow("Model name", self.model_edit)
        self.provider_box = QComboBox()
        self.provider_box.setObjectName("provider")
        self.provider_box.setEditable(True)
        self.provider_box.addItems(providers)
        self.provider_box.setCurrentText(provider)
        self.provider_box.setToolTip(
            "The provider the calls go to. Calls that log another provider are not priced "
            "by this entry; calls without a provider use any."
        )
        form.addRow("Provider", self.provider_box)
        self.id_edit = QLineEdit(entry_id)
        self.id_edit.setObjectName("entryId")
        self.id_edit.setToolTip("A unique id for this price in your catalog.")
        form.addRow("Id", self.id_edit)
        self.display_edit = QLineEdit(display_name)
        self.display_edit.setPlaceholderText("optional: shown instead of the model name")
        form.addRow("Display name", self.display_edit)
        self.aliases_edit = QLineEdit()
        self.aliases_edit.setPlaceholderText("optional: other exact names, comma separated")
        if not duplicate_of:
            form.addRow("Also named", self.aliases_edit)
        layout.addLayout(form)

        self.rates = RateFields(self)
        self.rates.set_values(rates or {})
        self.guess_note = QLabel(guess_note)
        self.guess_note.setObjectName("guessNote")
        self.guess_note.setTextFormat(Qt.TextFormat.PlainText)
        self.guess_note.setWordWrap(True)
        self.guess_note.setStyleSheet(
            "QLabel { background: rgba(230, 160, 0, 0.18); border: 1px solid rgba(200, 140, 0, "
            "0.6); border-radius: 3px; padding: 6px; }"
        )
        self.guess_note.setVisible(bool(guess_note))
        if guess_note:
            self.rates.set_guess_marked(True)
            self.rates.changed.connect(lambda: self.rates.set_guess_marked(False))
        rates_box = QGroupBox("Prices per 1M tokens")
        rates_layout = QVBoxLayout(rates_box)
        rates_layout.addWidget(self.guess_note)
        rates_layout.addWidget(self.rates)
        rates_box.setVisible(not duplicate_of)
        layout.addWidget(rates_box)

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
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Duplicate" if duplicate_of else "Add price")
        ok.setObjectName("submit")
        buttons.accepted.connect(self._try_submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._id_touched = bool(entry_id) and not duplicate_of
        self.id_edit.textEdited.connect(lambda _t: setattr(self, "_id_touched", True))
        self.model_edit.textChanged.connect(self._suggest_id)
        self.provider_box.currentTextChanged.connect(self._suggest_id)
        if not entry_id:
            self._suggest_id()

    def _suggest_id(self) -> None:
        if self._id_touched:
            return
        provider = self.provider_box.currentText().strip().lower() or "custom"
        model = re.sub(r"[^A-Za-z0-9._:@+-]+", "-", self.model_edit.text().strip()).strip("-")
        self.id_edit.setText(f"{provider}/{model}" if model else "")

    def values(self) -> dict[str, Any]:
        aliases = [a.strip() for a in self.aliases_edit.text().split(",") if a.strip()]
        return {
            "model": self.model_edit.text().strip(),
            "provider": self.provider_box.currentText().strip(),
            "entry_id": self.id_edit.text().strip(),
            "display_name": self.display_edit.text().strip(),
            "aliases": aliases,
            "rates": self.rates.values(),
        }

    def set_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _try_submit(self) -> None:
        values = self.values()
        if not values["model"]:
            self.set_error("Enter the model name as your logs write it.")
            return
        if not values["provider"]:
            self.set_error("Enter the provider (e.g. openai, anthropic, or custom).")
            return
        message = self._submit(values)
        if message:
            self.set_error(message)
            return
        self.accept()
