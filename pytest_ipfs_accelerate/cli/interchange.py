"""``ipfs-accel import DB PATH...``: history recorded by other tools, into a results DB.

A PATH is a JUnit XML file (pytest's ``--junitxml`` or any CI's), a JSON file saved by
pytest-benchmark, or a folder of them (``.benchmarks/``); they are told apart by content.
Each file becomes one run; importing a file again adds nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.cli.arguments import add_db


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import pytest-benchmark's saved runs (.benchmarks/) and "
                       "JUnit XML files into a results DB, one run per file")
    add_db(p, "results DuckDB file (created if missing)")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="a JUnit XML file, a pytest-benchmark JSON file, or a folder of them")
    p.set_defaults(func=cmd_import)


def read_paths(paths: list[Path]) -> list[Any]:
    """Every run in ``paths``, each file read by the importer its content asks for."""
    from pytest_ipfs_accelerate.benchmarks.imported import benchmark_files, read_pytest_benchmark
    from pytest_ipfs_accelerate.capture.imported import ImportFileError, read_junit

    runs = []
    for path in paths:
        if path.is_dir():
            files = benchmark_files(path)
            if not files:
                raise ImportFileError(f"{path}: a folder without .json files; give "
                                      "pytest-benchmark's .benchmarks folder or its files")
        elif path.is_file():
            files = [path]
        else:
            raise ImportFileError(f"{path}: no such file or folder")
        for file in files:
            with file.open("rb") as f:
                xml = f.read(512).lstrip().startswith(b"<")
            runs.append(read_junit(file) if xml else read_pytest_benchmark(file))
    return runs


def cmd_import(args: argparse.Namespace) -> int:
    from pytest_ipfs_accelerate.capture.imported import write_imported

    runs = read_paths([Path(p) for p in args.paths])
    added = 0
    for run, new in write_imported(args.db, runs):
        added += new
        state = f"run {run.run_id[:8]}" if new else f"already imported as run {run.run_id[:8]}"
        print(f"{run.source}: {run.fmt}, {run.summary}: {state}")
    print(f"imported {added} of {len(runs)} runs into {args.db}")
    return 0
