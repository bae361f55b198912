"""The versioned results schema: DDL per version and the migrations between them.

``SCHEMA_VERSION`` is the version this code writes. Each entry of ``MIGRATIONS``
upgrades a database from version N-1 to N, in one transaction. A database newer
than ``SCHEMA_VERSION`` is refused with a clear error, never written to.
No table uses ``INTEGER PRIMARY KEY`` without a default: rows are keyed by
``run_id`` (a UUID we generate) plus natural keys.
"""

from __future__ import annotations

SCHEMA_VERSION = 2

_PHASE_COLUMNS = "".join(
    f"""
    {p}_outcome VARCHAR,
    {p}_duration_s DOUBLE,
    {p}_started_at TIMESTAMPTZ,
    {p}_finished_at TIMESTAMPTZ,"""
    for p in ("setup", "call", "teardown")
)

V1_TABLES = [
    """
CREATE TABLE schema_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
)""",
    """
CREATE TABLE runs (
    run_id UUID PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    exit_status INTEGER,
    args VARCHAR[],
    rootdir VARCHAR,
    invocation_dir VARCHAR,
    host VARCHAR,
    username VARCHAR,
    pid INTEGER,
    python_version VARCHAR,
    python_implementation VARCHAR,
    platform VARCHAR,
    pytest_version VARCHAR,
    plugin_version VARCHAR,
    git_commit VARCHAR,
    git_branch VARCHAR,
    git_dirty BOOLEAN,
    ci_provider VARCHAR,
    ci_job_url VARCHAR,
    tox_env VARCHAR,
    cpu_model VARCHAR,
    cpu_count INTEGER,
    ram_bytes BIGINT,
    hardware_fingerprint VARCHAR,
    xdist_workers INTEGER,
    tests_collected INTEGER,
    schema_version INTEGER NOT NULL,
    extra JSON
)""",
    """
CREATE TABLE run_tags (
    run_id UUID NOT NULL,
    key VARCHAR NOT NULL,
    value VARCHAR NOT NULL
)""",
    f"""
CREATE TABLE test_results (
    run_id UUID NOT NULL,
    nodeid VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    file VARCHAR,
    class_name VARCHAR,
    function VARCHAR,
    param_id VARCHAR,
    params JSON,
    markers VARCHAR[],
    outcome VARCHAR NOT NULL,
    duration_s DOUBLE NOT NULL,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,{_PHASE_COLUMNS}
    longrepr VARCHAR,
    crash_path VARCHAR,
    crash_lineno INTEGER,
    crash_message VARCHAR,
    xfail_reason VARCHAR,
    skip_reason VARCHAR,
    stdout VARCHAR,
    stderr VARCHAR,
    log VARCHAR,
    user_properties JSON,
    warnings JSON,
    worker_id VARCHAR,
    rerun_count INTEGER NOT NULL DEFAULT 0,
    attempts JSON,
    device VARCHAR,
    is_simulated BOOLEAN NOT NULL DEFAULT FALSE,
    extra JSON
)""",
    """
CREATE TABLE operations (
    run_id UUID NOT NULL,
    nodeid VARCHAR,
    kind VARCHAR NOT NULL,
    op VARCHAR NOT NULL,
    backend VARCHAR NOT NULL,
    is_simulated BOOLEAN NOT NULL,
    target VARCHAR,
    nbytes BIGINT,
    duration_s DOUBLE NOT NULL,
    ok BOOLEAN NOT NULL,
    error VARCHAR,
    started_at TIMESTAMPTZ NOT NULL,
    worker_id VARCHAR,
    extra JSON
)""",
    """
CREATE TABLE hardware (
    run_id UUID NOT NULL,
    device VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    name VARCHAR,
    vendor VARCHAR,
    memory_bytes BIGINT,
    compute_capability VARCHAR,
    driver_version VARCHAR,
    runtime_version VARCHAR,
    is_simulated BOOLEAN NOT NULL DEFAULT FALSE,
    extra JSON
)""",
]

