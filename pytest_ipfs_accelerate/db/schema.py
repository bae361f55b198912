"""The versioned results schema: the migrations between versions, and the views.

``SCHEMA_VERSION`` is the version this code writes. Each entry of ``MIGRATIONS``
upgrades a database from version N-1 to N, in one transaction: the tables declared
``since`` N (``db.tables``, where every table is declared once) and the views of N. A
database newer than ``SCHEMA_VERSION`` is refused with a clear error, never written
to. No table uses ``INTEGER PRIMARY KEY`` without a default: rows are keyed by
``run_id`` (a UUID we generate) plus natural keys.
"""

from __future__ import annotations

from pytest_ipfs_accelerate.db.tables import TABLES

SCHEMA_VERSION = 3

#: Views of version 1.
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

#: Views of version 2.
V2_VIEWS = [
    """
CREATE VIEW benchmark_history AS
SELECT b.run_id, b.nodeid, b.name, b.group_name, b.status, b.median_s, b.mean_s, b.min_s,
       b.rounds, b.device, b.is_simulated, r.started_at AS run_started_at, r.git_commit,
       r.git_branch, r.tox_env, r.host, r.hardware_fingerprint
FROM benchmark_results b JOIN runs r USING (run_id)""",
]

#: version -> statements that build that version from the previous one: the tables it
#: creates (as of that version), the columns it adds to older ones, its views. Version 3
#: adds ``dropped_rows``, the backends of a run and of an operation, and the regression
#: gate's interval and verdicts.
MIGRATIONS: dict[int, list[str]] = {
    version: [*(t.ddl(version) for t in TABLES if t.since == version),
              *(stmt for t in TABLES for stmt in t.added_in(version)), *views]
    for version, views in ((1, V1_VIEWS), (2, V2_VIEWS), (3, []))
}
