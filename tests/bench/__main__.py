"""`python -m tests.bench`: Tandem's acknowledgement times under a burst, next to a bare Bolt app.

Exits 1 when something failed outright (a server did not start, an answer was not an empty 200,
a card or confirmation never arrived); missing a latency target is reported, not an exit code.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bot.sandbox.lookalike import SlackLookalike
from tests.bench.load import LoadClient
from tests.bench.report import choice, table
from tests.bench.run import BOT_TOKEN, TEAM, Bench, Plan, Run
from tests.bench.servers import Stack, child_environment, explore_stacks, gunicorn_stack, waitress_stack

GUNICORN_CONFIGS = ((1, 16), (2, 8))


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=_positive, default=10, help="measured rounds (default 10)")
    parser.add_argument("--warmup-rounds", type=int, default=2, help="unmeasured rounds first (default 2)")
    parser.add_argument("--concurrency", type=_positive, default=50, help="commands a round (default 50)")
    parser.add_argument(
        "--postgres", action="store_true", help="Tandem on a fresh PostgreSQL database, not SQLite"
    )
    parser.add_argument(
        "--stack",
        choices=("waitress", "gunicorn", "all", "explore"),
        default="all",
        help="serving stacks to compare (default all); explore: Tandem's concurrency settings varied",
    )
    return parser.parse_args(argv)


def _stacks(choice: str, bin_dir: Path) -> tuple[list[Stack], list[str]]:
    stacks, notes = [], []
    has_gunicorn = (bin_dir / "gunicorn").exists()
    if choice == "explore":
        found = explore_stacks(bin_dir)
        if not has_gunicorn:
            notes.append(f"gunicorn is not installed in {bin_dir}: its variant skipped")
        return [s for s in found if has_gunicorn or "gunicorn" not in s.name], notes
    if choice in {"waitress", "all"}:
        stacks.append(waitress_stack(bin_dir))
    if choice in {"gunicorn", "all"}:
        if has_gunicorn:
            stacks += [gunicorn_stack(bin_dir, workers, threads) for workers, threads in GUNICORN_CONFIGS]
        else:
            notes.append(f"gunicorn is not installed in {bin_dir}: skipped (pip install gunicorn)")
    return stacks, notes


def _machine(when: str) -> str:
    """Cores and load: other work on the machine skews every number (warned above one busy core)."""
    cores, load = os.cpu_count() or 1, os.getloadavg()[0]
    busy = when == "before" and load > 1.0  # afterwards, the load is mostly the benchmark's own
    warning = "  WARNING: the machine is busy with other work; numbers are skewed" if busy else ""
    return f"Machine {when}: {cores} cores, load average (1 min) {load:.2f}{warning}"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    began = time.perf_counter()
    bin_dir = Path(sys.executable).parent
    stacks, notes = _stacks(arguments.stack, bin_dir)
    plan = Plan(
        rounds=arguments.rounds,
        warmup_rounds=max(0, arguments.warmup_rounds),
        concurrency=arguments.concurrency,
        warmup_requests=5,
        postgres=arguments.postgres,
    )
    database = "PostgreSQL" if plan.postgres else "SQLite"
    print(_machine("before"), flush=True)
    print(
        f"{plan.concurrency} concurrent signed /issue commands x {plan.rounds} rounds "
        f"(after {plan.warmup_rounds} warm-up rounds); Tandem on {database}; "
        "time = send to end of the HTTP answer, a new connection each.",
        flush=True,
    )
    pairs: list[tuple[Run, Run]] = []
    workdir = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    slack = SlackLookalike(bot_token=BOT_TOKEN, team_id=TEAM).start()
    load = LoadClient(sys.executable, child_environment())
    try:
        bench = Bench(plan, slack, load, bin_dir, workdir)
        for stack in stacks:
            print(f"  measuring the bare app on {stack.name} ...", file=sys.stderr, flush=True)
            bare = bench.measure("bare", stack)
            print(f"  measuring Tandem on {stack.name} ...", file=sys.stderr, flush=True)
            pairs.append((bare, bench.measure("tandem", stack)))
    finally:
        load.close()
        slack.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(table(pairs))
    ranking = choice(pairs)
    if ranking:
        print(ranking)
    for note in notes:
        print(f"Note: {note}")
    print(_machine("after"))
    print(f"Run time: {time.perf_counter() - began:.0f}s")
    failed = not pairs or any(run.failures for pair in pairs for run in pair)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
