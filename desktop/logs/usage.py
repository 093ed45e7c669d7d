"""Turning provider usage objects into disjoint token buckets.

The naming family decides what is included in what:

- **OpenAI Chat** (``prompt_tokens``): ``prompt_tokens_details.cached_tokens`` (or a
  sibling ``cached_tokens``) and ``cache_write_tokens`` are *inside* ``prompt_tokens``;
  ``completion_tokens_details.reasoning_tokens`` is inside ``completion_tokens``.
- **OpenAI Responses** (``input_tokens`` with ``input_tokens_details`` /
  ``output_tokens_details``): cached inside input, reasoning inside output.
- **Anthropic** (``cache_read_input_tokens`` / ``cache_creation_input_tokens``): input
  *excludes* cache reads and writes; ``cache_creation`` splits writes by TTL.
- **Spendtrail** (``cache_read_tokens`` …, or plain ``input_tokens``): already disjoint.

Each function returns ``(input, cache_read, cache_write_5m, cache_write_1h, output,
reasoning)`` and raises :class:`BadRecord` with a readable reason.
"""

from __future__ import annotations

from typing import Any

from desktop.record import MISSING, BadRecord, optional_tokens, token_count

Buckets = tuple[int, int, int, int, int, int]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def family_of(usage: dict[str, Any]) -> str | None:
    """Which naming family a usage object uses, or None when it has no token counts."""
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        return "openai-chat"
    if "cache_read_input_tokens" in usage or "cache_creation_input_tokens" in usage:
        return "anthropic"
    if "input_tokens_details" in usage or "output_tokens_details" in usage:
        return "openai-responses"
    if (
        "cache_read_tokens" in usage
        or "cache_write_5m_tokens" in usage
        or "cache_write_1h_tokens" in usage
        or "input_tokens" in usage
        or "output_tokens" in usage
    ):
        return "spendtrail"
    return None


def _subset(part: int, part_name: str, whole: int, whole_name: str) -> None:
    if part > whole:
        raise BadRecord(f"{part_name} ({part:,}) is larger than {whole_name} ({whole:,})")


def openai_chat(usage: dict[str, Any]) -> Buckets:
    prompt = token_count(usage.get("prompt_tokens", MISSING), "prompt_tokens")
    completion = optional_tokens(usage.get("completion_tokens"), "completion_tokens")
    pdet = _dict(usage.get("prompt_tokens_details"))
    cdet = _dict(usage.get("completion_tokens_details"))
    cached_value = pdet.get("cached_tokens", usage.get("cached_tokens"))
    cached = optional_tokens(cached_value, "cached_tokens")
    write_value = pdet.get("cache_write_tokens", usage.get("cache_write_tokens"))
    written = optional_tokens(write_value, "cache_write_tokens")
    reasoning_value = cdet.get("reasoning_tokens", usage.get("reasoning_tokens"))
    reasoning = optional_tokens(reasoning_value, "reasoning_tokens")
    _subset(cached + written, "cached + cache-write tokens", prompt, "prompt_tokens")
    _subset(reasoning, "reasoning_tokens", completion, "completion_tokens")
    return prompt - cached - written, cached, written, 0, completion, reasoning


def openai_responses(usage: dict[str, Any]) -> Buckets:
    total_in = token_count(usage.get("input_tokens", MISSING), "input_tokens")
    output = optional_tokens(usage.get("output_tokens"), "output_tokens")
    idet = _dict(usage.get("input_tokens_details"))
    odet = _dict(usage.get("output_tokens_details"))
    cached = optional_tokens(idet.get("cached_tokens"), "input_tokens_details.cached_tokens")
    written = optional_tokens(
        idet.get("cache_write_tokens"), "input_tokens_details.cache_write_tokens"
    )
    reasoning = optional_tokens(
        odet.get("reasoning_tokens"), "output_tokens_details.reasoning_tokens"
    )
    _subset(cached + written, "cached + cache-write tokens", total_in, "input_tokens")
    _subset(reasoning, "reasoning_tokens", output, "output_tokens")
    return total_in - cached - written, cached, written, 0, output, reasoning


def anthropic(usage: dict[str, Any]) -> Buckets:
    uncached = token_count(usage.get("input_tokens", MISSING), "input_tokens")
    output = token_count(usage.get("output_tokens", MISSING), "output_tokens")
    read = optional_tokens(usage.get("cache_read_input_tokens"), "cache_read_input_tokens")
    created = optional_tokens(
        usage.get("cache_creation_input_tokens"), "cache_creation_input_tokens"
    )
    w5, w1 = split_cache_writes(created, _dict(usage.get("cache_creation")))
    thinking = optional_tokens(
        _dict(usage.get("output_tokens_details")).get("thinking_tokens"),
        "output_tokens_details.thinking_tokens",
    )
    _subset(thinking, "thinking_tokens", output, "output_tokens")
    return uncached, read, w5, w1, output, thinking


