"""The prompt and response text of one call, read from its source on demand.

The store keeps where each call came from (source file, byte offset or row id),
never the text itself. :mod:`desktop.store.raw` reads the raw record back (a
line of a JSONL file, a unit of a JSON document, a row of a SQLite database,
always read-only) and the call's format says which parts are the text. The
text is the log's own, untrusted: callers show it as plain text only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.store.dataset import Dataset

MAX_TEXT = 200_000  # characters shown per side; a longer text is cut with a note


@dataclass(frozen=True, slots=True)
class TurnText:
    prompt: str | None
    response: str | None
    note: str = ""  # why there is no text, or that it was cut

    @property
    def empty(self) -> bool:
        return not self.prompt and not self.response


def read_turn_text(dataset: Dataset, call_id: int) -> TurnText:
    """Prompt and response of a stored call (never raises for a missing or changed source)."""
    from desktop.store.raw import read_raw

    rows = dataset.rows([call_id], ["source_id", "offset", "line", "dedup_key"])
    if not rows:
        return TurnText(None, None, "This call is no longer in the working store.")
    row = rows[0]
    raw = read_raw(dataset, row)
    if not raw.found:
        return TurnText(None, None, raw.note or "The record could not be read.")
    prompt, response = turn_texts(dataset, row, raw.value)
    cut = False
    if prompt is not None and len(prompt) > MAX_TEXT:
        prompt, cut = prompt[:MAX_TEXT], True
    if response is not None and len(response) > MAX_TEXT:
        response, cut = response[:MAX_TEXT], True
    note = raw.note
    if prompt is None and response is None:
        note = (note + " " if note else "") + (
            "This log does not record the prompt or response text of its calls."
        )
    elif cut:
        note = (note + " " if note else "") + f"Long text cut to {MAX_TEXT:,} characters."
    return TurnText(prompt, response, note)


def turn_texts(dataset: Dataset, row: dict[str, Any], raw: Any) -> tuple[str | None, str | None]:
    """Prompt and response of a call whose raw record was read (``row`` as for
    :func:`desktop.store.raw.read_raw`): gathered from the lines around it when its
    format spreads a call over several lines, else taken from the record itself."""
    from desktop.logs.formats.spendtrail import turn_text as generic_text
    from desktop.store.raw import turn_text, turn_text_around

    if raw is None:
        return None, None
    info = dataset.sources.get(row.get("source_id", -1))
    prompt, response = turn_text(info[1] if info else "", raw)
    offset = row.get("offset")
    if info and offset is not None:
        around = turn_text_around(Path(info[0]), info[1], int(offset), raw)
        if around is not None:
            prompt, response = around[0] or prompt, around[1] or response
    if prompt is None and response is None:
        prompt, response = generic_text(raw)  # plain "prompt"/"response" fields
    return prompt, response
