"""``spendtrail pricing …``: list, explain, import and export prices (Qt-free).

The application's main CLI registers the subcommand with
:func:`add_pricing_parser` and runs it with :func:`run_pricing`. Exit codes:
0 ok, 1 failure (unreadable file, unpriced model, …), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from pricing.catalog import Catalog
from pricing.catalog_json import catalog_to_document, dumps
from pricing.engine import PricingEngine
from pricing.errors import PricingError
from pricing.explain import Usage
from pricing.listing import text_listing
from pricing.user_catalog import UserCatalog
from pricing.user_layer import atomic_write, default_user_file

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A bad argument value that argparse could not catch."""


def add_pricing_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``pricing`` and its commands on an argparse subparsers object."""
    parser = subparsers.add_parser(
        "pricing",
        help="list, explain, import and export model prices",
        description="Look at and manage the prices Spendtrail uses. Prices are USD per 1M tokens.",
    )
    parser.add_argument(
        "--user-file",
        type=Path,
        metavar="PATH",
        help=f"your price file (default: {default_user_file()})",
    )
    commands = parser.add_subparsers(dest="pricing_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="list the catalog's prices")
    listing.add_argument(
        "--provider", metavar="P", help="only this provider (openai, anthropic, …)"
    )
    listing.add_argument("--history", action="store_true", help="show every dated price version")

    explain = commands.add_parser("explain", help="price one call and show why")
    explain.add_argument("model", metavar="MODEL", help="model name as it appears in the log")
    explain.add_argument(
        "--provider", metavar="P", help="provider of the call (openai, aws-bedrock, …)"
    )
    for flag, name in (
        ("--input", "uncached input tokens"),
        ("--output", "output tokens, reasoning included"),
        ("--cache-read", "cache-read tokens"),
        ("--cache-write-5m", "5-minute cache-write tokens"),
        ("--cache-write-1h", "1-hour cache-write tokens"),
        ("--reasoning", "reasoning tokens (part of --output)"),
        ("--web-searches", "web-search requests"),
    ):
        explain.add_argument(flag, type=_count, default=0, metavar="N", help=name)
    explain.add_argument(
        "--tier",
        metavar="TIER",
        help="service tier: standard, batch, flex, priority, or fast (Anthropic's fast mode); "
        "add +us for US-only inference (e.g. batch+us)",
    )
    explain.add_argument(
        "--at",
        metavar="DATE",
        help="call time, e.g. 2025-06-01 or 2025-06-01T14:30Z (default: now)",
    )
    explain.add_argument("--today", action="store_true", help="price at today's prices")

    importing = commands.add_parser("import", help="import a price file into your prices")
    importing.add_argument(
        "file", type=Path, metavar="FILE", help="our catalog JSON or a LiteLLM price map"
    )
    importing.add_argument(
        "--dry-run", action="store_true", help="show the preview, change nothing"
    )
    importing.add_argument(
        "--only-new", action="store_true", help="add new models but keep existing prices"
    )

    export = commands.add_parser("export", help="export your prices in Spendtrail's format")
    export.add_argument("file", type=Path, metavar="FILE", help="where to write")
    export.add_argument(
        "--all", action="store_true", help="export the whole catalog, not only yours"
    )
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    parser.set_defaults(handler=run_pricing)
    return parser


def run_pricing(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run a parsed ``pricing`` command; returns the exit code (never raises for bad input)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        command = args.pricing_command
        if command == "list":
            return _list(args, out, err)
        if command == "explain":
            return _explain(args, out)
        if command == "import":
            return _import(args, out)
        if command == "export":
            return _export(args, out)
        raise UsageError(f"unknown pricing command {command!r}")
    except UsageError as error:
        err.write(f"spendtrail pricing: error: {error}\n")
        return EXIT_USAGE
    except PricingError as error:
        err.write(f"spendtrail pricing: {error}\n")
        return EXIT_FAILURE
    except OSError as error:
        err.write(f"spendtrail pricing: {error.filename or ''}: {error.strerror or error}\n")
        return EXIT_FAILURE


def _engine(args: argparse.Namespace, err: TextIO | None = None) -> PricingEngine:
    engine = PricingEngine.load(user_file=args.user_file)
    if err is not None:
        for problem in engine.problems:
            err.write(f"warning: {problem}\n")
    return engine


def _list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args, err)
    lines = text_listing(engine.catalog, provider=args.provider, history=args.history)
    out.write("\n".join(lines) + "\n")
    return EXIT_OK


def _explain(args: argparse.Namespace, out: TextIO) -> int:
    when = _parse_time(args.at) if args.at else datetime.now(UTC)
    if args.reasoning > args.output:
        raise UsageError(
            "--reasoning counts part of --output, so it cannot be larger than --output"
        )
    engine = PricingEngine.load(user_file=args.user_file)
    if args.today:
        engine = engine.with_mode("today")
    usage = Usage(
        input_tokens=args.input,
        cache_read_tokens=args.cache_read,
        cache_write_5m_tokens=args.cache_write_5m,
        cache_write_1h_tokens=args.cache_write_1h,
        output_tokens=args.output,
        reasoning_tokens=args.reasoning,
        web_search_requests=args.web_searches,
    )
    explanation = engine.explain(args.model, args.provider, when.timestamp(), args.tier, usage)
    out.write(str(explanation) + "\n")
    for problem in engine.problems:
        out.write(f"warning: {problem}\n")
    return EXIT_OK if explanation.priced else EXIT_FAILURE


def _import(args: argparse.Namespace, out: TextIO) -> int:
    user = UserCatalog.load(args.user_file)
    preview = user.preview_import(args.file)
    out.write("\n".join(preview.lines()) + "\n")
    changes = len(preview.added) + (0 if args.only_new else len(preview.changed))
    if args.dry_run:
        out.write("dry run: nothing written\n")
        return EXIT_OK
    if not changes:
        out.write("nothing to import: your prices are unchanged\n")
        return EXIT_OK
    count = user.apply_import(preview, include_changed=not args.only_new)
    user.save()
    out.write(
        f"wrote {count} model(s) to {user.path} (previous file kept as {user.path.name}.bak)\n"
    )
    return EXIT_OK


def _export(args: argparse.Namespace, out: TextIO) -> int:
    target: Path = args.file
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists; use --force to overwrite it")
    if target.is_dir():
        raise UsageError(f"{target} is a directory; give a file name")
    if args.all:
        catalog: Catalog = PricingEngine.load(user_file=args.user_file).catalog
    else:
        catalog = UserCatalog.load(args.user_file).catalog()
    atomic_write(target, dumps(catalog_to_document(catalog)), backup=False)
    what = "models" if args.all else "of your models"
    out.write(f"exported {len(catalog)} {what} to {target}\n")
    return EXIT_OK


def _count(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; token counts start at 0")
    return value


def _parse_time(text: str) -> datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--at {text!r} is not a date; use e.g. 2025-06-01 or 2025-06-01T14:30Z"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m pricing.cli pricing list``."""
    parser = argparse.ArgumentParser(prog="spendtrail")
    add_pricing_parser(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    return run_pricing(args)


if __name__ == "__main__":
    raise SystemExit(main())
