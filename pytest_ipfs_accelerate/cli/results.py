"""``ipfs-accel runs | report | query``: read a results DB."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.cli.arguments import (
    add_db,
    add_output,
    add_table_format,
    emit,
    emit_rows,
    open_read_only,
    write_output,
)
from pytest_ipfs_accelerate.errors import DatabaseError, IpfsAccelError
from pytest_ipfs_accelerate.report.text import escape_controls


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="list the runs in a results DB")
    add_db(p)
    p.add_argument("--limit", type=int, default=50, help="show at most N runs (newest first)")
    p.add_argument("--wide", action="store_true",
                   help="every column in the table (default: the ones that fit 100 columns; "
                        "csv and json always have every column)")
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

    p = sub.add_parser("query", help="run read-only SQL against a results DB (nothing else: "
                       "no files, extensions or settings)")
    add_db(p)
    p.add_argument("sql", help="SQL text; the DB is opened read-only, reads of files outside "
                   "it, ATTACH, COPY, INSTALL/LOAD and SET are refused; several statements "
                   "print one table each")
    add_table_format(p)
    p.set_defaults(func=cmd_query)


#: ``runs`` in :data:`RUNS_WIDTH` columns: a short run id, the start to the minute, the
#: counts, and the branch (cut to what is left).
NARROW_RUNS = """
    SELECT left(CAST(s.run_id AS VARCHAR), 8) AS run,
           strftime(s.started_at, '%Y-%m-%d %H:%M') AS started, s.exit_status AS exit,
           s.tests, s.passed, s.failed, s.errors, s.skipped, s.xfailed, s.git_branch AS branch
    FROM run_summary s ORDER BY s.started_at DESC LIMIT ?"""
RUNS_WIDTH = 100
WIDE_RUNS = """
    SELECT CAST(s.run_id AS VARCHAR) AS run_id, s.started_at, s.finished_at,
           s.exit_status, s.host, s.git_branch, left(s.git_commit, 12) AS git_commit,
           s.tox_env, s.tests, s.passed, s.failed, s.errors, s.skipped, s.xfailed, s.xpassed
    FROM run_summary s ORDER BY s.started_at DESC LIMIT ?"""


def cmd_runs(args: argparse.Namespace) -> int:
    if args.limit < 0:
        raise IpfsAccelError(f"--limit must be 0 or more, got {args.limit}")
    con = open_read_only(args.db)
    try:
        if args.format == "table" and not args.wide:
            cur = con.execute(NARROW_RUNS, [args.limit])
            emit_rows([d[0] for d in cur.description], cur.fetchall(), "table",
                      width=RUNS_WIDTH)
        else:
            emit(con.execute(WIDE_RUNS, [args.limit]), args.format)
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


#: DuckDB's own switches that leave a connection the DB it opened and nothing else: no
#: file outside it (read_text, read_csv, glob, COPY, EXPORT, ATTACH), no extension
#: installed or loaded, and no setting changed afterwards (lock last).
QUERY_LOCKDOWN = ("SET enable_external_access = false",
                  "SET autoinstall_known_extensions = false",
                  "SET autoload_known_extensions = false",
                  "SET allow_community_extensions = false",
                  "SET lock_configuration = true")


def lock_down(con: Any) -> None:
    """Apply :data:`QUERY_LOCKDOWN` to a connection that will run a user's SQL."""
    for statement in QUERY_LOCKDOWN:
        con.execute(statement)


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    def failed(exc: Exception) -> IpfsAccelError:
        first = escape_controls(str(exc).strip().splitlines()[0])
        return IpfsAccelError(f"query failed ({args.db}, opened read-only; files outside the "
                              f"DB, extensions and settings are off): {first}")

    con = open_read_only(args.db)
    try:
        lock_down(con)
        try:
            statements = con.extract_statements(args.sql)
        except duckdb.Error as exc:
            raise failed(exc) from None
        if not statements:
            raise IpfsAccelError("query: no SQL statement given")
        if len(statements) > 1 and args.format != "table":
            raise IpfsAccelError(f"query: {len(statements)} statements given, but --format "
                                 f"{args.format} prints one result; run them one at a time "
                                 "(the table format prints each)")
        for i, statement in enumerate(statements, 1):
            try:
                cur = con.execute(statement)
            except duckdb.Error as exc:
                raise failed(exc) from None
            if len(statements) > 1:
                text = " ".join(statement.query.split())
                print(f"{'' if i == 1 else chr(10)}-- statement {i} of {len(statements)}: "
                      f"{escape_controls(text[:90])}")
            if cur.description is not None:
                emit(cur, args.format)
            elif len(statements) > 1:
                print("(no result)")
    finally:
        con.close()
    return 0
