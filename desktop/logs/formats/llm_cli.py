"""Simon Willison's ``llm`` CLI: the ``logs.db`` SQLite database.

Two generations of tables hold calls and both are read: the legacy
``responses`` table (written up to llm 0.31) and ``turns`` (llm >= 0.32, with
``threads``). Old rows are not migrated, so the union is the full history.

Token meaning depends on the plugin that wrote the row, which the keys in the
``token_details`` JSON text tell apart:

- OpenAI (core plugin) and OpenAI-compatible plugins: ``input_tokens`` includes
  the cached tokens (``prompt_tokens_details.cached_tokens``, or
  ``input_tokens_details`` for the Responses API); reasoning
  (``completion_tokens_details.reasoning_tokens``) is inside the output.
- Anthropic (``llm-anthropic``; models ``anthropic/…``, ``claude-…``):
  ``input_tokens`` excludes the cache; ``cache_read_input_tokens`` and
  ``cache_creation_input_tokens`` (TTL split in ``cache_creation``) are extra.
- Gemini (``llm-gemini``): input includes ``cachedContentTokenCount``; output
  already includes ``thoughtsTokenCount`` — except rows from older plugin
  versions, recognised by ``output == candidatesTokenCount``, where the
  thoughts are added.

A row whose cached count is larger than its input cannot be "inclusive": its
input is then taken as uncached. Naive ``datetime_utc`` values are UTC.

Rows with NULL ``input_tokens`` and ``output_tokens`` (logged before llm
recorded usage, or by models that report none) are Problems with the one
reason "no usage recorded", so the gap is visible rather than priced as $0.

Records: ``line`` is the row's ``rowid``; ``dedup_key`` is
``llm:<table>:<id>`` (the table tells the two rowid spaces apart, and the id
survives a VACUUM). The file is opened read-only and read in short batches.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from desktop.logs.fields import LABEL_TEXT_LIMIT, flatten_labels, number_or_none
from desktop.logs.formats.base import Detection, ReadContext, Sample, SqliteFormat
from desktop.logs.formats.sqlite_generic import (
    connect_readonly,
    iter_rows,
    quote,
    source_error,
    table_columns,
)
from desktop.logs.usage import split_cache_writes
from desktop.record import (
    BadRecord,
    CallRecord,
    Labels,
    Problem,
    normalise_service_tier,
    optional_tokens,
)
from desktop.timeutil import TimestampError, parse_timestamp

# (calls table, names table, column linking them)
TABLES = (("responses", "conversations", "conversation_id"), ("turns", "threads", "thread_id"))
WANTED = (
    "id",
    "model",
    "resolved_model",
    "datetime_utc",
    "input_tokens",
    "output_tokens",
    "token_details",
    "duration_ms",
    "options_json",
    "schema_id",
    "system",
)
OPTION_LABEL_LIMIT = 80
NO_USAGE = "no usage recorded (input_tokens and output_tokens are NULL)"


class LlmLogsDb(SqliteFormat):
    id = "llm-logs"
    title = "llm CLI logs.db"
    sample_tables = (
        {
            "_llm_migrations": ["name", "applied_at"],
            "conversations": ["id", "name", "model"],
            "responses": [
                "id",
                "model",
                "prompt",
                "system",
                "prompt_json",
                "options_json",
                "response",
                "response_json",
                "conversation_id",
                "duration_ms",
                "datetime_utc",
                "input_tokens",
                "output_tokens",
                "token_details",
                "schema_id",
                "resolved_model",
            ],
        },
        {
            "_llm_migrations": ["name", "applied_at"],
            "threads": ["id", "name", "tip_message_hash", "forked_from", "datetime_utc"],
            "turns": [
                "id",
                "thread_id",
                "parent_message_hash",
                "tip_message_hash",
                "model",
                "resolved_model",
                "options_json",
                "schema_id",
                "input_tokens",
                "output_tokens",
                "token_details",
                "duration_ms",
                "datetime_utc",
            ],
        },
    )

    def sniff(self, sample: Sample) -> Detection | None:
        tables = sample.sqlite_tables or {}
        found = [t for t, _, _ in TABLES if "datetime_utc" in tables.get(t, ())]
        if not found:
            return None
        parts = []
        if "responses" in found:
            parts.append("responses (llm ≤ 0.31)")
        if "turns" in found:
            parts.append("turns/threads (llm ≥ 0.32)")
        if "_llm_migrations" in tables:
            return Detection(
                self.id,
                0.97,
                f"llm CLI logs.db: _llm_migrations and {' and '.join(parts)}",
            )
        if "conversations" in tables or "threads" in tables:
            return Detection(
                self.id,
                0.8,
                f"llm CLI logs.db (no _llm_migrations table): {' and '.join(parts)}",
            )
        return None

    def read_sqlite(self, path: Path, ctx: ReadContext) -> Iterator[CallRecord | Problem]:
        conn = connect_readonly(path)
        try:
            try:
                tables = table_columns(conn)
            except sqlite3.Error as exc:
                raise source_error(path, exc) from exc
            for table, names_table, link in TABLES:
                if table in tables:
                    yield from _read_table(conn, path, table, names_table, link, tables)
        finally:
            conn.close()

    def turn_text(self, raw: Any) -> tuple[str | None, str | None]:
        """Prompt and response of a row from :func:`raw_row`."""
        if not isinstance(raw, dict):
            return None, None
        prompt, response = raw.get("prompt"), raw.get("response")
        return (
            prompt if isinstance(prompt, str) else None,
            response if isinstance(response, str) else None,
        )


def _read_table(
    conn: sqlite3.Connection,
    path: Path,
    table: str,
    names_table: str,
    link: str,
    tables: dict[str, list[str]],
) -> Iterator[CallRecord | Problem]:
    have = tables[table]
    columns = [c for c in WANTED if c in have]
    if "datetime_utc" not in columns:
        return
    if link in have:
        columns.append(link)
    select = ", ".join(f"r.{quote(c)}" for c in columns)
    source = f"{quote(table)} AS r"
    named = link in have and "name" in tables.get(names_table, ())
    if named:
        select += ", n.name"
        source += f" LEFT JOIN {quote(names_table)} AS n ON n.id = r.{quote(link)}"
    for rowid, values in iter_rows(conn, path, select, source, rowid="r.rowid"):
        row = dict(zip(columns, values, strict=False))
        name = values[-1] if named else None
        try:
            yield _record(table, link, rowid, row, name)
        except BadRecord as exc:
            yield Problem(rowid, f"{table} row {rowid}: {exc}")


def _details(text: Any) -> dict[str, Any]:
    if text is None or text == "":
        return {}
    if not isinstance(text, str | bytes):
        raise BadRecord(f"token_details is a {type(text).__name__}, not JSON text")
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise BadRecord("token_details is not valid JSON") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRecord("token_details is not a JSON object")
    return value


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def split_tokens(
    inp: int, out: int, details: dict[str, Any]
) -> tuple[tuple[int, int, int, int, int, int], int, Any]:
    """Disjoint buckets, web searches and service tier of one row.

    The plugin family is told by the keys in ``token_details``, which is more
    reliable than the model name (``openrouter/anthropic/…`` rows use OpenAI
    naming and semantics); rows without cache detail need no family at all.
    """
    read = w5 = w1 = reasoning = web = 0
    tier = details.get("service_tier")
    if "cache_read_input_tokens" in details or "cache_creation_input_tokens" in details:
        # llm-anthropic: the cache is outside input_tokens.
        read = optional_tokens(details.get("cache_read_input_tokens"), "cache_read_input_tokens")
        created = optional_tokens(
            details.get("cache_creation_input_tokens"), "cache_creation_input_tokens"
        )
        w5, w1 = split_cache_writes(created, _dict(details.get("cache_creation")))
        web = optional_tokens(
            _dict(details.get("server_tool_use")).get("web_search_requests"),
            "server_tool_use.web_search_requests",
        )
        return (inp, read, w5, w1, out, 0), web, tier
    if (
        "candidatesTokenCount" in details
        or "cachedContentTokenCount" in details
        or ("thoughtsTokenCount" in details)
    ):
        # llm-gemini: cached inside input; thoughts inside output (older plugin
        # versions left them out, then output equals candidatesTokenCount).
        read = optional_tokens(details.get("cachedContentTokenCount"), "cachedContentTokenCount")
        reasoning = optional_tokens(details.get("thoughtsTokenCount"), "thoughtsTokenCount")
        candidates = details.get("candidatesTokenCount")
        if reasoning and candidates is not None and out == candidates:
            out += reasoning
        tier = details.get("serviceTier", tier)
    else:
        # OpenAI Chat / Responses naming (core plugin and OpenAI-compatible ones).
        pdet = _dict(details.get("prompt_tokens_details") or details.get("input_tokens_details"))
        cdet = _dict(
            details.get("completion_tokens_details") or details.get("output_tokens_details")
        )
        read = optional_tokens(
            pdet.get("cached_tokens", details.get("prompt_cache_hit_tokens")), "cached_tokens"
        )
        w5 = optional_tokens(pdet.get("cache_write_tokens"), "cache_write_tokens")
        reasoning = optional_tokens(cdet.get("reasoning_tokens"), "reasoning_tokens")
    if reasoning > out:
        raise BadRecord(f"reasoning tokens ({reasoning:,}) exceed output_tokens ({out:,})")
    if read + w5 <= inp:
        inp -= read + w5
    # else: the cache cannot be part of a smaller input; the input is uncached.
    return (inp, read, w5, w1, out, reasoning), web, tier


def provider_of(model: str | None) -> str | None:
    """The provider an llm model id belongs to, when the name says so."""
    if not model:
        return None
    low = model.lower()
    prefix = low.split("/", 1)[0] if "/" in low else ""
    by_prefix = {
        "anthropic": "anthropic",
        "openrouter": "openrouter",
        "gemini": "google",
        "vertex": "vertex",
        "bedrock": "aws-bedrock",
        "mistral": "mistral",
        "ollama": "ollama",
        "deepseek": "deepseek",
        "groq": "groq",
        "openai": "openai",
        "xai": "xai",
    }
    if prefix in by_prefix:
        return by_prefix[prefix]
    if low.startswith("claude"):
        return "anthropic"
    if low.startswith(("gemini", "learnlm")):
        return "google"
    if low.startswith(("gpt-", "gpt4", "chatgpt", "o1", "o3", "o4", "text-embedding", "davinci")):
        return "openai"
    if low.startswith(("mistral", "codestral", "ministral", "magistral", "devstral")):
        return "mistral"
    if low.startswith("deepseek"):
        return "deepseek"
    if low.startswith("grok"):
        return "xai"
    return None


def _record(table: str, link: str, rowid: int, row: dict[str, Any], name: Any) -> CallRecord:
    inp_raw, out_raw = row.get("input_tokens"), row.get("output_tokens")
    if inp_raw is None and out_raw is None:
        raise BadRecord(NO_USAGE)
    inp = optional_tokens(inp_raw, "input_tokens")
    out = optional_tokens(out_raw, "output_tokens")
    logged_model = row.get("model")
    model = row.get("resolved_model") or logged_model
    details = _details(row.get("token_details"))
    buckets, web, tier = split_tokens(inp, out, details)
    try:
        ts = parse_timestamp(row.get("datetime_utc"))
    except TimestampError as exc:
        raise BadRecord(f"datetime_utc: {exc}") from None
    duration = number_or_none(row.get("duration_ms"), "duration_ms")
    labels: Labels = {}
    if isinstance(name, str) and name:
        labels["conversation"] = name
    if row.get("schema_id"):
        labels["schema_id"] = str(row["schema_id"])
    system = row.get("system")
    if isinstance(system, str) and system.strip():
        # The system prompt (``llm -s``): calls group by it; a long one by its start.
        system = " ".join(system.split())
        if len(system) > LABEL_TEXT_LIMIT:
            system = system[: LABEL_TEXT_LIMIT - 1] + "…"
        labels["system"] = system
    if logged_model and model != logged_model:
        labels["model_alias"] = str(logged_model)
    labels.update(_options(row.get("options_json")))
    row_id = row.get("id")
    return CallRecord(
        ts,
        provider_of(str(logged_model or model or "")),
        str(model) if model is not None else None,
        normalise_service_tier(tier),
        *buckets,
        web,
        None,
        str(row_id) if row_id is not None else None,
        _text(row.get(link)),
        None,
        None,
        "ok",
        None,
        duration,
        None,
        rowid,
        None,
        f"llm:{table}:{row_id if row_id is not None else rowid}",
        0.0,
        labels or None,
    )


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _options(text: Any) -> Labels:
    """Short scalar options (temperature, max_tokens …) as ``option.<name>`` labels."""
    if not isinstance(text, str) or not text or text == "{}":
        return {}
    try:
        options = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(options, dict):
        return {}
    flat = flatten_labels(options, frozenset())
    return {
        f"option.{k}": v
        for k, v in flat.items()
        if not isinstance(v, str) or len(v) <= OPTION_LABEL_LIMIT
    }


_TURN_TEXT_SQL = """
WITH RECURSIVE chain(hash, parent_hash, role, depth) AS (
    SELECT hash, parent_hash, role, 0 FROM messages WHERE hash = :tip
    UNION ALL
    SELECT m.hash, m.parent_hash, m.role, chain.depth + 1
    FROM messages AS m JOIN chain ON m.hash = chain.parent_hash
    WHERE chain.parent_hash IS NOT :stop AND chain.depth < 200
)
SELECT chain.depth, chain.role, parts.text
FROM chain JOIN parts ON parts.message_hash = chain.hash
WHERE parts.type = 'text' AND parts.text IS NOT NULL
ORDER BY chain.depth DESC, parts.position
"""


def raw_row(path: Path, table: str, rowid: int) -> dict[str, Any] | None:
    """One row of ``table`` (for the detail pane), read-only.

    ``turns`` rows get ``prompt``/``response`` assembled from the message store
    (the text parts of the messages this turn added), so :meth:`turn_text`
    works for both generations.
    """
    if table not in ("responses", "turns"):
        raise ValueError(f"not an llm calls table: {table!r}")
    conn = connect_readonly(path)
    try:
        cursor = conn.execute(f"SELECT * FROM {quote(table)} WHERE rowid = ?", (rowid,))
        values = cursor.fetchone()
        if values is None:
            return None
        row = dict(zip([d[0] for d in cursor.description], values, strict=True))
        if table == "turns" and row.get("tip_message_hash"):
            prompts: list[str] = []
            responses: list[str] = []
            try:
                found = conn.execute(
                    _TURN_TEXT_SQL,
                    {"tip": row["tip_message_hash"], "stop": row.get("parent_message_hash")},
                ).fetchall()
            except sqlite3.Error:
                found = []  # an llm version with another message store layout
            for _depth, role, text in found:
                (responses if role == "assistant" else prompts).append(text)
            row["prompt"] = "\n".join(prompts) or None
            row["response"] = "\n".join(responses) or None
        return row
    except sqlite3.Error as exc:
        raise source_error(path, exc) from exc
    finally:
        conn.close()
