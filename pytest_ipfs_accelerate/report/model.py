"""The run report's data model: plain data that ``report.build`` fills from the DB.

Terminal, Markdown, HTML and JSON renderings are all made from a ``RunReport``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
BAD = ("failed", "error")
#: Version of the JSON report layout (``report_schema.json``); bump on incompatible change.
REPORT_VERSION = 1
#: Columns of ``ResultTable.rows`` (the all-tests table the HTML page pages through).
TEST_COLUMNS = ("nodeid", "outcome", "duration_s", "device", "is_simulated", "message")


@dataclass
class Limits:
    """Caps on every list a report carries (counts are always exact). A cap of 0 skips
    that list's query: ``Limits.summary()`` is what a terminal summary needs."""

    slowest: int = 10
    failures: int = 50
    #: Characters kept of each failure's traceback and captured output (0: none).
    failure_text: int = 20_000
    changes: int = 200
    tests: int = 100_000
    benchmarks: int = 200
    samples: int = 1000
    metrics: int = 500
    regressions: int = 200
    trend_series: int = 24
    trend_points: int = 60
    matrix_rows: int = 60
    matrix_columns: int = 24

    @classmethod
    def summary(cls, slowest: int = 10) -> Limits:
        """No all-tests table, trends or matrix: for the end-of-session terminal lines."""
        return cls(slowest=slowest, failure_text=0, tests=0, trend_series=0, matrix_rows=0)


@dataclass
class ResultTable:
    """The run's tests for the paged table: rows as JSON text made by DuckDB (no Python
    objects per row); ``rows`` parses it only when asked."""

    total: int = 0
    truncated: bool = False
    rows_json: str = "[]"

    @property
    def rows(self) -> list[list[Any]]:
        import json

        cached = self.__dict__.get("_rows")
        if cached is None:
            cached = self.__dict__["_rows"] = json.loads(self.rows_json)
        return cached

    def as_dict(self) -> dict[str, Any]:
        return {"columns": list(TEST_COLUMNS), "rows": self.rows, "total": self.total,
                "truncated": self.truncated}

    def script_json(self) -> str:
        """The ``as_dict()`` layout as JSON text, safe inside ``<script>``; made once."""
        import json

        from pytest_ipfs_accelerate.report.text import escape_json_for_script

        cached = self.__dict__.get("_script_json")
        if cached is None:
            cached = self.__dict__["_script_json"] = (
                f'{{"columns":{json.dumps(list(TEST_COLUMNS))},"rows":'
                f'{escape_json_for_script(self.rows_json)},"total":{int(self.total)},'
                f'"truncated":{json.dumps(bool(self.truncated))}}}')
        return cached


@dataclass
class RunReport:
    """Everything a report shows about one run."""

    run: dict[str, Any]
    counts: dict[str, int]
    total: int
    slowest: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    previous_run_id: str | None
    newly_failing: list[dict[str, Any]]
    newly_passing: list[dict[str, Any]]
    operations: list[dict[str, Any]]
    hardware: list[dict[str, Any]]
    tags: dict[str, str]
    sections: list[tuple[str, str]] = field(default_factory=list)
    db_path: str | None = None
    failures_total: int = 0
    newly_failing_total: int = 0
    newly_passing_total: int = 0
    tests: ResultTable = field(default_factory=ResultTable)
    benchmarks: list[dict[str, Any]] = field(default_factory=list)
    benchmarks_total: int = 0
    metrics: list[dict[str, Any]] = field(default_factory=list)
    metrics_total: int = 0
    regressions: list[dict[str, Any]] = field(default_factory=list)
    trends: list[dict[str, Any]] = field(default_factory=list)
    matrix: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def run_id(self) -> str:
        return str(self.run["run_id"])

    def to_dict(self, *, test_rows: bool = True) -> dict[str, Any]:
        """The JSON report's content (layout: ``report_schema.json``); without
        ``test_rows``, ``tests`` is left for the caller to fill."""
        data: dict[str, Any] = {"report_version": REPORT_VERSION}
        for name in self.__dataclass_fields__:
            data[name] = getattr(self, name)
        data["sections"] = [{"title": t, "text": x} for t, x in self.sections]
        data["tests"] = self.tests.as_dict() if test_rows else None
        return data


#: The run's backends: (``runs`` column prefix where the run records one, ``operations``
#: kind, label). Without the column, the operations of the run tell which backend served.
BACKEND_KINDS = (("ipfs", "ipfs", "IPFS"), ("container", "container", "containers"))


def backend_summary(run: dict[str, Any], operations: list[dict[str, Any]],
                    hardware: list[dict[str, Any]]) -> str:
    """``IPFS kubo 0.32.1; containers docker 27.3.1; devices cpu, cuda:0 (simulated)``: what
    served the run, simulated ones marked ("" when nothing is known)."""
    parts = []
    for prefix, kind, label in BACKEND_KINDS:
        named = run.get(f"{prefix}_backend")
        if named:
            version = run.get(f"{prefix}_backend_version")
            used = [(str(named) + (f" {version}" if version else ""), named == "simulated")]
        else:
            used = sorted({(str(o["backend"]), bool(o["is_simulated"])) for o in operations
                           if o.get("kind") == kind})
        if used:
            parts.append(f"{label} " + ", ".join(
                name + (" (simulated)" if sim else "") for name, sim in used))
    devices = [str(h["device"]) + (" (simulated)" if h.get("is_simulated") else "")
               for h in hardware]
    if devices:
        parts.append("devices " + ", ".join(devices))
    return "; ".join(parts)


def split_simulated(items: list[dict[str, Any]]) -> list[tuple[bool, list[dict[str, Any]]]]:
    """Real items, then simulated ones (by ``is_simulated``); empty groups left out."""
    real = [i for i in items if not i.get("is_simulated")]
    sim = [i for i in items if i.get("is_simulated")]
    return [(flag, group) for flag, group in ((False, real), (True, sim)) if group]


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """A query's rows as dicts of JSON-ready values (UUIDs and times as strings)."""
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, _plain(row), strict=True)) for row in cur.fetchall()]


def _plain(row: tuple) -> list[Any]:
    import datetime
    import uuid

    out = []
    for v in row:
        if isinstance(v, uuid.UUID):
            v = str(v)
        elif isinstance(v, datetime.datetime | datetime.date):
            v = v.isoformat()
        out.append(v)
    return out
