"""`spendtrail demo-data`: write the built-in demo logs."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from desktop.commands.common import UsageError
from desktop.paths import cache_dir

DEMO_CALLS = 50_000
DEMO_SEED = 7


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo-data",
        help="write realistic demo logs (deterministic)",
        description="Write realistic, deterministic demo logs in Spendtrail's JSONL format.",
    )
    parser.add_argument("directory", type=Path, metavar="DIR")
    parser.add_argument(
        "--calls", type=int, default=DEMO_CALLS, help=f"number of calls ({DEMO_CALLS:,})"
    )
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help=f"random seed ({DEMO_SEED})")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop.demo import write_demo_data

    if args.calls < 1:
        raise UsageError("--calls must be at least 1")
    started = time.perf_counter()
    paths = write_demo_data(args.directory, calls=args.calls, seed=args.seed)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in paths)
    print(
        f"Wrote {args.calls:,} calls to {len(paths)} files in {args.directory} "
        f"({size / 1e6:,.1f} MB, {seconds:.1f} s)",
        file=sys.stderr,
    )
    for path in paths:
        print(path)
    return 0


def demo_directory(calls: int = DEMO_CALLS, seed: int = DEMO_SEED) -> Path:
    """The cached demo data, written on first use."""
    from desktop.demo import write_demo_data

    folder = cache_dir() / "demo" / f"v1-calls-{calls}-seed-{seed}"  # v1: the generator version
    marker = folder / ".complete"
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        write_demo_data(folder, calls=calls, seed=seed)
        marker.write_text("ok\n")
    return folder
