"""``ipfs-accel runs | report | query``: read a results DB."""

from __future__ import annotations

import argparse
from pathlib import Path

from pytest_ipfs_accelerate.cli.arguments import (
    add_db,
    add_output,
    add_table_format,
    emit,
    open_read_only,
    write_output,
)
from pytest_ipfs_accelerate.errors import DatabaseError, IpfsAccelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="list the runs in a results DB")
    add_db(p)
    p.add_argument("--limit", type=int, default=50, help="show at most N runs (newest first)")
    add_table_format(p)
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("report", help="report on one run (default: the latest)")
    add_db(p)
    p.add_argument("--run", help="run id (or a unique prefix); default: the latest run")
    p.add_argument("--format", choices=("md", "html", "json"), default=None,
                   help="output format (default: from -o's suffix, else md)")
    add_output(p)
    p.add_argument("--slowest", type=int, default=10, help="how many slowest tests to list")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("query", help="run read-only SQL against a results DB")
    add_db(p)
    p.add_argument("sql", help="SQL text; the DB is opened read-only")
    add_table_format(p)
    p.set_defaults(func=cmd_query)


def cmd_runs(args: argparse.Namespace) -> int:
    con = open_read_only(args.db)
    try:
        cur = con.execute("""
            SELECT CAST(s.run_id AS VARCHAR) AS run_id, s.started_at, s.finished_at,
                   s.exit_status, s.host, s.git_branch, left(s.git_commit, 12) AS git_commit,
                   s.tox_env, s.tests, s.passed, s.failed, s.errors, s.skipped
            FROM run_summary s ORDER BY s.started_at DESC LIMIT ?""", [args.limit])
        emit(cur, args.format)
    finally:
        con.close()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pytest_ipfs_accelerate.report.build import build_run_report, latest_run_id
    from pytest_ipfs_accelerate.report.render import format_for_path, render

    out = Path(args.output) if args.output else None
    fmt = args.format or (format_for_path(out) if out else "md")
    con = open_read_only(args.db)
    try:
        run_id = args.run or latest_run_id(con)
        if run_id is None:
            raise DatabaseError(f"{args.db}: holds no runs yet")
        report = build_run_report(con, run_id, slowest=args.slowest, db_path=args.db)
    finally:
        con.close()
    write_output(render(report, fmt), out, what="report")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    con = open_read_only(args.db)
    try:
        try:
            cur = con.execute(args.sql)
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            raise IpfsAccelError(f"query failed ({args.db}, opened read-only): {first}") from None
        if cur.description is None:
            return 0
        emit(cur, args.format)
    finally:
        con.close()
    return 0
