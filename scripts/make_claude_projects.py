"""Write a realistic, deterministic Claude Code ``projects`` folder for benchmarks.

    python scripts/make_claude_projects.py OUT_DIR --calls 100000 [--seed 7]

``OUT_DIR/projects/<encoded-cwd>/`` gets many session files holding exactly
``--calls`` distinct assistant calls, written the way Claude Code writes them:

- every API response as 2–4 content-block lines (thinking, text, tool_use …) that
  share ``message.id`` + ``requestId`` and repeat the usage with growing
  ``output_tokens`` (the last line has the final count);
- user prompts, tool results, ``system``, ``summary``, ``progress`` and
  ``file-history-snapshot`` lines in between;
- sub-agent transcripts in ``<session>/subagents/agent-<id>.jsonl`` (and, for older
  versions, ``agent-<id>.jsonl`` beside the sessions) with ``isSidechain: true``;
- resumed sessions that copy the tail of an earlier session into a new file
  (duplicates, not new calls);
- a few ``<synthetic>`` placeholder lines (not calls).

The totals of the distinct calls are printed (and written to ``OUT_DIR/expected.json``)
so a reader can be checked against them. Runs in well under a minute per million
calls: lines are formatted from templates, not built as objects.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECTS = (
    "/home/dev/shop-api",
    "/home/dev/shop-web",
    "/home/dev/infra/terraform",
    "/home/dev/ml/forecast",
    "/home/dev/notes",
    "/home/dev/oss/httpx-retry",
    "/home/dev/work/billing-service",
    "/home/dev/work/mobile-app",
    "/home/dev/scratch",
    "/home/dev/dotfiles",
)
BRANCHES = ("main", "main", "main", "develop", "fix/rounding", "feat/export", "chore/deps")
MODELS = (
    ("claude-sonnet-4-5-20250929", 70),
    ("claude-opus-4-1-20250805", 15),
    ("claude-haiku-4-5-20251001", 10),
    ("claude-sonnet-4-20250514", 5),
)
SUBAGENT_MODEL = "claude-haiku-4-5-20251001"
VERSIONS = ("2.1.40", "2.1.37", "2.0.76", "1.0.98")
OLD_VERSION = "1.0.98"  # writes agent-<id>.jsonl beside the sessions
SENTENCES = (
    "Let me read the failing test first.",
    "I will check how the totals are rounded.",
    "The fixture uses a fixed clock, so the date math is stable.",
    "Running the test suite to confirm the fix.",
    "The migration adds a nullable column, so old rows stay valid.",
    "I found the cause: the cache key ignores the locale.",
    "Updating the call sites to pass the new argument.",
    "All tests pass now. The change is limited to two files.",
    "Searching for other uses of the helper.",
    "The config loader reads the environment before the file.",
)
TOOLS = (
    ('"Read"', '{"file_path":"src/app/%s.py"}'),
    ('"Bash"', '{"command":"pytest -q tests/test_%s.py","description":"Run tests"}'),
    ('"Edit"', '{"file_path":"src/app/%s.py","old_string":"round(x)","new_string":"round(x, 2)"}'),
    ('"Grep"', '{"pattern":"def %s","path":"src"}'),
    ('"Glob"', '{"pattern":"**/%s*.py"}'),
)
WORDS = ("checkout", "totals", "cache", "config", "export", "users", "orders", "billing")


def encode_cwd(cwd: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in cwd)


class Clock:
    """Millisecond timestamps formatted fast: the date part is cached per day."""

    def __init__(self, start_ms: int) -> None:
        self.ms = start_ms
        self._days: dict[int, str] = {}

    def advance(self, low: int, high: int, rng: random.Random) -> str:
        self.ms += rng.randint(low, high)
        return self.text()

    def text(self) -> str:
        day, rest = divmod(self.ms, 86_400_000)
        date = self._days.get(day)
        if date is None:
            date = time.strftime("%Y-%m-%d", time.gmtime(day * 86_400))
            self._days[day] = date
        seconds, ms = divmod(rest, 1000)
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        return f"{date}T{hours:02d}:{minutes:02d}:{seconds:02d}.{ms:03d}Z"


@dataclass
class Totals:
    calls: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    output_tokens: int = 0
    assistant_lines: int = 0
    duplicate_lines: int = 0
    synthetic_lines: int = 0
    files: int = 0
    by_model: dict[str, int] = field(default_factory=dict)


@dataclass
class Session:
    """One transcript file being written."""

    sid: str
    cwd: str
    branch: str
    version: str
    side: bool
    agent: str | None
    clock: Clock
    lines: list[str] = field(default_factory=list)
    parent: str | None = None
    uuid_prefix: str = ""
    counter: int = 0
    context: int = 0  # cached prompt size: grows through the session

    def next_uuid(self) -> str:
        self.counter += 1
        return f"{self.uuid_prefix}-{self.counter:012x}"

    def head(self) -> str:
        parent = f'"{self.parent}"' if self.parent else "null"
        agent = f'"agentId":"{self.agent}",' if self.agent else ""
        return (
            f'{{"parentUuid":{parent},"isSidechain":{"true" if self.side else "false"},'
            f'"userType":"external","cwd":"{self.cwd}","sessionId":"{self.sid}",'
            f'"version":"{self.version}","gitBranch":"{self.branch}",{agent}'
        )

    def tail(self, kind: str, ts: str) -> str:
        uuid = self.next_uuid()
        self.parent = uuid
        return f'"type":"{kind}","uuid":"{uuid}","timestamp":"{ts}"}}\n'


class Generator:
    def __init__(self, out: Path, calls: int, seed: int) -> None:
        self.out = out / "projects"
        self.target = calls
        self.rng = random.Random(seed)
        self.totals = Totals()
        self.msg_counter = 0
        self.models = [m for m, _ in MODELS]
        self.weights = [w for _, w in MODELS]
        self.finished: list[tuple[Path, Session]] = []  # sessions that can be resumed

    def hex(self, digits: int) -> str:
        return f"{self.rng.getrandbits(digits * 4):0{digits}x}"

    def new_sid(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def session(
        self,
        cwd: str,
        version: str,
        clock: Clock,
        sid: str | None = None,
        branch: str | None = None,
        side: bool = False,
        agent: str | None = None,
    ) -> Session:
        h = self.hex(20)
        return Session(
            sid=sid or self.new_sid(),
            cwd=cwd,
            branch=branch or self.rng.choice(BRANCHES),
            version=version,
            side=side,
            agent=agent,
            clock=clock,
            uuid_prefix=f"{h[:8]}-{h[8:12]}-4{h[13:16]}-b{h[17:20]}",
        )

    # -- lines -------------------------------------------------------------

    def user_prompt(self, s: Session) -> None:
        ts = s.clock.advance(20_000, 600_000, self.rng)
        text = " ".join(self.rng.sample(SENTENCES, 2))
        s.lines.append(
            s.head() + f'"message":{{"role":"user","content":"{text}"}},' + s.tail("user", ts)
        )

    def tool_result(self, s: Session, tool_id: str) -> None:
        ts = s.clock.advance(50, 4000, self.rng)
        body = "\\n".join(self.rng.sample(SENTENCES, 3))
        s.lines.append(
            s.head() + f'"message":{{"role":"user","content":[{{"tool_use_id":"{tool_id}",'
            f'"type":"tool_result","content":"{body}","is_error":false}}]}},'
            f'"toolUseResult":{{"stdout":"{body}","stderr":"","interrupted":false}},'
            + s.tail("user", ts)
        )

    def extras(self, s: Session) -> None:
        r = self.rng.random()
        if r < 0.08:
            ts = s.clock.advance(1, 30, self.rng)
            s.lines.append(
                s.head()
                + '"type":"system","subtype":"turn_duration","durationMs":'
                + f'{self.rng.randint(2000, 180000)},"isMeta":false,'
                + f'"uuid":"{s.next_uuid()}","timestamp":"{ts}"}}\n'
            )
        elif r < 0.16:
            ts = s.clock.advance(1, 30, self.rng)
            s.lines.append(
                s.head()
                + '"type":"progress","data":{"type":"hook_progress","hookEvent":"PostToolUse",'
                + '"hookName":"PostToolUse:Edit","command":"ruff format"},'
                + f'"toolUseID":"toolu_01{self.hex(22)}",'
                + f'"parentToolUseID":"toolu_01{self.hex(22)}",'
                + f'"uuid":"{s.next_uuid()}","timestamp":"{ts}"}}\n'
            )
        elif r < 0.20:
            s.lines.append(
                f'{{"type":"file-history-snapshot","messageId":"{s.next_uuid()}",'
                f'"snapshot":{{"messageId":"{s.parent}","trackedFileBackups":{{}},'
                f'"timestamp":"{s.clock.text()}"}},"isSnapshotUpdate":false}}\n'
            )

    def synthetic(self, s: Session) -> None:
        ts = s.clock.advance(100, 2000, self.rng)
        s.lines.append(
            s.head()
            + f'"message":{{"id":"{self.new_sid()}","model":"<synthetic>","role":"assistant",'
            '"stop_reason":"stop_sequence","stop_sequence":"","type":"message","usage":'
            '{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,'
            '"cache_read_input_tokens":0,"server_tool_use":{"web_search_requests":0},'
            '"service_tier":null},"content":[{"type":"text","text":"Request timed out"}]},'
            '"isApiErrorMessage":true,' + s.tail("assistant", ts)
        )
        self.totals.synthetic_lines += 1

    def call(self, s: Session, model: str) -> str | None:
        """One API response as 2–4 lines; returns the tool_use id it ends with, if any."""
        rng = self.rng
        self.msg_counter += 1
        msg = f"msg_01{self.hex(8)}{self.msg_counter:014d}"
        req = f"req_011C{self.hex(8)}{self.msg_counter:012d}"
        inp = rng.randint(1, 40)
        fresh = rng.randint(200, 6000) if rng.random() < 0.7 else 0
        one_hour = fresh if rng.random() < 0.6 else 0
        five_min = fresh - one_hour
        read = s.context
        s.context = min(s.context + fresh + rng.randint(0, 1500), 150_000)
        final = rng.randint(20, 2400)
        blocks = rng.choice((2, 3, 3, 4))
        outputs = sorted(rng.randint(1, max(1, final // 3)) for _ in range(blocks - 1))
        outputs.append(final)
        tool_id = None
        parts = []
        if rng.random() < 0.5:
            parts.append(
                '{"type":"thinking","thinking":"' + rng.choice(SENTENCES) + '",'
                '"signature":"EqMBCkYIBxgCKkB' + self.hex(24) + '"}'
            )
        parts.append('{"type":"text","text":"' + " ".join(rng.sample(SENTENCES, 2)) + '"}')
        while len(parts) < blocks:
            name, args = rng.choice(TOOLS)
            tool_id = f"toolu_01{self.hex(22)}"
            parts.append(
                f'{{"type":"tool_use","id":"{tool_id}","name":{name},"input":'
                + args % rng.choice(WORDS)
                + "}"
            )
        parts = parts[:blocks]
        if not parts[-1].startswith('{"type":"tool_use"'):
            tool_id = None
        usage_head = (
            f'"usage":{{"input_tokens":{inp},"cache_creation_input_tokens":{fresh},'
            f'"cache_read_input_tokens":{read},"cache_creation":{{"ephemeral_5m_input_tokens":'
            f'{five_min},"ephemeral_1h_input_tokens":{one_hour}}},"output_tokens":'
        )
        stop_last = '"tool_use"' if tool_id else '"end_turn"'
        first_ts = s.clock.advance(1500, 30_000, rng)
        for i, (part, out) in enumerate(zip(parts, outputs, strict=True)):
            ts = first_ts if i == 0 else s.clock.advance(5, 4000, rng)
            stop = stop_last if i == len(parts) - 1 else "null"
            s.lines.append(
                s.head() + f'"message":{{"id":"{msg}","type":"message","role":"assistant",'
                f'"model":"{model}","content":[{part}],"stop_reason":{stop},'
                f'"stop_sequence":null,{usage_head}{out},"service_tier":"standard",'
                '"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0}}},'
                f'"requestId":"{req}",' + s.tail("assistant", ts)
            )
        t = self.totals
        t.calls += 1
        t.assistant_lines += len(parts)
        t.input_tokens += inp
        t.cache_read_tokens += read
        t.cache_write_5m_tokens += five_min
        t.cache_write_1h_tokens += one_hour
        t.output_tokens += final
        t.by_model[model] = t.by_model.get(model, 0) + 1
        return tool_id

    # -- files -------------------------------------------------------------

    def write(self, path: Path, s: Session) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("".join(s.lines))
        self.totals.files += 1

    def subagent(self, parent: Session, folder: Path, calls: int) -> None:
        agent = self.hex(8)
        s = self.session(
            parent.cwd,
            parent.version,
            Clock(parent.clock.ms),
            sid=parent.sid,
            branch=parent.branch,
            side=True,
            agent=agent,
        )
        s.context = self.rng.randint(4000, 12000)
        ts = s.clock.advance(10, 200, self.rng)
        s.lines.append(
            s.head()
            + '"message":{"role":"user","content":"Check the rounding helper and report back."},'
            + s.tail("user", ts)
        )
        for _ in range(calls):
            tool = self.call(s, SUBAGENT_MODEL)
            if tool:
                self.tool_result(s, tool)
        if parent.version == OLD_VERSION:
            path = folder / f"agent-{agent}.jsonl"
        else:
            path = folder / parent.sid / "subagents" / f"agent-{agent}.jsonl"
        self.write(path, s)

    def main_session(self, cwd: str, calls: int, start_ms: int) -> int:
        """Write one session (and its sub-agents); returns the calls it used."""
        rng = self.rng
        folder = self.out / encode_cwd(cwd)
        version = rng.choice(VERSIONS)
        s = self.session(cwd, version, Clock(start_ms))
        s.context = rng.randint(8000, 20000)
        if rng.random() < 0.3:
            s.lines.append(
                f'{{"type":"summary","summary":"{rng.choice(SENTENCES)}",'
                f'"leafUuid":"{self.new_sid()}"}}\n'
            )
        model = rng.choices(self.models, self.weights)[0]
        used = 0
        tool = None
        while used < calls:
            if tool is None or rng.random() < 0.05:
                self.user_prompt(s)
            else:
                self.tool_result(s, tool)
            tool = self.call(s, model)
            used += 1
            self.extras(s)
            if rng.random() < 0.002:
                self.synthetic(s)
            left = calls - used
            if tool and left >= 5 and rng.random() < 0.01:
                sub = min(left, rng.randint(3, 25))
                self.subagent(s, folder, sub)
                used += sub
        path = folder / f"{s.sid}.jsonl"
        self.write(path, s)
        self.finished.append((path, s))
        return used

    def resumed_session(self, calls: int) -> int:
        """A new file that starts with a copy of an earlier session's tail."""
        rng = self.rng
        path, old = rng.choice(self.finished)
        copied = old.lines[-rng.randint(6, 40) :]
        s = self.session(old.cwd, old.version, Clock(old.clock.ms + 3_600_000))
        s.context = old.context
        s.lines = [line.replace(old.sid, s.sid) for line in copied]
        self.totals.duplicate_lines += sum('"usage":{' in line for line in copied)
        s.parent = None
        tool = None
        for _ in range(calls):
            if tool is None:
                self.user_prompt(s)
            else:
                self.tool_result(s, tool)
            tool = self.call(s, rng.choices(self.models, self.weights)[0])
            self.extras(s)
        self.write(path.parent / f"{s.sid}.jsonl", s)
        return calls

    def run(self) -> Totals:
        rng = self.rng
        start = 1_780_000_000_000  # mid-2026, in ms
        span = 60 * 86_400_000
        left = self.target
        while left > 0:
            size = min(left, max(1, int(rng.expovariate(1 / 140))))
            when = start + rng.randint(0, span)
            if self.finished and rng.random() < 0.05:
                left -= self.resumed_session(size)
            else:
                left -= self.main_session(rng.choice(PROJECTS), size, when)
        return self.totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--calls", type=int, required=True, help="distinct assistant calls")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.calls < 1:
        parser.error("--calls must be at least 1")
    projects = args.out_dir / "projects"
    if projects.exists() and any(projects.iterdir()):
        parser.error(f"{projects} is not empty")
    began = time.perf_counter()
    totals = Generator(args.out_dir, args.calls, args.seed).run()
    expected = {k: v for k, v in vars(totals).items()}
    (args.out_dir / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    size = sum(p.stat().st_size for p in projects.rglob("*.jsonl"))
    print(
        f"wrote {totals.calls:,} calls ({totals.assistant_lines:,} assistant lines, "
        f"{totals.duplicate_lines:,} copied by resumed sessions, {totals.synthetic_lines:,} "
        f"synthetic) in {totals.files:,} files, {size / 1e6:,.1f} MB, "
        f"{time.perf_counter() - began:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
