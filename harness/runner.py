"""Run harness suites, one pytest subprocess each, every result into one DuckDB file.

Each suite runs as ``pytest <folder> --ipfs-accel-db DB --ipfs-accel-tag suite=<name>``
(plus ``bench_id`` and ``bench_mode`` tags), with its output in a log file; the runner
shows progress, reads each run back from the DB for the summary, and exits non-zero
when any suite failed. ``ipfs-accel bench`` (from a checkout) and ``python -m harness``
(:func:`main`) both land in :func:`run_bench`.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from harness.options import DESCRIPTION, BenchError, add_arguments
from harness.progress import Progress, SuiteOutcome, pytest_percent, summary_table
from harness.results import read_suite_run
from harness.suites import Suite, discover, select
from pytest_ipfs_accelerate.errors import IpfsAccelError

#: The suites of this checkout.
HARNESS_DIR = Path(__file__).resolve().parent
LOG_TAIL_LINES = 40


def suite_command(suite: Suite, db: Path, bench_id: str, quick: bool) -> list[str]:
    """The pytest command line of one suite (run from the suites folder's parent)."""
    return [sys.executable, "-m", "pytest", str(suite.path.relative_to(suite.path.parent.parent)),
            "-p", "no:cacheprovider", "-p", "no:hypothesispytest",  # 1-2 s of start-up
            "-q", "--ipfs-accel-db", str(db),
            "--ipfs-accel-tag", f"suite={suite.name}",
            "--ipfs-accel-tag", f"bench_id={bench_id}",
            "--ipfs-accel-tag", f"bench_mode={'quick' if quick else 'full'}",
            *suite.pytest_args(quick)]


def _tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Let an interrupted suite close its DB run: a terminal's Ctrl-C reached it too, so
    wait; if it is still running, interrupt it once more; then kill it."""
    for signum in (None, signal.SIGINT):
        if signum is not None and proc.poll() is None:
            proc.send_signal(signum)
        try:
            proc.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.kill()
    proc.wait()


def run_suite(suite: Suite, index: int, progress: Progress, *, db: Path, bench_id: str,
              quick: bool, verbose: bool, log_dir: Path) -> SuiteOutcome:
    """Run one suite to completion and read its run back from the DB."""
    log = log_dir / f"{suite.name}.log"
    env = {**os.environ, **suite.env(quick)}
    progress.started(index, suite.name)
    start = time.monotonic()
    interrupted = False
    with open(log, "wb") as out:
        proc = subprocess.Popen(suite_command(suite, db, bench_id, quick),
                                cwd=suite.path.parent.parent, env=env,
                                stdout=None if verbose else out,
                                stderr=None if verbose else subprocess.STDOUT)
        try:
            while True:
                try:
                    proc.wait(timeout=0.5)
                    break
                except subprocess.TimeoutExpired:
                    progress.tick(index, suite.name, time.monotonic() - start,
                                  pytest_percent(log))
        except KeyboardInterrupt:
            _stop(proc)
            interrupted = True
    elapsed = time.monotonic() - start
    stored = read_suite_run(db, bench_id, suite.name) if db.exists() else None
    if interrupted:
        status = "interrupted"
    elif proc.returncode == 0 and stored is not None:
        status = "passed"
    elif proc.returncode == 1:
        status = "failed"
    else:
        status = "error"
    outcome = SuiteOutcome(
        suite.name, status, elapsed, stored.counts if stored else {},
        stored.run_id if stored else None, stored.benchmarks if stored else None,
        stored.skip_reasons if stored else [],
        "" if status in ("passed", "interrupted") or verbose else _tail(log))
    if stored is None and status != "interrupted":
        outcome.log_tail = (f"(no run of this suite in {db}; pytest exited "
                            f"{proc.returncode})\n{outcome.log_tail}")
    progress.finished(index, outcome)
    return outcome


def run_suites(suites: Sequence[Suite], *, db: Path, quick: bool = False,
               verbose: bool = False, out: TextIO = sys.stdout) -> list[SuiteOutcome]:
    """Run ``suites`` in order; returns how each ended (Ctrl-C interrupts the running
    suite and runs no more)."""
    bench_id = uuid.uuid4().hex[:12]
    progress = Progress(len(suites), out, live=out.isatty() and not verbose)
    mode = "quick" if quick else "full"
    out.write(f"{len(suites)} suite(s), {mode} sizes, results into {db} "
              f"(tag bench_id={bench_id})\n")
    outcomes: list[SuiteOutcome] = []
    with tempfile.TemporaryDirectory(prefix="ipfs-accel-bench-") as logs:
        for i, suite in enumerate(suites, 1):
            outcomes.append(run_suite(suite, i, progress, db=db, bench_id=bench_id,
                                      quick=quick, verbose=verbose, log_dir=Path(logs)))
            if outcomes[-1].status == "interrupted":
                break
    return outcomes


def _check_db(db: Path) -> None:
    """A clear error now, not one per suite, for a DB that cannot be written."""
    from pytest_ipfs_accelerate.db.connect import open_database

    if not db.parent.is_dir():
        raise BenchError(f"--db {db}: folder {db.parent} does not exist; create it or "
                         "choose another path")
    open_database(db).close()


def list_suites(suites: Sequence[Suite], out: TextIO) -> None:
    width = max((len(s.name) for s in suites), default=0)
    for s in suites:
        out.write(f"{s.name:<{width}}  {s.description}\n")


def run_bench(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """``ipfs-accel bench``: list or run suites; 0 when every suite passed, 130 when
    interrupted, else 1."""
    root = Path(args.suites_dir).resolve() if args.suites_dir else HARNESS_DIR
    suites = select(discover(root), args.suites)
    if args.list:
        list_suites(suites, out)
        return 0
    if not suites:
        raise BenchError(f"no suites under {root}: a suite is a folder of test_*.py files")
    db = Path(args.db).expanduser().resolve()
    _check_db(db)
    start = time.monotonic()
    outcomes = run_suites(suites, db=db, quick=args.quick, verbose=args.verbose, out=out)
    failed = [o for o in outcomes if o.status != "passed"]
    out.write("\n" + summary_table(outcomes) + "\n")
    for o in failed:
        if o.log_tail:
            out.write(f"\n--- {o.name}: {o.status}; last lines of its output ---\n"
                      f"{o.log_tail}\n")
    out.write(f"\n{len(outcomes) - len(failed)} of {len(outcomes)} suite(s) passed in "
              f"{time.monotonic() - start:.1f}s; results in {db} "
              f"(ipfs-accel runs {db})\n")
    if any(o.status == "interrupted" for o in outcomes):
        return 130
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m harness``: ``ipfs-accel bench`` without the rest of the CLI; bad input
    exits 2 with one line, as there."""
    parser = argparse.ArgumentParser(prog="ipfs-accel bench", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_bench(args)
    except IpfsAccelError as exc:  # BenchError, or a DB the plugin refuses
        print(f"ipfs-accel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
