"""The live dashboard: a stdlib HTTP server on loopback over a results DB.

DuckDB allows one writer process, and a running pytest session writes. So the server
never holds the DB: each poll opens it read-only, reads, and closes it, waiting for a
writer's lock a short bounded time (``lock_wait_s``). When the DB stays busy, it serves
the last good snapshot with its age, marked ``stale``. Answers are cached for
``min_interval_s``, so many browsers cost one DB open per interval.

Endpoints: ``/`` (the page), ``/api/live`` (latest run, updated while it writes),
``/api/runs``, ``/api/charts`` (SVG charts: outcomes over runs, durations, benchmark
trends), ``/api/run/<id>`` (a run report as JSON), ``/report/<id>`` (the HTML report).

Only requests whose ``Host`` header names the address it listens on are answered (a web
page cannot reach it through a DNS name rebound to 127.0.0.1). A DB that cannot be read
(busy, corrupt) gives 503 with a JSON error, or the last good snapshot marked stale.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.errors import DatabaseError, DatabaseLockedError, IpfsAccelError
from pytest_ipfs_accelerate.report.build import FAILURE_TEXT
from pytest_ipfs_accelerate.report.dashboard_page import PAGE
from pytest_ipfs_accelerate.report.model import OUTCOMES, Limits, backend_summary, rows

LOOPBACK = ("127.0.0.1", "::1", "localhost")
_RUN_ID = re.compile(r"^[0-9a-fA-F-]{1,36}$")
RECENT = 15
#: Runs in the outcomes-over-runs chart; benchmark trend charts on the page.
HISTORY_RUNS = 30
TREND_CHARTS = 6
#: Characters of a failure's traceback and each captured stream sent to the page.
FAILURE_CHARS = 20_000
#: Snapshots kept (live, runs, and the run reports last asked for).
MAX_CACHED = 16


class NoSnapshot(IpfsAccelError):
    """The DB could not be read and nothing was read before."""


class Unreadable(DatabaseError):
    """The DB opened but a read failed (a corrupt block, a foreign file)."""


class SnapshotReader:
    """Read-only, brief, per-poll reads of the DB with the last good answer kept per key."""

    def __init__(self, path: Path, *, lock_wait_s: float = 0.4, min_interval_s: float = 0.2):
        self.path = path
        self.lock_wait_s = lock_wait_s
        self.min_interval_s = min_interval_s
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Any]] = {}

    def get(self, key: str, build: Callable[[Any], Any]) -> dict[str, Any]:
        """``{"data", "snapshot_at", "age_s", "stale", "busy", "error"}`` for ``key``."""
        with self._lock:
            now = time.time()
            cached = self._cache.get(key)
            if cached and now - cached[0] < self.min_interval_s:
                return self._answer(cached, now, stale=False)
            try:
                con = self._open()
            except DatabaseError as exc:  # busy (a writer's lock) or not there yet
                if cached is None:
                    raise NoSnapshot(str(exc)) from None
                busy = isinstance(exc, DatabaseLockedError)
                return self._answer(cached, now, stale=True, busy=busy, error=str(exc))
            try:
                data = build(con)  # errors in the question (unknown run) go to the caller
            except Exception as exc:
                if not _is_db_error(exc):  # a question the DB cannot answer (unknown run)
                    raise
                # the file itself: a checksum error, a foreign file
                error = f"{self.path}: cannot read the results DB: {_first_line(exc)}"
                if cached is None:
                    raise NoSnapshot(error) from None
                return self._answer(cached, now, stale=True, error=error)
            finally:
                con.close()
            if len(self._cache) >= MAX_CACHED:  # forget the oldest answer
                del self._cache[min(self._cache, key=lambda k: self._cache[k][0])]
            self._cache[key] = (now, data)
            return self._answer(self._cache[key], now, stale=False)

    def _open(self) -> Any:
        from pytest_ipfs_accelerate.db.connect import open_for_reading

        try:
            return open_for_reading(self.path, lock_timeout_s=self.lock_wait_s)
        except Exception as exc:  # what the open does not translate (a corrupt file)
            if not _is_db_error(exc):
                raise
            raise Unreadable(f"{self.path}: cannot open the results DB: "
                             f"{_first_line(exc)}") from None

    @staticmethod
    def _answer(entry: tuple[float, Any], now: float, *, stale: bool, busy: bool = False,
                error: str | None = None) -> dict[str, Any]:
        at, data = entry
        return {"data": data, "snapshot_at": at, "age_s": round(now - at, 3), "stale": stale,
                "busy": busy, "error": error}


def live_state(con: Any) -> dict[str, Any] | None:
    """The newest run as it stands: counts, progress, recent results, failures."""
    found = rows(con, """
        SELECT * REPLACE (CAST(run_id AS VARCHAR) AS run_id)
        FROM runs ORDER BY started_at DESC LIMIT 1""", [])
    if not found:
        return None
    run = found[0]
    rid = run["run_id"]
    counts = {o: 0 for o in OUTCOMES}
    for outcome, n in con.execute("SELECT outcome, count(*) FROM test_results "
                                  "WHERE run_id = ? GROUP BY outcome", [rid]).fetchall():
        counts[outcome] = n
    ops = rows(con, "SELECT DISTINCT kind, backend, is_simulated FROM operations "
                    "WHERE run_id = CAST(? AS UUID) AND kind IN ('ipfs', 'container')", [rid])
    hardware = rows(con, "SELECT device, is_simulated FROM hardware "
                         "WHERE run_id = CAST(? AS UUID) ORDER BY device", [rid])
    return {"run": run, "counts": counts, "total": sum(counts.values()),
            "finished": run["finished_at"] is not None,
            "backends": backend_summary(run, ops, hardware),
            "recent": rows(con, """
                SELECT nodeid, outcome, duration_s, finished_at FROM test_results
                WHERE run_id = ? ORDER BY finished_at DESC NULLS LAST LIMIT ?""",
                           [rid, RECENT]),
            "failures": rows(con, f"""
                SELECT nodeid, outcome, left(crash_message, 300) AS crash_message,
                       crash_path, crash_lineno,
                       {', '.join(f'left({c}, {FAILURE_CHARS}) AS {c}' for c in FAILURE_TEXT)}
                FROM test_results WHERE run_id = ? AND outcome IN ('failed', 'error')
                ORDER BY finished_at DESC NULLS LAST LIMIT 20""", [rid])}


def run_list(con: Any, limit: int = 50) -> list[dict[str, Any]]:
    return rows(con, """
        SELECT CAST(run_id AS VARCHAR) AS run_id, started_at, finished_at, exit_status, host,
               git_branch, left(git_commit, 12) AS git_commit, tox_env, tests, passed, failed,
               errors, skipped, xfailed, xpassed
        FROM run_summary ORDER BY started_at DESC LIMIT ?""", [limit])


def chart_state(con: Any) -> dict[str, Any]:
    """The page's charts as SVG text (``report.charts``): outcomes over the last runs, the
    newest run's test durations, and the trends of its benchmarks and metrics."""
    from pytest_ipfs_accelerate.report import charts

    history = [{"run_id": r["run_id"], "started_at": r["started_at"],
                "counts": {"passed": r["passed"], "failed": r["failed"], "error": r["errors"],
                           "skipped": r["skipped"], "xfailed": r["xfailed"],
                           "xpassed": r["xpassed"]}}
               for r in reversed(run_list(con, HISTORY_RUNS))]
    durations: dict[int, int] = {}
    if history:
        durations = dict(con.execute("""
            SELECT CAST(floor(log10(greatest(duration_s, 1e-9))) AS INTEGER), count(*)
            FROM test_results WHERE run_id = CAST(? AS UUID) AND kind = 'item'
            GROUP BY ALL""", [history[-1]["run_id"]]).fetchall())
    return {"outcomes": charts.outcome_history(history),
            "durations": charts.duration_histogram(durations),
            "trends": _trend_charts(con, history[-1]["run_id"]) if history else []}


