"""The overview's numbers for one selection: totals, cost by group, top conversations.

Computed together on a worker thread, from the same :class:`Dataset` answers
as ``spendtrail report`` (totals and groups are exactly the report's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo

import numpy as np

from desktop.analysis.keys import TimeRanges, time_ranges
from desktop.analysis.top_conversations import ConversationCost, top_conversations
from desktop.store.dataset import Dataset, Group, Totals

TOP_BARS = 12
TOP_CONVERSATIONS = 25


@dataclass(frozen=True, slots=True)
class OtherGroups:
    """The groups below the top bars, summed."""

    groups: int
    calls: int
    cost_usd: float
    unpriced_calls: int
    share: float


@dataclass
class GroupBars:
    """Cost by the current grouping: the top groups and the rest summed."""

    by: tuple[str, ...]
    bars: list[Group]
    other: OtherGroups | None
    group_count: int
    ranges: TimeRanges


@dataclass
class OverviewSummary:
    totals: Totals
    groups: GroupBars
    conversations: list[ConversationCost] = field(default_factory=list)
    has_conversation_ids: bool = False

    @property
    def by(self) -> tuple[str, ...]:
        return self.groups.by

    @property
    def bars(self) -> list[Group]:
        return self.groups.bars

    @property
    def other(self) -> OtherGroups | None:
        return self.groups.other

    @property
    def group_count(self) -> int:
        return self.groups.group_count

    @property
    def ranges(self) -> TimeRanges:
        return self.groups.ranges


def group_bars(
    dataset: Dataset,
    mask: np.ndarray,
    zone: tzinfo,
    mode: str,
    by: Sequence[str],
    bars: int = TOP_BARS,
) -> GroupBars:
    """The top ``bars`` groups by cost (as the report ranks them) and the rest summed."""
    by = tuple(dataset.resolve(c) for c in by)
    groups = dataset.groups(mask, by, zone, mode, stats=False) if by and mask.any() else []
    shown, rest = groups[:bars], groups[bars:]
    other = None
    if rest:
        other = OtherGroups(
            groups=len(rest),
            calls=sum(g.calls for g in rest),
            cost_usd=sum(g.cost_usd for g in rest),
            unpriced_calls=sum(g.unpriced_calls for g in rest),
            share=sum(g.share for g in rest),
        )
    ranges = time_ranges(dataset, mask, by, zone) if groups else {}
    return GroupBars(by, shown, other, len(groups), ranges)


def overview_summary(
    dataset: Dataset,
    mask: np.ndarray,
    zone: tzinfo,
    mode: str,
    by: Sequence[str],
    bars: int = TOP_BARS,
    conversations: int = TOP_CONVERSATIONS,
) -> OverviewSummary:
    totals = dataset.totals(mask, mode)
    conv_codes = dataset.frame.text("conversation_id").codes
    return OverviewSummary(
        totals=totals,
        groups=group_bars(dataset, mask, zone, mode, by, bars),
        conversations=top_conversations(dataset, mask, mode, conversations),
        has_conversation_ids=bool(len(conv_codes)) and bool((conv_codes >= 0).any()),
    )
