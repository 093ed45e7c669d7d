"""Editing the tiers of one price version: long context, batch / flex / priority / fast,
US-only inference, extras.

The values are collected here; ``on_submit`` applies them (all in one undoable
edit) and returns an error message to show, or None.
"""

from __future__ import annotations

from collections.abc import Callable
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.analysis.model_usage import rates_text
from desktop.ui.rate_fields import RateFields
from pricing.catalog import GEO_VARIANTS, VARIANT_NAMES, PriceVersion
from pricing.money import plain

Submit = Callable[[dict[str, Any]], str | None]
VARIANT_MODES = ("Not offered", "Multiplier of the standard price", "Its own rates")
VARIANT_HELP = {
    "batch": 'Batch API calls (service tier "batch"): usually half price.',
    "flex": 'Flex processing (service tier "flex"): slower, cheaper.',
    "priority": 'Priority processing (service tier "priority"; also "fast" when the model '
    "has no fast-mode price).",
    "fast": 'Anthropic\'s fast mode (usage speed "fast"; service tier "fast"): '
    "faster output at a higher price.",
    "us": 'Calls served in the US only (Anthropic\'s inference_geo "us"; service tier '
    '"<tier>+us"): the price of the call\'s own tier times this uplift.',
}

VARIANT_TITLES = {"fast": "Fast mode", "us": "US-only"}


class _VariantPage(QWidget):
    def __init__(self, name: str, version: PriceVersion) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        help_text = QLabel(VARIANT_HELP[name])
        help_text.setWordWrap(True)
        layout.addWidget(help_text)
        form = QFormLayout()
        self.mode = QComboBox()
        self.mode.setObjectName(f"{name}Mode")
        self.mode.addItems(VARIANT_MODES)
        form.addRow("Price", self.mode)
        self.multiplier = QLineEdit()
        self.multiplier.setObjectName(f"{name}Multiplier")
        self.multiplier.setPlaceholderText("e.g. 0.5 for half price")
        form.addRow("Multiplier", self.multiplier)
        layout.addLayout(form)
        self.rates = RateFields(self, required=(), blank_means="base")
        layout.addWidget(self.rates)
        if name in GEO_VARIANTS:  # an uplift on whatever the call's tier costs
            self.mode.removeItem(2)
            self.mode.setItemText(0, "No uplift")
            self.mode.setItemText(1, "Multiplier of the tier's price")
            self.multiplier.setPlaceholderText("e.g. 1.1 for 10% more")
            self.rates.hide()
        layout.addStretch(1)
        variant = version.variant(name)
        self.tier_rates = variant.tier_rates if variant is not None else ()
        if variant is None:
            self.mode.setCurrentIndex(0)
        elif variant.multiplier is not None:
            self.mode.setCurrentIndex(1)
            self.multiplier.setText(plain(variant.multiplier))
        else:
            self.mode.setCurrentIndex(2)
            self.rates.set_values(rates_text(variant.rates))
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self._mode_changed()

    def _mode_changed(self) -> None:
        mode = self.mode.currentIndex()
        self.multiplier.setEnabled(mode == 1)
        self.rates.setEnabled(mode == 2)

    def value(self) -> dict[str, Any] | None:
        mode = self.mode.currentIndex()
        if mode == 0:
            return None
        if mode == 1:
            return {"multiplier": self.multiplier.text().strip()}
        return {"rates": self.rates.given(), "tier_rates": self.tier_rates}


class PriceEditDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        on_submit: Submit,
        *,
        model_name: str,
        version: PriceVersion,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("priceEditDialog")
        self.setWindowTitle(f"Tiers of {model_name}, price from {version.label}")
        self.setMinimumWidth(600)
        self._submit = on_submit
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)

        # long context
        page = QWidget()
        page_layout = QVBoxLayout(page)
        explain = QLabel(
            "Past the threshold the whole request is priced at these rates (not only the "
            "tokens above it). The threshold applies to the prompt: input + cache read + "
            "cache writes. Empty rates keep the standard rate."
        )
        explain.setWordWrap(True)
        page_layout.addWidget(explain)
        self.long_box = QGroupBox("Long-context price")
        self.long_box.setObjectName("longContext")
        self.long_box.setCheckable(True)
        box_layout = QVBoxLayout(self.long_box)
        form = QFormLayout()
        self.op = QComboBox()
        self.op.addItems(["more than (>)", "at least (≥)"])
        form.addRow("Prompt tokens", self.op)
        self.threshold = QLineEdit()
        self.threshold.setObjectName("threshold")
        self.threshold.setPlaceholderText("e.g. 200000")
        form.addRow("Threshold", self.threshold)
        box_layout.addLayout(form)
        self.tier_rates = RateFields(self, required=(), blank_means="base")
        box_layout.addWidget(self.tier_rates)
        page_layout.addWidget(self.long_box)
        page_layout.addStretch(1)
        tier = version.tiers[0] if version.tiers else None
        self.long_box.setChecked(tier is not None)
        if tier is not None:
            self.threshold.setText(str(tier.threshold))
            self.op.setCurrentIndex(1 if tier.inclusive else 0)
            self.tier_rates.set_values(rates_text(tier.rates))
        if version.windows:
            self.long_box.setEnabled(False)
            explain.setText(
                "This price has time-of-day rates, which cannot be combined with a "
                "long-context tier."
            )
        self.tabs.addTab(page, "Long context")

        self.variants: dict[str, _VariantPage] = {}
        for name in VARIANT_NAMES:
            variant_page = _VariantPage(name, version)
            self.variants[name] = variant_page
            self.tabs.addTab(variant_page, VARIANT_TITLES.get(name, name.capitalize()))

        extras = QWidget()
        extras_form = QFormLayout(extras)
        self.web_search = QLineEdit(
            "" if version.web_search_per_1k is None else plain(version.web_search_per_1k)
        )
        self.web_search.setPlaceholderText("empty: web searches are free")
        extras_form.addRow("Web search $ per 1,000", self.web_search)
        self.per_request = QLineEdit(
            "" if version.per_request is None else plain(version.per_request)
        )
        self.per_request.setPlaceholderText("empty: no per-request fee")
        extras_form.addRow("Fee per request $", self.per_request)
        self.tabs.addTab(extras, "Other prices")

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
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Apply")
        buttons.accepted.connect(self._try_submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def values(self) -> dict[str, Any]:
        long_context: dict[str, Any] | None = None
        if self.long_box.isEnabled() and self.long_box.isChecked():
            long_context = {
                "threshold": self.threshold.text().strip().replace(",", "").replace("_", ""),
                "op": ">=" if self.op.currentIndex() == 1 else ">",
                "rates": self.tier_rates.given(),
            }
        return {
            "long_context": long_context,
            "long_context_editable": self.long_box.isEnabled(),
            "variants": {name: page.value() for name, page in self.variants.items()},
            "web_search_per_1k": self.web_search.text().strip(),
            "per_request": self.per_request.text().strip(),
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
