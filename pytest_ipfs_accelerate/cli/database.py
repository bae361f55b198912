"""``ipfs-accel merge | export``: whole results DBs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pytest_ipfs_accelerate.cli.arguments import add_db, open_read_only
from pytest_ipfs_accelerate.errors import IpfsAccelError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a results DB to Parquet (hive-partitioned by "
                                      "host, hardware fingerprint and date), or one run to "
                                      "JUnit XML")
    add_db(p)
    p.add_argument("--parquet", metavar="DIR",
                   help="output directory (one subfolder per table)")
    p.add_argument("--junitxml", metavar="FILE",
                   help="write one run as JUnit XML, the layout of pytest --junitxml ('-': "
                        "stdout)")
    p.add_argument("--run", help="the run for --junitxml: id or unique prefix (default: the "
                   "latest)")
    p.add_argument("--prefix", default=None,
                   help="file name prefix (default: the DB's file stem); re-exporting with "
                        "the same prefix replaces those files")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("merge", help="merge results DBs into one, deduplicating by run id "
                                     "(idempotent); also folds pending spool files")
    p.add_argument("out", help="output DuckDB file (created if missing)")
    p.add_argument("inputs", nargs="+", metavar="IN", help="results DBs to merge in")
    p.set_defaults(func=cmd_merge)

def cmd_export(args: argparse.Namespace) -> int:
    if not (args.parquet or args.junitxml):
        raise IpfsAccelError("export: say what to write: --parquet DIR and/or --junitxml FILE")
    if args.run and not args.junitxml:
        raise IpfsAccelError("export: --run picks the run for --junitxml; add --junitxml FILE")
    if args.junitxml:
        export_junit(args.db, args.junitxml, args.run)
    if args.parquet:
        from pytest_ipfs_accelerate.db.export import export_parquet

        counts = export_parquet(args.db, args.parquet, prefix=args.prefix)
        for table, rows in counts.items():
            print(f"{table}: {rows} rows")
        print(f"wrote {args.parquet} (partitioned by host, hardware_fingerprint, run_date)")
    return 0


def export_junit(db: str, output: str, run: str | None) -> None:
    """One run of ``db`` as JUnit XML to ``output`` (``-``: stdout)."""
    from pytest_ipfs_accelerate.errors import DatabaseError
    from pytest_ipfs_accelerate.report.build import latest_run_id
    from pytest_ipfs_accelerate.report.junit import junit_xml

    con = open_read_only(db)
    try:
        run_id = run or latest_run_id(con)
        if run_id is None:
            raise DatabaseError(f"{db}: holds no runs yet")
        data = junit_xml(con, run_id)
    finally:
        con.close()
    if output == "-":
        sys.stdout.write(data.decode("utf-8"))
        return
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise IpfsAccelError(f"{output}: cannot write the JUnit XML: {exc.strerror}") from None
    print(f"wrote {output} (JUnit XML of run {str(run_id)[:8]})")


def cmd_merge(args: argparse.Namespace) -> int:
    from pytest_ipfs_accelerate.db.merge import merge_databases

    result = merge_databases(args.out, args.inputs)
    rows = ", ".join(f"{t} +{n}" for t, n in sorted(result.rows_added.items()) if n)
    print(f"merged {len(result.inputs)} DBs into {args.out}: {result.runs_added} runs added, "
          f"{result.runs_skipped} already there{'; ' + rows if rows else ''}")
    return 0
