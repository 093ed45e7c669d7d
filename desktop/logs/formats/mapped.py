"""JSONL in a shape we do not know, read with a field mapping.

The mapping comes from ``ReadContext.options["mapping"]`` (the user's, kept per
source). Without one, a mapping is guessed from the first objects of the file
with :func:`desktop.logs.mapping.propose` — the same guess detection shows in
its reason — so an unknown shape still reads, at low confidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from desktop.logs.formats.base import Detection, LogFormat, ReadContext, Sample
from desktop.logs.mapping import CompiledMapping, MappingError, mapping_from_options, propose
from desktop.logs.source import SourceError
from desktop.record import BadRecord, CallRecord, Problem

GUESS_OBJECTS = 50


class MappedJsonl(LogFormat):
    id = "mapped"
    fallback = True
    title = "JSON with a field mapping"
    # Each line is independent once the mapping is known, but without one the
    # mapping is guessed from the start of the file first.
    line_independent = False
    samples = (
        '{"meta":{"ts":"2026-07-01T10:00:00Z","app":"helpdesk"},"llm":"gpt-4.1-mini",'
        '"usage":{"in":1200,"out":85,"cached":1024}}',
    )

    def sniff(self, sample: Sample) -> Detection | None:
        if sample.sqlite_tables is not None:
            return None
        mapping = propose(sample)
        if mapping is None:
            return None
        return Detection(
            self.id,
            0.2,
            f"Unrecognised JSON records; guessed field mapping: {mapping.describe()}",
        )

    def records(
        self, objects: Iterable[tuple[int, int, Any]], ctx: ReadContext
    ) -> Iterator[CallRecord | Problem]:
        try:
            mapping = mapping_from_options(ctx.options)
        except MappingError as exc:
            raise SourceError(f"{ctx.path}: {exc}") from exc
        stream = iter(objects)
        head: list[tuple[int, int, Any]] = []
        if mapping is None:
            head = list(islice(stream, GUESS_OBJECTS))
            mapping = propose(Sample(path=ctx.path, objects=[o for _, _, o in head]))
            if mapping is None:
                raise SourceError(
                    f"{ctx.path}: no field mapping given, and none could be guessed "
                    "(no token counts found in the first records)"
                )
        try:
            compiled = CompiledMapping(mapping)
        except MappingError as exc:
            raise SourceError(f"{ctx.path}: {exc}") from exc
        for source in (head, stream):
            for line, offset, obj in source:
                try:
                    record = compiled.record(obj, line, offset, ctx.mtime)
                except BadRecord as exc:
                    yield Problem(line, str(exc), offset)
                    continue
                if record is not None:
                    yield record
