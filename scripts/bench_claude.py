"""Benchmark reading a Claude Code ``projects`` folder: Spendtrail vs ccusage.

    python scripts/bench_claude.py [--calls 100000 1000000] [--data-dir bench-data]

For each size a deterministic folder is written with ``make_claude_projects.py``
(reused when it is already there), then every *step* reads it and is timed:

- ``read``: our sequential reader in this process: ``expand_paths`` (walk +
  detection) and ``collect`` on every file, then ``deduplicate``;
- ``report``: ``spendtrail report --format json`` in a fresh process, as a user runs
  it: detection, parsing in worker processes, merging copies, pricing, a new working
  store and its column cache, the totals printed;
- ``ccusage``: ``ccusage daily --offline --json`` (installed with npm into a cache
  folder) with ``CLAUDE_CONFIG_DIR`` pointing at the folder, in an empty ``HOME``.

Steps are plain functions in ``STEPS``: another one is added by registering
``name -> function(folder) -> Measured``. Each step's token totals are printed so
they can be checked against each other and against the generator's
``expected.json``; the table ends with each step's time relative to ccusage. Each
step runs ``--repeat`` times, the steps taking turns (the fastest run of each is
shown): this machine may be shared. Before every run the folder is read once,
untimed, so the files are in the page cache for every step alike (the kernel may
reclaim cold pages between runs, and a step that read them from disk would be
measuring the disk).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop.logs.expand import expand_paths  # noqa: E402
from desktop.logs.formats import get_format  # noqa: E402
from desktop.logs.reader import collect, deduplicate  # noqa: E402
from desktop.record import CallRecord  # noqa: E402

CCUSAGE_VERSION = "20.0.24"
TOKEN_KEYS = ("input", "output", "cache_read", "cache_write")


@dataclass
class Measured:
    seconds: float  # wall clock
    calls: int | None
    tokens: dict[str, int] = field(default_factory=dict)  # input/output/cache_read/cache_write
    note: str = ""
    cpu_seconds: float | None = None  # user + system, all threads/processes


Step = Callable[[Path], Measured]


def read_step(folder: Path) -> Measured:
    """Our sequential reader over the whole folder.

    Files are collected one at a time and streamed into ``deduplicate``, so only
    the kept records (and one file's) are in memory, as in the store's ingest.
    """
    cpu = time.process_time()
    began = time.perf_counter()
    expansion = expand_paths([folder / "projects"])
    counts = {"lines": 0, "problems": 0}

    def records() -> Iterator[CallRecord]:
        for source in expansion.files:
            found, bad = collect(source.path, get_format(source.format_id))
            counts["lines"] += len(found)
            counts["problems"] += len(bad)
            yield from found

    kept = deduplicate(records())
    seconds = time.perf_counter() - began
    cpu = time.process_time() - cpu
    tokens = {
        "input": sum(r.input_tokens for r in kept),
        "output": sum(r.output_tokens for r in kept),
        "cache_read": sum(r.cache_read_tokens for r in kept),
        "cache_write": sum(r.cache_write_5m_tokens + r.cache_write_1h_tokens for r in kept),
    }
    note = f"{len(expansion.files):,} files, {counts['lines']:,} call lines before dedup"
    if counts["problems"]:
        note += f", {counts['problems']:,} problems"
    return Measured(seconds, len(kept), tokens, note, cpu)


def ccusage_binary(cache: Path) -> Path:
    """ccusage from npm, installed once into ``cache``."""
    binary = cache / "node_modules" / ".bin" / "ccusage"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("npm is needed to install ccusage")
        subprocess.run(
            [npm, "install", "--prefix", str(cache), f"ccusage@{CCUSAGE_VERSION}"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return binary


def timed_run(
    command: list[str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[bytes], float, float]:
    """Run a command to its end: the result, wall seconds and CPU seconds (user + system,
    the process and everything it started)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return done, seconds, cpu


def ccusage_step(folder: Path, binary: Path) -> Measured:
    with tempfile.TemporaryDirectory() as home:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": home,  # nothing else of this machine is found
            "XDG_CONFIG_HOME": str(Path(home) / ".config"),
            "XDG_CACHE_HOME": str(Path(home) / ".cache"),
            "CLAUDE_CONFIG_DIR": str(folder),
            "NO_COLOR": "1",
        }
        done, seconds, cpu = timed_run([str(binary), "daily", "--offline", "--json"], env)
    if done.returncode != 0:
        return Measured(seconds, None, note=f"failed: {done.stderr.decode()[:200]}")
    totals = json.loads(done.stdout)["totals"]
    tokens = {
        "input": totals["inputTokens"],
        "output": totals["outputTokens"],
        "cache_read": totals["cacheReadTokens"],
        "cache_write": totals["cacheCreationTokens"],
    }
    return Measured(seconds, None, tokens, f"cost ${totals['totalCost']:,.2f}", cpu)


