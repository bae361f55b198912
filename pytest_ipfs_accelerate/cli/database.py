"""``ipfs-accel merge | export``: whole results DBs."""

from __future__ import annotations

import argparse

from pytest_ipfs_accelerate.cli.arguments import add_db


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a results DB to Parquet, hive-partitioned by "
                                      "host, hardware fingerprint and date")
    add_db(p)
    p.add_argument("--parquet", required=True, metavar="DIR",
                   help="output directory (one subfolder per table)")
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
    from pytest_ipfs_accelerate.db.export import export_parquet

    counts = export_parquet(args.db, args.parquet, prefix=args.prefix)
    for table, rows in counts.items():
        print(f"{table}: {rows} rows")
    print(f"wrote {args.parquet} (partitioned by host, hardware_fingerprint, run_date)")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from pytest_ipfs_accelerate.db.merge import merge_databases

    result = merge_databases(args.out, args.inputs)
    rows = ", ".join(f"{t} +{n}" for t, n in sorted(result.rows_added.items()) if n)
    print(f"merged {len(result.inputs)} DBs into {args.out}: {result.runs_added} runs added, "
          f"{result.runs_skipped} already there{'; ' + rows if rows else ''}")
    return 0
