"""The registry of log formats, in detection order."""

from __future__ import annotations

from desktop.logs.formats.base import LogFormat
from desktop.logs.formats.langfuse import LangfuseObservations
from desktop.logs.formats.litellm import LiteLLM
from desktop.logs.formats.llm_cli import LlmLogsDb
from desktop.logs.formats.mapped import MappedJsonl
from desktop.logs.formats.otel import OtelSpans
from desktop.logs.formats.spendtrail import GenericJsonl, SpendtrailJsonl
from desktop.logs.formats.sqlite_generic import GenericSqlite

FORMATS: tuple[LogFormat, ...] = (
    SpendtrailJsonl(),
    LlmLogsDb(),
    LiteLLM(),
    OtelSpans(),
    LangfuseObservations(),
    GenericJsonl(),
    GenericSqlite(),
    MappedJsonl(),
)

_BY_ID = {f.id: f for f in FORMATS}


def get_format(format_id: str) -> LogFormat:
    try:
        return _BY_ID[format_id]
    except KeyError:
        known = ", ".join(sorted(_BY_ID))
        raise KeyError(f"unknown format {format_id!r} (known: {known})") from None


def format_ids() -> list[str]:
    return [f.id for f in FORMATS]
