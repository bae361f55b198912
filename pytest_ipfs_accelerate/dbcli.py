"""The results-DB subcommands: ``runs``, ``report``, ``query``, ``config``."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.errors import DatabaseError, IpfsAccelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="list the runs in a results DB")
    p.add_argument("db", help="results DuckDB file")
    p.add_argument("--limit", type=int, default=50, help="show at most N runs (newest first)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("report", help="report on one run (default: the latest)")
    p.add_argument("db", help="results DuckDB file")
    p.add_argument("--run", help="run id (or a unique prefix); default: the latest run")
    p.add_argument("--format", choices=("md", "html", "json"), default=None,
                   help="output format (default: from -o's suffix, else md)")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.add_argument("--slowest", type=int, default=10, help="how many slowest tests to list")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("query", help="run read-only SQL against a results DB")
    p.add_argument("db", help="results DuckDB file")
    p.add_argument("sql", help="SQL text; the DB is opened read-only")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("config", help="show or check the effective TOML config")
    p.add_argument("action", choices=("show", "validate"))
    p.add_argument("--config", dest="config_file", help="config file (default: search cwd)")
    p.set_defaults(func=cmd_config)


def open_read_only(path: str) -> Any:
    from pytest_ipfs_accelerate.db.connect import open_database

    return open_database(path, read_only=True)


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
    from pytest_ipfs_accelerate.report.model import build_run_report, latest_run_id
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
    text = render(report, fmt)
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise IpfsAccelError(f"{out}: cannot write report: {exc.strerror}") from None
        print(f"wrote {out}")
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


def cmd_config(args: argparse.Namespace) -> int:
    from pytest_ipfs_accelerate.config import Settings

    settings = Settings.load(args.config_file)
    if args.action == "validate":
        settings.validate()
        print(f"{settings.source or 'defaults'}: OK")
        return 0
    import tomli_w

    print(f"# effective config (source: {settings.source or 'defaults only'}; secrets redacted)")
    sys.stdout.write(tomli_w.dumps(settings.as_dict(redact=True)))
    return 0


def emit(cur: Any, fmt: str) -> None:
    """Print a cursor's rows as an aligned table, CSV or JSON."""
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if fmt == "json":
        print(json.dumps([dict(zip(names, r, strict=True)) for r in rows], indent=2,
                         default=str, ensure_ascii=False))
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(names)
        writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
        return
    cells = [[_cell(v) for v in r] for r in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    print("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value).replace("\n", "\\n")
    return text if len(text) <= 80 else text[:77] + "..."