V1_VIEWS = [
    """
CREATE VIEW test_history AS
SELECT t.nodeid, t.run_id, r.started_at AS run_started_at, r.git_commit, r.git_branch,
       r.host, r.tox_env, t.outcome, t.duration_s, t.rerun_count, t.is_simulated
FROM test_results t JOIN runs r USING (run_id)
WHERE t.kind = 'item'""",
    """
CREATE VIEW flaky_tests AS
WITH per_commit AS (
    SELECT t.nodeid, r.git_commit,
           count(DISTINCT CASE WHEN t.outcome IN ('failed', 'error') THEN 'bad'
                               WHEN t.outcome = 'passed' THEN 'good' END) AS kinds,
           count(*) AS runs,
           count(*) FILTER (WHERE t.outcome IN ('failed', 'error')) AS failures,
           max(r.started_at) AS last_seen
    FROM test_results t JOIN runs r USING (run_id)
    WHERE t.kind = 'item' AND r.git_commit IS NOT NULL
    GROUP BY t.nodeid, r.git_commit
), rerun_flakes AS (
    SELECT t.nodeid, r.git_commit, count(*) AS reruns_passed, max(r.started_at) AS last_seen
    FROM test_results t JOIN runs r USING (run_id)
    WHERE t.kind = 'item' AND t.rerun_count > 0 AND t.outcome = 'passed'
    GROUP BY t.nodeid, r.git_commit
)
SELECT coalesce(p.nodeid, f.nodeid) AS nodeid,
       coalesce(p.git_commit, f.git_commit) AS git_commit,
       coalesce(p.runs, 0) AS runs,
       coalesce(p.failures, 0) AS failures,
       coalesce(f.reruns_passed, 0) AS passed_after_rerun,
       greatest(p.last_seen, f.last_seen) AS last_seen
FROM (SELECT * FROM per_commit WHERE kinds > 1) p
FULL OUTER JOIN rerun_flakes f ON p.nodeid = f.nodeid AND p.git_commit = f.git_commit""",
    """
CREATE VIEW slowest_tests AS
SELECT run_id, nodeid, outcome, duration_s,
       rank() OVER (PARTITION BY run_id ORDER BY duration_s DESC) AS rank_in_run
FROM test_results
WHERE kind = 'item'""",
    """
CREATE VIEW run_summary AS
SELECT r.run_id, r.started_at, r.finished_at, r.exit_status, r.host, r.git_commit,
       r.git_branch, r.tox_env,
       count(t.nodeid) AS tests,
       count(*) FILTER (WHERE t.outcome = 'passed') AS passed,
       count(*) FILTER (WHERE t.outcome = 'failed') AS failed,
       count(*) FILTER (WHERE t.outcome = 'error') AS errors,
       count(*) FILTER (WHERE t.outcome = 'skipped') AS skipped,
       count(*) FILTER (WHERE t.outcome = 'xfailed') AS xfailed,
       count(*) FILTER (WHERE t.outcome = 'xpassed') AS xpassed,
       coalesce(sum(t.duration_s), 0) AS total_duration_s
FROM runs r LEFT JOIN test_results t USING (run_id)
GROUP BY ALL""",
]

#: Version 2: benchmarks (stats and raw rounds), custom metrics, stored regressions.
V2_TABLES = [
    """
CREATE TABLE benchmark_results (
    run_id UUID NOT NULL,
    nodeid VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    fullname VARCHAR,
    group_name VARCHAR,
    params JSON,
    param_id VARCHAR,
    extra_info JSON,
    status VARCHAR NOT NULL,
    error VARCHAR,
    min_s DOUBLE,
    max_s DOUBLE,
    mean_s DOUBLE,
    stddev_s DOUBLE,
    median_s DOUBLE,
    iqr_s DOUBLE,
    q1_s DOUBLE,
    q3_s DOUBLE,
    ops DOUBLE,
    rounds INTEGER,
    iterations INTEGER,
    outliers VARCHAR,
    total_s DOUBLE,
    device VARCHAR,
    is_simulated BOOLEAN NOT NULL DEFAULT FALSE,
    started_at TIMESTAMPTZ,
    extra JSON
)""",
    """
CREATE TABLE benchmark_samples (
    run_id UUID NOT NULL,
    nodeid VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    round INTEGER NOT NULL,
    duration_s DOUBLE NOT NULL
)""",
    """
CREATE TABLE metrics (
    run_id UUID NOT NULL,
    nodeid VARCHAR,
    name VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    unit VARCHAR,
    direction VARCHAR NOT NULL,
    device VARCHAR,
    is_simulated BOOLEAN NOT NULL DEFAULT FALSE,
    recorded_at TIMESTAMPTZ,
    extra JSON
)""",
    """
CREATE TABLE regressions (
    candidate_run_id UUID NOT NULL,
    baseline_run_id UUID NOT NULL,
    nodeid VARCHAR,
    name VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    baseline_value DOUBLE,
    candidate_value DOUBLE,
    ratio DOUBLE,
    p_value DOUBLE,
    method VARCHAR NOT NULL,
    threshold DOUBLE,
    is_regression BOOLEAN NOT NULL,
    detected_at TIMESTAMPTZ NOT NULL
)""",
]

