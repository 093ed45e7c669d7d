"""Tooltips that stay plain text, even with text from the logs in them.

Qt shows a tooltip as rich text when its first line looks like markup. The
first line is therefore always our own words (``title``); log text (model
names, ids, errors) only ever follows on later lines.
"""

from __future__ import annotations


def plain_tip(title: str, *lines: object) -> str:
    if "<" in title or "&" in title:
        raise ValueError("a tooltip title must be our own plain words")
    return "\n".join((title, *(str(line) for line in lines)))