def _trend_charts(con: Any, run_id: str) -> list[dict[str, str]]:
    """Trend lines of the newest run's benchmarks and metrics (real ones first)."""
    from pytest_ipfs_accelerate.analysis import AnalysisError, trend
    from pytest_ipfs_accelerate.db.connect import main_tables
    from pytest_ipfs_accelerate.report import charts

    if "metrics" not in main_tables(con):
        return []  # a DB of schema 1: no benchmarks
    names = {r[0] for r in con.execute(
        "SELECT name FROM benchmark_results WHERE run_id = CAST(? AS UUID) UNION "
        "SELECT name FROM metrics WHERE run_id = CAST(? AS UUID)", [run_id, run_id]).fetchall()}
    if not names:
        return []
    try:
        series = [s for s in trend(con) if s.name in names]
    except AnalysisError:
        return []
    series.sort(key=lambda s: (s.name, str(s.hardware_fingerprint)))
    real = [s for s in series if not s.is_simulated]
    sim = [s for s in series if s.is_simulated]
    real = real[:max(TREND_CHARTS // 2, TREND_CHARTS - len(sim))]  # both kinds get room
    out = []
    for s in real + sim[:TREND_CHARTS - len(real)]:
        data = {"name": s.name, "points": [
            {"value": p.value, "started_at": str(p.started_at or ""),
             "git_commit": p.git_commit} for p in s.points[-60:]], "change_points": []}
        out.append({"title": f"{s.name}{' (simulated)' if s.is_simulated else ''}",
                    "svg": charts.trend_line(data, unit=s.unit)})
    return out


def _is_db_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from DuckDB reading the file (not from our own code)."""
    import duckdb

    return isinstance(exc, duckdb.Error) and not isinstance(exc, IpfsAccelError)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class DashboardServer(ThreadingHTTPServer):
    """The HTTP server; ``reader`` does every DB read."""

    daemon_threads = True

    def __init__(self, db: Path, host: str = "127.0.0.1", port: int = 0, *,
                 lock_wait_s: float = 0.4, min_interval_s: float = 0.2) -> None:
        host = host.strip("[]")
        if host not in LOOPBACK:
            raise IpfsAccelError(f"serve: host {host!r} is not loopback; the dashboard only "
                                 "listens on 127.0.0.1 or ::1 (use an SSH tunnel to reach it "
                                 "remotely)")
        self.reader = SnapshotReader(db, lock_wait_s=lock_wait_s, min_interval_s=min_interval_s)
        if ":" in host:
            self.address_family = socket.AF_INET6
        try:
            super().__init__(("127.0.0.1" if host == "localhost" else host, port), _Handler)
        except OSError as exc:
            raise IpfsAccelError(f"serve: cannot listen on {host}:{port}: {exc.strerror}; "
                                 "choose another --port (0 picks a free one)") from None
        bound = self.server_address[1]
        #: ``Host`` header values answered: the address it listens on, or localhost.
        self.allowed_hosts = {f"{name}:{bound}" for name in (
            "localhost", "[::1]" if ":" in host else "127.0.0.1")}

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'[' + host + ']' if ':' in str(host) else host}:{port}/"


class _Handler(BaseHTTPRequestHandler):
    server: DashboardServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet by default
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        reader = self.server.reader
        host = (self.headers.get("Host") or "").strip().lower()
        if host not in self.server.allowed_hosts:
            self._error(HTTPStatus.FORBIDDEN, f"Host {host[:100]!r} is not this dashboard's "
                        f"address; open {self.server.url}")
            return
        try:
            if path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, PAGE.encode(), "text/html; charset=utf-8")
            elif path == "/api/live":
                self._json(reader.get("live", live_state))
            elif path == "/api/runs":
                self._json(reader.get("runs", run_list))
            elif path == "/api/charts":
                self._json(reader.get("charts", chart_state))
            elif m := re.fullmatch(r"/(api/run|report)/([^/]+)", path):
                kind, rid = m.groups()
                if not _RUN_ID.match(rid):
                    self._error(HTTPStatus.BAD_REQUEST, f"bad run id {rid!r}")
                elif kind == "report":
                    self._report_page(rid)
                else:
                    self._json(reader.get(f"run:{rid}", lambda con: _run_report(con, rid)))
            else:
                self._error(HTTPStatus.NOT_FOUND, f"no such page: {path}")
        except NoSnapshot as exc:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
        except IpfsAccelError as exc:
            self._error(HTTPStatus.NOT_FOUND, str(exc))
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # never a dropped connection: say what went wrong
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR,
                        f"{type(exc).__name__}: {_first_line(exc)}")

    def _report_page(self, rid: str) -> None:
        from pytest_ipfs_accelerate.report.build import build_run_report
        from pytest_ipfs_accelerate.report.html_page import render_html

        snap = self.server.reader.get(f"report:{rid}",
                                      lambda con: render_html(build_run_report(con, rid)))
        self._send(HTTPStatus.OK, snap["data"].encode(), "text/html; charset=utf-8")

    def _json(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, default=str, separators=(",", ":")).encode()
        self._send(HTTPStatus.OK, body, "application/json")

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, json.dumps({"error": message}).encode(), "application/json")

    def _send(self, status: HTTPStatus, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy",
                         "default-src 'self'; script-src 'unsafe-inline'; "
                         "style-src 'unsafe-inline'; img-src data:")
        self.end_headers()
        self.wfile.write(body)


def _run_report(con: Any, rid: str) -> dict[str, Any]:
    from pytest_ipfs_accelerate.report.build import build_run_report

    return build_run_report(con, rid, limits=Limits(tests=1000)).to_dict()


def serve(db: Path, host: str = "127.0.0.1", port: int = 8765,
          announce: Callable[[str], None] = print) -> None:
    """Serve until interrupted."""
    from pytest_ipfs_accelerate.db.connect import open_for_reading

    if not db.exists():
        raise DatabaseError(f"{db}: no such results DB; run `pytest --ipfs-accel-db {db}` "
                            "first or check the path")
    open_for_reading(db, on_wait=announce).close()  # a damaged or foreign file: one line
    server = DashboardServer(db, host, port)
    announce(f"serving {db} at {server.url} (Ctrl-C stops)")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
