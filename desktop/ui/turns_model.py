"""One conversation, turn by turn: tokens per bucket, cache hit rate, cost and its running total.

Side-chain turns (a sub-agent inside the conversation) are marked and tinted;
a turn where the cache went cold says so; the most expensive turn is bold.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from desktop.analysis.conversations import ConversationTurns
from desktop.numbers import duration_ms, money, percent, tokens
from desktop.timeutil import resolve_zone
from desktop.ui.conversations_model import local_time
from desktop.ui.plain_tip import plain_tip

Index = QModelIndex | QPersistentModelIndex

COLUMNS: tuple[tuple[str, str], ...] = (
    ("n", "#"),
    ("time", "Time"),
    ("model", "Model"),
    ("input", "Input"),
    ("cache_read", "Cache read"),
    ("cache_write", "Cache write"),
    ("output", "Output"),
    ("reasoning", "Reasoning"),
    ("hit", "Cache hit"),
    ("cost", "Cost"),
    ("cumulative", "Cumulative"),
    ("latency", "Latency"),
    ("status", "Status"),
)
COLUMN_KEYS = tuple(key for key, _ in COLUMNS)
RIGHT = frozenset(
    {
        "n",
        "input",
        "cache_read",
        "cache_write",
        "output",
        "reasoning",
        "hit",
        "cost",
        "cumulative",
        "latency",
    }
)
HEADER_TIPS = {
    "input": "Uncached input tokens (billed at the full input rate).",
    "cache_read": "Input tokens read from the prompt cache.",
    "cache_write": "Input tokens written to the prompt cache (5-minute and 1-hour).",
    "output": "Output tokens, reasoning included.",
    "reasoning": "The part of the output spent on reasoning.",
    "hit": "Cache read ÷ (input + cache read + cache write) of this turn.",
    "cumulative": "Running total of the priced turns.",
}
WARNING = QColor(200, 110, 0)
COLD = QColor(205, 60, 40)
TOP_TINT = QColor(240, 160, 30, 60)


class TurnsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._turns: ConversationTurns | None = None
        self._zone: tzinfo = resolve_zone("UTC")
        self._hit = np.zeros(0)
        self._cumulative = np.zeros(0)
        self._top = -1
        self._time_format = "%H:%M:%S"

    def set_turns(self, turns: ConversationTurns | None) -> None:
        self.beginResetModel()
        self._turns = turns
        if turns is not None:
            self._hit = turns.hit_rate
            self._cumulative = turns.cumulative_cost
            self._top = turns.most_expensive
        self._update_time_format()
        self.endResetModel()

    def _update_time_format(self) -> None:
        """Times of day when the conversation stays within one day (its date is in the title)."""
        t = self._turns
        if t is None or len(t) == 0:
            return
        first = datetime.fromtimestamp(float(t.ts[0]), self._zone).date()
        last = datetime.fromtimestamp(float(t.ts[-1]), self._zone).date()
        self._time_format = "%H:%M:%S" if first == last else "%m-%d %H:%M:%S"

    def set_zone(self, zone: tzinfo) -> None:
        self._zone = zone
        self._update_time_format()
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 1), self.index(self.rowCount() - 1, 1))

    @property
    def turns(self) -> ConversationTurns | None:
        return self._turns

    # -- Qt model ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() or self._turns is None else len(self._turns)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        key = COLUMN_KEYS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(key)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        t = self._turns
        if not index.isValid() or t is None or not 0 <= index.row() < len(t):
            return None
        i = index.row()
        key = COLUMN_KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(t, i, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(t, i, key)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "hit" and t.cold[i]:
                return QBrush(COLD)
            if key == "cost" and math.isnan(t.cost[i]):
                return QBrush(WARNING)
            if key == "status" and t.status[i] not in (None, "ok"):
                return QBrush(COLD)
        if role == Qt.ItemDataRole.BackgroundRole:
            if i == self._top:
                return QBrush(TOP_TINT)
            if t.branch[i] is not None:
                tint = QColor(QApplication.palette().color(QPalette.ColorRole.Highlight))
                tint.setAlpha(28)
                return QBrush(tint)
        if role == Qt.ItemDataRole.FontRole and (i == self._top or (key == "hit" and t.cold[i])):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _display(self, t: ConversationTurns, i: int, key: str) -> str:
        if key == "n":
            return f"{i + 1}"
        if key == "time":
            return datetime.fromtimestamp(float(t.ts[i]), self._zone).strftime(self._time_format)
        if key == "model":
            name = "(no model)" if t.model[i] is None else str(t.model[i])
            branch = t.branch[i]
            return f"↳ {branch}: {name}" if branch is not None else name
        if key == "input":
            return tokens(int(t.input_tokens[i]))
        if key == "cache_read":
            return tokens(int(t.cache_read_tokens[i]))
        if key == "cache_write":
            return tokens(int(t.cache_write_5m_tokens[i] + t.cache_write_1h_tokens[i]))
        if key == "output":
            return tokens(int(t.output_tokens[i]))
        if key == "reasoning":
            return tokens(int(t.reasoning_tokens[i]))
        if key == "hit":
            rate = float(self._hit[i])
            text = "—" if math.isnan(rate) else percent(rate)
            return f"❄ cold {text}" if t.cold[i] else text
        if key == "cost":
            cost = float(t.cost[i])
            return "unpriced" if math.isnan(cost) else money(cost)
        if key == "cumulative":
            return money(float(self._cumulative[i]))
        if key == "latency":
            return duration_ms(float(t.latency_ms[i]))
        if key == "status":
            status = t.status[i] or "—"
            return str(status)
        return ""

    def _tooltip(self, t: ConversationTurns, i: int, key: str) -> str:
        if key == "hit" and t.cold[i]:
            return plain_tip("The cache went cold at this turn", t.cold_reason[i])
        if key == "model":
            parts = [self._display(t, i, key).strip()]
            if t.provider[i] is not None:
                parts.append(f"provider: {t.provider[i]}")
            if t.service_tier[i] not in (None, "standard"):
                parts.append(f"service tier: {t.service_tier[i]}")
            if t.branch[i] is not None:
                parts.append(f"side chain: {t.branch[i]} (a sub-agent inside this conversation)")
            if t.parent[i] >= 0:
                parts.append(f"parent: turn {int(t.parent[i]) + 1}")
            return plain_tip(f"Turn {i + 1}", *parts)
        if key == "status" and t.error[i]:
            return plain_tip("Error", t.error[i])
        if key == "cost" and math.isnan(t.cost[i]):
            return "No price for this call: it is not counted as $0."
        if key == "time":
            return local_time(float(t.ts[i]), self._zone)
        if key == "status":
            return plain_tip("Status", self._display(t, i, key))
        if key == "cache_write":
            return (
                f"5-minute: {tokens(int(t.cache_write_5m_tokens[i]))}, "
                f"1-hour: {tokens(int(t.cache_write_1h_tokens[i]))}"
            )
        return self._display(t, i, key)
