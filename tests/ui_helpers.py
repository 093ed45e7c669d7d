"""Helpers for the app's Qt tests: a context with data opened on its worker."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from desktop.store.session import OpenRequest
from desktop.ui.context import AppContext
from tests.helpers import call, test_pricing, write_jsonl

MODELS = ("gpt-4.1-mini", "claude-sonnet-4-5-20250929", "mystery-model")
TENANTS = ("acme", "globex", "initech", "<b>html</b>")


def sample_calls(n: int = 60) -> list[dict]:
    """Varied calls: three models (one unpriced), tenants, prompts, a formula-like label."""
    out = []
    for i in range(n):
        model = MODELS[i % 3]
        record = call(
            f"2026-05-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
            model,
            input_tokens=100 + 37 * i,
            output_tokens=10 + i,
            cache_read_tokens=(i % 4) * 1000,
            request_id=f"req-{i:03d}",
            conversation_id=f"conv-{i % 5}",
            labels={"tenant": TENANTS[i % 4], "feature": "=SUM(A1)" if i == 7 else f"f{i % 3}"},
            prompt=f"prompt number {i}",
            response=f"response number {i}",
        )
        if model.startswith("claude"):
            record["provider"] = "anthropic"
        out.append(record)
    return out


def open_data(qtbot, ctx: AppContext, paths: Sequence[Path]) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(ctx.session.loaded, timeout=60000):
        ctx.session.open(OpenRequest(tuple(Path(p) for p in paths), test_pricing()))


def write_sample(folder: Path, n: int = 60) -> Path:
    return write_jsonl(folder / "calls.jsonl", sample_calls(n))


def close_context(ctx: AppContext) -> None:
    ctx.session.shutdown()
    ctx.tasks.wait(10000)