def make_data(data_dir: Path, calls: int, seed: int) -> Path:
    folder = data_dir / f"claude-{calls}-s{seed}"
    if (folder / "expected.json").exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    script = ROOT / "scripts" / "make_claude_projects.py"
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, str(script), str(folder), "--calls", str(calls), "--seed", str(seed)],
        check=True,
    )
    print(f"generated {calls:,} calls in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return folder


def warm(folder: Path) -> None:
    """Read every transcript once, so that the step finds them in the page cache."""
    for path in (folder / "projects").rglob("*.jsonl"):
        with open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in (folder / "projects").rglob("*.jsonl"))


def expected_tokens(folder: Path) -> Measured:
    e = json.loads((folder / "expected.json").read_text())
    tokens = {
        "input": e["input_tokens"],
        "output": e["output_tokens"],
        "cache_read": e["cache_read_tokens"],
        "cache_write": e["cache_write_5m_tokens"] + e["cache_write_1h_tokens"],
    }
    return Measured(0.0, e["calls"], tokens, "generator's own count")


def agreement(a: dict[str, int], b: dict[str, int]) -> str:
    if not a or not b:
        return "-"
    worst = max(abs(a[k] - b[k]) / max(b[k], 1) for k in TOKEN_KEYS)
    return "exact" if worst == 0 else f"{worst:.3%} off"


def report(calls: int, size: int, results: dict[str, Measured]) -> None:
    expected = results["expected"]
    base = results.get("ccusage")
    print(f"\n{calls:,} calls, {size / 1e6:,.0f} MB of transcripts")
    header = (
        f"{'step':<10} {'seconds':>9} {'cpu s':>7} {'MB/s':>7} {'vs ccusage':>10} {'calls':>10} "
        f"{'input':>12} {'output':>13} {'cache read':>15} {'cache write':>13}  tokens vs expected"
    )
    print(header)
    print("-" * len(header))
    for name, m in results.items():
        timed = name != "expected"
        ratio = f"{m.seconds / base.seconds:.2f}x" if timed and base and base.seconds else ""
        t = m.tokens
        cells = [f"{t[k]:,}" if k in t else "-" for k in TOKEN_KEYS]
        count = "-" if m.calls is None else f"{m.calls:,}"
        cpu = "" if m.cpu_seconds is None else f"{m.cpu_seconds:.2f}"
        print(
            f"{name:<10} {m.seconds if timed else 0:>9.2f} {cpu:>7} "
            f"{size / 1e6 / m.seconds if timed and m.seconds else 0:>7.0f} {ratio:>10} "
            f"{count:>10} "
            f"{cells[0]:>12} {cells[1]:>13} {cells[2]:>15} {cells[3]:>13}  "
            f"{agreement(t, expected.tokens) if timed else ''}"
            + (f"  ({m.note})" if m.note else "")
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench-data")
    parser.add_argument(
        "--ccusage-cache", type=Path, default=Path(tempfile.gettempdir()) / "spendtrail-ccusage"
    )
    parser.add_argument("--skip-ccusage", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs per step; the fastest is reported"
    )
    args = parser.parse_args(argv)

    steps: dict[str, Step] = dict(STEPS)
    if not args.skip_ccusage:
        binary = ccusage_binary(args.ccusage_cache)
        steps["ccusage"] = lambda folder: ccusage_step(folder, binary)

    for calls in args.calls:
        folder = make_data(args.data_dir, calls, args.seed)
        results = {"expected": expected_tokens(folder)}
        runs: dict[str, list[Measured]] = {name: [] for name in steps}
        # Round by round, every step once per round: a machine that slows down or
        # speeds up during the benchmark then weighs on every step alike.
        for _ in range(max(1, args.repeat)):
            for name, step in steps.items():
                warm(folder)
                runs[name].append(step(folder))
        for name, measured in runs.items():
            results[name] = min(measured, key=lambda m: m.seconds)
        report(calls, folder_size(folder), results)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process: {peak:,.0f} MB")
    return 0


def report_step(folder: Path) -> Measured:
    """``spendtrail report --format json`` in a fresh process, as a user runs it: find and
    detect the files, parse, merge copies, price, fill a new working store and its
    column cache, and print the totals (the same job as ``ccusage daily``)."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, SPENDTRAIL_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
        # As installed: modules are compiled once, not at every start.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        done, seconds, cpu = timed_run(
            [sys.executable, "-m", "desktop", "report", str(folder / "projects")]
            + ["--format", "json", "-q"],
            env,
        )
    if done.returncode != 0:
        return Measured(seconds, None, note=f"failed: {done.stderr.decode()[:200]}")
    report = json.loads(done.stdout)
    totals = report["totals"]
    tokens = {
        "input": totals["input_tokens"],
        "output": totals["output_tokens"],
        "cache_read": totals["cache_read_tokens"],
        "cache_write": totals["cache_write_5m_tokens"] + totals["cache_write_1h_tokens"],
    }
    problems = sum(len(source["problems"]) for source in report["sources"])
    note = (
        f"{len(report['sources']):,} files into a new store; {problems:,} problems; "
        f"cost ${totals['cost_usd']:,.2f}"
    )
    return Measured(seconds, totals["calls"], tokens, note, cpu)


# Timed steps, in order.
STEPS: dict[str, Step] = {"read": read_step, "report": report_step}


if __name__ == "__main__":
    raise SystemExit(main())
