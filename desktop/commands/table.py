"""Aligned plain-text tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """Columns padded to their widest cell; ``align`` has one 'l' or 'r' per column."""
    if not rows:
        return "  (none)\n"
    align = align.ljust(len(headers), "l")
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            cell.rjust(w) if a == "r" else cell.ljust(w)
            for cell, w, a in zip(row, widths, align, strict=False)
        ]
        return "  " + "  ".join(parts).rstrip() + "\n"

    rule = "  " + "  ".join("-" * w for w in widths) + "\n"
    return line(cells[0]) + rule + "".join(line(r) for r in cells[1:])
