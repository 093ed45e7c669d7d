"""The overview's headline numbers: cost (with unpriced calls), calls, tokens, period.

Unpriced calls are a visible badge beside the cost, never folded into it as
$0; clicking the badge asks for the pricing view.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.numbers import money_total, tokens
from desktop.store.dataset import Totals
from desktop.timeutil import zone_name
from desktop.ui.theme import chart_colors

TOKEN_ROWS = (
    ("input_tokens", "Input"),
    ("cache_read_tokens", "Cache read"),
    ("cache_write_5m_tokens", "Cache write 5m"),
    ("cache_write_1h_tokens", "Cache write 1h"),
    ("output_tokens", "Output"),
    ("reasoning_tokens", "Reasoning (in output)"),
)
MODE_TITLES = {
    "computed": "Total cost",
    "reported": "Total cost (as reported by the logs)",
    "auto": "Total cost (reported, else computed)",
}


class _Card(QFrame):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(12, 8, 12, 8)
        self.layout_.setSpacing(2)
        self.title = _plain(title)
        self.title.setObjectName("cardTitle")
        self.layout_.addWidget(self.title)


class TotalsCards(QWidget):
    unpriced_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("totalsCards")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)

        self.cost_card = _Card("Total cost")
        self.cost = _plain("—", scale=1.9, bold=True)
        self.cost.setObjectName("totalCost")
        self.unpriced = QToolButton()
        self.unpriced.setObjectName("unpricedCalls")
        self.unpriced.setAutoRaise(True)
        self.unpriced.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.unpriced.setToolTip(
            "Calls whose model has no price: not counted in the total (never as $0). "
            "Click to add prices."
        )
        self.unpriced.clicked.connect(self.unpriced_clicked)
        self.priced_note = _plain("")
        self.cost_card.layout_.addWidget(self.cost)
        self.cost_card.layout_.addWidget(self.unpriced, 0, Qt.AlignmentFlag.AlignLeft)
        self.cost_card.layout_.addWidget(self.priced_note)
        self.cost_card.layout_.addStretch(1)
        row.addWidget(self.cost_card, 3)

        self.calls_card = _Card("Calls")
        self.calls = _plain("—", scale=1.9, bold=True)
        self.calls.setObjectName("totalCalls")
        self.per_call = _plain("")
        self.calls_card.layout_.addWidget(self.calls)
        self.calls_card.layout_.addWidget(self.per_call)
        self.calls_card.layout_.addStretch(1)
        row.addWidget(self.calls_card, 2)

        self.tokens_card = _Card("Tokens")
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(0)
        self.token_values: dict[str, QLabel] = {}
        self.token_titles: dict[str, QLabel] = {}
        for i, (key, title) in enumerate(TOKEN_ROWS):
            r, c = i % 3, (i // 3) * 2
            self.token_titles[key] = _plain(title)
            grid.addWidget(self.token_titles[key], r, c)
            value = _plain("—")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setObjectName(f"tokens_{key}")
            grid.addWidget(value, r, c + 1)
            self.token_values[key] = value
        self.tokens_card.layout_.addLayout(grid)
        self.tokens_card.layout_.addStretch(1)
        row.addWidget(self.tokens_card, 5)

        self.period_card = _Card("Period")
        self.period = _plain("—", scale=1.25, bold=True)
        self.period.setObjectName("period")
        self.period_note = _plain("")
        self.period_card.layout_.addWidget(self.period)
        self.period_card.layout_.addWidget(self.period_note)
        self.period_card.layout_.addStretch(1)
        row.addWidget(self.period_card, 3)

        self.reported_card = _Card("Reported by the logs")
        self.reported = _plain("—", scale=1.25, bold=True)
        self.reported.setObjectName("reportedCost")
        self.reported_note = _plain("")
        self.reported_note.setWordWrap(True)  # a long note must not widen the window
        self.reported_card.layout_.addWidget(self.reported)
        self.reported_card.layout_.addWidget(self.reported_note)
        self.reported_card.layout_.addStretch(1)
        row.addWidget(self.reported_card, 3)
        self._style_secondary()

    def _style_secondary(self) -> None:
        colors = chart_colors(self.palette())
        muted = f"color: {colors.muted.name()};"
        for card in (
            self.cost_card,
            self.calls_card,
            self.tokens_card,
            self.period_card,
            self.reported_card,
        ):
            card.title.setStyleSheet(muted)
        for label in (self.priced_note, self.per_call, self.period_note, self.reported_note):
            label.setStyleSheet(muted)
        self.unpriced.setStyleSheet(
            f"QToolButton {{ color: {colors.warning.name()}; font-weight: bold; padding: 0; }}"
        )

    def changeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QEvent

        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._style_secondary()
        super().changeEvent(event)

    # -- content ------------------------------------------------------------------------
    def set_totals(self, totals: Totals, zone: tzinfo, mode: str) -> None:
        self.cost_card.title.setText(MODE_TITLES.get(mode, "Total cost"))
        priced = totals.calls - totals.unpriced_calls
        self.cost.setText(money_total(totals.cost_usd) if priced or not totals.calls else "—")
        self._set_unpriced(totals.unpriced_calls, mode)
        if totals.unpriced_calls:
            self.priced_note.setText(f"for {priced:,} priced calls")
        else:
            self.priced_note.setText("every call priced" if totals.calls else "")
        self.calls.setText(tokens(totals.calls))
        if priced:
            self.per_call.setText(f"{money_total(totals.cost_usd / priced)} per priced call")
        else:
            self.per_call.setText("")
        for key, title in TOKEN_ROWS:
            self.token_titles[key].setText(title)
            self.token_values[key].setText(tokens(totals.sums.get(key, 0)))
        self._set_period(totals.first_ts, totals.last_ts, zone)
        self.reported_card.setVisible(totals.reported_calls > 0)
        self.reported.setText(money_total(totals.reported_cost_usd))
        self.reported_note.setText(
            f"on {totals.reported_calls:,} of {totals.calls:,} calls"
            f" · computed {money_total(totals.computed_cost_usd)} for all"
        )

    def set_running(self, running: dict[str, Any]) -> None:
        """Counts read while a load is running (from ``DataSession.running_totals``)."""
        self.cost_card.title.setText("Total cost so far")
        self.cost.setText(money_total(running.get("cost_usd", 0.0)))
        self._set_unpriced(int(running.get("unpriced_calls", 0)), "computed")
        self.priced_note.setText("still reading…")
        self.calls.setText(tokens(running.get("calls", 0)))
        self.per_call.setText("")
        for label in self.token_values.values():
            label.setText("…")
        # While reading, only the prompt as a whole (input and cache) is counted.
        self.token_titles["input_tokens"].setText("Prompt (all input)")
        self.token_values["input_tokens"].setText(tokens(running.get("prompt_tokens", 0)))
        self.token_values["output_tokens"].setText(tokens(running.get("output_tokens", 0)))
        self.period.setText("—")
        self.period_note.setText("")
        self.reported_card.hide()

    def _set_unpriced(self, count: int, mode: str) -> None:
        self.unpriced.setVisible(count > 0)
        plural = "" if count == 1 else "s"
        if mode == "reported":
            self.unpriced.setText(f"+ {count:,} call{plural} without a reported cost")
        else:
            self.unpriced.setText(f"+ {count:,} unpriced call{plural}")

    def _set_period(self, first: float | None, last: float | None, zone: tzinfo) -> None:
        if first is None or last is None:
            self.period.setText("—")
            self.period_note.setText("")
            return
        a = datetime.fromtimestamp(first, zone)
        b = datetime.fromtimestamp(last, zone)
        if a.date() == b.date():
            text = f"{a.day} {a:%b %Y}, {a:%H:%M}–{b:%H:%M}"
        elif a.year == b.year:
            text = f"{a.day} {a:%b} – {b.day} {b:%b %Y}"
        else:
            text = f"{a.day} {a:%b %Y} – {b.day} {b:%b %Y}"
        self.period.setText(text)
        days = (b.date() - a.date()).days + 1
        self.period_note.setText(
            f"{a:%H:%M} to {b:%H:%M} · {days:,} day{'s' if days != 1 else ''} · {zone_name(zone)}"
        )


def _plain(text: str, scale: float = 1.0, bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if scale != 1.0 or bold:
        font = label.font()
        if scale != 1.0:
            font.setPointSizeF(font.pointSizeF() * scale)
        font.setBold(bold)
        label.setFont(font)
    return label
