"""Arguments and output helpers that several command groups share, declared once."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.errors import IpfsAccelError

TABLE_FORMATS = ("table", "csv", "json")


def add_db(parser: argparse.ArgumentParser, help: str = "results DuckDB file") -> None:
    """The ``DB`` positional argument."""
    parser.add_argument("db", help=help)


def add_config_file(parser: argparse.ArgumentParser) -> None:
    """``--config FILE``: the TOML config (default: search the current directory)."""
    parser.add_argument("--config", dest="config_file",
                        help="config file (default: search cwd)")


def add_output(parser: argparse.ArgumentParser) -> None:
    """``-o/--output FILE``: write there instead of stdout."""
    parser.add_argument("-o", "--output", help="write to this file instead of stdout")


def add_table_format(parser: argparse.ArgumentParser) -> None:
    """``--format table|csv|json`` for commands that print rows."""
    parser.add_argument("--format", choices=TABLE_FORMATS, default="table")


def settings(path: str | None) -> Any:
    """The config from ``path``, else the one found from the current directory."""
    from pytest_ipfs_accelerate.config import Settings

    return Settings.load(path)


def open_read_only(path: str) -> Any:
    """The results DB at ``path``, read-only (clear errors for every bad file). A writer
    busy with it (a pytest run flushing) is waited for, bounded, with a line on stderr
    after a few seconds."""
    from pytest_ipfs_accelerate.db.connect import open_for_reading

    return open_for_reading(path, on_wait=lambda line: print(line, file=sys.stderr, flush=True))


def write_output(text: str, output: str | Path | None = None, *, what: str = "") -> None:
    """``text`` to stdout, or to the file ``output`` (then ``wrote FILE`` is printed)."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise IpfsAccelError(f"{output}: cannot write{' ' + what if what else ''}: "
                             f"{exc.strerror}") from None
    print(f"wrote {output}")


def emit(cur: Any, fmt: str) -> None:
    """Print a cursor's rows as an aligned table, CSV or JSON. No control character from
    the data reaches the terminal: the table and CSV show them as escapes (CSV keeps the
    line feeds and tabs it quotes; its lines end with ``\\n``), JSON as ``\\u`` escapes."""
    emit_rows([str(d[0]) for d in cur.description], cur.fetchall(), fmt)


def emit_rows(names: list[str], rows: list[Any], fmt: str, *, width: int | None = None) -> None:
    """:func:`emit` for rows at hand. ``width``: the table's last column is cut (``…``) so
    that every line fits that many characters."""
    from pytest_ipfs_accelerate.report.text import escape_controls, escape_json_controls

    names = [escape_controls(n) for n in names]
    if fmt == "json":
        print(escape_json_controls(json.dumps([dict(zip(names, r, strict=True)) for r in rows],
                                              indent=2, default=str, ensure_ascii=False)))
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([escape_controls(v, keep="\n\t") if isinstance(v, str) else v
                          for v in r] for r in rows)
        sys.stdout.write(buf.getvalue())
        return
    cells = [[_cell(v) for v in r] for r in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    if width is not None and names:
        room = max(width - sum(widths[:-1]) - 2 * (len(names) - 1), len(names[-1]), 4)
        for r in cells:
            if len(r[-1]) > room:
                r[-1] = r[-1][:room - 1] + "…"
        widths[-1] = max([len(names[-1])] + [len(r[-1]) for r in cells])
    print("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def _cell(value: Any) -> str:
    from pytest_ipfs_accelerate.report.text import escape_controls

    if value is None:
        return ""
    text = escape_controls(str(value))
    return text if len(text) <= 80 else text[:77] + "..."
