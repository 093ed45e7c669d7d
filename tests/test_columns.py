"""Calls as columns: labels kept as one column per key while rows are added."""

from __future__ import annotations

import numpy as np

from desktop.logs.columns import Columns


def part(n: int) -> dict[str, object]:
    return {"input_tokens": np.arange(n, dtype=np.int64), "model": ["m"] * n}


def test_labels_become_columns_in_order_of_first_appearance() -> None:
    cols = Columns()
    cols.extend(part(2), [{"tenant": "acme"}, None], 2)
    cols.extend(part(2), [{"feature": "search", "tenant": "globex"}, {"tenant": "acme"}], 2)
    assert list(cols.labels) == ["tenant", "feature"]
    assert cols.labels["tenant"] == ["acme", None, "globex", "acme"]
    assert cols.labels["feature"] == [None, None, "search", None]  # missing before it appeared
    assert cols.row_labels(1) is None
    assert cols.row_labels(2) == {"feature": "search", "tenant": "globex"}
    # numpy columns are stored as plain values, not numpy scalars
    assert [type(v) for v in cols.columns["input_tokens"]] == [int] * 4


def test_equal_label_values_are_one_object() -> None:
    cols = Columns()
    first, second = "".join(["ac", "me"]), "".join(["acm", "e"])
    assert first is not second
    cols.extend(part(1), [{"tenant": first}], 1)
    cols.extend(part(1), [{"tenant": second}], 1)
    assert cols.labels["tenant"][0] is cols.labels["tenant"][1]


def test_removed_rows_leave_every_label_column() -> None:
    cols = Columns()
    cols.extend(part(3), [{"a": 1}, {"b": 2}, {"a": 3, "b": 4}], 3)
    cols.remove({1})
    assert cols.n == 2 and cols.merged == 1
    assert cols.labels == {"a": [1, 3], "b": [None, 4]}


def test_columns_of_several_units_are_joined_with_their_labels() -> None:
    one, two, joined = Columns(), Columns(), Columns()
    one.extend(part(1), [{"a": "x"}], 1)
    two.extend(part(2), [None, {"b": "y"}], 2)
    joined.extend_with(one)
    joined.extend_with(two)
    assert joined.n == 3
    assert joined.labels == {"a": ["x", None, None], "b": [None, None, "y"]}
    assert joined.columns["input_tokens"] == [0, 0, 1]
