"""The results tables, each declared once.

A :class:`Table` is declared as lines of ``name TYPE [constraints] [since N]``
(``since N``: a column that schema version N added to an older table; such columns come
last, in the order the versions added them). From that one declaration come its DDL
(as of any version), the ``ALTER TABLE`` of each later version, its column order, the cheaper types the writer stages each
column as (see ``db.staging``) and a typed row: a NamedTuple whose fields are the
columns, in order, each defaulting to the column's SQL default (else None). Row builders
construct rows by keyword (``TEST_RESULTS.row(nodeid=..., outcome=...)``), so a row can
never be out of step with the table. A :class:`Layout` is some columns of a table: the
writer appends only those, binds others once per flush (its constants) and leaves the
rest to their defaults.

Value conventions of appended rows (cheap for the Appender; the staging step converts
them): timestamps as epoch seconds, UUIDs as text (or ``UUID``), JSON as text, and a
``VARCHAR[]`` as one string, its items joined by :data:`LIST_SEPARATOR` (``''`` is the
empty list). Keyed rows (the writer's ``put``) are bound as SQL parameters instead:
``datetime`` for timestamps, lists for lists.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Mapping
from typing import Any

#: How a row carries a ``VARCHAR[]`` value (ASCII unit separator between items).
LIST_SEPARATOR = "\x1f"

#: Declared type -> (the type it is staged as, SQL that converts the staged value back).
STAGED_AS = {
    "TIMESTAMPTZ": ("DOUBLE", "to_timestamp({})"),
    "UUID": ("VARCHAR", "CAST({} AS UUID)"),
    "JSON": ("VARCHAR", "CAST({} AS JSON)"),
    "VARCHAR[]": ("VARCHAR", "CASE WHEN {0} = '' THEN []::VARCHAR[] "
                             f"ELSE string_split({{0}}, chr({ord(LIST_SEPARATOR)})) END"),
}

_PY_DEFAULTS = {"0": 0, "FALSE": False, "TRUE": True}


class Column:
    """One column: name, SQL type, constraints (``NOT NULL``, ``DEFAULT 0``...) and the
    schema version that added it to its table (0: the table's own)."""

    __slots__ = ("constraints", "default", "name", "since", "type")

    def __init__(self, line: str) -> None:
        name, sql_type, *rest = line.split()
        self.since = 0
        if len(rest) >= 2 and rest[-2] == "since":
            self.since = int(rest[-1])
            rest = rest[:-2]
        self.name, self.type, self.constraints = name, sql_type, " ".join(rest)
        words = self.constraints.upper().split()
        self.default: Any = (_PY_DEFAULTS[words[words.index("DEFAULT") + 1]]
                             if "DEFAULT" in words else None)

    def ddl(self) -> str:
        return f"{self.name} {self.type}{' ' + self.constraints if self.constraints else ''}"

    def staged(self) -> tuple[str, str]:
        """(staging type, conversion template with ``{}`` for the staged column)."""
        return STAGED_AS.get(self.type, (self.type, "{}"))


class Layout:
    """Rows of some ``columns`` of ``table``; ``constants`` are bound once per flush."""

    def __init__(self, name: str, table: Table, columns: Iterable[str],
                 constants: Iterable[str] = ()) -> None:
        self.name = name
        self.table = table
        self.columns: tuple[str, ...] = tuple(columns)
        self.constants: tuple[str, ...] = tuple(constants)
        unknown = [c for c in (*self.columns, *self.constants) if c not in table.by_name]
        if unknown:
            raise ValueError(f"layout {name}: {table.name} has no column {unknown[0]!r}")
        defaults = [table.by_name[c].default for c in self.columns]
        #: The typed row: ``layout.row(column=value, ...)``.
        self.row: Any = namedtuple(_class_name(name), self.columns, defaults=defaults)

    def from_mapping(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """A row from a mapping that may hold other keys too (missing columns: defaults)."""
        return self.row(**{c: values[c] for c in self.columns if c in values})


class Table(Layout):
    """A table: every column, declared once."""

    def __init__(self, name: str, declaration: str, *, since: int) -> None:
        self.all_columns = tuple(Column(line) for line in declaration.strip().splitlines())
        self.by_name = {c.name: c for c in self.all_columns}
        self.since = since  # the schema version that created it
        added = [max(c.since, since) for c in self.all_columns]
        if added != sorted(added) or any(0 < c.since <= since for c in self.all_columns):
            raise ValueError(f"table {name}: a column added by a later version must come "
                             "after the older ones and name a version after the table's")
        super().__init__(name, self, self.by_name)

    def ddl(self, version: int | None = None) -> str:
        """``CREATE TABLE`` as of schema ``version`` (default: the latest)."""
        body = ",\n    ".join(c.ddl() for c in self.all_columns
                              if version is None or c.since <= version)
        return f"CREATE TABLE {self.name} (\n    {body}\n)"

    def added_in(self, version: int) -> list[str]:
        """The ``ALTER TABLE`` statements with which ``version`` extends this table."""
        return [f"ALTER TABLE {self.name} ADD COLUMN {c.ddl()}"
                for c in self.all_columns if c.since == version and version > self.since]

    def layout(self, name: str, columns: Iterable[str], constants: Iterable[str] = ()) -> Layout:
        return Layout(name, self, columns, constants)


def _class_name(name: str) -> str:
    return "".join(p.capitalize() for p in name.replace(":", "_").split("_")) + "Row"


def _phases(*phases: str) -> str:
    return "".join(f"{p}_outcome VARCHAR\n{p}_duration_s DOUBLE\n{p}_started_at TIMESTAMPTZ\n"
                   f"{p}_finished_at TIMESTAMPTZ\n" for p in phases)


# -- version 1 -------------------------------------------------------------------------------
SCHEMA_META = Table("schema_meta", """
key VARCHAR PRIMARY KEY
value VARCHAR NOT NULL
""", since=1)

RUNS = Table("runs", """
run_id UUID PRIMARY KEY
started_at TIMESTAMPTZ NOT NULL
finished_at TIMESTAMPTZ
exit_status INTEGER
args VARCHAR[]
rootdir VARCHAR
invocation_dir VARCHAR
host VARCHAR
username VARCHAR
pid INTEGER
python_version VARCHAR
python_implementation VARCHAR
platform VARCHAR
pytest_version VARCHAR
plugin_version VARCHAR
git_commit VARCHAR
git_branch VARCHAR
git_dirty BOOLEAN
ci_provider VARCHAR
ci_job_url VARCHAR
tox_env VARCHAR
cpu_model VARCHAR
cpu_count INTEGER
ram_bytes BIGINT
hardware_fingerprint VARCHAR
xdist_workers INTEGER
tests_collected INTEGER
schema_version INTEGER NOT NULL
extra JSON
ipfs_backend VARCHAR since 3
ipfs_backend_version VARCHAR since 3
container_backend VARCHAR since 3
container_backend_version VARCHAR since 3
""", since=1)

RUN_TAGS = Table("run_tags", """
run_id UUID NOT NULL
key VARCHAR NOT NULL
value VARCHAR NOT NULL
""", since=1)

TEST_RESULTS = Table("test_results", f"""
run_id UUID NOT NULL
nodeid VARCHAR NOT NULL
kind VARCHAR NOT NULL
file VARCHAR
class_name VARCHAR
function VARCHAR
param_id VARCHAR
params JSON
markers VARCHAR[]
outcome VARCHAR NOT NULL
duration_s DOUBLE NOT NULL
started_at TIMESTAMPTZ
finished_at TIMESTAMPTZ
{_phases("setup", "call", "teardown")}longrepr VARCHAR
crash_path VARCHAR
crash_lineno INTEGER
crash_message VARCHAR
xfail_reason VARCHAR
skip_reason VARCHAR
stdout VARCHAR
stderr VARCHAR
log VARCHAR
user_properties JSON
warnings JSON
worker_id VARCHAR
rerun_count INTEGER NOT NULL DEFAULT 0
attempts JSON
device VARCHAR
is_simulated BOOLEAN NOT NULL DEFAULT FALSE
extra JSON
""", since=1)

OPERATIONS = Table("operations", """
run_id UUID NOT NULL
nodeid VARCHAR
kind VARCHAR NOT NULL
op VARCHAR NOT NULL
backend VARCHAR NOT NULL
is_simulated BOOLEAN NOT NULL
target VARCHAR
nbytes BIGINT
duration_s DOUBLE NOT NULL
ok BOOLEAN NOT NULL
error VARCHAR
started_at TIMESTAMPTZ NOT NULL
worker_id VARCHAR
extra JSON
backend_version VARCHAR since 3
""", since=1)

HARDWARE = Table("hardware", """
run_id UUID NOT NULL
device VARCHAR NOT NULL
kind VARCHAR NOT NULL
name VARCHAR
vendor VARCHAR
memory_bytes BIGINT
compute_capability VARCHAR
driver_version VARCHAR
runtime_version VARCHAR
is_simulated BOOLEAN NOT NULL DEFAULT FALSE
extra JSON
""", since=1)

# -- version 2: benchmarks (stats and raw rounds), custom metrics, stored regressions -------
BENCHMARK_RESULTS = Table("benchmark_results", """
run_id UUID NOT NULL
nodeid VARCHAR NOT NULL
name VARCHAR NOT NULL
fullname VARCHAR
group_name VARCHAR
params JSON
param_id VARCHAR
extra_info JSON
status VARCHAR NOT NULL
error VARCHAR
min_s DOUBLE
max_s DOUBLE
mean_s DOUBLE
stddev_s DOUBLE
median_s DOUBLE
iqr_s DOUBLE
q1_s DOUBLE
q3_s DOUBLE
ops DOUBLE
rounds INTEGER
iterations INTEGER
outliers VARCHAR
total_s DOUBLE
device VARCHAR
is_simulated BOOLEAN NOT NULL DEFAULT FALSE
started_at TIMESTAMPTZ
extra JSON
""", since=2)

BENCHMARK_SAMPLES = Table("benchmark_samples", """
run_id UUID NOT NULL
nodeid VARCHAR NOT NULL
name VARCHAR NOT NULL
round INTEGER NOT NULL
duration_s DOUBLE NOT NULL
""", since=2)

METRICS = Table("metrics", """
run_id UUID NOT NULL
nodeid VARCHAR
name VARCHAR NOT NULL
value DOUBLE NOT NULL
unit VARCHAR
direction VARCHAR NOT NULL
device VARCHAR
is_simulated BOOLEAN NOT NULL DEFAULT FALSE
recorded_at TIMESTAMPTZ
extra JSON
""", since=2)

REGRESSIONS = Table("regressions", """
candidate_run_id UUID NOT NULL
baseline_run_id UUID NOT NULL
nodeid VARCHAR
name VARCHAR NOT NULL
metric VARCHAR NOT NULL
baseline_value DOUBLE
candidate_value DOUBLE
ratio DOUBLE
p_value DOUBLE
method VARCHAR NOT NULL
threshold DOUBLE
is_regression BOOLEAN NOT NULL
detected_at TIMESTAMPTZ NOT NULL
is_improvement BOOLEAN since 3
change DOUBLE since 3
ci_low DOUBLE since 3
ci_high DOUBLE since 3
spread DOUBLE since 3
history_runs INTEGER since 3
note VARCHAR since 3
""", since=2)

# -- version 3: rows the writer could not store, and why ------------------------------------
DROPPED_ROWS = Table("dropped_rows", """
run_id UUID
table_name VARCHAR NOT NULL
nodeid VARCHAR
reason VARCHAR NOT NULL
row_text VARCHAR
dropped_at TIMESTAMPTZ NOT NULL
""", since=3)

#: Every table, in creation order.
TABLES: tuple[Table, ...] = (SCHEMA_META, RUNS, RUN_TAGS, TEST_RESULTS, OPERATIONS, HARDWARE,
                             BENCHMARK_RESULTS, BENCHMARK_SAMPLES, METRICS, REGRESSIONS,
                             DROPPED_ROWS)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
#: Column order of each table.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {t.name: t.columns for t in TABLES}

# -- test_results layouts: most rows say little, and each value costs the Appender ----------
# 0.8k-2.3k instructions a row, NULL included.
_IDENTITY_AND_TIMES = TEST_RESULTS.columns[:TEST_RESULTS.columns.index("longrepr")]

#: A result with nothing beyond its identity, outcome and times; ``run_id`` and ``kind``
#: are the same for every row of a run and are bound once per flush.
BRIEF_RESULTS = TEST_RESULTS.layout(
    "test_results:brief",
    [*(c for c in _IDENTITY_AND_TIMES if c not in ("run_id", "kind")), "worker_id"],
    constants=("run_id", "kind"))

#: A test that simply passed, in-process: also its outcomes and worker id are constants.
PLAIN_RESULTS = TEST_RESULTS.layout(
    "test_results:plain",
    [c for c in BRIEF_RESULTS.columns if c != "worker_id" and not c.endswith("outcome")],
    constants=("run_id", "kind", "outcome", "setup_outcome", "call_outcome",
               "teardown_outcome", "worker_id"))