def split_cache_writes(total: int, detail: dict[str, Any]) -> tuple[int, int]:
    """Split cache writes into 5-minute and 1-hour TTLs.

    Writes the TTL detail does not account for count as 5-minute writes.
    """
    if not detail:
        return total, 0
    one_hour = optional_tokens(
        detail.get("ephemeral_1h_input_tokens"), "cache_creation.ephemeral_1h_input_tokens"
    )
    five_min = optional_tokens(
        detail.get("ephemeral_5m_input_tokens"), "cache_creation.ephemeral_5m_input_tokens"
    )
    if total == 0 and (one_hour or five_min):
        return five_min, one_hour  # only the detail was logged
    _subset(one_hour + five_min, "TTL-split cache writes", total, "cache_creation_input_tokens")
    return total - one_hour, one_hour


def spendtrail(usage: dict[str, Any]) -> Buckets:
    uncached = token_count(usage.get("input_tokens", MISSING), "input_tokens")
    output = token_count(usage.get("output_tokens", MISSING), "output_tokens")
    read = optional_tokens(usage.get("cache_read_tokens"), "cache_read_tokens")
    w5 = optional_tokens(usage.get("cache_write_5m_tokens"), "cache_write_5m_tokens")
    w1 = optional_tokens(usage.get("cache_write_1h_tokens"), "cache_write_1h_tokens")
    # A write with no TTL information counts as a 5-minute write.
    w5 += optional_tokens(usage.get("cache_write_tokens"), "cache_write_tokens")
    reasoning = optional_tokens(usage.get("reasoning_tokens"), "reasoning_tokens")
    _subset(reasoning, "reasoning_tokens", output, "output_tokens")
    return uncached, read, w5, w1, output, reasoning


def gemini(meta: dict[str, Any]) -> Buckets:
    """Gemini / Vertex ``usageMetadata`` (camelCase as on the wire).

    ``promptTokenCount`` includes ``cachedContentTokenCount``; ``toolUsePromptTokenCount``
    is not in it and is billed as input; ``thoughtsTokenCount`` is NOT in
    ``candidatesTokenCount`` and is billed as output (and is the reasoning subset).
    """
    prompt = token_count(meta.get("promptTokenCount", MISSING), "promptTokenCount")
    cached = optional_tokens(meta.get("cachedContentTokenCount"), "cachedContentTokenCount")
    tool = optional_tokens(meta.get("toolUsePromptTokenCount"), "toolUsePromptTokenCount")
    candidates = optional_tokens(meta.get("candidatesTokenCount"), "candidatesTokenCount")
    thoughts = optional_tokens(meta.get("thoughtsTokenCount"), "thoughtsTokenCount")
    _subset(cached, "cachedContentTokenCount", prompt, "promptTokenCount")
    return prompt - cached + tool, cached, 0, 0, candidates + thoughts, thoughts


def bedrock_converse(usage: dict[str, Any]) -> Buckets:
    """Bedrock Converse ``usage``: ``inputTokens`` EXCLUDES cache reads and writes.

    ``cacheDetails`` splits writes by TTL (``5m``/``1h``); writes it does not
    account for count as 5-minute writes.
    """
    uncached = token_count(usage.get("inputTokens", MISSING), "inputTokens")
    output = token_count(usage.get("outputTokens", MISSING), "outputTokens")
    read = optional_tokens(usage.get("cacheReadInputTokens"), "cacheReadInputTokens")
    written = optional_tokens(usage.get("cacheWriteInputTokens"), "cacheWriteInputTokens")
    one_hour = five_min = 0
    details = usage.get("cacheDetails")
    for item in details if isinstance(details, list) else ():
        if not isinstance(item, dict):
            raise BadRecord("cacheDetails holds a non-object")
        count = token_count(item.get("inputTokens", MISSING), "cacheDetails[].inputTokens")
        if item.get("ttl") == "1h":
            one_hour += count
        else:  # "5m", or a TTL we do not know: the no-TTL rule
            five_min += count
    if written == 0 and (one_hour or five_min):
        return uncached, read, five_min, one_hour, output, 0  # only the detail was logged
    _subset(one_hour + five_min, "cacheDetails", written, "cacheWriteInputTokens")
    return uncached, read, written - one_hour, one_hour, output, 0


FAMILIES = {
    "openai-chat": openai_chat,
    "openai-responses": openai_responses,
    "anthropic": anthropic,
    "spendtrail": spendtrail,
}


def buckets(usage: dict[str, Any]) -> tuple[str, Buckets]:
    """The naming family and disjoint buckets of a usage object."""
    family = family_of(usage)
    if family is None:
        raise BadRecord("no token counts (input_tokens, prompt_tokens, output_tokens …)")
    return family, FAMILIES[family](usage)
