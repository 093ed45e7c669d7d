"""The registry of log formats, in detection order."""

from __future__ import annotations

from desktop.logs.formats.anthropic import AnthropicBatch, AnthropicMessages, AnthropicStream
from desktop.logs.formats.base import LogFormat
from desktop.logs.formats.bedrock import BedrockBatch, BedrockConverse, BedrockInvocation
from desktop.logs.formats.claude_code import ClaudeCodeHeadless, ClaudeCodeTranscript
from desktop.logs.formats.codex import CodexExec, CodexRollout
from desktop.logs.formats.gemini import GeminiApi
from desktop.logs.formats.gemini_cli import GeminiCliChats
from desktop.logs.formats.langfuse import LangfuseObservations
from desktop.logs.formats.litellm import LiteLLM
from desktop.logs.formats.llm_cli import LlmLogsDb
from desktop.logs.formats.mapped import MappedJsonl
from desktop.logs.formats.ollama import OllamaApi
from desktop.logs.formats.openai import OpenAIApi, OpenAIBatch
from desktop.logs.formats.openrouter import OpenRouterApi
from desktop.logs.formats.otel import OtelSpans
from desktop.logs.formats.spendtrail import GenericJsonl, SpendtrailJsonl
from desktop.logs.formats.sqlite_generic import GenericSqlite

FORMATS: tuple[LogFormat, ...] = (
    SpendtrailJsonl(),
    # Coding agents' own transcripts
    ClaudeCodeTranscript(),
    ClaudeCodeHeadless(),
    CodexRollout(),
    CodexExec(),
    GeminiCliChats(),
    # Provider API objects logged raw or wrapped (see formats/wrapped.py)
    OpenAIApi(),
    OpenAIBatch(),
    AnthropicMessages(),
    AnthropicStream(),
    AnthropicBatch(),
    GeminiApi(),
    BedrockConverse(),
    BedrockInvocation(),
    BedrockBatch(),
    OpenRouterApi(),
    OllamaApi(),
    # Gateways, tracing and observability exports
    LiteLLM(),
    OtelSpans(),
    LangfuseObservations(),
    # SQLite databases
    LlmLogsDb(),
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