#: How a writer row carries a ``VARCHAR[]`` value: its items joined by this (ASCII unit
#: separator) into one string; ``''`` is the empty list (see ``db.writer``).
LIST_SEPARATOR = "\x1f"

#: version -> statements that build that version from the previous one.
MIGRATIONS: dict[int, list[str]] = {
    1: V1_TABLES + V1_VIEWS,
    2: [*V2_TABLES, """
CREATE VIEW benchmark_history AS
SELECT b.run_id, b.nodeid, b.name, b.group_name, b.status, b.median_s, b.mean_s, b.min_s,
       b.rounds, b.device, b.is_simulated, r.started_at AS run_started_at, r.git_commit,
       r.git_branch, r.tox_env, r.host, r.hardware_fingerprint
FROM benchmark_results b JOIN runs r USING (run_id)"""],
}

#: Column order of the tables the writer appends to (must match the DDL above).
TEST_RESULT_COLUMNS = (
    "run_id nodeid kind file class_name function param_id params markers outcome duration_s "
    "started_at finished_at "
    + " ".join(f"{p}_outcome {p}_duration_s {p}_started_at {p}_finished_at"
               for p in ("setup", "call", "teardown"))
    + " longrepr crash_path crash_lineno crash_message xfail_reason skip_reason stdout stderr "
    "log user_properties warnings worker_id rerun_count attempts device is_simulated extra"
).split()

OPERATION_COLUMNS = (
    "run_id nodeid kind op backend is_simulated target nbytes duration_s ok error started_at "
    "worker_id extra"
).split()

HARDWARE_COLUMNS = (
    "run_id device kind name vendor memory_bytes compute_capability driver_version "
    "runtime_version is_simulated extra"
).split()

RUN_TAG_COLUMNS = ("run_id", "key", "value")

BENCHMARK_RESULT_COLUMNS = (
    "run_id nodeid name fullname group_name params param_id extra_info status error min_s "
    "max_s mean_s stddev_s median_s iqr_s q1_s q3_s ops rounds iterations outliers total_s "
    "device is_simulated started_at extra"
).split()

BENCHMARK_SAMPLE_COLUMNS = ("run_id", "nodeid", "name", "round", "duration_s")

METRIC_COLUMNS = (
    "run_id nodeid name value unit direction device is_simulated recorded_at extra"
).split()

REGRESSION_COLUMNS = (
    "candidate_run_id baseline_run_id nodeid name metric baseline_value candidate_value ratio "
    "p_value method threshold is_regression detected_at"
).split()

#: A result row that has nothing beyond its identity, outcome and times (most passing
#: tests), for a writer layout (``BufferedWriter.layout``): ``run_id`` and ``kind`` are
#: the same for every such row of a run and are bound once per flush, the other 16
#: columns take their defaults. Each value costs the Appender 0.8k-2.3k instructions
#: a row, NULL included.
BRIEF_RESULT_COLUMNS = (
    *(c for c in TEST_RESULT_COLUMNS[:TEST_RESULT_COLUMNS.index("longrepr")]
      if c not in ("run_id", "kind")),
    "worker_id",
)

#: The result row of a test that simply passed, in-process (``records.plain_row``): the
#: brief columns less its outcomes (all "passed") and worker id, constants of the layout.
PLAIN_RESULT_COLUMNS = tuple(c for c in BRIEF_RESULT_COLUMNS
                             if c != "worker_id" and not c.endswith("outcome"))

#: Appendable tables and their columns.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "test_results": tuple(TEST_RESULT_COLUMNS),
    "operations": tuple(OPERATION_COLUMNS),
    "hardware": tuple(HARDWARE_COLUMNS),
    "run_tags": RUN_TAG_COLUMNS,
    "benchmark_results": tuple(BENCHMARK_RESULT_COLUMNS),
    "benchmark_samples": BENCHMARK_SAMPLE_COLUMNS,
    "metrics": tuple(METRIC_COLUMNS),
    "regressions": tuple(REGRESSION_COLUMNS),
}
