"""Which calls the current filters keep, remembered for the follow-up questions.

A view asks several questions of one selection (totals, groups, the chart, and
the chart again at every zoom). Filtering a million calls costs from a few
milliseconds to half a second (a text search), so the last few masks are kept,
keyed by the dataset, the filters and the time zone. The cache is cleared when
the data changes (prices edited, another load).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import tzinfo

import numpy as np

from desktop.store.dataset import Dataset, Filters
from desktop.timeutil import zone_name


class SelectionCache:
    """A small, thread-safe LRU of filter masks."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._masks: OrderedDict[tuple, np.ndarray] = OrderedDict()

    def mask(self, dataset: Dataset, filters: Filters, zone: tzinfo) -> np.ndarray:
        key = (id(dataset), len(dataset.frame), filters, zone_name(zone))
        with self._lock:
            found = self._masks.get(key)
            if found is not None:
                self._masks.move_to_end(key)
                return found
        mask = dataset.mask(filters, zone)
        mask.setflags(write=False)  # shared between questions: nobody may change it
        with self._lock:
            self._masks[key] = mask
            while len(self._masks) > self.size:
                self._masks.popitem(last=False)
        return mask

    def clear(self) -> None:
        with self._lock:
            self._masks.clear()
