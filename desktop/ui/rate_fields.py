"""Six rate boxes ($ per 1M tokens) where empty means "not set" and 0 means free."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QWidget

from desktop.ui.price_format import FALLBACK, RATE_TITLES
from pricing.catalog import RATE_KEYS


class RateFields(QWidget):
    changed = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        required: tuple[str, ...] = ("input", "output"),
        blank_means: str = "fallback",
    ) -> None:
        """``blank_means``: "fallback" (the rate follows its fallback) or "base" (a tier or
        variant that keeps the standard rate)."""
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(10)
        self.edits: dict[str, QLineEdit] = {}
        for i, key in enumerate(RATE_KEYS):
            row, col = divmod(i, 2)
            label = QLabel(f"{RATE_TITLES[key]} $/1M")
            edit = QLineEdit()
            edit.setObjectName(f"rate_{key}")
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            if key in required:
                edit.setPlaceholderText("required")
            elif blank_means == "base":
                edit.setPlaceholderText("empty = standard")
            else:
                edit.setPlaceholderText(f"empty = {FALLBACK[key].removeprefix('uses ')}")
            edit.setToolTip(
                "Dollars per million tokens. Empty means not set (the placeholder says what "
                "applies instead); 0 means free."
            )
            edit.textChanged.connect(lambda _t: self.changed.emit())
            label.setBuddy(edit)
            layout.addWidget(label, row, col * 2)
            layout.addWidget(edit, row, col * 2 + 1)
            self.edits[key] = edit
        layout.setColumnStretch(1, 1)
        layout.setColumnStretch(3, 1)

    def set_values(self, values: Mapping[str, str]) -> None:
        for key, edit in self.edits.items():
            edit.setText(values.get(key, ""))

    def values(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self.edits.items()}

    def given(self) -> dict[str, str]:
        """Only the rates that are filled in."""
        return {key: text for key, text in self.values().items() if text}

    def set_guess_marked(self, marked: bool) -> None:
        """Mark the boxes as holding guessed rates (italic) until the user edits them."""
        for edit in self.edits.values():
            font = edit.font()
            font.setItalic(marked)
            edit.setFont(font)
