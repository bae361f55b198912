"""``ipfs-accel compare | trend | matrix``: benchmark regressions, trends, the compatibility
matrix."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from pytest_ipfs_accelerate.cli.arguments import (
    add_config_file,
    add_db,
    add_output,
    open_read_only,
    settings,
    write_output,
)
from pytest_ipfs_accelerate.config.thresholds import METHODS
from pytest_ipfs_accelerate.errors import IpfsAccelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare a run's benchmarks and metrics with a baseline "
                       "run (a CI gate with --fail-on-regression)")
    add_db(p)
    p.add_argument("--candidate", help="run id (or unique prefix); default: the latest run "
                   "with benchmarks or metrics")
    p.add_argument("--baseline", help="run id (or unique prefix); default: the latest earlier "
                   "run with the same hardware, branch and tox env")
    p.add_argument("--fail-on-regression", action="store_true",
                   help="exit 1 when anything regressed")
    p.add_argument("--force", action="store_true",
                   help="compare runs even when their hardware fingerprints differ")
    p.add_argument("--threshold", type=float, metavar="X",
                   help="default relative threshold (0.1 = 10%%), over the config's")
    p.add_argument("--method", choices=METHODS, default=None,
                   help="noise: judge each change against the benchmark's run-to-run spread "
                        "over its history (default); classic: rank test or z-score against "
                        "the baseline, the method before it (default: config)")
    p.add_argument("--min-history", type=int, metavar="N", default=None,
                   help="runs of history before the noise method judges a change "
                        "(default: config, 3)")
    p.add_argument("--all", action="store_true", help="list unchanged results too")
    p.add_argument("--no-store", action="store_true",
                   help="do not store the comparisons in the regressions table")
    p.add_argument("--format", choices=("md", "json"), default="md")
    add_config_file(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("trend", help="history of each benchmark per hardware, with change "
                       "points")
    add_db(p)
    p.add_argument("--benchmark", help="benchmark name or nodeid (substring of the nodeid "
                   "also matches)")
    p.add_argument("--hardware", help="hardware fingerprint prefix or device label")
    p.add_argument("--min-step", type=float, default=None, metavar="X",
                   help="smallest relative step reported (default: config, 0.10)")
    p.add_argument("--format", choices=("md", "json"), default="md")
    add_config_file(p)
    p.set_defaults(func=cmd_trend)

    p = sub.add_parser("matrix", help="compatibility matrix: tests or models x hardware")
    add_db(p)
    p.add_argument("--by", choices=("test", "model"), default="test")
    p.add_argument("--run", help="only this run (id or unique prefix)")
    p.add_argument("--format", choices=("md", "html", "json"), default="md")
    add_output(p)
    p.set_defaults(func=cmd_matrix)


def cmd_compare(args: argparse.Namespace) -> int:
    from pytest_ipfs_accelerate.analysis import CompareOptions, compare_runs, store_comparisons
    from pytest_ipfs_accelerate.db.connect import open_database
    from pytest_ipfs_accelerate.errors import DatabaseLockedError
    from pytest_ipfs_accelerate.report.analysis_render import compare_json, compare_markdown

    opts = CompareOptions.from_settings(settings(args.config_file))
    if args.threshold is not None:
        if args.threshold <= 0:
            raise IpfsAccelError(f"--threshold must be positive (0.1 = 10%), got {args.threshold}")
        opts = dataclasses.replace(opts, threshold=args.threshold)
    if args.method is not None:
        opts = dataclasses.replace(opts, method=args.method)
    if args.min_history is not None:
        if args.min_history < 1:
            raise IpfsAccelError(f"--min-history must be at least 1, got {args.min_history}")
        opts = dataclasses.replace(opts, min_history=args.min_history)
    store = not args.no_store
    try:
        con = open_database(args.db, read_only=not store)
    except DatabaseLockedError:
        print(f"ipfs-accel: note: {args.db} is being written by another process; comparing "
              "read-only, results not stored", file=sys.stderr)
        con, store = open_database(args.db, read_only=True), False
    try:
        result = compare_runs(con, args.candidate, args.baseline, force=args.force, options=opts)
        if store:
            store_comparisons(con, result)
    finally:
        con.close()
    if args.format == "json":
        write_output(compare_json(result))
    else:
        write_output(compare_markdown(result, only_changes=not args.all))
    return 1 if args.fail_on_regression and result.regressions else 0


def cmd_trend(args: argparse.Namespace) -> int:
    from pytest_ipfs_accelerate.analysis import trend
    from pytest_ipfs_accelerate.report.analysis_render import trend_json, trend_markdown

    min_step = args.min_step
    if min_step is None:
        min_step = float(settings(args.config_file).get("benchmarks.min_step"))
    if min_step < 0:
        raise IpfsAccelError(f"--min-step must be >= 0, got {min_step}")
    con = open_read_only(args.db)
    try:
        series = trend(con, args.benchmark, hardware=args.hardware, min_step=min_step)
    finally:
        con.close()
    write_output(trend_json(series) if args.format == "json" else trend_markdown(series))
    return 0


def cmd_matrix(args: argparse.Namespace) -> int:
    from pytest_ipfs_accelerate.analysis import compatibility_matrix
    from pytest_ipfs_accelerate.report.analysis_render import (
        matrix_dict,
        matrix_html,
        matrix_markdown,
    )

    con = open_read_only(args.db)
    try:
        m = compatibility_matrix(con, by=args.by, run=args.run)
    finally:
        con.close()
    if args.format == "json":
        import json

        text = json.dumps(matrix_dict(m), indent=2)
    elif args.format == "html":
        text = matrix_html(m)
    else:
        text = matrix_markdown(m)
    write_output(text, args.output)
    return 0
