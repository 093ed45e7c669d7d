"""The `spendtrail` command: the desktop app, and the headless commands.

`spendtrail` with no arguments starts the app on its start page;
`spendtrail PATH...` opens those logs in the app; `spendtrail --demo` opens
the built-in demo data. The sub-commands (`report`, `export`, `detect`,
`discover`, `demo-data`, `pricing`) never load Qt.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from desktop import __version__

COMMANDS = ("report", "export", "detect", "discover", "demo-data", "pricing")


def _command_parser(command: str) -> argparse.ArgumentParser:
    """The parser of one sub-command; only that command's modules are imported (the
    others' imports would be most of a small report's start-up time)."""
    parser = argparse.ArgumentParser(
        prog="spendtrail",
        description="Where did the money go? Price LLM API call logs, offline.",
    )
    parser.add_argument("--version", action="version", version=f"spendtrail {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command in ("report", "export", "demo-data"):
        from desktop.commands import demo_data, export, report

        {"report": report, "export": export, "demo-data": demo_data}[command].add_parser(sub)
    elif command in ("detect", "discover"):
        from desktop.logs import cli as logs_cli

        if command == "detect":
            logs_cli.add_detect_parser(sub)
        else:
            logs_cli.add_discover_parser(sub)
        run = logs_cli.run_detect if command == "detect" else logs_cli.run_discover
        sub.choices[command].set_defaults(run=run)
    else:
        from pricing import cli as pricing_cli

        pricing_cli.add_pricing_parser(sub)
        sub.choices[command].set_defaults(run=pricing_cli.run_pricing)
    return parser


def app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spendtrail",
        description=(
            "Open LLM API call logs and see where the money went. "
            f"Headless commands: {', '.join(COMMANDS)} (spendtrail COMMAND --help)."
        ),
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="log files or folders")
    parser.add_argument("--version", action="version", version=f"spendtrail {__version__}")
    parser.add_argument("--demo", action="store_true", help="open the built-in demo data")
    parser.add_argument(
        "--screenshot", type=Path, metavar="FILE.png", help="render the window to a PNG and exit"
    )
    parser.add_argument(
        "--view",
        choices=("overview", "requests", "groups", "conversations", "pricing", "start"),
        default="overview",
        help="the view to show first (and to capture with --screenshot; start: the start page)",
    )
    parser.add_argument("--size", default="1400x900", metavar="WxH", help="window size")
    parser.add_argument("--by", metavar="COL[,COL...]", help="group by these columns")
    parser.add_argument("--tz", metavar="ZONE", help="time zone (default: the system's)")
    parser.add_argument("--log-format", metavar="FORMAT", help="read every file as this format")
    parser.add_argument("--pricing", type=Path, metavar="FILE", help="price with this file alone")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        return run_command(args)
    return run_app(args)


def run_command(argv: list[str]) -> int:
    from desktop.commands.common import Failure, UsageError

    parser = _command_parser(argv[0])
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage message
        return int(exc.code or 0)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"spendtrail {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Failure as exc:
        print(f"spendtrail {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("spendtrail: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: say so plainly, without a traceback
        if os.environ.get("SPENDTRAIL_DEBUG"):
            raise
        print(
            f"spendtrail {args.command}: unexpected error: {type(exc).__name__}: {exc}\n"
            "Please report this; set SPENDTRAIL_DEBUG=1 to see the details.",
            file=sys.stderr,
        )
        return 1


def run_app(argv: list[str]) -> int:
    parser = app_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        from desktop.ui.app import run as run_gui
    except ImportError as exc:
        print(
            f"spendtrail: the desktop app cannot start ({exc}). Install it with "
            "`pip install spendtrail`; the headless commands work without it.",
            file=sys.stderr,
        )
        return 1
    return run_gui(args)


if __name__ == "__main__":
    raise SystemExit(main())
